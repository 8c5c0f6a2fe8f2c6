package dev.sift.server.http;

import java.time.Duration;

/**
 * Where and how the HTTP server listens and what it accepts.
 *
 * @param host         the interface to bind; 0.0.0.0 for all
 * @param port         the port; 0 picks a free one
 * @param rootPath     an extra prefix every route is also served under (for a proxy that keeps it), or empty
 * @param apiKeys      keys that protect the model routes
 * @param limits       request bounds
 * @param autoTruncate truncate over-long inputs when a request does not say (TEI's --auto-truncate); off, an
 *                     over-long input is a 400 as in vLLM
 * @param requestTimeout how long a request may wait for inference before a 503, or null for no deadline
 * @param timeouts     how long a connection may stay idle, and a request take to arrive
 * @param tls          the key and certificate to serve HTTPS with, or null for plain HTTP
 * @param maxChunksPerDoc the rerank routes' {@code max_chunks_per_doc} when a request does not say: over-long
 *                     documents scored as up to this many windows; 0, the default, for none. Embedding models ignore it.
 */
public record ServerOptions(String host, int port, String rootPath, ApiKeys apiKeys, Limits limits, boolean autoTruncate,
                            Duration requestTimeout, ConnectionTimeouts timeouts, TlsFiles tls, int maxChunksPerDoc) {

    public ServerOptions {
        rootPath = normalizeRootPath(rootPath);
        if (timeouts == null) timeouts = ConnectionTimeouts.DEFAULT;
        if (maxChunksPerDoc < 0) throw new IllegalArgumentException("--max-chunks-per-doc cannot be negative");
    }

    /** No chunking. */
    public ServerOptions(String host, int port, String rootPath, ApiKeys apiKeys, Limits limits, boolean autoTruncate,
                         Duration requestTimeout, ConnectionTimeouts timeouts, TlsFiles tls) {
        this(host, port, rootPath, apiKeys, limits, autoTruncate, requestTimeout, timeouts, tls, 0);
    }

    /** Plain HTTP. */
    public ServerOptions(String host, int port, String rootPath, ApiKeys apiKeys, Limits limits, boolean autoTruncate,
                         Duration requestTimeout) {
        this(host, port, rootPath, apiKeys, limits, autoTruncate, requestTimeout, null, null);
    }

    /** Loopback, a free port, no keys, default limits. */
    public static ServerOptions local() {
        return new ServerOptions("127.0.0.1", 0, "", ApiKeys.none(), Limits.DEFAULT, false, null, ConnectionTimeouts.DEFAULT, null);
    }

    public ServerOptions withApiKeys(ApiKeys keys) {
        return new ServerOptions(host, port, rootPath, keys, limits, autoTruncate, requestTimeout, timeouts, tls, maxChunksPerDoc);
    }

    public ServerOptions withLimits(Limits newLimits) {
        return new ServerOptions(host, port, rootPath, apiKeys, newLimits, autoTruncate, requestTimeout, timeouts, tls, maxChunksPerDoc);
    }

    public ServerOptions withRootPath(String path) {
        return new ServerOptions(host, port, path, apiKeys, limits, autoTruncate, requestTimeout, timeouts, tls, maxChunksPerDoc);
    }

    public ServerOptions withAutoTruncate(boolean truncate) {
        return new ServerOptions(host, port, rootPath, apiKeys, limits, truncate, requestTimeout, timeouts, tls, maxChunksPerDoc);
    }

    public ServerOptions withRequestTimeout(Duration timeout) {
        return new ServerOptions(host, port, rootPath, apiKeys, limits, autoTruncate, timeout, timeouts, tls, maxChunksPerDoc);
    }

    public ServerOptions withTimeouts(ConnectionTimeouts newTimeouts) {
        return new ServerOptions(host, port, rootPath, apiKeys, limits, autoTruncate, requestTimeout, newTimeouts, tls, maxChunksPerDoc);
    }

    public ServerOptions withTls(TlsFiles files) {
        return new ServerOptions(host, port, rootPath, apiKeys, limits, autoTruncate, requestTimeout, timeouts, files, maxChunksPerDoc);
    }

    public ServerOptions withMaxChunksPerDoc(int maxChunks) {
        return new ServerOptions(host, port, rootPath, apiKeys, limits, autoTruncate, requestTimeout, timeouts, tls, maxChunks);
    }

    /** "/x/y" from "x/y/", "/x/y" or "/x/y/"; "" for none. */
    static String normalizeRootPath(String path) {
        if (path == null) return "";
        String p = path.trim();
        while (p.endsWith("/")) p = p.substring(0, p.length() - 1);
        if (p.isEmpty()) return "";
        return p.startsWith("/") ? p : "/" + p;
    }
}
