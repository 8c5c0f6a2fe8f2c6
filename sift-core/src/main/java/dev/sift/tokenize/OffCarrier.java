package dev.sift.tokenize;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Runs native tokenization off virtual threads. A JNI call pins a virtual thread's carrier for its whole
 * duration; tokenizing a 100-document request takes tens of milliseconds, so it goes to a small pool of platform
 * threads while the virtual thread waits (and unmounts). Platform callers run it in place.
 */
public final class OffCarrier {
    private static final ExecutorService POOL = Executors.newFixedThreadPool(
            Runtime.getRuntime().availableProcessors(),
            Thread.ofPlatform().name("sift-tokenize-", 0).daemon(true).factory());

    private OffCarrier() {}

    public static <T> T call(Supplier<T> work) {
        if (!Thread.currentThread().isVirtual()) return work.get();
        try {
            return CompletableFuture.supplyAsync(work, POOL).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) throw cause;
            throw e;
        }
    }
}
