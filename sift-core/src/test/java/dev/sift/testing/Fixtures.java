package dev.sift.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The fidelity fixtures under testdata/models, and their golden outputs from sentence-transformers. */
public final class Fixtures {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Fixtures() {}

    public static Path root() {
        String configured = System.getProperty("sift.testdata");
        Path root = configured != null ? Path.of(configured) : Path.of("../testdata");
        return root.resolve("models").toAbsolutePath().normalize();
    }

    public static Path model(String name) {
        Path dir = root().resolve(name);
        if (!Files.isDirectory(dir)) throw new IllegalStateException("fixture not found: " + dir);
        return dir;
    }

    /** Every fixture folder that has a golden.json. */
    public static List<String> names() {
        try (Stream<Path> dirs = Files.list(root())) {
            return dirs.filter(d -> Files.isRegularFile(d.resolve("golden.json")))
                    .map(d -> d.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the fixture scores pairs (the multi-label classifier has probabilities instead). */
    public static boolean scoresPairs(String name) {
        return !golden(name).get("cases").get(0).has("probs");
    }

    /** Whether the fixture ships an ONNX graph (the half-precision variants are safetensors only). */
    public static boolean hasOnnx(String name) {
        return Files.isRegularFile(model(name).resolve("onnx/model.onnx"));
    }

    /** Whether Sift builds the fixture's graph from safetensors (every architecture of the fixtures). */
    public static boolean buildable(String name) {
        try {
            String type = JSON.readTree(model(name).resolve("config.json").toFile()).path("model_type").asText();
            return dev.sift.graph.Architectures.supports(type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode golden(String name) {
        try {
            return JSON.readTree(model(name).resolve("golden.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>(array.size());
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** Copies a fixture into {@code target} so a test may change or break it. */
    public static Path copy(String name, Path target) {
        Path source = model(name);
        try (Stream<Path> files = Files.walk(source)) {
            for (Path file : files.toList()) {
                Path to = target.resolve(source.relativize(file).toString());
                if (Files.isDirectory(file)) Files.createDirectories(to);
                else Files.copy(file, to);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return target;
    }
}
