package dev.sift.cache;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KeyHasherTest {
    private static CacheKey strings(String... values) {
        KeyHasher hasher = new KeyHasher();
        for (String v : values) hasher.putString(v);
        return hasher.finish();
    }

    @Test
    void theSameFieldsGiveTheSameKeyAndTheHasherStartsAfreshAfterEach() {
        KeyHasher hasher = new KeyHasher();
        CacheKey first = hasher.putString("query").putString("document").finish();
        CacheKey second = hasher.putString("query").putString("document").finish();
        assertThat(second).isEqualTo(first).isEqualTo(strings("query", "document"));
    }

    @Test
    void fieldBoundariesAreNotAmbiguous() {
        assertThat(strings("ab", "c")).isNotEqualTo(strings("a", "bc"));
        assertThat(strings("", "x")).isNotEqualTo(strings("x", ""));
        assertThat(strings((String) null)).isNotEqualTo(strings(""));
        assertThat(new KeyHasher().putBoolean(true).putString("x").finish())
                .isNotEqualTo(new KeyHasher().putBoolean(false).putString("x").finish());
    }

    @Test
    void textsThatUtf8WouldConflateStayApart() {
        // A lone surrogate encodes to "?" in UTF-8: hashing code units keeps the two texts apart.
        assertThat(strings("\uD800")).isNotEqualTo(strings("?"));
        assertThat(strings("é")).isNotEqualTo(strings("e\u0301"));
    }

    @Test
    void longTextsBeyondTheBufferHashWhole() {
        String base = "x".repeat(10_000);
        assertThat(strings(base + "a")).isNotEqualTo(strings(base + "b"));
        assertThat(strings(base + "a")).isEqualTo(strings(base + "a"));
        assertThat(new KeyHasher().putLongs(new long[] {1, 2}).finish())
                .isNotEqualTo(new KeyHasher().putLongs(new long[] {2, 1}).finish());
    }
}
