package dev.sift.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a sentence-transformers folder (modules.json and the module folders) says about pooling,
 * normalisation and length.
 *
 * @param pooling      the Pooling module's mode, or null when there is no Pooling module
 * @param normalize    whether a Normalize module follows pooling
 * @param maxSeqLength max_seq_length from sentence_bert_config.json, or null
 */
record SentenceTransformerModules(Pooling pooling, boolean normalize, Integer maxSeqLength) {

    static SentenceTransformerModules read(Path dir, JsonNode modules) {
        Pooling pooling = null;
        boolean normalize = false;
        List<String> unsupported = new ArrayList<>();
        for (JsonNode module : modules) {
            String type = module.path("type").asText("");
            // sentence_transformers.models.Pooling (v2 to v5) or ...sentence_transformer.modules.pooling.Pooling (v6).
            String name = type.substring(type.lastIndexOf('.') + 1);
            switch (name) {
                case "Transformer" -> { }
                case "Pooling" -> pooling = pooling(dir.resolve(module.path("path").asText("1_Pooling")));
                case "Normalize" -> normalize = true;
                default -> unsupported.add(type);
            }
        }
        if (!unsupported.isEmpty()) {
            throw new ModelException("modules.json in " + dir + " lists modules Sift cannot run after the ONNX graph: "
                    + String.join(", ", unsupported) + " (supported: Transformer, Pooling, Normalize)");
        }
        JsonNode bertConfig = ModelLoader.readJson(dir.resolve("sentence_bert_config.json"), false);
        Integer maxSeqLength = bertConfig != null && bertConfig.path("max_seq_length").canConvertToInt()
                ? bertConfig.get("max_seq_length").asInt() : null;
        return new SentenceTransformerModules(pooling, normalize, maxSeqLength);
    }

    private static Pooling pooling(Path poolingDir) {
        Path file = poolingDir.resolve("config.json");
        JsonNode config = ModelLoader.readJson(file, true);
        if (config.has("pooling_mode")) {
            // sentence-transformers 6 names the mode; earlier versions set one boolean per mode.
            String mode = config.get("pooling_mode").asText();
            return switch (mode) {
                case "cls" -> Pooling.CLS;
                case "mean" -> Pooling.MEAN;
                case "lasttoken" -> Pooling.LAST_TOKEN;
                default -> throw new ModelException("pooling_mode " + mode + " in " + file
                        + " is not supported (cls, mean and lasttoken are)");
            };
        }
        List<Pooling> modes = new ArrayList<>();
        if (config.path("pooling_mode_cls_token").asBoolean(false)) modes.add(Pooling.CLS);
        if (config.path("pooling_mode_mean_tokens").asBoolean(false)) modes.add(Pooling.MEAN);
        if (config.path("pooling_mode_lasttoken").asBoolean(false)) modes.add(Pooling.LAST_TOKEN);
        for (String other : List.of("pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens",
                "pooling_mode_weightedmean_tokens")) {
            if (config.path(other).asBoolean(false)) {
                throw new ModelException(other + " in " + file + " is not supported (cls, mean and lasttoken are)");
            }
        }
        if (modes.size() != 1) {
            throw new ModelException(file + " must enable exactly one of pooling_mode_cls_token,"
                    + " pooling_mode_mean_tokens and pooling_mode_lasttoken; it enables " + modes.size());
        }
        return modes.get(0);
    }
}
