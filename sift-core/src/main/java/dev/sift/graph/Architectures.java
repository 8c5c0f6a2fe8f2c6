package dev.sift.graph;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import dev.sift.graph.arch.Bert;
import dev.sift.graph.arch.DebertaV2;
import dev.sift.graph.arch.DistilBert;
import dev.sift.graph.arch.Gemma;
import dev.sift.graph.arch.Gte;
import dev.sift.graph.arch.ModernBert;
import dev.sift.graph.arch.Mpnet;
import dev.sift.graph.arch.Qwen2;
import dev.sift.graph.arch.Qwen3;
import dev.sift.model.ModelException;
import dev.sift.weights.Checkpoint;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/** The graph builder of each {@code model_type}, and the one entry point that builds a model's graph. */
public final class Architectures {

    private static final Map<String, Supplier<Architecture>> BY_MODEL_TYPE = new TreeMap<>(Map.of(
            "bert", () -> new Bert(Bert.Flavour.BERT),
            "roberta", () -> new Bert(Bert.Flavour.ROBERTA),
            "xlm-roberta", () -> new Bert(Bert.Flavour.ROBERTA),
            "camembert", () -> new Bert(Bert.Flavour.ROBERTA),
            "electra", () -> new Bert(Bert.Flavour.ELECTRA),
            "deberta-v2", DebertaV2::new,
            "modernbert", ModernBert::new,
            "new", Gte::new,
            "distilbert", DistilBert::new,
            "mpnet", Mpnet::new));

    /** Decoder LMs served as rerankers: their graphs end in the answer tokens' logits, not in a classifier. */
    private static final Map<String, Supplier<DecoderArchitecture>> DECODERS_BY_MODEL_TYPE = new TreeMap<>(Map.of(
            "qwen2", Qwen2::new,
            "qwen3", Qwen3::new,
            "gemma", Gemma::new));

    private static final ObjectMapper JSON = new ObjectMapper();

    private Architectures() {}

    /** Whether Sift can build a graph for this {@code model_type}. */
    public static boolean supports(String modelType) {
        return BY_MODEL_TYPE.containsKey(modelType) || isDecoder(modelType);
    }

    /** Whether this {@code model_type} is a decoder LM that Sift serves as a reranker. */
    public static boolean isDecoder(String modelType) {
        return DECODERS_BY_MODEL_TYPE.containsKey(modelType);
    }

    /**
     * Builds the graph of the model in {@code directory} from its config.json and safetensors checkpoint.
     *
     * @throws ModelException for an unknown architecture, a missing or misshapen tensor, or a bad field
     */
    public static BuiltGraph build(Path directory, Head head) {
        return build(directory, head, false);
    }

    /**
     * The same, with int8 linear layers when {@code int8} ({@link GraphBuilder#int8()}): encoders only, which is
     * what docs/int8.md measured (a decoder reranker's scores moved too far on the fixtures).
     */
    public static BuiltGraph build(Path directory, Head head, boolean int8) {
        return build(directory, BY_MODEL_TYPE, "graph", int8, (architecture, c, g) -> architecture.build(c, g, head));
    }

    /**
     * Builds the reranker graph of the decoder LM in {@code directory}: output
     * {@link DecoderArchitecture#ANSWER_LOGITS}, one column per row of {@code head}.
     *
     * @throws ModelException for an unknown decoder architecture, a missing or misshapen tensor, or a bad field
     */
    public static BuiltGraph buildReranker(Path directory, RerankerHead head) {
        return build(directory, DECODERS_BY_MODEL_TYPE, "reranker graph", false,
                (architecture, c, g) -> architecture.build(c, g, head));
    }

    /** How one kind of architecture writes its graph. */
    private interface Writer<A> {
        void write(A architecture, ModelConfig config, GraphBuilder g);
    }

    private static <A> BuiltGraph build(Path directory, Map<String, Supplier<A>> registry, String what, boolean int8,
                                      Writer<A> writer) {
        Path configFile = directory.resolve("config.json");
        JsonNode config = readConfig(configFile);
        String modelType = config.path("model_type").asText("");
        Supplier<A> architecture = registry.get(modelType);
        if (architecture == null) throw unknown(modelType, configFile, registry);
        Checkpoint checkpoint = Checkpoint.open(directory);
        GraphBuilder g = new GraphBuilder(checkpoint, Fusion.configured(), int8);
        writer.write(architecture.get(), new ModelConfig(config, configFile), g);
        return g.build(modelType + (int8 ? " int8 " : " ") + what + " built from " + checkpoint.describe());
    }

    private static JsonNode readConfig(Path configFile) {
        try {
            return JSON.readTree(configFile.toFile());
        } catch (IOException e) {
            throw new ModelException("cannot read " + configFile + ": " + e.getMessage(), e);
        }
    }

    /** The refusal for a {@code model_type} no builder serves, naming every one that is. */
    public static ModelException unsupported(String modelType, Path configFile) {
        Map<String, Object> all = new TreeMap<>(BY_MODEL_TYPE);
        all.putAll(DECODERS_BY_MODEL_TYPE);
        return unknown(modelType, configFile, all);
    }

    private static ModelException unknown(String modelType, Path configFile, Map<String, ?> known) {
        return new ModelException("cannot build a graph for model_type \"" + modelType + "\" (" + configFile
                + "): Sift builds " + String.join(", ", known.keySet())
                + " from safetensors; for another architecture, export an ONNX graph with optimum-cli export onnx");
    }
}
