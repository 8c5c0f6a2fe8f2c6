package dev.sift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sift.batching.SchedulerOptions;
import dev.sift.cache.CacheOptions;
import dev.sift.engine.EngineOptions;
import dev.sift.model.ModelOptions;
import dev.sift.scoring.InputTooLongException;
import dev.sift.scoring.PairScores;
import dev.sift.scoring.ScoreOptions;
import dev.sift.scoring.TextPair;
import dev.sift.testing.Fixtures;
import dev.sift.tokenize.Truncation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Long-document chunking ({@link ScoreOptions#maxChunksPerDoc()}): a chunked score is the highest of the document's
 * windows, each scored alone as an ordinary pair, and usage counts every window.
 *
 * <p>The windows are computed here from the documented rule, independently of the code under test: a window holds
 * all the room the query and special tokens leave, and window {@code k} starts {@code k * (w - w / 4)} tokens in.
 * The documents are made of words the tokenizer keeps whole, one token each, so a window's text is its words and
 * scoring it alone goes through the usual text path.
 */
class ChunkingTest {
    private static final String[] CANDIDATES = ("the capital of france is paris search engine ranks documents by relevance"
            + " to a query rivers and mountains are in the north city water light").split(" ");
    private static final String QUERY = "what is the capital of france";

    private static SiftModel model;
    /** The candidates the fixture's small vocabulary keeps as one token. */
    private static List<String> words;

    @BeforeAll
    static void open() {
        // No cache, so that each window scored alone is computed, not found.
        model = SiftModel.open(Fixtures.model("bert-cross-encoder"), ModelOptions.defaults(), EngineOptions.defaults(),
                SchedulerOptions.DEFAULT, CacheOptions.DISABLED);
        words = Arrays.stream(CANDIDATES).distinct().filter(w -> model.tokenizer().ids(w, false).length == 1).toList();
        assertThat(words).hasSizeGreaterThan(5);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void chunkedScoreIsTheMaxOverWindowsScoredAloneAndUsageCountsEveryWindow() {
        List<String> words = words(new Random(1), 200);
        String document = String.join(" ", words);
        int max = model.spec().maxLength();
        List<List<String>> windows = expectedWindows(words, max, 100);
        assertThat(windows.size()).isGreaterThan(3);

        PairScores chunked = model.score(List.of(new TextPair(QUERY, document)), ScoreOptions.DEFAULT.withMaxChunksPerDoc(100));
        Expected expected = alone(windows, max);
        assertThat(chunked.scores()[0]).isCloseTo(expected.best, within(1e-5));
        assertThat(chunked.tokens()[0]).isEqualTo(expected.tokens);
        // Unchunked, the document is cut to its first window only.
        double cut = model.score(List.of(new TextPair(QUERY, document)), ScoreOptions.DEFAULT).scores()[0];
        assertThat(cut).isCloseTo(score(String.join(" ", windows.get(0))), within(1e-5));
    }

    @Test
    void maxChunksPerDocCapsTheWindowsAndDropsTheRest() {
        List<String> words = words(new Random(2), 200);
        String document = String.join(" ", words);
        int max = model.spec().maxLength();
        for (int cap : new int[] {1, 2, 3}) {
            List<List<String>> windows = expectedWindows(words, max, cap);
            assertThat(windows).hasSize(cap);
            PairScores chunked = model.score(List.of(new TextPair(QUERY, document)), ScoreOptions.DEFAULT.withMaxChunksPerDoc(cap));
            Expected expected = alone(windows, max);
            assertThat(chunked.scores()[0]).as("cap %d", cap).isCloseTo(expected.best, within(1e-5));
            assertThat(chunked.tokens()[0]).as("cap %d", cap).isEqualTo(expected.tokens);
        }
    }

    @Test
    void windowsFitTheTruncationLimitWhenOneIsGiven() {
        List<String> words = words(new Random(3), 80);
        String document = String.join(" ", words);
        int limit = 24;
        List<List<String>> windows = expectedWindows(words, limit, 100);
        ScoreOptions options = ScoreOptions.DEFAULT.withTruncate(true, limit).withMaxChunksPerDoc(100);
        PairScores chunked = model.score(List.of(new TextPair(QUERY, document)), options);
        Expected expected = alone(windows, limit);
        assertThat(chunked.scores()[0]).isCloseTo(expected.best, within(1e-5));
        assertThat(chunked.tokens()[0]).isEqualTo(expected.tokens);
    }

    @Test
    void aDocumentThatFitsGetsExactlyItsUnchunkedScore() {
        String document = "paris is the capital of france";
        PairScores plain = model.score(List.of(new TextPair(QUERY, document)), ScoreOptions.DEFAULT);
        PairScores chunked = model.score(List.of(new TextPair(QUERY, document)), ScoreOptions.DEFAULT.withMaxChunksPerDoc(4));
        assertThat(chunked.scores()[0]).isEqualTo(plain.scores()[0]);
        assertThat(chunked.tokens()).containsExactly(plain.tokens());
    }

    @Test
    void windowsOfManyDocumentsBatchTogetherAndScoreAsEachAlone() {
        Random random = new Random(4);
        List<TextPair> pairs = new ArrayList<>();
        for (int i = 0; i < 12; i++) pairs.add(new TextPair(QUERY, String.join(" ", words(random, 5 + random.nextInt(150)))));
        ScoreOptions options = ScoreOptions.DEFAULT.withMaxChunksPerDoc(8);
        PairScores together = model.score(pairs, options);
        for (int i = 0; i < pairs.size(); i++) {
            PairScores alone = model.score(List.of(pairs.get(i)), options);
            assertThat(together.scores()[i]).isCloseTo(alone.scores()[0], within(1e-5));
            assertThat(together.tokens()[i]).isEqualTo(alone.tokens()[0]);
        }
    }

    @Test
    void chunkingTakesALongDocumentThatWouldBeRefusedWithoutTruncation() {
        String document = String.join(" ", words(new Random(5), 150));
        ScoreOptions strict = ScoreOptions.DEFAULT.withTruncate(false, 0);
        assertThatThrownBy(() -> model.score(List.of(new TextPair(QUERY, document)), strict))
                .isInstanceOf(InputTooLongException.class);
        PairScores chunked = model.score(List.of(new TextPair(QUERY, document)), strict.withMaxChunksPerDoc(10));
        assertThat(chunked.scores()[0]).isCloseTo(
                model.score(List.of(new TextPair(QUERY, document)), ScoreOptions.DEFAULT.withMaxChunksPerDoc(10)).scores()[0],
                within(1e-12));
        // A query that could fit only by being cut is still refused without truncation.
        String longQuery = String.join(" ", words(new Random(6), 50));
        assertThatThrownBy(() -> model.score(List.of(new TextPair(longQuery, document)), strict.withMaxChunksPerDoc(10)))
                .isInstanceOf(InputTooLongException.class);
    }

    @Test
    void anEmbeddingModelRefusesChunking() {
        try (SiftModel embedding = SiftModel.open(Fixtures.model("bert-embedding"))) {
            assertThatThrownBy(() -> embedding.score(List.of(new TextPair("q", "d")), ScoreOptions.DEFAULT.withMaxChunksPerDoc(2)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max_chunks_per_doc");
        }
    }

    @Test
    void anLlmRerankersPromptWrapsEachWindow() {
        try (SiftModel llm = SiftModel.open(Fixtures.model("qwen3-reranker"), ModelOptions.defaults(), EngineOptions.defaults(),
                SchedulerOptions.DEFAULT, CacheOptions.DISABLED)) {
            // The document's tokens are a newline and then words the vocabulary keeps whole with their leading space,
            // so that each token starts inside the document and a window's text is its tokens' texts: the template's
            // space before the document is a token of its own both before the newline and before a word's space.
            List<String> vocabulary = Arrays.stream(CANDIDATES).distinct()
                    .filter(w -> llm.tokenizer().ids(" " + w, false).length == 1).toList();
            assertThat(vocabulary).hasSizeGreaterThan(5);
            Random random = new Random(8);
            List<String> pieces = new ArrayList<>(List.of("\n"));
            for (int i = 0; i < 60; i++) pieces.add(" " + vocabulary.get(random.nextInt(vocabulary.size())));
            String document = String.join("", pieces);
            int limit = 96;
            int fixed = llm.score(List.of(new TextPair(QUERY, "")), ScoreOptions.DEFAULT).tokens()[0];
            assertThat(llm.score(List.of(new TextPair(QUERY, document)), ScoreOptions.DEFAULT.withTruncate(true, 1 << 20))
                    .tokens()[0]).as("one token per piece").isEqualTo(fixed + pieces.size());
            int width = limit - fixed;
            int stride = width - width / 4;
            double best = Double.NEGATIVE_INFINITY;
            int tokens = 0;
            int count = 0;
            for (int start = 0; count < 100; start += stride) {
                int end = Math.min(pieces.size(), start + width);
                PairScores alone = llm.score(List.of(new TextPair(QUERY, String.join("", pieces.subList(start, end)))),
                        ScoreOptions.DEFAULT);
                assertThat(alone.tokens()[0]).as("a window's pieces are one token each").isEqualTo(fixed + end - start);
                best = Math.max(best, alone.scores()[0]);
                tokens += alone.tokens()[0];
                count++;
                if (end == pieces.size()) break;
            }
            assertThat(count).isGreaterThan(2);
            PairScores chunked = llm.score(List.of(new TextPair(QUERY, document)),
                    ScoreOptions.DEFAULT.withTruncate(true, limit).withMaxChunksPerDoc(100));
            assertThat(chunked.scores()[0]).isCloseTo(best, within(1e-5));
            assertThat(chunked.tokens()[0]).isEqualTo(tokens);
        }
    }

    /** The documented windows of a document of one-token words, for a pair limited to {@code limit} tokens. */
    private static List<List<String>> expectedWindows(List<String> words, int limit, int maxWindows) {
        long[] query = model.tokenizer().ids(QUERY, false);
        long[] document = model.tokenizer().ids(String.join(" ", words), false);
        assertThat(document).as("each word is one token").hasSize(words.size());
        int added = model.tokenizer().encodePair(QUERY, "x", Truncation.right(Integer.MAX_VALUE)).length() - query.length - 1;
        int width = limit - added - query.length;
        int stride = width - width / 4;
        List<List<String>> windows = new ArrayList<>();
        for (int start = 0; windows.size() < maxWindows; start += stride) {
            int end = Math.min(words.size(), start + width);
            windows.add(words.subList(start, end));
            if (end == words.size()) break;
        }
        return windows;
    }

    private record Expected(double best, int tokens) {}

    /** Each window scored as its own pair, in a call of its own. */
    private static Expected alone(List<List<String>> windows, int limit) {
        double best = Double.NEGATIVE_INFINITY;
        int tokens = 0;
        for (List<String> window : windows) {
            PairScores alone = model.score(List.of(new TextPair(QUERY, String.join(" ", window))), ScoreOptions.DEFAULT);
            assertThat(alone.tokens()[0]).as("a window fits uncut").isLessThanOrEqualTo(limit);
            best = Math.max(best, alone.scores()[0]);
            tokens += alone.tokens()[0];
        }
        return new Expected(best, tokens);
    }

    private static double score(String document) {
        return model.score(List.of(new TextPair(QUERY, document)), ScoreOptions.DEFAULT).scores()[0];
    }

    private static List<String> words(Random random, int count) {
        List<String> words = new ArrayList<>(count);
        for (int i = 0; i < count; i++) words.add(ChunkingTest.words.get(random.nextInt(ChunkingTest.words.size())));
        return words;
    }
}
