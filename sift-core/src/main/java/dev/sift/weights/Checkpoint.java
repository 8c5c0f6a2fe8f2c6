package dev.sift.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sift.model.ModelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A model's weights in safetensors form: {@code model.safetensors}, or the shards that
 * {@code model.safetensors.index.json} lists. Tensors are looked up by their Hugging Face name.
 */
public final class Checkpoint {

    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path directory;
    private final Map<String, SafetensorsFile> byTensor;

    private Checkpoint(Path directory, Map<String, SafetensorsFile> byTensor) {
        this.directory = directory;
        this.byTensor = byTensor;
    }

    /** Whether the folder holds safetensors weights Sift can open. */
    public static boolean present(Path directory) {
        return Files.isRegularFile(directory.resolve(SINGLE_FILE)) || Files.isRegularFile(directory.resolve(INDEX_FILE));
    }

    /** Whether the folder's only weights are PyTorch pickles, which Sift does not load. */
    public static boolean onlyPickle(Path directory) {
        return !present(directory) && (Files.isRegularFile(directory.resolve("pytorch_model.bin"))
                || Files.isRegularFile(directory.resolve("pytorch_model.bin.index.json")));
    }

    /**
     * Opens the checkpoint in {@code directory}, checking every file's header.
     *
     * @throws ModelException when there is none (naming what there is instead), or a file is malformed
     */
    public static Checkpoint open(Path directory) {
        Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
        Path index = directory.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) {
            JsonNode weightMap;
            try {
                weightMap = JSON.readTree(index.toFile()).path("weight_map");
            } catch (IOException e) {
                throw new ModelException("cannot read " + index + ": " + e.getMessage(), e);
            }
            if (!weightMap.isObject() || weightMap.isEmpty()) throw new ModelException(index + " has no weight_map");
            Map<String, SafetensorsFile> shards = new HashMap<>();
            for (var entry : weightMap.properties()) {
                String shardName = entry.getValue().asText();
                Path shard = directory.resolve(shardName).normalize();
                if (!shard.startsWith(directory) || !Files.isRegularFile(shard)) {
                    throw new ModelException(index + " places tensor " + entry.getKey() + " in " + shardName
                            + ", which is not in " + directory);
                }
                SafetensorsFile file = shards.computeIfAbsent(shardName, n -> SafetensorsFile.open(shard));
                if (!file.names().contains(entry.getKey())) {
                    throw new ModelException(index + " places tensor " + entry.getKey() + " in " + shardName
                            + ", but that file has no such tensor");
                }
                byTensor.put(entry.getKey(), file);
            }
        } else if (Files.isRegularFile(directory.resolve(SINGLE_FILE))) {
            SafetensorsFile file = SafetensorsFile.open(directory.resolve(SINGLE_FILE));
            for (String name : file.names()) byTensor.put(name, file);
        } else {
            throw absent(directory);
        }
        return new Checkpoint(directory, byTensor);
    }

    /** The refusal for a folder without a checkpoint: how to convert pickle weights, or what was looked for. */
    public static ModelException absent(Path directory) {
        if (onlyPickle(directory)) {
            return new ModelException(directory + " has only PyTorch pickle weights (pytorch_model.bin); Sift reads"
                    + " safetensors, which never run code when loaded. Convert them once with Python:"
                    + " AutoModelForSequenceClassification.from_pretrained(dir).save_pretrained(dir, safe_serialization=True),"
                    + " or export an ONNX graph with optimum-cli export onnx");
        }
        return new ModelException("no weights in " + directory + " (looked for " + SINGLE_FILE + ", " + INDEX_FILE
                + ", onnx/model.onnx and model.onnx)");
    }

    public Path directory() {
        return directory;
    }

    /** The file (or index and shard count) and the element types, for the start-up log. */
    public String describe() {
        long files = byTensor.values().stream().distinct().count();
        String source = files == 1 && !Files.isRegularFile(directory.resolve(INDEX_FILE)) ? SINGLE_FILE
                : INDEX_FILE + " (" + files + " shards)";
        return source + ", " + byTensor.size() + " tensors";
    }

    public Set<String> names() {
        return byTensor.keySet();
    }

    public boolean has(String name) {
        return byTensor.containsKey(name);
    }

    /**
     * The tensor's bytes, mapped from its file.
     *
     * @throws ModelException naming the tensor, and the names nearest to it, when it is missing
     */
    public TensorData tensor(String name) {
        SafetensorsFile file = byTensor.get(name);
        if (file == null) {
            throw new ModelException("the checkpoint in " + directory + " has no tensor " + name + nearest(name));
        }
        return file.tensor(name);
    }

    /** A hint at what the checkpoint names instead: tensors sharing the missing name's last two parts. */
    private String nearest(String name) {
        String[] parts = name.split("\\.");
        String tail = parts.length >= 2 ? parts[parts.length - 2] + "." + parts[parts.length - 1] : name;
        List<String> near = byTensor.keySet().stream().filter(n -> n.endsWith(tail))
                .sorted(Comparator.comparingInt(String::length)).limit(3).toList();
        return near.isEmpty() ? " (it holds " + byTensor.size() + " tensors, e.g. "
                + byTensor.keySet().stream().limit(3).toList() + ")" : "; similar names: " + near;
    }
}
