package dev.sift.tokenize;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sift.testing.Fixtures;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Sift's own truncation on token arrays gives the ids the tokenizers library gives with
 * {@code enable_truncation(strategy="longest_first", direction=...)} (testdata/truncation_cases.py).
 */
class TruncationTest {

    @Test
    void matchesTheTokenizersLibraryFromBothSides() throws IOException {
        JsonNode cases = new ObjectMapper().readTree(Fixtures.root().resolveSibling("truncation.json").toFile()).get("cases");
        assertThat(cases.size()).isGreaterThan(50);
        Map<String, TextTokenizer> tokenizers = new HashMap<>();
        try {
            for (JsonNode c : cases) {
                TextTokenizer tokenizer = tokenizers.computeIfAbsent(c.get("fixture").asText(),
                        f -> TextTokenizer.open(Fixtures.model(f).resolve("tokenizer.json")));
                Truncation.Side side = c.get("direction").asText().equals("left") ? Truncation.Side.LEFT : Truncation.Side.RIGHT;
                Encoded e = tokenizer.encodePair(c.get("text_1").asText(), c.get("text_2").asText(),
                        new Truncation(c.get("max_length").asInt(), side, 0, 0));
                String label = c.get("fixture").asText() + " " + side + " " + c.get("max_length") + " " + c.get("text_1").asText();
                assertThat(e.ids()).as(label).containsExactly(longs(c.get("ids")));
                assertThat(e.typeIds()).as(label).containsExactly(longs(c.get("type_ids")));
            }
        } finally {
            tokenizers.values().forEach(TextTokenizer::close);
        }
    }

    @Test
    void perTextCapsApplyBeforeTheTotalLimit() {
        try (TextTokenizer tokenizer = TextTokenizer.open(Fixtures.model("bert-cross-encoder").resolve("tokenizer.json"))) {
            String query = "why ".repeat(30);
            String doc = "solar panels convert sunlight ".repeat(10);
            Encoded capped = tokenizer.encodePair(query, doc, new Truncation(1000, Truncation.Side.RIGHT, 10, 5));
            assertThat(capped.length()).as("10 query + 5 document + 3 special tokens").isEqualTo(18);
            assertThat(capped.fullLength()).isEqualTo(18);
            assertThat(capped.truncated()).isFalse();

            Encoded over = tokenizer.encodePair(query, doc, new Truncation(12, Truncation.Side.RIGHT, 10, 5));
            assertThat(over.length()).isEqualTo(12);
            assertThat(over.fullLength()).isEqualTo(18);
            assertThat(over.truncated()).isTrue();

            Encoded left = tokenizer.encodePair("alpha beta gamma", "one two three", new Truncation(1000, Truncation.Side.LEFT, 1, 1));
            Encoded right = tokenizer.encodePair("alpha beta gamma", "one two three", new Truncation(1000, Truncation.Side.RIGHT, 1, 1));
            long[] query3 = tokenizer.ids("alpha beta gamma", false);
            assertThat(left.ids()[1]).as("the query's last token survives a left cap").isEqualTo(query3[query3.length - 1]);
            assertThat(right.ids()[1]).as("the query's first token survives a right cap").isEqualTo(query3[0]);
        }
    }

    @Test
    void longestFirstArithmetic() {
        assertThat(Truncation.longestFirst(5, 100, 20)).containsExactly(5, 15);
        assertThat(Truncation.longestFirst(100, 5, 20)).containsExactly(15, 5);
        assertThat(Truncation.longestFirst(30, 40, 21)).containsExactly(10, 11);
        assertThat(Truncation.longestFirst(40, 30, 21)).containsExactly(11, 10);
        assertThat(Truncation.longestFirst(3, 4, 20)).containsExactly(3, 4);
        assertThat(Truncation.longestFirst(3, 4, 0)).containsExactly(0, 0);
    }

    private static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asLong();
        return out;
    }
}
