package dev.sift.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * A local server speaking the Hugging Face Hub's protocol, as huggingface_hub relies on it: the revision API,
 * HEAD on resolve URLs with X-Repo-Commit, ETag or X-Linked-Etag and X-Linked-Size, a relative redirect for a
 * renamed repository, and large (LFS) files redirected to a second host, the storage.
 */
final class FakeHub implements AutoCloseable {
    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

    private final HttpServer hub;
    private final HttpServer storage;
    private final Map<String, Map<String, byte[]>> repos = new ConcurrentHashMap<>();
    /** Authorization headers each host saw, as "hub: ..." or "storage: ...". */
    final List<String> authorizations = new CopyOnWriteArrayList<>();
    volatile String privateRepo;
    volatile String requiredToken;
    volatile boolean corruptStorage;
    /** When set, every Hub request gets this status (a Hub that is down). */
    volatile int failWith;

    FakeHub() throws IOException {
        hub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        storage = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hub.createContext("/", this::hub);
        storage.createContext("/", this::storage);
        hub.start();
        storage.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + hub.getAddress().getPort();
    }

    /** Publishes a folder as a repository, every file under its path. */
    void publish(String repoId, Path folder) {
        Map<String, byte[]> files = new ConcurrentHashMap<>();
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                files.put(folder.relativize(p).toString(), Files.readAllBytes(p));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        repos.put(repoId, files);
    }

    private void hub(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        authorizations.add("hub: " + exchange.getRequestHeaders().getFirst("Authorization"));
        if (failWith != 0) {
            send(exchange, failWith, new byte[0]);
            return;
        }
        if (path.startsWith("/old-org/") || path.startsWith("/api/models/old-org/")) {
            // A renamed repository: a relative redirect to the new name, for the API and for files.
            exchange.getResponseHeaders().add("Location", path.replace("/old-org/", "/org/"));
            send(exchange, 307, new byte[0]);
            return;
        }
        if (path.startsWith("/api/models/")) {
            String rest = path.substring("/api/models/".length());
            String repoId = rest.substring(0, rest.indexOf("/revision/"));
            if (denied(exchange, repoId)) return;
            Map<String, byte[]> files = repos.get(repoId);
            if (files == null) {
                send(exchange, 404, "{\"error\":\"Repository not found\"}".getBytes(StandardCharsets.UTF_8));
                return;
            }
            StringBuilder json = new StringBuilder("{\"id\":\"" + repoId + "\",\"sha\":\"" + COMMIT + "\",\"siblings\":[");
            String sep = "";
            for (String f : files.keySet().stream().sorted().toList()) {
                json.append(sep).append("{\"rfilename\":\"").append(f).append("\"}");
                sep = ",";
            }
            send(exchange, 200, json.append("]}").toString().getBytes(StandardCharsets.UTF_8));
            return;
        }
        int resolve = path.indexOf("/resolve/");
        String repoId = path.substring(1, resolve);
        if (denied(exchange, repoId)) return;
        String rest = path.substring(resolve + "/resolve/".length());
        String file = rest.substring(rest.indexOf('/') + 1);
        byte[] content = repos.getOrDefault(repoId, Map.of()).get(file);
        if (content == null) {
            send(exchange, 404, new byte[0]);
            return;
        }
        exchange.getResponseHeaders().add("X-Repo-Commit", COMMIT);
        if (file.endsWith(".onnx")) {
            // LFS: the etag is the content's sha256, and the bytes come from the storage host.
            String sha = sha256(content);
            exchange.getResponseHeaders().add("X-Linked-Etag", "\"" + sha + "\"");
            exchange.getResponseHeaders().add("X-Linked-Size", Integer.toString(content.length));
            exchange.getResponseHeaders().add("Location", "http://127.0.0.1:" + storage.getAddress().getPort() + "/blobs/"
                    + repoId + "/" + file);
            send(exchange, 302, new byte[0]);
        } else {
            exchange.getResponseHeaders().add("ETag", "W/\"" + sha256(content).substring(0, 40) + "\"");
            send(exchange, 200, content);
        }
    }

    private void storage(HttpExchange exchange) throws IOException {
        authorizations.add("storage: " + exchange.getRequestHeaders().getFirst("Authorization"));
        String rest = exchange.getRequestURI().getPath().substring("/blobs/".length());
        String[] parts = rest.split("/", 3);
        byte[] content = repos.get(parts[0] + "/" + parts[1]).get(parts[2]);
        if (corruptStorage) {
            content = content.clone();
            content[content.length / 2] ^= 1;
        }
        send(exchange, 200, content);
    }

    private boolean denied(HttpExchange exchange, String repoId) throws IOException {
        if (!repoId.equals(privateRepo)) return false;
        if (("Bearer " + requiredToken).equals(exchange.getRequestHeaders().getFirst("Authorization"))) return false;
        send(exchange, 401, new byte[0]);
        return true;
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        boolean head = exchange.getRequestMethod().equals("HEAD");
        if (head) exchange.getResponseHeaders().add("Content-Length", Integer.toString(body.length));
        exchange.sendResponseHeaders(status, head || body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
        exchange.close();
    }

    static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        hub.stop(0);
        storage.stop(0);
    }
}
