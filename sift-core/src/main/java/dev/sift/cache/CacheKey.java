package dev.sift.cache;

/**
 * The 128-bit digest of everything that decides one cached result ({@link KeyHasher}): a fixed 16 bytes whatever
 * the length of the texts, so that the cache's memory depends on how many entries it holds, not on their inputs.
 */
public record CacheKey(long high, long low) {

    @Override
    public int hashCode() {
        // The bits are already uniform; the record's default would mix them again for nothing.
        return (int) high;
    }
}
