package dev.sift.scoring;

import dev.sift.cache.BoundedCache;
import dev.sift.cache.CacheKey;
import dev.sift.cache.KeyHasher;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * One request's inputs, deduplicated by key and looked up in the model's cache: the distinct inputs still to
 * compute, in the order they first appear (so that the first over-long one is the one an uncached request names),
 * and then each input's result. Identical inputs share one computation even when the cache is off.
 *
 * <p>Results are kept only once the whole request has been computed ({@link #keep}), so a request that fails
 * (too long, refused, cancelled, timed out) leaves nothing behind and fails the same way next time.
 */
final class Reuse<T, V> {
    private final BoundedCache<V> cache;
    /** Each input's distinct slot. */
    private final int[] slots;
    private final List<CacheKey> keys = new ArrayList<>();
    private final List<V> results = new ArrayList<>();
    private final List<T> missing = new ArrayList<>();
    /** Each missing input's distinct slot. */
    private final int[] missingSlots;

    private Reuse(List<T> items, BiFunction<KeyHasher, T, CacheKey> key, BoundedCache<V> cache) {
        this.cache = cache;
        this.slots = new int[items.size()];
        this.missingSlots = new int[items.size()];
        KeyHasher hasher = new KeyHasher();
        Map<CacheKey, Integer> seen = new HashMap<>();
        for (int i = 0; i < slots.length; i++) {
            T item = items.get(i);
            CacheKey k = key.apply(hasher, item);
            Integer slot = seen.get(k);
            if (slot == null) {
                slot = keys.size();
                seen.put(k, slot);
                keys.add(k);
                V cached = cache.get(k);
                results.add(cached);
                if (cached == null) {
                    missingSlots[missing.size()] = slot;
                    missing.add(item);
                }
            }
            slots[i] = slot;
        }
    }

    static <T, V> Reuse<T, V> of(List<T> items, BiFunction<KeyHasher, T, CacheKey> key, BoundedCache<V> cache) {
        return new Reuse<>(items, key, cache);
    }

    /** The distinct inputs the cache did not have, to be computed and handed to {@link #keep}. */
    List<T> missing() {
        return missing;
    }

    /** The results of {@link #missing()}, in its order, once all were computed: kept for this request and the next. */
    void keep(List<V> computed) {
        for (int i = 0; i < computed.size(); i++) {
            int slot = missingSlots[i];
            V value = computed.get(i);
            results.set(slot, value);
            cache.put(keys.get(slot), value);
        }
    }

    /** Input {@code i}'s result. */
    V result(int i) {
        return results.get(slots[i]);
    }
}
