package dev.sift.server.http;

import dev.sift.server.api.vllm.VllmModelsApi;
import dev.sift.server.api.vllm.VllmScoreApi;
import io.javalin.Javalin;
import java.util.Map;

/**
 * The HTTP server: Jetty 12 through Javalin, handlers on virtual threads (inference itself runs on the model's
 * platform threads). Started only once the model is loaded and warm, so that a bound port means ready.
 */
public final class SiftServer implements AutoCloseable {

    private final Javalin app;

    private SiftServer(Javalin app) {
        this.app = app;
    }

    public static SiftServer start(ServedModel served, ServerOptions options) {
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.concurrency.useVirtualThreads = true;
            config.http.maxRequestSize = options.maxRequestBytes();
            config.jetty.host = options.host();
            config.jetty.port = options.port();
            config.router.ignoreTrailingSlashes = true;
            config.http.prefer405over404 = true;

            config.routes.get("/health", ctx -> ctx.status(200));
            new VllmModelsApi(served).register(config.routes);
            new VllmScoreApi(served).register(config.routes);

            // Unknown routes answer as vLLM's (Starlette's) do; a 404 an API wrote itself (JSON) is left alone.
            config.routes.error(404, ctx -> {
                String type = ctx.res().getContentType();
                if (type == null || !type.startsWith("application/json")) Json.write(ctx, 404, Map.of("detail", "Not Found"));
            });
            config.routes.error(405, ctx -> Json.write(ctx, 405, Map.of("detail", "Method Not Allowed")));
        });
        app.start();
        return new SiftServer(app);
    }

    /** The bound port (useful when started on port 0). */
    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }
}
