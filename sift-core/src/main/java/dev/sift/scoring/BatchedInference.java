package dev.sift.scoring;

import dev.sift.batching.BatchPlanner;
import dev.sift.engine.OnnxEngine;
import dev.sift.engine.Output;
import dev.sift.tokenize.Encoded;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Runs tokenized inputs through the engine in length-sorted batches and hands each input its output row. */
final class BatchedInference {

    /** Receives the output row of one input. */
    interface RowSink {
        void accept(int input, Output output, int row, int length);
    }

    private final OnnxEngine engine;
    private final BatchPlanner planner;
    private final long padTokenId;

    BatchedInference(OnnxEngine engine, BatchPlanner planner, long padTokenId) {
        this.engine = engine;
        this.planner = planner;
        this.padTokenId = padTokenId;
    }

    void run(List<Encoded> inputs, String outputName, RowSink sink) {
        int[] lengths = new int[inputs.size()];
        for (int i = 0; i < lengths.length; i++) lengths[i] = inputs.get(i).length();
        List<int[]> batches = planner.plan(lengths);
        List<CompletableFuture<Output>> running = new ArrayList<>(batches.size());
        for (int[] batch : batches) {
            long[][] ids = new long[batch.length][];
            long[][] types = new long[batch.length][];
            for (int r = 0; r < batch.length; r++) {
                Encoded e = inputs.get(batch[r]);
                ids[r] = e.ids();
                types[r] = e.typeIds();
            }
            running.add(engine.run(ids, types, padTokenId, outputName));
        }
        for (int b = 0; b < batches.size(); b++) {
            Output output = join(running.get(b));
            int[] batch = batches.get(b);
            for (int r = 0; r < batch.length; r++) sink.accept(batch[r], output, r, lengths[batch[r]]);
        }
    }

    private static Output join(CompletableFuture<Output> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) throw cause;
            throw e;
        }
    }
}
