package dev.sift.cache;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.ToIntFunction;

/**
 * A thread-safe least-recently-used map from {@link CacheKey} to values, bounded by an estimate of the bytes it
 * holds. Keys pick one of up to 16 segments, each a {@link LinkedHashMap} in access order under its own lock with an
 * equal share of the bound, so that concurrent requests seldom wait on one another; each segment evicts its own
 * least recently used entries, so the whole stays under the bound at every moment.
 *
 * <p>Locks rather than {@code synchronized}, so that a virtual thread waiting for a segment does not pin its carrier
 * on Java 21. A disabled cache (bound zero) finds nothing, keeps nothing and counts nothing.
 */
public final class BoundedCache<V> {
    /**
     * Bytes an entry costs besides its value: the key object (32), the map's node (40 with compressed pointers) and
     * its share of the hash table (about 8), rounded up to allow for a heap without compressed pointers.
     */
    public static final int ENTRY_OVERHEAD = 112;
    private static final int MAX_SEGMENTS = 16;
    /** Segments are split only while each keeps at least this much, so that a small cache is still one exact LRU. */
    private static final long MIN_SEGMENT_BYTES = 16L << 20;

    private final String kind;
    private final long maxBytes;
    private final ToIntFunction<V> valueBytes;
    private final Segment<V>[] segments;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder evictions = new LongAdder();

    /**
     * @param kind       what it holds, as {@link CacheStats#kind()} reports it
     * @param valueBytes an estimate of a value's size in bytes, its arrays included
     */
    @SuppressWarnings("unchecked")
    public BoundedCache(String kind, CacheOptions options, ToIntFunction<V> valueBytes) {
        this.kind = kind;
        this.maxBytes = options.maxBytes();
        this.valueBytes = valueBytes;
        int count = 1;
        while (count < MAX_SEGMENTS && maxBytes / (count * 2L) >= MIN_SEGMENT_BYTES) count *= 2;
        segments = new Segment[count];
        for (int i = 0; i < count; i++) segments[i] = new Segment<>(maxBytes / count);
    }

    public boolean enabled() {
        return maxBytes > 0;
    }

    /** The value kept for {@code key}, counted as a hit, or null, counted as a miss. */
    public V get(CacheKey key) {
        if (!enabled()) return null;
        Segment<V> segment = segment(key);
        V value;
        segment.lock.lock();
        try {
            value = segment.map.get(key);
        } finally {
            segment.lock.unlock();
        }
        (value == null ? misses : hits).increment();
        return value;
    }

    /**
     * Keeps {@code value} as the most recently used entry, evicting the least recently used until the segment fits
     * its share again. A value too large for a segment on its own is not kept.
     */
    public void put(CacheKey key, V value) {
        if (!enabled()) return;
        Segment<V> segment = segment(key);
        long weight = weight(value);
        if (weight > segment.budget) return;
        segment.lock.lock();
        try {
            V previous = segment.map.put(key, value);
            if (previous != null) segment.bytes -= weight(previous);
            segment.bytes += weight;
            Iterator<Map.Entry<CacheKey, V>> eldest = segment.map.entrySet().iterator();
            while (segment.bytes > segment.budget) {
                // The entry just put is the youngest and fits alone, so the loop stops before reaching it.
                segment.bytes -= weight(eldest.next().getValue());
                eldest.remove();
                evictions.increment();
            }
        } finally {
            segment.lock.unlock();
        }
    }

    public CacheStats stats() {
        long entries = 0;
        long bytes = 0;
        for (Segment<V> segment : segments) {
            segment.lock.lock();
            try {
                entries += segment.map.size();
                bytes += segment.bytes;
            } finally {
                segment.lock.unlock();
            }
        }
        return new CacheStats(kind, hits.sum(), misses.sum(), evictions.sum(), entries, bytes, maxBytes);
    }

    private long weight(V value) {
        return ENTRY_OVERHEAD + (long) valueBytes.applyAsInt(value);
    }

    private Segment<V> segment(CacheKey key) {
        // The low bits pick the segment; the map's hash uses the high ones, so the two stay independent.
        return segments[(int) key.low() & (segments.length - 1)];
    }

    private static final class Segment<V> {
        final ReentrantLock lock = new ReentrantLock();
        final LinkedHashMap<CacheKey, V> map = new LinkedHashMap<>(16, 0.75f, true);
        final long budget;
        long bytes;

        Segment(long budget) {
            this.budget = budget;
        }
    }
}
