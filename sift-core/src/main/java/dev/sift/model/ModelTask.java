package dev.sift.model;

/** What a model computes, and therefore how Sift turns its output into a score. */
public enum ModelTask {
    /** A sequence classifier with one label: reads (query, document) together, one logit per pair. */
    CROSS_ENCODER,
    /** A sentence embedding model: query and document are embedded apart and compared by cosine. */
    EMBEDDING,
    /** A sequence classifier with two or more labels: not a scorer, but classifiable. */
    CLASSIFIER,
    /** A decoder language model scoring a (query, document) prompt by its next-token logits ({@link LlmReranker}). */
    LLM_RERANKER
}
