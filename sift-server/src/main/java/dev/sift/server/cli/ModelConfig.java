package dev.sift.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.sift.model.ModelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code sift serve --config FILE}: the models to serve, each with its own per-model options, in YAML or JSON.
 * <pre>
 * models:
 *   - model: BAAI/bge-reranker-base
 *     served-model-name: [reranker]
 *     int8: true
 *   - model: ./my-embedder
 *     max-batch-tokens: 4096
 * </pre>
 * An entry's keys are {@code sift serve}'s per-model options without their dashes ({@code max_batch_tokens} or
 * {@code max-batch-tokens}); each becomes that option, so that it is checked and converted exactly as on the command
 * line. What an entry does not set it takes from the command line.
 */
record ModelConfig(List<Entry> entries) {

    /** The options that belong to one model; the others (port, keys, limits on a request) are the server's. */
    static final Set<String> PER_MODEL_OPTIONS = Set.of("--served-model-name", "--max-model-len", "--onnx-file", "--int8",
            "--weights", "--llm-reranker", "--task", "--max-batch-tokens", "--max-batch-size", "--max-queued-tokens",
            "--cache-size", "--workers", "--intra-op-threads");

    /**
     * One model of the file.
     *
     * @param model   the model, as MODEL on the command line
     * @param args    its options, as command-line arguments
     * @param setHere the options the entry sets (a boolean set to false among them), which the command line's do not override
     */
    record Entry(String model, List<String> args, Set<String> setHere) {}

    static ModelConfig read(Path file) {
        JsonNode root;
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        ObjectMapper mapper = name.endsWith(".yaml") || name.endsWith(".yml") ? new YAMLMapper() : new ObjectMapper();
        try {
            root = mapper.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new ModelException("--config " + file + ": cannot read it: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject() || !root.path("models").isArray() || root.get("models").isEmpty()) {
            throw new ModelException("--config " + file + ": expected a 'models' list, each entry with a 'model'");
        }
        for (Iterator<String> keys = root.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (!key.equals("models")) throw new ModelException("--config " + file + ": unknown key '" + key + "' (only 'models')");
        }
        List<Entry> entries = new ArrayList<>();
        JsonNode models = root.get("models");
        for (int i = 0; i < models.size(); i++) entries.add(entry(models.get(i), "--config " + file + ": models[" + i + "]"));
        return new ModelConfig(List.copyOf(entries));
    }

    private static Entry entry(JsonNode node, String where) {
        if (!node.isObject() || !node.path("model").isTextual() || node.get("model").asText().isBlank()) {
            throw new ModelException(where + ": needs 'model', a folder or a Hub id");
        }
        List<String> args = new ArrayList<>();
        Set<String> set = new HashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (field.getKey().equals("model")) continue;
            String option = "--" + field.getKey().replace('_', '-');
            if (!PER_MODEL_OPTIONS.contains(option)) {
                throw new ModelException(where + ": '" + field.getKey() + "' is not a per-model option; an entry takes "
                        + PER_MODEL_OPTIONS.stream().sorted().map(o -> o.substring(2)).toList()
                        + ", and the others go on the command line");
            }
            JsonNode value = field.getValue();
            set.add(option);
            if (value.isBoolean()) {
                if (value.asBoolean()) args.add(option);
            } else if (value.isArray()) {
                if (value.isEmpty()) throw new ModelException(where + ": '" + field.getKey() + "' is an empty list");
                args.add(option);
                for (JsonNode item : value) args.add(scalar(item, where, field.getKey()));
            } else {
                args.add(option);
                args.add(scalar(value, where, field.getKey()));
            }
        }
        return new Entry(node.get("model").asText(), List.copyOf(args), Set.copyOf(set));
    }

    private static String scalar(JsonNode value, String where, String key) {
        if (value.isTextual() || value.isNumber()) return value.asText();
        throw new ModelException(where + ": '" + key + "' must be a string, a number" + (value.isBoolean() ? "" : " or a boolean"));
    }
}
