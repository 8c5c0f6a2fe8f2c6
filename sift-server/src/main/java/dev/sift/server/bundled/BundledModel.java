package dev.sift.server.bundled;

import dev.sift.model.ModelException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.UUID;

/**
 * The model Sift serves when none is named: BAAI/bge-small-en-v1.5, an English embedding model whose ONNX graph
 * and tokenizer ship on the class path. It is laid out once as a Hugging Face folder under Sift's cache, because
 * ONNX Runtime maps a graph from a file.
 */
public final class BundledModel {

    /** The Hugging Face id the bundled model is served under. */
    public static final String ID = "BAAI/bge-small-en-v1.5";

    private static final String CONFIG_ROOT = "dev/sift/server/bundled/bge-small-en-v1.5/";

    /** Destination in the model folder -> class path resource. */
    private static final Map<String, String> FILES = Map.of(
            "onnx/model.onnx", "bge-small-en-v1.5.onnx",
            "tokenizer.json", "bge-small-en-v1.5-tokenizer.json",
            "config.json", CONFIG_ROOT + "config.json",
            "tokenizer_config.json", CONFIG_ROOT + "tokenizer_config.json",
            "modules.json", CONFIG_ROOT + "modules.json",
            "sentence_bert_config.json", CONFIG_ROOT + "sentence_bert_config.json",
            "1_Pooling/config.json", CONFIG_ROOT + "1_Pooling/config.json");

    private BundledModel() {}

    /** Returns the folder of the bundled model, writing it under {@code cacheRoot} first if needed. */
    public static Path materialize(Path cacheRoot) {
        Path dir = cacheRoot.resolve("models").resolve(ID.replace("/", "--"));
        ClassLoader loader = BundledModel.class.getClassLoader();
        try {
            for (var file : FILES.entrySet()) {
                Path target = dir.resolve(file.getKey());
                try (InputStream in = loader.getResourceAsStream(file.getValue())) {
                    if (in == null) throw new ModelException("bundled model file " + file.getValue() + " is not on the class path");
                    long size = sizeOf(file.getValue(), loader);
                    if (Files.isRegularFile(target) && Files.size(target) == size) continue;
                    Files.createDirectories(target.getParent());
                    // Written under a unique name and renamed, so a concurrent or interrupted start never sees half a file.
                    Path partial = target.resolveSibling(target.getFileName() + "." + UUID.randomUUID() + ".partial");
                    try {
                        Files.copy(in, partial);
                        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    } finally {
                        Files.deleteIfExists(partial);
                    }
                }
            }
        } catch (IOException e) {
            throw new ModelException("cannot write the bundled model to " + dir + ": " + e.getMessage()
                    + " (set SIFT_HOME to a writable folder)", e);
        }
        return dir;
    }

    private static long sizeOf(String resource, ClassLoader loader) throws IOException {
        var url = loader.getResource(resource);
        if (url == null) return -1;
        var connection = url.openConnection();
        connection.setUseCaches(false);
        return connection.getContentLengthLong();
    }
}
