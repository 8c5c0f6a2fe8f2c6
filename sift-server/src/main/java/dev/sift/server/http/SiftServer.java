package dev.sift.server.http;

import dev.sift.model.ModelTask;
import dev.sift.server.SiftVersion;
import dev.sift.server.api.openai.EmbeddingsApi;
import dev.sift.server.api.openapi.OpenApiDocument;
import dev.sift.server.api.pooling.PoolingApi;
import dev.sift.server.api.pooling.TokenizerApi;
import dev.sift.server.api.rerank.RerankApi;
import dev.sift.server.api.sagemaker.SageMakerApi;
import dev.sift.server.api.vllm.VllmModelsApi;
import dev.sift.server.api.vllm.VllmScoreApi;
import dev.sift.server.metrics.ServerMetrics;
import io.javalin.Javalin;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The HTTP server: Jetty 12 through Javalin, handlers on virtual threads (inference itself runs on the model's
 * platform threads). Started only once the model is loaded and warm, so that a bound port means ready. Each
 * route is registered only where the model supports it, under every prefix the server answers on.
 */
public final class SiftServer implements AutoCloseable {

    private final Javalin app;
    private final List<Routes.Route> routes;
    private final ClientWatch clients;

    private SiftServer(Javalin app, List<Routes.Route> routes, ClientWatch clients) {
        this.app = app;
        this.routes = routes;
        this.clients = clients;
    }

    public static SiftServer start(ServedModel served, ServerOptions options) {
        ServingContext context = new ServingContext(served, options);
        ServerMetrics metrics = new ServerMetrics(served.model(), served.name());
        ClientWatch clients = new ClientWatch();
        AtomicReference<Routes> table = new AtomicReference<>();
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.concurrency.useVirtualThreads = true;
            config.http.maxRequestSize = options.limits().maxRequestBytes();
            config.appData(Json.MAX_BYTES, options.limits().maxRequestBytes());
            config.jetty.host = options.host();
            config.jetty.port = options.port();
            config.router.ignoreTrailingSlashes = true;
            config.http.prefer405over404 = true;

            Routes routes = new Routes(config.routes, options.rootPath(), options.apiKeys(), clients, metrics);
            table.set(routes);
            routes.get("/health", Routes.Access.OPEN, ctx -> ctx.status(200));
            routes.get("/metrics", Routes.Access.OPEN,
                    ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()));
            routes.get("/version", Routes.Access.OPEN, ctx -> Json.write(ctx, 200, Map.of("version", SiftVersion.get())));
            new VllmModelsApi(context).register(routes);
            if (served.model().spec().canScore()) {
                new VllmScoreApi(context).register(routes);
                new RerankApi(context).register(routes);
            }
            if (served.model().spec().task() == ModelTask.EMBEDDING) new EmbeddingsApi(context).register(routes);
            new PoolingApi(context).register(routes);
            new TokenizerApi(context).register(routes);
            new SageMakerApi(context).register(routes);
            routes.get("/openapi.json", Routes.Access.OPEN, new OpenApiDocument(routes, SiftVersion.get()));

            // Unknown routes answer as vLLM's (Starlette's) do; a 404 an API wrote itself (JSON) is left alone.
            config.routes.error(404, ctx -> {
                String type = ctx.res().getContentType();
                if (type == null || !type.startsWith("application/json")) Json.write(ctx, 404, Map.of("detail", "Not Found"));
            });
            config.routes.error(405, ctx -> Json.write(ctx, 405, Map.of("detail", "Method Not Allowed")));
        });
        app.start();
        return new SiftServer(app, table.get().registered(), clients);
    }

    /** The bound port (useful when started on port 0). */
    public int port() {
        return app.port();
    }

    /** The routes served, without prefixes. */
    public List<Routes.Route> routes() {
        return routes;
    }

    @Override
    public void close() {
        app.stop();
        clients.close();
    }
}
