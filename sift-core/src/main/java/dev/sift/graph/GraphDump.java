package dev.sift.graph;

import dev.sift.model.ModelLoader;
import dev.sift.model.ModelOptions;
import dev.sift.model.ModelSpec;
import dev.sift.model.ModelTask;
import dev.sift.model.WeightsFormat;
import dev.sift.scoring.Scorer;
import dev.sift.tokenize.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Writes the graph Sift builds for a model folder to a file, for inspection with the onnx tools or Netron, or to
 * run it elsewhere: its weights stay in the folder's safetensors files, which the graph names as external data,
 * so the file works when it is placed in that folder. Usage: {@code GraphDump MODEL_DIR OUT.onnx [hidden] [int8]}.
 */
public final class GraphDump {

    private GraphDump() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: GraphDump MODEL_DIR OUT.onnx [hidden] [int8]  (hidden: the encoder's states, not"
                    + " logits; int8: an encoder's int8 linear layers, as --int8 builds them)");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        List<String> flags = Arrays.asList(args).subList(2, args.length);
        boolean int8 = flags.contains("int8");
        BuiltGraph graph;
        ModelSpec spec = ModelLoader.load(dir, ModelOptions.defaults().withWeights(WeightsFormat.SAFETENSORS));
        if (spec.task() == ModelTask.LLM_RERANKER) { // the answer rows come from the family and the tokenizer
            try (TextTokenizer tokenizer = TextTokenizer.open(spec.tokenizerFile())) {
                graph = Architectures.buildReranker(dir, Scorer.rerankerHead(spec, tokenizer));
            }
        } else {
            graph = Architectures.build(dir, flags.contains("hidden") ? Head.HIDDEN_STATES : Head.LOGITS, int8);
        }
        Files.write(Path.of(args[1]), graph.model());
        System.out.println(graph.description() + " -> " + args[1] + " (" + graph.model().length + " bytes)");
    }
}
