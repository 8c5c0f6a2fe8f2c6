package dev.sift.server.http;

import java.time.Duration;

/**
 * How long a client may take over its connection, so that slow or stalled clients cannot hold connections open for
 * ever (slowloris). Inference waits are not bounded here: a request whose body has arrived may wait for the model
 * as long as {@code --request-timeout} allows.
 *
 * @param idle        a connection with no byte in or out for this long is closed (Jetty's idle timeout); it is also
 *                    how long a kept-alive connection may wait for its next request
 * @param requestRead from a request's first byte until its headers and body have all arrived; past it the
 *                    connection is closed. Jetty's idle timeout alone restarts at every byte, so a client that sends a
 *                    byte every few seconds would otherwise hold its connection for hours.
 */
public record ConnectionTimeouts(Duration idle, Duration requestRead) {

    public static final ConnectionTimeouts DEFAULT = new ConnectionTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(60));

    public ConnectionTimeouts {
        if (idle.isNegative() || idle.isZero() || requestRead.isNegative() || requestRead.isZero()) {
            throw new IllegalArgumentException("connection timeouts must be positive");
        }
    }
}
