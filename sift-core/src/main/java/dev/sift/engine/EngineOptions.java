package dev.sift.engine;

/**
 * How ONNX Runtime runs on this machine.
 *
 * @param workers        platform threads that run batches concurrently (the scheduler's)
 * @param intraOpThreads threads each run uses; workers times intra-op threads should match the cores
 */
public record EngineOptions(int workers, int intraOpThreads) {

    public EngineOptions {
        if (workers < 1) throw new IllegalArgumentException("workers must be at least 1, got " + workers);
        if (intraOpThreads < 1) throw new IllegalArgumentException("intra-op threads must be at least 1, got " + intraOpThreads);
    }

    /** One worker using every core: the lowest latency for one request, and no oversubscription. */
    public static EngineOptions defaults() {
        return new EngineOptions(1, Runtime.getRuntime().availableProcessors());
    }
}
