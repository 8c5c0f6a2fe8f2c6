package dev.sift.server.http;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes connections whose request is still arriving (headers or body) longer than {@code timeout} after its first
 * byte: a slowloris client that trickles its request a byte at a time, which Jetty's idle timeout never catches since
 * every byte restarts it. Other clients never wait on such a connection (Jetty reads them all without blocking); what
 * it holds is a socket and its buffers, and this bounds how long.
 *
 * <p>A connection listener on the connector keeps the open HTTP/1.1 connections; one daemon thread looks at each
 * one's parser twice a second. The parser's state is volatile and its begin time is written before the state leaves
 * START, so reading them from this thread is safe. A request whose body has arrived is never touched, however long
 * it then waits for inference.
 */
final class SlowRequests implements Connection.Listener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SlowRequests.class);
    private static final long CHECK_MILLIS = 500;

    private final long timeoutNanos;
    private final Set<HttpConnection> open = ConcurrentHashMap.newKeySet();
    private final LongAdder closed = new LongAdder();
    private final Thread checker;

    SlowRequests(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
        this.checker = Thread.ofPlatform().name("sift-slow-requests").daemon(true).start(this::check);
    }

    @Override
    public void onOpened(Connection connection) {
        if (connection instanceof HttpConnection http) open.add(http);
    }

    @Override
    public void onClosed(Connection connection) {
        if (connection instanceof HttpConnection http) open.remove(http);
    }

    /** Connections closed because their request arrived too slowly, since start. */
    long closedCount() {
        return closed.sum();
    }

    private void check() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                TimeUnit.MILLISECONDS.sleep(CHECK_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (HttpConnection connection : open) {
                HttpParser parser = connection.getParser();
                boolean arriving = !parser.isStart() && (parser.inHeaderState() || parser.inContentState());
                if (arriving && now - parser.getBeginNanoTime() > timeoutNanos) {
                    open.remove(connection);
                    closed.increment();
                    LOG.debug("closing {}: its request has not arrived in full {} ms after its first byte",
                            connection.getEndPoint().getRemoteSocketAddress(), TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
                    connection.getEndPoint().close();
                }
            }
        }
    }

    @Override
    public void close() {
        checker.interrupt();
    }
}
