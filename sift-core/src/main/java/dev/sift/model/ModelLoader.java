package dev.sift.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sift.graph.Architectures;
import dev.sift.weights.Checkpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Reads a model folder in Hugging Face layout (config.json, tokenizer files, the sentence-transformers files
 * when present, an ONNX graph) into a {@link ModelSpec}. Every refusal names the file or setting at fault.
 */
public final class ModelLoader {

    /** Families whose position ids start after the padding index (RoBERTa's create_position_ids). */
    private static final Set<String> PADDING_OFFSET_POSITIONS =
            Set.of("roberta", "xlm-roberta", "xlm-roberta-xl", "camembert", "mpnet");

    /** The graph a folder runs when none is named, in the order looked for (as optimum and the Hub lay them out). */
    public static final List<String> DEFAULT_GRAPHS = List.of("onnx/model.onnx", "model.onnx");

    /** transformers writes this (int(1e30)) for "no limit" in tokenizer_config.json. */
    private static final double NO_TOKENIZER_LIMIT = 1e6;

    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelLoader() {}

    public static ModelSpec load(Path directory, ModelOptions options) {
        Path dir = directory.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new ModelException("model folder not found: " + dir);
        }
        JsonNode config = readJson(dir.resolve("config.json"), true);
        String architecture = architecture(config, dir);
        String modelType = config.path("model_type").asText("");

        Path tokenizerFile = dir.resolve("tokenizer.json");
        refuseUnusable(tokenizerFile);
        if (!Files.isRegularFile(tokenizerFile)) {
            throw new ModelException("tokenizer.json is missing in " + dir
                    + ": Sift needs the fast-tokenizer file (AutoTokenizer.from_pretrained(...).save_pretrained(dir) writes it)");
        }

        JsonNode modules = readJson(dir.resolve("modules.json"), false);
        SentenceTransformerModules st = modules == null ? null : SentenceTransformerModules.read(dir, modules);

        ModelTask task;
        List<String> labels;
        Activation activation;
        LlmReranker llmReranker = null;
        if (architecture.endsWith("ForCausalLM") || isDecoderClassifier(architecture, modelType)) {
            int classifierLabels = architecture.endsWith("ForCausalLM") ? 1 : labels(config).size();
            if (classifierLabels != 1) {
                throw new ModelException(architecture + " in " + dir.resolve("config.json") + " has "
                        + classifierLabels + " labels; a decoder served as a reranker needs one (num_labels 1)");
            }
            llmReranker = llmReranker(dir, architecture, options);
            task = ModelTask.LLM_RERANKER;
            labels = List.of("LABEL_0");
            activation = Activation.SIGMOID;
        } else if (st != null && st.pooling() != null) {
            task = ModelTask.EMBEDDING;
            labels = List.of();
            activation = Activation.IDENTITY;
        } else if (architecture.endsWith("ForSequenceClassification")) {
            labels = labels(config);
            task = labels.size() == 1 ? ModelTask.CROSS_ENCODER : ModelTask.CLASSIFIER;
            activation = activation(config, readJson(dir.resolve("config_sentence_transformers.json"), false), labels.size());
        } else if ((architecture.endsWith("Model") && !architecture.endsWith("LMHeadModel"))
                || architecture.endsWith("ForMaskedLM")) {
            throw new ModelException("unsupported architecture " + architecture + " in " + dir.resolve("config.json")
                    + ": an encoder without a scoring head, and the folder has no sentence-transformers pooling"
                    + " (modules.json and 1_Pooling/config.json); add them to serve it as an embedding model");
        } else {
            throw new ModelException("unsupported architecture " + architecture + " in " + dir.resolve("config.json")
                    + ": Sift serves sequence classifiers (*ForSequenceClassification, a one-label one is a"
                    + " cross-encoder), LLM rerankers (*ForCausalLM) and sentence-transformers embedding models");
        }

        int maxLength = maxLength(dir, config, modelType, st, options.maxModelLen());
        Path onnxFile = switch (weightsFormat(dir, modelType, options)) {
            case SAFETENSORS -> null;
            default -> options.int8() ? QuantizedGraphs.find(dir) : onnxFile(dir, options.onnxFile());
        };
        long padTokenId = config.path("pad_token_id").canConvertToLong() ? config.get("pad_token_id").asLong() : 0L;
        int vocabSize = config.path("vocab_size").canConvertToInt() ? config.get("vocab_size").asInt() : 0;

        return new ModelSpec(dir, architecture, modelType, task, maxLength, labels, activation,
                st == null ? null : st.pooling(), st != null && st.normalize(), padTokenId, vocabSize, tokenizerFile, onnxFile,
                llmReranker, onnxFile == null && options.int8());
    }

    /**
     * A decoder LM converted to a sequence classifier (Qwen3ForSequenceClassification as in
     * tomaarsen/Qwen3-Reranker-0.6B-seq-cls): still a prompt-template reranker, scored by its classifier.
     */
    private static boolean isDecoderClassifier(String architecture, String modelType) {
        return architecture.endsWith("ForSequenceClassification") && Architectures.isDecoder(modelType);
    }

    /**
     * A causal language model is served as a reranker only in a known family: named by the user, or told from the
     * folder's path (a folder named after the model, or the Hub cache's models--org--name).
     */
    private static LlmReranker llmReranker(Path dir, String architecture, ModelOptions options) {
        if (options.llmReranker() != null) return options.llmReranker();
        return LlmReranker.fromName(dir.toString()).orElseThrow(() -> new ModelException(architecture + " in "
                + dir.resolve("config.json") + " is a decoder language model; Sift serves one as a reranker when it"
                + " knows its prompt and answer tokens: pass --llm-reranker with one of " + LlmReranker.ids()));
    }

    private static String architecture(JsonNode config, Path dir) {
        JsonNode archs = config.path("architectures");
        if (!archs.isArray() || archs.isEmpty() || !archs.get(0).isTextual()) {
            throw new ModelException("config.json in " + dir + " has no \"architectures\" entry");
        }
        return archs.get(0).asText();
    }

    /** Label names by index; num_labels wins over id2label's size, as in transformers' PretrainedConfig. */
    private static List<String> labels(JsonNode config) {
        TreeMap<Integer, String> byId = new TreeMap<>();
        config.path("id2label").properties().forEach(e -> {
            try {
                byId.put(Integer.parseInt(e.getKey()), e.getValue().asText());
            } catch (NumberFormatException ignored) {
                // A malformed key is ignored; the label falls back to LABEL_i below.
            }
        });
        int count = config.path("num_labels").canConvertToInt() ? config.get("num_labels").asInt()
                : byId.isEmpty() ? 2 : byId.size();
        if (count < 1) throw new ModelException("config.json declares num_labels " + count);
        List<String> labels = new ArrayList<>(count);
        for (int i = 0; i < count; i++) labels.add(byId.getOrDefault(i, "LABEL_" + i));
        return labels;
    }

    /**
     * The activation sentence-transformers' CrossEncoder applies: the one its config names, else sigmoid for
     * one label. For several labels the probabilities are a softmax, as vLLM's classify reports them.
     */
    static Activation activation(JsonNode config, JsonNode stConfig, int numLabels) {
        // sentence-transformers 6 keeps it in config_sentence_transformers.json, 4 and 5 in config.json,
        // earlier versions under another key in config.json.
        String named = stConfig == null ? null : stConfig.path("activation_fn").asText(null);
        if (named == null) named = config.path("sentence_transformers").path("activation_fn").asText(null);
        if (named == null) named = config.path("sbert_ce_default_activation_function").asText(null);
        if (named != null) {
            String simple = named.substring(named.lastIndexOf('.') + 1);
            return switch (simple) {
                case "Sigmoid" -> Activation.SIGMOID;
                case "Identity" -> Activation.IDENTITY;
                case "Softmax" -> Activation.SOFTMAX;
                default -> throw new ModelException("activation function " + named
                        + " in config.json is not supported (Sigmoid, Softmax and Identity are)");
            };
        }
        String problemType = config.path("problem_type").asText("");
        if (problemType.equals("regression")) return Activation.IDENTITY;
        if (problemType.equals("multi_label_classification")) return Activation.SIGMOID;
        return numLabels == 1 ? Activation.SIGMOID : Activation.SOFTMAX;
    }

    /**
     * The effective maximum, as sentence-transformers picks it: max_seq_length when sentence_bert_config.json gives
     * one (it wins outright, even over a smaller model_max_length), else model_max_length from
     * tokenizer_config.json; never more than the position embeddings allow; then capped by --max-model-len.
     */
    private static int maxLength(Path dir, JsonNode config, String modelType, SentenceTransformerModules st,
                                 Integer requested) {
        int limit = Integer.MAX_VALUE;
        String source = null;
        JsonNode tokenizerConfig = readJson(dir.resolve("tokenizer_config.json"), false);
        if (st != null && st.maxSeqLength() != null) {
            limit = st.maxSeqLength();
            source = "max_seq_length in sentence_bert_config.json";
        } else if (tokenizerConfig != null && tokenizerConfig.path("model_max_length").isNumber()
                && tokenizerConfig.get("model_max_length").asDouble() < NO_TOKENIZER_LIMIT) {
            limit = tokenizerConfig.get("model_max_length").asInt();
            source = "model_max_length in tokenizer_config.json";
        }
        if (config.path("max_position_embeddings").canConvertToInt()) {
            int positions = config.get("max_position_embeddings").asInt();
            if (PADDING_OFFSET_POSITIONS.contains(modelType)) {
                positions -= (int) config.path("pad_token_id").asLong(1) + 1;
            }
            if (positions < limit) {
                limit = positions;
                source = "max_position_embeddings in config.json";
            }
        }
        if (source == null) {
            if (requested == null) {
                throw new ModelException("cannot tell the maximum input length of " + dir
                        + ": config.json has no max_position_embeddings and tokenizer_config.json no model_max_length;"
                        + " pass --max-model-len");
            }
            return requested;
        }
        if (requested != null) {
            if (requested > limit) {
                throw new ModelException("--max-model-len " + requested + " exceeds the model's limit of " + limit
                        + " tokens (" + source + ")");
            }
            return requested;
        }
        return limit;
    }

    /**
     * ONNX or safetensors: what the user chose, else (auto) the folder's ONNX graph when it has one, as its
     * authors exported it and as earlier Sift versions served it, else its safetensors checkpoint. Under --int8,
     * auto runs the folder's int8 ONNX graph when it ships one, else the int8 graph Sift builds from an encoder's
     * checkpoint (docs/int8.md).
     */
    private static WeightsFormat weightsFormat(Path dir, String modelType, ModelOptions options) {
        WeightsFormat chosen = options.weights();
        if (chosen == WeightsFormat.AUTO) {
            boolean int8Built = options.int8() && !QuantizedGraphs.present(dir) && Checkpoint.present(dir)
                    && Architectures.supports(modelType) && !Architectures.isDecoder(modelType);
            boolean graphNamed = (options.int8() && !int8Built) || options.onnxFile() != null;
            // A graph whose link lost its blob is a broken download, not a folder without a graph.
            DEFAULT_GRAPHS.forEach(g -> refuseUnusable(dir.resolve(g)));
            if (graphNamed || !int8Built && DEFAULT_GRAPHS.stream().anyMatch(g -> Files.isRegularFile(dir.resolve(g)))) {
                return WeightsFormat.ONNX;
            }
            if (!Checkpoint.present(dir)) {
                if (Checkpoint.onlyPickle(dir)) throw Checkpoint.absent(dir);
                return WeightsFormat.ONNX; // refused by onnxFile(), naming the graphs there are
            }
            chosen = WeightsFormat.SAFETENSORS;
        }
        if (chosen == WeightsFormat.SAFETENSORS) {
            if (!Architectures.supports(modelType)) throw Architectures.unsupported(modelType, dir.resolve("config.json"));
            if (options.int8() && Architectures.isDecoder(modelType)) {
                throw new ModelException("--int8 builds int8 graphs of encoders; " + modelType + " in " + dir
                        + " is a decoder: serve its float32 graph, or a quantized ONNX export with --weights onnx --int8");
            }
            if (!Checkpoint.present(dir)) throw Checkpoint.absent(dir);
        }
        return chosen;
    }

    private static Path onnxFile(Path dir, String requested) {
        if (requested != null) {
            Path file = dir.resolve(requested).normalize();
            refuseUnusable(file);
            if (!Files.isRegularFile(file)) {
                throw new ModelException("ONNX file " + requested + " not found in " + dir + onnxFilesHint(dir));
            }
            return file;
        }
        for (String candidate : DEFAULT_GRAPHS) {
            Path file = dir.resolve(candidate);
            refuseUnusable(file);
            if (Files.isRegularFile(file)) return file;
        }
        throw new ModelException("no ONNX graph in " + dir + " (looked for onnx/model.onnx and model.onnx)"
                + onnxFilesHint(dir) + (Checkpoint.present(dir) ? "; it has safetensors weights: serve them with --weights safetensors"
                : "; and no model.safetensors to build a graph from. Export one with: optimum-cli export onnx --model <model id or folder> <output folder>"));
    }

    private static String onnxFilesHint(Path dir) {
        try (Stream<Path> files = Files.walk(dir, 2)) {
            List<String> onnx = files.filter(p -> p.getFileName().toString().endsWith(".onnx"))
                    .map(p -> dir.relativize(p).toString()).sorted().toList();
            return onnx.isEmpty() ? "" : "; ONNX files present: " + String.join(", ", onnx) + " (choose one with --onnx-file)";
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * A link to nothing (in a Hugging Face cache, a snapshot whose blob was deleted or never finished), or a file this
     * user may not read: each named as such, rather than as a missing file the folder plainly lists or a bare errno.
     */
    static void refuseUnusable(Path file) {
        if (Files.isRegularFile(file) && !Files.isReadable(file)) {
            throw new ModelException(file + " cannot be read: permission denied for this user");
        }
        if (Files.isSymbolicLink(file) && !Files.exists(file)) {
            String target;
            try {
                target = Files.readSymbolicLink(file).toString();
            } catch (IOException e) {
                target = "?";
            }
            throw new ModelException(file + " is a link to " + target + ", which does not exist: download the model again");
        }
    }

    static JsonNode readJson(Path file, boolean required) {
        refuseUnusable(file);
        if (!Files.isRegularFile(file)) {
            if (required) throw new ModelException(file.getFileName() + " is missing in " + file.getParent());
            return null;
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
