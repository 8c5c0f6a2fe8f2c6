package dev.sift.scoring;

/**
 * A document's place in a reranking.
 *
 * @param index    its position in the request's list of documents
 * @param document the text
 * @param score    its relevance to the query
 */
public record RankedDocument(int index, String document, double score) {}
