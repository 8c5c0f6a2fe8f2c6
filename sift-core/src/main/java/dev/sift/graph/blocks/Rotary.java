package dev.sift.graph.blocks;

import dev.sift.graph.Attr;
import dev.sift.graph.GraphBuilder;
import dev.sift.model.ModelException;
import java.util.List;

/**
 * Rotary position embeddings in transformers' rotate-half layout: x·cos + rotate_half(x)·sin, where the angles of
 * frequency j sit at columns j and j + size/2 (the reference's {@code cat(freqs, freqs)}). The cos and sin tables
 * are computed here once, in float32 as torch computes them, stored in the graph and gathered by position.
 *
 * @param cos cos of the positions' angles, [sequence, size]: broadcasts against [batch, heads, sequence, size]
 * @param sin sin of the same angles
 * @param size the head size the tables are for
 */
public record Rotary(String cos, String sin, long size) {

    /** {@code 1 / base^(2i/size)} for i below size/2, in float32 like the references' inv_freq. */
    public static float[] inverseFrequencies(double base, int size) {
        if (size % 2 != 0) throw new ModelException("rotary embeddings need an even head size, not " + size);
        float[] inv = new float[size / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / size;
            inv[i] = 1f / (float) Math.pow((float) base, exponent);
        }
        return inv;
    }

    /**
     * The tables of positions 0 .. rows-1 for {@code inverseFrequencies}, gathered at {@code positions}
     * (int64, [sequence]).
     */
    public static Rotary at(GraphBuilder g, float[] inverseFrequencies, int rows, String positions) {
        int half = inverseFrequencies.length;
        int size = 2 * half;
        float[] cos = new float[rows * size];
        float[] sin = new float[rows * size];
        for (int p = 0; p < rows; p++) {
            for (int j = 0; j < half; j++) {
                float angle = p * inverseFrequencies[j]; // a float32 product, as the reference's
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                cos[p * size + j] = c;
                cos[p * size + half + j] = c;
                sin[p * size + j] = s;
                sin[p * size + half + j] = s;
            }
        }
        return new Rotary(g.gather(g.floats(cos, rows, size), positions, 0),
                g.gather(g.floats(sin, rows, size), positions, 0), size);
    }

    /** Rotates x [batch, heads, sequence, size]: x·cos + rotate_half(x)·sin, rotate_half(x) = (-x₂, x₁). */
    public String apply(GraphBuilder g, String x) {
        String[] halves = g.ops("Split", 2, List.of(Attr.i("axis", -1)), x, g.ints(size / 2, size / 2));
        String rotated = g.op("Concat", List.of(Attr.i("axis", -1)), g.op("Neg", halves[1]), halves[0]);
        return g.add(g.mul(x, cos), g.mul(rotated, sin));
    }
}
