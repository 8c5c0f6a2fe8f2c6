package dev.sift.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class BoundedCacheTest {
    /** A value that weighs what it says. */
    private record Sized(int id, int bytes) {}

    private static BoundedCache<Sized> cache(long maxBytes) {
        return new BoundedCache<>("test", new CacheOptions(maxBytes), Sized::bytes);
    }

    private static CacheKey key(int i) {
        return new KeyHasher().putInt(i).finish();
    }

    @Test
    void countsHitsAndMissesAndKeepsWhatWasPut() {
        BoundedCache<Sized> cache = cache(1 << 20);
        assertThat(cache.get(key(1))).isNull();
        cache.put(key(1), new Sized(1, 8));
        assertThat(cache.get(key(1))).isEqualTo(new Sized(1, 8));
        assertThat(cache.get(key(2))).isNull();
        CacheStats stats = cache.stats();
        assertThat(stats.hits()).isEqualTo(1);
        assertThat(stats.misses()).isEqualTo(2);
        assertThat(stats.entries()).isEqualTo(1);
        assertThat(stats.bytes()).isEqualTo(BoundedCache.ENTRY_OVERHEAD + 8);
        assertThat(stats.maxBytes()).isEqualTo(1 << 20);
        assertThat(stats.kind()).isEqualTo("test");
    }

    @Test
    void evictsTheLeastRecentlyUsedToStayUnderTheBound() {
        int weight = BoundedCache.ENTRY_OVERHEAD + 100;
        BoundedCache<Sized> cache = cache(10L * weight);
        for (int i = 0; i < 10; i++) cache.put(key(i), new Sized(i, 100));
        assertThat(cache.stats().entries()).isEqualTo(10);
        cache.get(key(0)); // now the most recently used: key 1 is the eldest
        cache.put(key(10), new Sized(10, 100));
        assertThat(cache.get(key(1))).as("the least recently used went").isNull();
        assertThat(cache.get(key(0))).as("a recently read entry stays").isNotNull();
        assertThat(cache.get(key(10))).isNotNull();
        CacheStats stats = cache.stats();
        assertThat(stats.evictions()).isEqualTo(1);
        assertThat(stats.bytes()).isEqualTo(10L * weight);
    }

    @Test
    void staysUnderItsBoundWhateverIsPut() {
        long bound = 64L << 20; // four segments
        BoundedCache<Sized> cache = cache(bound);
        for (int i = 0; i < 200_000; i++) {
            cache.put(key(i), new Sized(i, 100 + (i % 7) * 300));
            if (i % 10_000 == 0) assertThat(cache.stats().bytes()).isLessThanOrEqualTo(bound);
        }
        CacheStats stats = cache.stats();
        assertThat(stats.bytes()).isLessThanOrEqualTo(bound).isGreaterThan(bound * 9 / 10);
        assertThat(stats.evictions()).isPositive();
        assertThat(stats.entries() + stats.evictions()).isEqualTo(200_000);
    }

    @Test
    void replacingAnEntryCountsItsBytesOnce() {
        BoundedCache<Sized> cache = cache(1 << 20);
        cache.put(key(1), new Sized(1, 100));
        cache.put(key(1), new Sized(2, 50));
        assertThat(cache.stats().bytes()).isEqualTo(BoundedCache.ENTRY_OVERHEAD + 50);
        assertThat(cache.get(key(1)).id()).isEqualTo(2);
    }

    @Test
    void aValueLargerThanTheBoundIsNotKept() {
        BoundedCache<Sized> cache = cache(1000);
        cache.put(key(1), new Sized(1, 100));
        cache.put(key(2), new Sized(2, 5000));
        assertThat(cache.get(key(2))).isNull();
        assertThat(cache.get(key(1))).as("nothing evicted for it").isNotNull();
    }

    @Test
    void aDisabledCacheKeepsAndCountsNothing() {
        BoundedCache<Sized> cache = cache(0);
        cache.put(key(1), new Sized(1, 8));
        assertThat(cache.get(key(1))).isNull();
        assertThat(cache.enabled()).isFalse();
        assertThat(cache.stats()).isEqualTo(new CacheStats("test", 0, 0, 0, 0, 0, 0));
    }

    @Test
    void concurrentUseKeepsTheBoundAndTheCounts() throws Exception {
        long bound = 32L << 20;
        BoundedCache<Sized> cache = cache(bound);
        int threads = 16;
        int perThread = 20_000;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int seed = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        int k = (i * 31 + seed) % 50_000;
                        Sized found = cache.get(key(k));
                        if (found != null) assertThat(found.id()).isEqualTo(k);
                        else cache.put(key(k), new Sized(k, 1000));
                    }
                }));
            }
            for (Future<?> f : done) f.get();
        }
        CacheStats stats = cache.stats();
        assertThat(stats.hits() + stats.misses()).isEqualTo((long) threads * perThread);
        assertThat(stats.bytes()).isLessThanOrEqualTo(bound);
        assertThat(stats.bytes()).isEqualTo(stats.entries() * (BoundedCache.ENTRY_OVERHEAD + 1000));
    }
}
