package dev.sift.cache;

/**
 * A cache's counters since the model was opened, and what it holds now.
 *
 * @param kind      what it holds: {@code score} (a cross-encoder's or LLM reranker's pair scores), {@code embedding}
 *                  (an embedding model's vectors per text), or {@code none} (a classifier's, which caches nothing)
 * @param hits      lookups answered from the cache: one per distinct input of a request
 * @param misses    lookups that found nothing, so the input was computed
 * @param evictions entries dropped, least recently used first, to stay under the bound
 * @param entries   entries held now
 * @param bytes     estimated bytes held now
 * @param maxBytes  the bound on {@code bytes}; zero when caching is off
 */
public record CacheStats(String kind, long hits, long misses, long evictions, long entries, long bytes, long maxBytes) {}
