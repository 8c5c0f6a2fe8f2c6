package dev.sift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sift.batching.SchedulerOptions;
import dev.sift.cache.CacheOptions;
import dev.sift.cache.CacheStats;
import dev.sift.engine.EngineOptions;
import dev.sift.model.ModelOptions;
import dev.sift.scoring.Embedded;
import dev.sift.scoring.InputTooLongException;
import dev.sift.scoring.PairScores;
import dev.sift.scoring.ScoreOptions;
import dev.sift.scoring.TextPair;
import dev.sift.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The result cache: the same answers, to the bit, with and without it; fewer inferences with it. */
class ResultCacheTest {
    private static final String QUERY = "how do solar panels work";
    private static final List<String> DOCUMENTS = List.of("solar panels", "flour and sugar",
            "photovoltaic cells make electricity from light", "solar panels", "", "the capital of france is paris",
            "flour and sugar");
    /** Far over the fixtures' 64 tokens. */
    private static final String LONG = "sunlight ".repeat(300);

    private static SiftModel open(String fixture, CacheOptions cache) {
        return SiftModel.open(Fixtures.model(fixture), ModelOptions.defaults(), EngineOptions.defaults(),
                SchedulerOptions.DEFAULT, cache);
    }

    private static List<TextPair> pairs(String query, List<String> documents) {
        List<TextPair> pairs = new ArrayList<>();
        for (String d : documents) pairs.add(new TextPair(query, d));
        return pairs;
    }

    private static void assertIdentical(PairScores actual, PairScores expected) {
        assertThat(actual.size()).isEqualTo(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            assertThat(Double.doubleToRawLongBits(actual.scores()[i])).as("score %d, bit for bit", i)
                    .isEqualTo(Double.doubleToRawLongBits(expected.scores()[i]));
        }
        assertThat(actual.tokens()).as("tokens per pair, as usage counts them").isEqualTo(expected.tokens());
    }

    @ParameterizedTest
    @ValueSource(strings = {"bert-cross-encoder", "bert-embedding", "qwen3-reranker"})
    void scoresAndTokenCountsAreBitIdenticalWithAndWithoutTheCache(String fixture) {
        List<TextPair> pairs = pairs(QUERY, DOCUMENTS);
        pairs.add(new TextPair(LONG, "a query cut to fit")); // truncated: its cut counts are cached too
        List<ScoreOptions> variants = List.of(ScoreOptions.DEFAULT, ScoreOptions.DEFAULT.withUseActivation(false),
                ScoreOptions.DEFAULT.withMaxTokens(3, 4), ScoreOptions.DEFAULT.withTruncate(true, 16));
        try (SiftModel off = open(fixture, CacheOptions.DISABLED); SiftModel on = open(fixture, CacheOptions.DEFAULT)) {
            for (ScoreOptions options : variants) {
                PairScores uncached = off.score(pairs, options);
                long computedBefore = on.stats().inputsComputed();
                PairScores first = on.score(pairs, options);
                long computedFirst = on.stats().inputsComputed();
                PairScores second = on.score(pairs, options);
                assertIdentical(first, uncached);
                assertIdentical(second, uncached);
                if (options == ScoreOptions.DEFAULT) {
                    assertThat(computedFirst).as("the first time runs").isGreaterThan(computedBefore);
                }
                assertThat(on.stats().inputsComputed()).as("the second runs nothing").isEqualTo(computedFirst);
                assertThat(off.score(pairs, options).scores()).as("without a cache, the same again").isEqualTo(uncached.scores());
            }
            assertThat(off.cacheStats().hits() + off.cacheStats().misses()).isZero();
            assertThat(on.cacheStats().hits()).isPositive();
            if (fixture.equals("bert-embedding")) {
                // Cosines are of the model's normalised vectors whatever use_activation says, so those were hits.
                assertThat(on.cacheStats().misses()).isLessThan(on.cacheStats().hits());
            }
        }
    }

    @Test
    void embeddingsAreBitIdenticalWithAndWithoutTheCacheAndCallersGetCopies() {
        List<String> texts = List.of("solar panels", "flour and sugar", "solar panels", LONG);
        try (SiftModel off = open("bert-embedding", CacheOptions.DISABLED); SiftModel on = open("bert-embedding", CacheOptions.DEFAULT)) {
            for (ScoreOptions options : List.of(ScoreOptions.DEFAULT, ScoreOptions.DEFAULT.withUseActivation(false))) {
                Embedded uncached = off.embed(texts, options);
                Embedded first = on.embed(texts, options);
                first.vectors()[0][0] = 42f; // the caller's copy, not the cache's
                first.vectors()[1][0] = 42f;
                Embedded second = on.embed(texts, options);
                assertThat(second.vectors()).isDeepEqualTo(uncached.vectors());
                assertThat(second.tokens()).isEqualTo(uncached.tokens()).isEqualTo(first.tokens());
                assertThat(first.vectors()[2]).as("a duplicate's own copy").isEqualTo(uncached.vectors()[2]);
            }
            assertThat(on.embed(texts, ScoreOptions.DEFAULT).vectors()[0])
                    .as("normalised and raw vectors are kept apart")
                    .isNotEqualTo(on.embed(texts, ScoreOptions.DEFAULT.withUseActivation(false)).vectors()[0]);
            long computed = on.stats().inputsComputed();
            long[][] ids = {{101, 1000, 102}, {101, 1001, 102}, {101, 1000, 102}};
            Embedded byIds = on.embedIds(List.of(ids), ScoreOptions.DEFAULT);
            assertThat(on.stats().inputsComputed() - computed).as("two distinct prompts").isEqualTo(2);
            assertThat(on.embedIds(List.of(ids), ScoreOptions.DEFAULT).vectors()).isDeepEqualTo(byIds.vectors());
            assertThat(on.stats().inputsComputed() - computed).as("then none").isEqualTo(2);
            assertThat(byIds.vectors()).isDeepEqualTo(off.embedIds(List.of(ids), ScoreOptions.DEFAULT).vectors());
        }
    }

    @Test
    void hitsAndMissesCountDistinctInputsAndOptionsThatChangeTheScoreMiss() {
        try (SiftModel model = open("bert-cross-encoder", CacheOptions.DEFAULT)) {
            assertThat(model.cacheStats()).as("warming up left nothing").isEqualTo(
                    new CacheStats("score", 0, 0, 0, 0, 0, CacheOptions.DEFAULT.maxBytes()));
            model.score(pairs(QUERY, List.of("a", "b", "a")), ScoreOptions.DEFAULT);
            assertThat(model.cacheStats()).extracting(CacheStats::hits, CacheStats::misses, CacheStats::entries)
                    .containsExactly(0L, 2L, 2L);
            long computed = model.stats().inputsComputed();
            model.score(pairs(QUERY, List.of("b", "c")), ScoreOptions.DEFAULT);
            assertThat(model.cacheStats()).extracting(CacheStats::hits, CacheStats::misses, CacheStats::entries)
                    .containsExactly(1L, 3L, 3L);
            assertThat(model.stats().inputsComputed() - computed).as("only c ran").isEqualTo(1);
            assertThat(model.cacheStats().bytes()).isPositive().isLessThanOrEqualTo(model.cacheStats().maxBytes());

            double activated = model.score(pairs(QUERY, List.of("b")), ScoreOptions.DEFAULT).scores()[0];
            double raw = model.score(pairs(QUERY, List.of("b")), ScoreOptions.DEFAULT.withUseActivation(false)).scores()[0];
            assertThat(raw).as("a raw logit is not the cached probability").isNotEqualTo(activated);
            model.score(pairs(QUERY, List.of("b")), ScoreOptions.DEFAULT.withMaxTokens(0, 1));
            model.score(pairs("another query", List.of("b")), ScoreOptions.DEFAULT);
            assertThat(model.cacheStats().misses()).as("the raw logit, the capped document, the other query").isEqualTo(6);
            model.score(pairs(QUERY, List.of("b")), ScoreOptions.DEFAULT.withTimeout(java.time.Duration.ofMinutes(1)));
            assertThat(model.cacheStats().misses()).as("a deadline does not change a score").isEqualTo(6);
        }
    }

    @Test
    void identicalInputsInOneRequestRunOnceEvenWithTheCacheOff() {
        for (String fixture : List.of("bert-cross-encoder", "bert-embedding")) {
            try (SiftModel model = open(fixture, CacheOptions.DISABLED)) {
                long before = model.stats().inputsComputed();
                PairScores scores = model.score(pairs(QUERY, DOCUMENTS), ScoreOptions.DEFAULT);
                long distinct = DOCUMENTS.stream().distinct().count();
                long queries = fixture.equals("bert-embedding") ? 1 : 0; // an embedding model embeds the query too
                assertThat(model.stats().inputsComputed() - before).as(fixture).isEqualTo(distinct + queries);
                assertThat(scores.scores()[3]).isEqualTo(scores.scores()[0]);
                assertThat(scores.tokens()[3]).isEqualTo(scores.tokens()[0]);
                model.score(pairs(QUERY, DOCUMENTS), ScoreOptions.DEFAULT);
                assertThat(model.stats().inputsComputed() - before).as("with the cache off, a repeat runs again")
                        .isEqualTo(2 * (distinct + queries));
                assertThat(model.cacheStats().entries()).isZero();
            }
        }
    }

    @Test
    void errorsAreNotCachedAndATruncatedScoreDoesNotAnswerARequestWithoutTruncation() {
        for (String fixture : List.of("bert-cross-encoder", "bert-embedding")) {
            try (SiftModel model = open(fixture, CacheOptions.DEFAULT)) {
                ScoreOptions strict = ScoreOptions.DEFAULT.withTruncate(false, 0);
                List<TextPair> tooLong = pairs(QUERY, List.of("fits", LONG));
                for (int i = 0; i < 2; i++) {
                    assertThatThrownBy(() -> model.score(tooLong, strict)).as(fixture).isInstanceOf(InputTooLongException.class);
                }
                assertThat(model.cacheStats().entries()).as("a failed request keeps nothing").isZero();
                model.score(tooLong, ScoreOptions.DEFAULT); // truncated, and kept
                assertThatThrownBy(() -> model.score(tooLong, strict)).isInstanceOf(InputTooLongException.class);
                assertThat(model.score(pairs(QUERY, List.of("fits")), strict).size()).isEqualTo(1);
            }
        }
    }

    @Test
    void aMultiLabelClassifierKeepsNothing() {
        try (SiftModel model = open("bert-two-label", CacheOptions.DEFAULT)) {
            model.classify(pairs(QUERY, List.of("a", "a")), ScoreOptions.DEFAULT);
            assertThat(model.cacheStats()).isEqualTo(new CacheStats("none", 0, 0, 0, 0, 0, 0));
        }
    }

    @Test
    void aSmallCacheStaysUnderItsBound() {
        long bound = 4_000;
        try (SiftModel model = open("bert-embedding", new CacheOptions(bound))) {
            List<String> documents = new ArrayList<>();
            for (int i = 0; i < 40; i++) documents.add("document number " + i);
            model.score(pairs(QUERY, documents), ScoreOptions.DEFAULT);
            CacheStats stats = model.cacheStats();
            assertThat(stats.bytes()).isLessThanOrEqualTo(bound).isPositive();
            assertThat(stats.evictions()).isPositive();
            assertThat(stats.entries() + stats.evictions()).isEqualTo(41);
        }
    }
}
