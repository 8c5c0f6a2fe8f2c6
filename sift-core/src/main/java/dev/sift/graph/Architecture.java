package dev.sift.graph;

/** One model family's graph, written once from its config.json and checkpoint (TEI's candle models, in ONNX). */
public interface Architecture {

    /**
     * Writes the graph into {@code g}: inputs {@code input_ids}, {@code attention_mask} (and
     * {@code token_type_ids} where the model uses types), and the output {@code head} asks for.
     */
    void build(ModelConfig config, GraphBuilder g, Head head);
}
