package dev.sift.graph;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import dev.sift.graph.arch.Bert;
import dev.sift.graph.arch.DebertaV2;
import dev.sift.graph.arch.DistilBert;
import dev.sift.graph.arch.Gte;
import dev.sift.graph.arch.ModernBert;
import dev.sift.graph.arch.Mpnet;
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

    private static final ObjectMapper JSON = new ObjectMapper();

    private Architectures() {}

    /** Whether Sift can build a graph for this {@code model_type}. */
    public static boolean supports(String modelType) {
        return BY_MODEL_TYPE.containsKey(modelType);
    }

    /** The model types Sift builds, for messages. */
    public static String supported() {
        return String.join(", ", BY_MODEL_TYPE.keySet());
    }

    /**
     * Builds the graph of the model in {@code directory} from its config.json and safetensors checkpoint.
     *
     * @throws ModelException for an unknown architecture, a missing or misshapen tensor, or a bad field
     */
    public static BuiltGraph build(Path directory, Head head) {
        Path configFile = directory.resolve("config.json");
        JsonNode config;
        try {
            config = JSON.readTree(configFile.toFile());
        } catch (IOException e) {
            throw new ModelException("cannot read " + configFile + ": " + e.getMessage(), e);
        }
        String modelType = config.path("model_type").asText("");
        Supplier<Architecture> architecture = BY_MODEL_TYPE.get(modelType);
        if (architecture == null) {
            throw new ModelException("cannot build a graph for model_type \"" + modelType + "\" (" + configFile
                    + "): Sift builds " + String.join(", ", BY_MODEL_TYPE.keySet())
                    + " from safetensors; for another architecture, export an ONNX graph with optimum-cli export onnx");
        }
        Checkpoint checkpoint = Checkpoint.open(directory);
        GraphBuilder g = new GraphBuilder(checkpoint, Fusion.configured());
        architecture.get().build(new ModelConfig(config, configFile), g, head);
        return g.build(modelType + " graph built from " + checkpoint.describe());
    }
}
