package dev.sift.graph;

import dev.sift.weights.TensorData;
import java.util.List;

/**
 * An ONNX model made by {@link GraphBuilder}: the serialized graph, whose weights are declared external, and the
 * memory-mapped tensors that ONNX Runtime is handed for them (by name) instead of reading a file.
 *
 * @param model        the ModelProto bytes (a few kilobytes: no weights inside)
 * @param initializers the checkpoint tensors the graph names as external initializers
 * @param description  what was built, for the start-up log
 */
public record BuiltGraph(byte[] model, List<TensorData> initializers, String description) {

    public BuiltGraph {
        initializers = List.copyOf(initializers);
    }
}
