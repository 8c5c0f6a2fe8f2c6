package dev.sift.batching;

import java.time.Duration;

/** A request's deadline passed before its inputs were computed; what was still queued is dropped. */
public final class DeadlineExceededException extends RuntimeException {
    public DeadlineExceededException(Duration timeout) {
        super("Request timed out after " + timeout.toMillis() + " ms before it was computed");
    }
}
