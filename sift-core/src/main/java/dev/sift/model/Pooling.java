package dev.sift.model;

/** How an embedding model turns per-token hidden states into one vector (sentence-transformers' Pooling). */
public enum Pooling {
    CLS,
    MEAN,
    LAST_TOKEN
}
