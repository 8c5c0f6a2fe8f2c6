package dev.sift.batching;

/** The queue is full: the request is refused before any work is done on it. */
public final class OverloadedException extends RuntimeException {
    private final int retryAfterSeconds;

    public OverloadedException(long queuedTokens, int retryAfterSeconds) {
        super("Server is overloaded: " + queuedTokens + " tokens are queued; retry in " + retryAfterSeconds + " s");
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** An estimate of when the queue will have drained enough. */
    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
