package dev.sift.server.http;

/**
 * Where and how the HTTP server listens.
 *
 * @param host            the interface to bind; 0.0.0.0 for all
 * @param port            the port; 0 picks a free one
 * @param maxRequestBytes the largest request body accepted
 */
public record ServerOptions(String host, int port, long maxRequestBytes) {

    public static final long DEFAULT_MAX_REQUEST_BYTES = 32L * 1024 * 1024;
}
