package dev.sift.batching;

/**
 * How the scheduler forms batches and how much work it queues.
 *
 * @param maxBatchSize    most inputs in one batch
 * @param maxBatchTokens  most padded tokens (rows times the longest row) in one batch
 * @param maxQueuedTokens tokens waiting in the queue beyond which new requests are refused at once
 */
public record SchedulerOptions(int maxBatchSize, int maxBatchTokens, long maxQueuedTokens) {

    public static final SchedulerOptions DEFAULT = new SchedulerOptions(32, 16_384, 1_000_000);

    public SchedulerOptions {
        if (maxBatchSize < 1 || maxBatchTokens < 1 || maxQueuedTokens < 1) {
            throw new IllegalArgumentException("batch size, batch tokens and queued tokens must be positive");
        }
    }

    public SchedulerOptions withMaxBatchTokens(int tokens) {
        return new SchedulerOptions(maxBatchSize, tokens, maxQueuedTokens);
    }
}
