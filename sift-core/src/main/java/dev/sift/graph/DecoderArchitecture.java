package dev.sift.graph;

/**
 * A decoder language model served as a reranker: the graph reads each row's last real token and scores it against
 * the LM head's rows of the answer tokens alone, so no full-vocabulary logits exist anywhere (vLLM's conversion of
 * the LM head into a classifier, done in the graph).
 */
public interface DecoderArchitecture {

    /** The graph's output: [batch, answers], the score rows' logits at each row's last real token. */
    String ANSWER_LOGITS = "answer_logits";

    /**
     * Writes the graph into {@code g}: inputs {@code input_ids} and {@code attention_mask} (right-padded rows), and
     * the output {@link #ANSWER_LOGITS} with one column per row of {@code head}, in order.
     */
    void build(ModelConfig config, GraphBuilder g, RerankerHead head);
}
