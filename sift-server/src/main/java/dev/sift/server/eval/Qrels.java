package dev.sift.server.eval;

import java.util.Map;

/**
 * Relevance judgments: for each query id, the judged documents and their graded relevance (0 not relevant, higher
 * more relevant). Insertion order is file order.
 */
public record Qrels(Map<String, Map<String, Integer>> byQuery) {

    /** The judgments of a query; empty when it has none. */
    public Map<String, Integer> of(String queryId) {
        return byQuery.getOrDefault(queryId, Map.of());
    }

    /** Whether the query has at least one document judged relevant (relevance above 0). */
    public boolean hasRelevant(String queryId) {
        return of(queryId).values().stream().anyMatch(r -> r > 0);
    }
}
