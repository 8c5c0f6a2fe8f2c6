package dev.sift.server.cli;

import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT, taken over from the JVM, whose own handling runs the shutdown hooks at once and exits with
 * 143 or 130 whatever they did. Taken over, the first signal starts a drain and Sift picks its exit status itself;
 * a second one (Ctrl-C again) cuts the drain short.
 */
final class ShutdownSignals {
    private static final Logger LOG = LoggerFactory.getLogger(ShutdownSignals.class);

    private final CompletableFuture<String> first = new CompletableFuture<>();
    private final CompletableFuture<String> second = new CompletableFuture<>();

    private ShutdownSignals() {}

    static ShutdownSignals install() {
        ShutdownSignals signals = new ShutdownSignals();
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> signals.received("SIG" + signal.getName()));
            } catch (IllegalArgumentException e) {
                // The JVM keeps this signal (-Xrs, or an embedding host): it still stops Sift, without a drain.
                LOG.warn("cannot handle SIG{} ({}); it will stop the server without draining", name, e.getMessage());
            }
        }
        return signals;
    }

    private void received(String name) {
        if (!first.complete(name)) second.complete(name);
    }

    /** Completes with the first signal's name. */
    CompletableFuture<String> first() {
        return first;
    }

    /** Completes with the second signal's name. */
    CompletableFuture<String> second() {
        return second;
    }
}
