package dev.sift.batching;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Groups inputs into batches of similar length, so that padding (compute spent on nothing) stays small: inputs
 * are sorted longest first and cut into runs whose padded size stays under a token budget and a row cap.
 */
public final class BatchPlanner {

    private final int maxBatchSize;
    private final int maxBatchTokens;

    /**
     * @param maxBatchSize   most inputs in one batch
     * @param maxBatchTokens most padded tokens (rows times the longest row) in one batch; a single input longer
     *                       than this still gets a batch of its own
     */
    public BatchPlanner(int maxBatchSize, int maxBatchTokens) {
        if (maxBatchSize < 1) throw new IllegalArgumentException("max batch size must be at least 1");
        if (maxBatchTokens < 1) throw new IllegalArgumentException("max batch tokens must be at least 1");
        this.maxBatchSize = maxBatchSize;
        this.maxBatchTokens = maxBatchTokens;
    }

    /** Returns the batches as arrays of input indexes, each batch longest first. */
    public List<int[]> plan(int[] lengths) {
        Integer[] order = new Integer[lengths.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        // Stable: equal lengths keep their input order, so a plan is reproducible.
        Arrays.sort(order, (a, b) -> Integer.compare(lengths[b], lengths[a]));
        List<int[]> batches = new ArrayList<>();
        int start = 0;
        while (start < order.length) {
            int width = Math.max(1, lengths[order[start]]);
            int end = start + 1;
            while (end < order.length && end - start < maxBatchSize && (long) (end - start + 1) * width <= maxBatchTokens) {
                end++;
            }
            int[] batch = new int[end - start];
            for (int i = start; i < end; i++) batch[i - start] = order[i];
            batches.add(batch);
            start = end;
        }
        return batches;
    }
}
