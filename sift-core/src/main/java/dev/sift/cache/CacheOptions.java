package dev.sift.cache;

/**
 * How much a model may keep of what it computed, so that an input seen before costs no inference.
 *
 * @param maxBytes an estimate of the most memory the cache holds (keys, values and the map's own nodes); zero turns
 *                 caching off, though identical inputs inside one request are still computed once
 */
public record CacheOptions(long maxBytes) {

    /** 256 MiB: about two million scores, or 160,000 embeddings of 384 dimensions. */
    public static final CacheOptions DEFAULT = ofMegabytes(256);

    public static final CacheOptions DISABLED = new CacheOptions(0);

    public CacheOptions {
        if (maxBytes < 0) throw new IllegalArgumentException("the cache size cannot be negative, got " + maxBytes);
    }

    public static CacheOptions ofMegabytes(long megabytes) {
        if (megabytes < 0) throw new IllegalArgumentException("the cache size cannot be negative, got " + megabytes + " MiB");
        return new CacheOptions(Math.multiplyExact(megabytes, 1L << 20));
    }

    public boolean enabled() {
        return maxBytes > 0;
    }
}
