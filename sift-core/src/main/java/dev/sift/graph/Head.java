package dev.sift.graph;

/** What a built graph returns, as the exported graphs of the same task do. */
public enum Head {
    /** {@code logits} [batch, labels] of a {@code *ForSequenceClassification} model. */
    LOGITS,
    /** {@code last_hidden_state} [batch, sequence, hidden] of the bare encoder, for embedding models. */
    HIDDEN_STATES
}
