package dev.sift.server.http;

import dev.sift.model.ModelSpec;
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
import dev.sift.server.ui.TryPage;
import io.javalin.Javalin;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.component.Graceful;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The HTTP server: Jetty 12 through Javalin, handlers on virtual threads (inference itself runs on the model's
 * platform threads). Started only once the model is loaded and warm, so that a bound port means ready. Each
 * route is registered only where the model supports it, under every prefix the server answers on.
 */
public final class SiftServer implements AutoCloseable {

    private final Javalin app;
    private final List<Routes.Route> routes;
    private final ClientWatch clients;
    private final GracefulHandler inFlight;
    private final RequestThreads threads;
    private final SlowRequests slow;

    private SiftServer(Javalin app, List<Routes.Route> routes, ClientWatch clients, GracefulHandler inFlight,
                       RequestThreads threads, SlowRequests slow) {
        this.app = app;
        this.routes = routes;
        this.clients = clients;
        this.inFlight = inFlight;
        this.threads = threads;
        this.slow = slow;
    }

    public static SiftServer start(ServedModel served, ServerOptions options) {
        return start(ServedModels.of(served), options);
    }

    /** Serves several models: each request goes to the one its {@code model} field names, or to the first. */
    public static SiftServer start(ServedModels models, ServerOptions options) {
        ServingContext context = new ServingContext(models, options);
        ServerMetrics metrics = new ServerMetrics(models);
        ClientWatch clients = new ClientWatch();
        RequestThreads threads = new RequestThreads();
        SlowRequests slow = new SlowRequests(options.timeouts().requestRead());
        metrics.slowRequestsClosed(slow::closedCount);
        // Counts every request from its arrival to the last byte of its response, for drain(); once shut down, it
        // answers requests that still arrive on open connections with 503.
        GracefulHandler inFlight = new GracefulHandler();
        AtomicReference<Routes> table = new AtomicReference<>();
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.concurrency.useVirtualThreads = true;
            config.http.maxRequestSize = options.limits().maxRequestBytes();
            config.appData(Json.MAX_BYTES, options.limits().maxRequestBytes());
            // The one connector, HTTP or HTTPS, with the timeouts set: idle connections close, and so do those whose
            // request trickles in (SlowRequests).
            KeyStore keyStore = options.tls() == null ? null : options.tls().load();
            config.jetty.addConnector((server, http) -> {
                ServerConnector connector = keyStore == null ? new ServerConnector(server, new HttpConnectionFactory(http))
                        : tlsConnector(server, http, keyStore);
                connector.setHost(options.host());
                connector.setPort(options.port());
                connector.setIdleTimeout(options.timeouts().idle().toMillis());
                connector.addBean(slow);
                return connector;
            });
            config.router.ignoreTrailingSlashes = true;
            config.http.prefer405over404 = true;
            config.jetty.modifyServer(server -> {
                server.setHandler(inFlight);
                // Jetty's own refusals (a malformed request line, an ambiguous path) in JSON, not its HTML page.
                server.setErrorHandler(new JsonErrorHandler());
                // close() stops at once; drain() is the graceful way, with its own timeout.
                server.setStopTimeout(0);
            });

            Routes routes = new Routes(config.routes, options.rootPath(), options.apiKeys(), clients, threads, metrics);
            table.set(routes);
            routes.get("/health", Routes.Access.OPEN, ctx -> ctx.status(200));
            routes.get("/metrics", Routes.Access.OPEN,
                    ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()));
            routes.get("/version", Routes.Access.OPEN, ctx -> Json.write(ctx, 200, Map.of("version", SiftVersion.get())));
            TryPage.register(routes);
            new VllmModelsApi(context).register(routes);
            // A route is served when any model can answer it; a request to a model that cannot is a 400 (ServingContext).
            if (models.any(ModelSpec::canScore)) {
                new VllmScoreApi(context).register(routes);
                new RerankApi(context).register(routes);
            }
            if (models.any(spec -> spec.task() == ModelTask.EMBEDDING)) new EmbeddingsApi(context).register(routes);
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
        try {
            app.start();
        } catch (RuntimeException e) {
            slow.close();
            clients.close();
            throw e;
        }
        return new SiftServer(app, table.get().registered(), clients, inFlight, threads, slow);
    }

    /**
     * HTTPS on the configured host and port, in place of plain HTTP (as uvicorn serves with --ssl-keyfile): HTTP/1.1
     * over TLS, with no SNI checks, since clients commonly call a server by its IP address.
     */
    private static ServerConnector tlsConnector(Server server, HttpConfiguration http, KeyStore keyStore) {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStore(keyStore);
        ssl.setKeyStorePassword(new String(TlsFiles.PASSWORD));
        ssl.setSniRequired(false);
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        secure.setSniHostCheck(false);
        http.addCustomizer(secure);
        return new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(http));
    }

    /** The bound port (useful when started on port 0). */
    public int port() {
        return app.port();
    }

    /** The routes served, without prefixes. */
    public List<Routes.Route> routes() {
        return routes;
    }

    /**
     * Stops taking requests, lets those in flight finish, then stops. A new connection is refused at once (the
     * listening socket closes); a request that still arrives on a connection already open gets 503, and every response
     * from then on closes its connection. Requests still running after {@code timeout}, or once {@code cutNow}
     * completes, are cut: their connections close and their queued inputs are dropped, never computed.
     */
    public DrainOutcome drain(Duration timeout, CompletableFuture<?> cutNow) {
        long start = System.nanoTime();
        long running = inFlight.getCurrentRequestCount();
        Connector[] connectors = app.jettyServer().server().getConnectors();
        for (Connector connector : connectors) {
            // Jetty would cut idle keep-alive connections to a second of idle time, closing at once those idle longer,
            // and a request a client sends on one just then is lost. Left open, such a request gets a clear 503.
            if (connector instanceof AbstractConnector jetty) jetty.setShutdownIdleTimeout(-1);
            if (connector instanceof Graceful graceful) graceful.shutdown();
        }
        CompletableFuture<Void> finished = inFlight.shutdown();
        try {
            CompletableFuture.anyOf(finished, cutNow).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // Cut below.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long cut = finished.isDone() ? 0 : inFlight.getCurrentRequestCount();
        if (cut > 0) {
            // Connections first, so that a cut client sees its connection close rather than a misleading answer.
            for (Connector connector : connectors) {
                try {
                    connector.stop();
                } catch (Exception e) {
                    // Stopping the server below closes it anyway.
                }
            }
            threads.interruptAll();
        }
        close();
        return new DrainOutcome(running, cut, Duration.ofNanos(System.nanoTime() - start));
    }

    @Override
    public void close() {
        app.stop();
        clients.close();
        slow.close();
    }
}
