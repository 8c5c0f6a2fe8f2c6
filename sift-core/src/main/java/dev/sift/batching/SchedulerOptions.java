package dev.sift.batching;

/**
 * How the scheduler forms batches and how much work it queues.
 *
 * @param maxBatchSize    most inputs in one batch
 * @param maxBatchTokens  most padded tokens (rows times the longest row) in one batch, or {@link #MEASURED_TOKENS} for
 *                        a budget measured when the model opens ({@link BatchBudget})
 * @param maxQueuedTokens tokens waiting in the queue beyond which new requests are refused at once
 */
public record SchedulerOptions(int maxBatchSize, int maxBatchTokens, long maxQueuedTokens) {

    /** A {@code maxBatchTokens} that asks for the budget to be measured when the model opens. */
    public static final int MEASURED_TOKENS = 0;
    /** The most tokens a measured budget may reach. */
    public static final int MEASURED_TOKENS_CAP = 16_384;

    public static final SchedulerOptions DEFAULT = new SchedulerOptions(32, MEASURED_TOKENS, 1_000_000);

    public SchedulerOptions {
        if (maxBatchSize < 1 || maxBatchTokens < 0 || maxQueuedTokens < 1) {
            throw new IllegalArgumentException("batch size, batch tokens and queued tokens must be positive");
        }
    }

    /** Whether the token budget is still to be measured. */
    public boolean measuresBatchTokens() {
        return maxBatchTokens == MEASURED_TOKENS;
    }

    public SchedulerOptions withMaxBatchTokens(int tokens) {
        return new SchedulerOptions(maxBatchSize, tokens, maxQueuedTokens);
    }
}
