package dev.sift.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sift.model.ModelLoader;
import dev.sift.model.QuantizedGraphs;
import dev.sift.model.WeightsFormat;
import dev.sift.weights.Checkpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches the files a model needs from the Hugging Face Hub into the cache that Python's huggingface_hub uses:
 * {@code models--org--name/blobs/<etag>}, {@code snapshots/<commit>/<path>} as relative links to the blobs, and
 * {@code refs/<revision>}. A file is written under a unique {@code .incomplete} name, its sha256 checked against
 * the LFS etag, and renamed into place atomically, so nothing half-written is ever served and an interrupted
 * download simply starts that file again. The token goes to the Hub's host only, never to the storage host a
 * large file redirects to, and never to a log.
 */
public final class HubDownloader {
    private static final Logger LOG = LoggerFactory.getLogger(HubDownloader.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    /** Configuration files Sift reads when present. */
    private static final Set<String> CONFIG_FILES = Set.of("config.json", "tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "modules.json", "sentence_bert_config.json", "config_sentence_transformers.json");
    /** The shards a model.safetensors.index.json names, as transformers writes them. */
    private static final Pattern SHARD = Pattern.compile("model-[0-9]+-of-[0-9]+\\.safetensors");
    /** sentence-transformers module folders: 1_Pooling/config.json, 2_Normalize/config.json, ... */
    private static final Pattern MODULE_CONFIG = Pattern.compile("[0-9]+_[A-Za-z]+/config\\.json");

    private final HubSettings settings;
    private final HttpClient http;

    public HubDownloader(HubSettings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    /**
     * Returns the snapshot folder of the model, downloading what is missing (or, offline, only looking in the
     * cache).
     *
     * @param onnxFile the graph asked for by name, or null
     * @param int8     whether the int8 graph made for this CPU is wanted
     * @param weights  ONNX graph or safetensors checkpoint; auto takes the graph when the repository has one
     */
    public Path fetch(HubReference ref, String onnxFile, boolean int8, WeightsFormat weights) {
        Path repo = settings.cache().resolve(ref.cacheFolder());
        if (settings.offline()) return cached(ref, repo, "HF_HUB_OFFLINE is set");
        JsonNode info;
        try {
            info = revisionInfo(ref);
        } catch (Unreachable e) {
            LOG.warn("The Hub ({}) cannot be reached ({}); looking in the cache", settings.endpoint(), e.getMessage());
            return cached(ref, repo, "the Hub at " + settings.endpoint() + " cannot be reached (" + e.getMessage() + ")");
        }
        String commit = info.path("sha").asText();
        if (!COMMIT.matcher(commit).matches()) throw new HubException("the Hub gave no commit for " + ref);
        List<String> files = new ArrayList<>();
        info.path("siblings").forEach(s -> files.add(s.path("rfilename").asText()));
        List<String> needed = needed(ref, files, onnxFile, int8, weights);
        LOG.info("Fetching {} files of {} at {}", needed.size(), ref, commit.substring(0, 12));
        for (String file : needed) fetchFile(ref, repo, commit, file);
        writeRef(repo, ref.revision(), commit);
        return repo.resolve("snapshots").resolve(commit);
    }

    private static boolean isInt8Graph(String file) {
        return file.endsWith(".onnx") && (file.contains("int8") || file.contains("quantized"));
    }

    /**
     * The files Sift reads: configurations, the tokenizer, and either one ONNX graph with its external data or the
     * safetensors checkpoint (one file, or the index and its shards).
     */
    static List<String> needed(HubReference ref, List<String> files, String onnxFile, boolean int8, WeightsFormat weights) {
        Set<String> needed = new LinkedHashSet<>();
        for (String f : files) {
            if (CONFIG_FILES.contains(f) || MODULE_CONFIG.matcher(f).matches()) needed.add(f);
        }
        // --int8 without a shipped int8 graph: the checkpoint, of which Sift builds an encoder's int8 graph.
        boolean int8Shipped = int8 && files.stream().anyMatch(HubDownloader::isInt8Graph);
        boolean graphNamed = onnxFile != null || int8Shipped;
        boolean hasGraph = ModelLoader.DEFAULT_GRAPHS.stream().anyMatch(files::contains);
        if (weights == WeightsFormat.SAFETENSORS || (weights == WeightsFormat.AUTO && !graphNamed && (!hasGraph || int8))) {
            List<String> checkpoint = files.stream().filter(f -> f.equals(Checkpoint.SINGLE_FILE)
                    || f.equals(Checkpoint.INDEX_FILE) || SHARD.matcher(f).matches()).sorted().toList();
            if (!checkpoint.isEmpty()) {
                // One file when the repository has both (a leftover of resharding), else the index and its shards.
                if (checkpoint.contains(Checkpoint.SINGLE_FILE)) needed.add(Checkpoint.SINGLE_FILE);
                else needed.addAll(checkpoint);
                return List.copyOf(needed);
            }
            if (weights == WeightsFormat.SAFETENSORS || files.stream().noneMatch(f -> f.endsWith(".onnx"))) {
                boolean pickle = files.contains("pytorch_model.bin") || files.contains("pytorch_model.bin.index.json");
                throw new HubException(ref.repoId() + " has no safetensors weights (model.safetensors or "
                        + Checkpoint.INDEX_FILE + ")" + (pickle ? " and only PyTorch pickle weights (pytorch_model.bin),"
                        + " which Sift does not load" : "") + (weights == WeightsFormat.SAFETENSORS ? "" : " and no ONNX graph")
                        + "; files in the repository: " + files.stream().sorted().limit(40).toList());
            }
        }
        String graph = null;
        List<String> candidates = new ArrayList<>();
        if (onnxFile != null) {
            candidates.add(onnxFile);
        } else if (int8) {
            for (String name : QuantizedGraphs.preferredNames()) {
                candidates.add("onnx/" + name);
                candidates.add(name);
            }
        } else {
            candidates.addAll(ModelLoader.DEFAULT_GRAPHS);
        }
        for (String candidate : candidates) {
            if (files.contains(candidate)) {
                graph = candidate;
                break;
            }
        }
        if (graph == null && int8) {
            graph = files.stream().filter(HubDownloader::isInt8Graph).sorted().findFirst().orElse(null);
        }
        if (graph == null) {
            List<String> onnx = files.stream().filter(f -> f.endsWith(".onnx")).sorted().toList();
            throw new HubException(ref.repoId() + " has no " + (onnxFile != null ? onnxFile : int8 ? "int8 ONNX graph"
                    : "ONNX graph (onnx/model.onnx or model.onnx)") + (onnx.isEmpty() ? "" : "; its ONNX files: " + onnx)
                    + "; files in the repository: " + files.stream().sorted().limit(40).toList()
                    + "; export one with: optimum-cli export onnx --model " + ref.repoId() + " <folder>, then serve the folder");
        }
        needed.add(graph);
        for (String data : List.of(graph + "_data", graph + ".data", graph.replaceAll("\\.onnx$", ".onnx_data"))) {
            if (files.contains(data)) needed.add(data);
        }
        return List.copyOf(needed);
    }

    /**
     * The commit and file list of a revision. A server error counts as unreachable, as it does for
     * huggingface_hub, so that a cached model still starts while the Hub is down.
     */
    private JsonNode revisionInfo(HubReference ref) throws Unreachable {
        String url = settings.endpoint() + "/api/models/" + ref.repoId() + "/revision/" + encode(ref.revision());
        HttpResponse<byte[]> response = followRelative(request(url, true).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() >= 500) throw new Unreachable("HTTP " + response.statusCode());
        check(response.statusCode(), ref, "the repository");
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new HubException("the Hub's answer for " + ref + " is not JSON: " + e.getMessage(), e);
        }
    }

    private void fetchFile(HubReference ref, Path repo, String commit, String file) {
        String url = settings.endpoint() + "/" + ref.repoId() + "/resolve/" + commit + "/" + encodePath(file);
        HttpResponse<Void> head;
        try {
            head = followRelative(request(url, true).method("HEAD", HttpRequest.BodyPublishers.noBody())
                    .header("Accept-Encoding", "identity").build(), HttpResponse.BodyHandlers.discarding());
        } catch (Unreachable e) {
            throw new HubException("the Hub at " + settings.endpoint() + " cannot be reached: " + e.getMessage(), e);
        }
        int status = head.statusCode();
        if (status >= 400) check(status, ref, file);
        String etag = normalizeEtag(head.headers().firstValue("X-Linked-Etag").orElse(head.headers().firstValue("ETag").orElse(null)));
        if (etag == null) throw new HubException("the Hub gave no ETag for " + file + " of " + ref);
        long size = head.headers().firstValueAsLong("X-Linked-Size").orElse(head.headers().firstValueAsLong("Content-Length").orElse(-1));
        String location = status >= 300 ? head.headers().firstValue("Location").orElse(null) : null;
        URI download = location == null ? head.uri() : head.uri().resolve(location);

        Path blob = repo.resolve("blobs").resolve(etag);
        Path link = repo.resolve("snapshots").resolve(commit).resolve(file);
        try {
            if (!Files.isRegularFile(blob) || (size >= 0 && Files.size(blob) != size)) {
                LOG.info("Downloading {}{}", file, size >= 0 ? " (" + human(size) + ")" : "");
                download(download, blob, etag, size, file);
            }
            Files.createDirectories(link.getParent());
            // A relative link, as huggingface_hub makes it: ../../blobs/<etag>, one more ../ per folder level.
            Path target = link.getParent().relativize(blob);
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, target);
        } catch (IOException e) {
            throw new HubException("cannot write " + file + " of " + ref + " to " + repo + ": " + e.getMessage(), e);
        }
    }

    private void download(URI uri, Path blob, String etag, long size, String file) throws IOException {
        Files.createDirectories(blob.getParent());
        Path partial = blob.resolveSibling(etag + "." + UUID.randomUUID().toString().substring(0, 8) + ".incomplete");
        MessageDigest sha256 = sha256();
        try {
            HttpResponse<InputStream> response;
            URI current = uri;
            for (int hop = 0; ; hop++) {
                boolean hubHost = sameHost(current, URI.create(settings.endpoint()));
                response = send(request(current.toString(), hubHost).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
                int status = response.statusCode();
                if (status < 300 || status >= 400 || hop >= 5) break;
                response.body().close();
                current = current.resolve(response.headers().firstValue("Location").orElseThrow(
                        () -> new HubException("redirect without Location for " + file)));
            }
            if (response.statusCode() != 200) {
                response.body().close();
                throw new HubException("downloading " + file + " failed: HTTP " + response.statusCode());
            }
            try (InputStream in = response.body();
                 OutputStream out = new DigestOutputStream(Files.newOutputStream(partial), sha256)) {
                Progress progress = new Progress(file, size);
                byte[] buffer = new byte[1 << 16];
                long total = 0;
                for (int n; (n = in.read(buffer)) > 0; ) {
                    out.write(buffer, 0, n);
                    total += n;
                    progress.update(total);
                }
                progress.done(total);
            }
            if (SHA256.matcher(etag).matches()) {
                String actual = HexFormat.of().formatHex(sha256.digest());
                if (!actual.equals(etag)) {
                    throw new HubException(file + " arrived corrupted: its sha256 is " + actual + ", the Hub says " + etag);
                }
            }
            Files.move(partial, blob, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    /** Offline: the snapshot that refs/<revision> points to (or the commit itself), if the cache has it. */
    private Path cached(HubReference ref, Path repo, String why) {
        String commit = ref.revision();
        if (!COMMIT.matcher(commit).matches()) {
            Path refFile = repo.resolve("refs").resolve(ref.revision());
            try {
                commit = Files.isRegularFile(refFile) ? Files.readString(refFile).trim() : null;
            } catch (IOException e) {
                commit = null;
            }
        }
        Path snapshot = commit == null ? null : repo.resolve("snapshots").resolve(commit);
        if (snapshot == null || !Files.isDirectory(snapshot)) {
            throw new HubException(ref + " is not in the cache at " + settings.cache() + " and " + why);
        }
        LOG.info("Using {} from the cache ({})", ref, why);
        return snapshot;
    }

    private static void writeRef(Path repo, String revision, String commit) {
        if (revision.equals(commit)) return;
        try {
            Path ref = repo.resolve("refs").resolve(revision);
            Files.createDirectories(ref.getParent());
            if (Files.isRegularFile(ref) && Files.readString(ref).trim().equals(commit)) return;
            Path tmp = ref.resolveSibling(ref.getFileName() + "." + UUID.randomUUID() + ".tmp");
            Files.writeString(tmp, commit);
            Files.move(tmp, ref, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new HubException("cannot write the ref " + revision + " in " + repo + ": " + e.getMessage(), e);
        }
    }

    /** Follows only relative redirects (a renamed repository); an absolute one points at file storage. */
    private <T> HttpResponse<T> followRelative(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws Unreachable {
        HttpResponse<T> response = send(request, handler);
        for (int hop = 0; hop < 5; hop++) {
            int status = response.statusCode();
            String location = response.headers().firstValue("Location").orElse(null);
            if (status < 300 || status >= 400 || location == null || URI.create(location).isAbsolute()) return response;
            URI next = response.uri().resolve(location);
            response = send(HttpRequest.newBuilder(request, (n, v) -> true).uri(next).build(), handler);
        }
        return response;
    }

    private HttpRequest.Builder request(String url, boolean withToken) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .header("User-Agent", "sift");
        if (withToken && settings.token() != null) builder.header("Authorization", "Bearer " + settings.token());
        return builder;
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws Unreachable {
        try {
            return http.send(request, handler);
        } catch (ConnectException | HttpTimeoutException e) {
            throw new Unreachable(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        } catch (IOException e) {
            throw new HubException("request to " + request.uri().getHost() + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException("interrupted while downloading", e);
        }
    }

    private void check(int status, HubReference ref, String what) {
        if (status == 401 || status == 403) {
            throw new HubException(ref.repoId() + " is private or gated (HTTP " + status + ")"
                    + (settings.token() == null ? ": set HF_TOKEN, or log in with huggingface-cli login"
                            : ": the token given has no access; accept the model's terms on the Hub, or use another token"));
        }
        if (status == 404) {
            throw new HubException(what.equals("the repository") ? "no model " + ref.repoId() + " at revision "
                    + ref.revision() + " on " + settings.endpoint() : what + " is not in " + ref);
        }
        if (status >= 400) throw new HubException("the Hub answered HTTP " + status + " for " + what + " of " + ref);
    }

    /** The Hub did not answer: no connection, a timeout, or a server error. */
    private static final class Unreachable extends IOException {
        Unreachable(String message) {
            super(message);
        }
    }

    static String normalizeEtag(String etag) {
        if (etag == null) return null;
        String e = etag.startsWith("W/") ? etag.substring(2) : etag;
        return e.replace("\"", "").trim();
    }

    private static boolean sameHost(URI a, URI b) {
        return a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost()) && a.getPort() == b.getPort();
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String encodePath(String path) {
        List<String> parts = new ArrayList<>();
        for (String part : path.split("/")) parts.add(encode(part));
        return String.join("/", parts);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String human(long bytes) {
        if (bytes < 1024 * 1024) return (bytes / 1024) + " KiB";
        return String.format("%.1f MiB", bytes / 1048576.0);
    }

    /** A progress bar on a terminal; nothing but the log lines otherwise. */
    private static final class Progress {
        private final String file;
        private final long size;
        private final boolean terminal = System.console() != null;
        private int shown = -1;

        Progress(String file, long size) {
            this.file = file;
            this.size = size;
        }

        void update(long bytes) {
            if (!terminal || size <= 0) return;
            int percent = (int) (100 * bytes / size);
            if (percent == shown) return;
            shown = percent;
            int bar = percent / 4;
            System.err.print("\r" + file + " [" + "#".repeat(bar) + " ".repeat(25 - bar) + "] " + percent + "% of " + human(size));
        }

        void done(long bytes) {
            if (terminal && size > 0) System.err.println();
        }
    }
}
