package dev.sift.batching;

import dev.sift.engine.OnnxEngine;
import dev.sift.engine.Readout;
import java.util.ArrayList;
import java.util.List;

/**
 * Chooses how many padded tokens a batch may hold, from a short measurement of the engine when a model opens.
 *
 * <p>On a CPU the work per token barely falls once a batch holds a few hundred tokens, and rises again past a few
 * thousand, when a layer's activations and the attention scores (rows x heads x width squared) no longer fit in the
 * caches: on 2 AVX2 cores the bundled bge-small-en-v1.5 ran 100-document requests 17% slower with batches of up to
 * 16,384 tokens than with about 1,000 (docs/benchmarks.md). Where the curve bends depends on the model, the core count
 * and the device, so it is measured: batches of {@link #WIDTH}-token rows at budgets from {@link #SMALLEST} upwards,
 * each timed as the fastest of {@link #RUNS} runs (a shared machine slows some runs, never speeds one up), until the
 * throughput stops rising, the next budget exceeds the cap, or the measurement has taken {@link #TIME_LIMIT_NANOS}.
 * The smallest budget within {@link #TOLERANCE} of the best throughput wins: as fast on real requests, with shorter
 * waits.
 *
 * <p>A model too slow to time even the smallest batches in that time (a 0.6B LLM reranker on a laptop CPU) gets
 * {@link #TOKENS_PER_THREAD} tokens per intra-op thread, the rule the measurements on CPUs follow.
 */
public final class BatchBudget {

    /** Row length of the measured batches: a typical query and passage. */
    static final int WIDTH = 128;
    static final int SMALLEST = 256;
    static final int RUNS = 3;
    /**
     * Real requests pay what the measurement does not see: padding, which grows with a batch's rows, and inputs waiting
     * for a batch to fill. On 100-document requests the budget the measurement finds fastest (2,048 tokens for
     * bge-small-en-v1.5 on 2 cores) ran 5-10% slower than 512 or 1,024, so a budget within a tenth of the fastest is
     * taken as fast.
     */
    static final double TOLERANCE = 0.10;
    static final long TIME_LIMIT_NANOS = 3_000_000_000L;
    /** The fallback: what the measurement picks on CPUs, per intra-op thread. */
    public static final int TOKENS_PER_THREAD = 512;

    /** One measured budget. */
    public record Point(int tokens, double tokensPerSecond) {}

    /**
     * The budget chosen, and what it was chosen from.
     *
     * @param measured the budgets timed, smallest first; empty when the fallback rule chose
     */
    public record Choice(int maxBatchTokens, List<Point> measured) {

        @Override
        public String toString() {
            if (measured.isEmpty()) return maxBatchTokens + " tokens per batch (" + TOKENS_PER_THREAD + " per intra-op thread: too slow to measure)";
            StringBuilder s = new StringBuilder(maxBatchTokens + " tokens per batch, measured:");
            for (Point p : measured) s.append(' ').append(p.tokens()).append(" -> ").append(Math.round(p.tokensPerSecond())).append(" tokens/s;");
            return s.substring(0, s.length() - 1);
        }
    }

    private BatchBudget() {}

    /**
     * Times the engine on batches of {@code sample}'s ids repeated to {@link #WIDTH} tokens (fewer if the model takes
     * fewer) and chooses a budget of at most {@code cap} tokens.
     *
     * @param sample ids of an ordinary encoded input, special tokens included; its first id starts each row
     */
    public static Choice measure(OnnxEngine engine, Readout readout, long[] sample, long padId, int maxLength,
                                 int cap, int intraOpThreads) {
        int width = Math.max(1, Math.min(WIDTH, maxLength));
        long[] row = new long[width];
        for (int i = 0; i < width; i++) row[i] = sample[i % sample.length];
        long[] types = new long[width];
        List<Point> measured = new ArrayList<>();
        long start = System.nanoTime();
        double best = 0;
        for (int tokens = Math.max(width, SMALLEST); tokens <= cap; tokens *= 2) {
            int rows = tokens / width;
            long[][] ids = new long[rows][];
            long[][] typeIds = new long[rows][];
            for (int r = 0; r < rows; r++) {
                ids[r] = row;
                typeIds[r] = types;
            }
            long fastest = Long.MAX_VALUE;
            for (int run = 0; run < RUNS; run++) {
                long t = System.nanoTime();
                engine.run(ids, typeIds, padId, readout);
                fastest = Math.min(fastest, System.nanoTime() - t);
                if (System.nanoTime() - start > TIME_LIMIT_NANOS) break;
            }
            double rate = rows * width / (fastest / 1e9);
            measured.add(new Point(rows * width, rate));
            best = Math.max(best, rate);
            // Past the bend: two budgets in a row below the best so far, or no time left to double again.
            boolean falling = measured.size() >= 3 && rate < best && measured.get(measured.size() - 2).tokensPerSecond() < best;
            long elapsed = System.nanoTime() - start;
            if (falling || elapsed + 2 * fastest * RUNS > TIME_LIMIT_NANOS) break;
        }
        if (measured.size() < 2) return new Choice(rule(cap, intraOpThreads), List.of());
        return new Choice(choose(measured), List.copyOf(measured));
    }

    /** The fallback when the engine cannot be timed: {@link #TOKENS_PER_THREAD} per intra-op thread, within the cap. */
    public static int rule(int cap, int intraOpThreads) {
        return Math.min(cap, TOKENS_PER_THREAD * Math.max(1, intraOpThreads));
    }

    /** The smallest budget within {@link #TOLERANCE} of the best throughput measured. */
    static int choose(List<Point> measured) {
        double best = 0;
        for (Point p : measured) best = Math.max(best, p.tokensPerSecond());
        for (Point p : measured) {
            if (p.tokensPerSecond() >= (1 - TOLERANCE) * best) return p.tokens();
        }
        throw new IllegalStateException("no budget measured");
    }
}
