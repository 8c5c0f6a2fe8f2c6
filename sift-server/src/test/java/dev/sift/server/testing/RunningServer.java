package dev.sift.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sift.SiftModel;
import dev.sift.server.http.ServedModel;
import dev.sift.server.http.ServerOptions;
import dev.sift.server.http.SiftServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

/** The real server on a free loopback port, and a plain HTTP client for it. */
public final class RunningServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SiftModel model;
    private final SiftServer server;
    private final HttpClient client = HttpClient.newHttpClient();

    public RunningServer(Path modelDir, List<String> names) {
        this(modelDir, names, ServerOptions.local());
    }

    public RunningServer(Path modelDir, List<String> names, ServerOptions options) {
        this(SiftModel.open(modelDir), modelDir, names, options);
    }

    public RunningServer(SiftModel model, Path modelDir, List<String> names, ServerOptions options) {
        this.model = model;
        this.server = SiftServer.start(new ServedModel(model, names, modelDir.toString()), options);
    }

    public SiftModel model() {
        return model;
    }

    public SiftServer server() {
        return server;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.port() + path;
    }

    public Response post(String path, Object body) {
        try {
            String json = body instanceof String s ? s : JSON.writeValueAsString(body);
            return send(HttpRequest.newBuilder(URI.create(url(path))).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json)).build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Response get(String path) {
        return send(HttpRequest.newBuilder(URI.create(url(path))).GET().build());
    }

    public Response send(HttpRequest request) {
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            boolean json = response.headers().firstValue("Content-Type").orElse("").startsWith("application/json");
            JsonNode body = response.body().isEmpty() || !json ? null : JSON.readTree(response.body());
            return new Response(response.statusCode(), body, response);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.close();
        model.close();
    }

    /** A response with its JSON body (null when empty). */
    public record Response(int status, JsonNode json, HttpResponse<String> raw) {}
}
