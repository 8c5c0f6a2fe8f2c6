package dev.sift.server.http;

import dev.sift.server.metrics.ServerMetrics;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Registers each route under every prefix it is served at (none, KServe's {@code /openai}, and
 * {@code --root-path}), puts the API-key check in front of the protected ones, and remembers what was
 * registered, so that the OpenAPI document lists exactly the routes served.
 */
public final class Routes {

    /** Whether a route needs the API key. */
    public enum Access { OPEN, PROTECTED }

    /** A route as served, without prefix. */
    public record Route(HandlerType method, String path, Access access) {}

    /** KServe's Hugging Face runtime serves its OpenAI routes under this prefix. */
    public static final String KSERVE_PREFIX = "/openai";

    private final RoutesConfig config;
    private final List<String> prefixes;
    private final ApiKeys keys;
    private final ClientWatch clients;
    private final RequestThreads threads;
    private final ServerMetrics metrics;
    private final Set<Route> registered = new LinkedHashSet<>();

    Routes(RoutesConfig config, String rootPath, ApiKeys keys, ClientWatch clients, RequestThreads threads,
           ServerMetrics metrics) {
        this.config = config;
        List<String> all = new ArrayList<>(List.of("", KSERVE_PREFIX));
        if (!rootPath.isEmpty() && !all.contains(rootPath)) all.add(rootPath);
        this.prefixes = List.copyOf(all);
        this.keys = keys;
        this.clients = clients;
        this.threads = threads;
        this.metrics = metrics;
    }

    public void get(String path, Access access, Handler handler) {
        add(HandlerType.GET, path, access, handler);
    }

    public void post(String path, Access access, Handler handler) {
        add(HandlerType.POST, path, access, handler);
    }

    private void add(HandlerType method, String path, Access access, Handler handler) {
        Handler served = access == Access.OPEN ? handler : ctx -> {
            if (!keys.allows(ctx.header("Authorization"))) {
                unauthorized(ctx);
                return;
            }
            // While the handler waits for inference, a client that hangs up interrupts it (see ClientWatch), and so
            // does a drain past its timeout (RequestThreads).
            try (AutoCloseable serving = threads.enter();
                 AutoCloseable watch = clients.watch(ctx.req().getLocalAddr(), ctx.req().getLocalPort(),
                    ctx.req().getRemoteAddr(), ctx.req().getRemotePort(), Thread.currentThread())) {
                handler.handle(ctx);
            } finally {
                Thread.interrupted();
            }
        };
        Handler timed = ctx -> {
            long start = System.nanoTime();
            try {
                served.handle(ctx);
            } finally {
                metrics.record(ctx.attribute(ServingContext.MODEL_ATTRIBUTE), method.name(), path, ctx.statusCode(),
                        System.nanoTime() - start);
            }
        };
        for (String prefix : prefixes) {
            config.addHttpHandler(method, prefix + path, timed);
            // Javalin answers HEAD on a GET route with an empty 200 without running its handler, key check included;
            // registered here, HEAD runs the same handler as GET (Jetty sends no body), so it needs the key too.
            if (method == HandlerType.GET) config.addHttpHandler(HandlerType.HEAD, prefix + path, timed);
        }
        registered.add(new Route(method, path, access));
    }

    /** vLLM's answer to a missing or wrong key: 401 with a bare string error. */
    static void unauthorized(Context ctx) {
        Json.write(ctx, 401, Map.of("error", "Unauthorized"));
    }

    public List<Route> registered() {
        return List.copyOf(registered);
    }

    public List<String> prefixes() {
        return prefixes;
    }
}
