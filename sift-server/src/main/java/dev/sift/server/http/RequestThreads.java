package dev.sift.server.http;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The threads serving model requests right now, so that a drain that runs out of time can cut them: an interrupted
 * handler's request is cancelled, and the scheduler drops its queued inputs instead of computing them.
 */
final class RequestThreads {
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();

    /** Registers the calling thread until the result is closed. */
    AutoCloseable enter() {
        Thread thread = Thread.currentThread();
        threads.add(thread);
        return () -> threads.remove(thread);
    }

    void interruptAll() {
        threads.forEach(Thread::interrupt);
    }
}
