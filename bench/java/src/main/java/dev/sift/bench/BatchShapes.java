package dev.sift.bench;

import dev.sift.engine.EngineOptions;
import dev.sift.engine.OnnxEngine;
import dev.sift.engine.Readout;
import java.nio.file.Path;
import java.util.Arrays;

/** Prints ORT tokens/s for batch shapes rows x width: java ... BatchShapes model.onnx output threads */
public final class BatchShapes {
    public static void main(String[] args) {
        OnnxEngine engine = OnnxEngine.open(Path.of(args[0]), new EngineOptions(1, Integer.parseInt(args[2])));
        Readout readout = Readout.whole(args[1]);
        int[] widths = {32, 64, 128, 256};
        int[] rows = {1, 2, 4, 8, 16, 32};
        // warm
        for (int i = 0; i < 3; i++) run(engine, readout, 8, 128);
        for (int w : widths) {
            StringBuilder line = new StringBuilder("width " + w + ":");
            for (int r : rows) {
                long tokens = 0, nanos = 0;
                double[] t = new double[5];
                for (int k = 0; k < t.length; k++) {
                    long s = System.nanoTime();
                    run(engine, readout, r, w);
                    t[k] = (System.nanoTime() - s) / 1e9;
                }
                Arrays.sort(t);
                line.append(String.format("  r%d %.0f", r, r * w / t[2]));
            }
            System.out.println(line);
        }
    }

    static void run(OnnxEngine engine, Readout readout, int rows, int width) {
        long[][] ids = new long[rows][width];
        long[][] types = new long[rows][width];
        for (long[] row : ids) Arrays.fill(row, 2000);
        engine.run(ids, types, 0, readout);
    }
}
