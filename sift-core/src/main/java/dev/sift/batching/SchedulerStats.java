package dev.sift.batching;

/**
 * Counters since the model was opened, and what is in the scheduler now.
 *
 * @param batches          batches run
 * @param inputsComputed   inputs the model ran
 * @param inputsDropped    queued inputs dropped because their request was cancelled or expired
 * @param requestsRefused  requests refused because the queue was full
 * @param tokensComputed   real tokens run (padding excluded)
 * @param tokensPadded     tokens run in all, padding included
 * @param queuedTokens     tokens waiting now
 * @param queuedInputs     inputs waiting now (of requests not cancelled yet, and of cancelled ones not yet dropped)
 * @param runningInputs    inputs in the batches running now
 */
public record SchedulerStats(long batches, long inputsComputed, long inputsDropped, long requestsRefused,
                             long tokensComputed, long tokensPadded, long queuedTokens, long queuedInputs,
                             long runningInputs) {}
