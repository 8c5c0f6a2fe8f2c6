package dev.sift.graph;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the graph Sift builds for a model folder to a file, for inspection with the onnx tools or Netron, or to
 * run it elsewhere: its weights stay in the folder's safetensors files, which the graph names as external data,
 * so the file works when it is placed in that folder. Usage: {@code GraphDump MODEL_DIR OUT.onnx [hidden]}.
 */
public final class GraphDump {

    private GraphDump() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: GraphDump MODEL_DIR OUT.onnx [hidden]  (hidden: the encoder's states, not logits)");
            System.exit(2);
        }
        Head head = args.length > 2 && args[2].equals("hidden") ? Head.HIDDEN_STATES : Head.LOGITS;
        BuiltGraph graph = Architectures.build(Path.of(args[0]), head);
        Files.write(Path.of(args[1]), graph.model());
        System.out.println(graph.description() + " -> " + args[1] + " (" + graph.model().length + " bytes)");
    }
}
