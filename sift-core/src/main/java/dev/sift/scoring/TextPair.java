package dev.sift.scoring;

import java.util.Objects;

/** A query and a document, scored together. */
public record TextPair(String query, String document) {
    public TextPair {
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(document, "document");
    }
}
