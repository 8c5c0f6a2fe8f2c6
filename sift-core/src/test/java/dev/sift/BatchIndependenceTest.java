package dev.sift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.sift.batching.SchedulerOptions;
import dev.sift.cache.CacheOptions;
import dev.sift.engine.EngineOptions;
import dev.sift.model.ModelOptions;
import dev.sift.model.WeightsFormat;
import dev.sift.scoring.PairScores;
import dev.sift.scoring.ScoreOptions;
import dev.sift.scoring.TextPair;
import dev.sift.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** A pair's score does not depend on what else is in its batch: padding, order or neighbours. */
class BatchIndependenceTest {
    private static final String[] WORDS = ("the capital of france is paris solar panels convert sunlight into electricity"
            + " Berlin größte Stadt café naïve 東京 は 日本 の 首都 です 🌍 rivers mountains 42 3.14 why how what when"
            + " search engine ranks documents by relevance to a query").split(" ");

    @ParameterizedTest
    @ValueSource(strings = {"bert-cross-encoder", "xlmr-cross-encoder", "bert-embedding"})
    void thousandRandomPairsScoreTheSameInMixedBatchesAsAlone(String fixture) {
        // No cache, or each pair's score alone would be the one it got in the batch.
        try (SiftModel model = SiftModel.open(Fixtures.model(fixture), ModelOptions.defaults(), EngineOptions.defaults(),
                SchedulerOptions.DEFAULT, CacheOptions.DISABLED)) {
            assertBatchIndependent(model, 1000);
        }
    }

    /** The graphs Sift builds mask padding as the exported ones do, for every architecture. */
    static Stream<String> buildableFixtures() {
        return Fixtures.names().stream().filter(Fixtures::buildable).filter(Fixtures::scoresPairs);
    }

    @ParameterizedTest
    @MethodSource("buildableFixtures")
    void builtGraphsScoreTheSameInMixedBatchesAsAlone(String fixture) {
        ModelOptions safetensors = ModelOptions.defaults().withWeights(WeightsFormat.SAFETENSORS);
        try (SiftModel model = SiftModel.open(Fixtures.model(fixture), safetensors, EngineOptions.defaults(),
                SchedulerOptions.DEFAULT, CacheOptions.DISABLED)) {
            assertBatchIndependent(model, 500);
        }
    }

    private static void assertBatchIndependent(SiftModel model, int count) {
        Random random = new Random(7);
        List<TextPair> pairs = new ArrayList<>();
        for (int i = 0; i < count; i++) pairs.add(new TextPair(text(random, 1, 12), text(random, 0, 60)));
        PairScores together = model.score(pairs, ScoreOptions.DEFAULT);
        for (int i = 0; i < pairs.size(); i++) {
            PairScores alone = model.score(List.of(pairs.get(i)), ScoreOptions.DEFAULT);
            assertThat(together.scores()[i]).as("pair %d in a batch vs alone", i).isCloseTo(alone.scores()[0], within(1e-5));
            assertThat(together.tokens()[i]).isEqualTo(alone.tokens()[0]);
        }
    }

    private static String text(Random random, int minWords, int maxWords) {
        int words = minWords + random.nextInt(maxWords - minWords + 1);
        StringBuilder sb = new StringBuilder();
        for (int w = 0; w < words; w++) sb.append(w == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
        return sb.toString();
    }
}
