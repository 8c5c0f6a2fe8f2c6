package dev.sift.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sift.scoring.PairScores;
import dev.sift.scoring.ScoreOptions;
import dev.sift.scoring.TextPair;
import dev.sift.server.http.ServerOptions;
import dev.sift.server.testing.RunningServer;
import dev.sift.server.testing.RunningServer.Response;
import dev.sift.testing.Fixtures;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Cohere v1's {@code max_chunks_per_doc} on the rerank routes and the server's {@code --max-chunks-per-doc}: a
 * document over the model's length is scored in windows, not refused, and answers as the Java API's chunked score.
 */
class ChunkingOverHttpTest {
    private static final String QUERY = "what is the capital of france";
    private static final String LONG = "rivers and mountains are in the north. ".repeat(20) + "paris is the capital of france. "
            + "the city has light and water. ".repeat(20);
    private static final String SHORT = "paris is the capital of france";

    private static RunningServer plain;
    private static RunningServer chunking;

    @BeforeAll
    static void start() {
        plain = new RunningServer(Fixtures.model("bert-cross-encoder"), List.of("reranker"));
        chunking = new RunningServer(Fixtures.model("bert-cross-encoder"), List.of("reranker"),
                ServerOptions.local().withMaxChunksPerDoc(3));
    }

    @AfterAll
    static void stop() {
        plain.close();
        chunking.close();
    }

    @Test
    void aLongDocumentIsScoredInWindowsOnEveryRerankRoute() {
        PairScores expected = plain.model().score(List.of(new TextPair(QUERY, LONG), new TextPair(QUERY, SHORT)),
                ScoreOptions.DEFAULT.withMaxChunksPerDoc(8));
        assertThat(expected.tokens()[0]).as("several windows").isGreaterThan(2 * plain.model().spec().maxLength());
        for (String route : List.of("/rerank", "/v1/rerank", "/v2/rerank")) {
            Response refused = plain.post(route, Map.of("query", QUERY, "documents", List.of(LONG, SHORT)));
            assertThat(refused.status()).as(route + " without chunking").isEqualTo(400);
            assertThat(refused.json().get("error").get("message").asText()).contains("Please reduce the length");

            Response r = plain.post(route, Map.of("query", QUERY, "documents", List.of(LONG, SHORT), "max_chunks_per_doc", 8));
            assertThat(r.status()).as(route).isEqualTo(200);
            assertThat(scoreOf(r.json(), 0)).isCloseTo(expected.scores()[0], within(1e-6));
            assertThat(scoreOf(r.json(), 1)).isCloseTo(expected.scores()[1], within(1e-6));
            assertThat(r.json().get("usage").get("total_tokens").asLong()).isEqualTo(expected.totalTokens());
        }
    }

    @Test
    void theServerFlagAppliesWhenTheRequestDoesNotSay() {
        PairScores three = chunking.model().score(List.of(new TextPair(QUERY, LONG)), ScoreOptions.DEFAULT.withMaxChunksPerDoc(3));
        PairScores one = chunking.model().score(List.of(new TextPair(QUERY, LONG)), ScoreOptions.DEFAULT.withMaxChunksPerDoc(1));
        Response byFlag = chunking.post("/v1/rerank", Map.of("query", QUERY, "documents", List.of(LONG)));
        assertThat(byFlag.status()).isEqualTo(200);
        assertThat(scoreOf(byFlag.json(), 0)).isCloseTo(three.scores()[0], within(1e-6));
        assertThat(byFlag.json().get("usage").get("total_tokens").asLong()).isEqualTo(three.totalTokens());

        Response asked = chunking.post("/v1/rerank", Map.of("query", QUERY, "documents", List.of(LONG), "max_chunks_per_doc", 1));
        assertThat(scoreOf(asked.json(), 0)).isCloseTo(one.scores()[0], within(1e-6));
        assertThat(asked.json().get("usage").get("total_tokens").asLong()).isEqualTo(one.totalTokens());

        // TEI's body has no such field; the flag still applies.
        Response tei = chunking.post("/rerank", Map.of("query", QUERY, "texts", List.of(LONG), "truncate", false));
        assertThat(tei.status()).isEqualTo(200);
        assertThat(tei.json().get(0).get("score").asDouble()).isCloseTo(three.scores()[0], within(1e-6));
        assertThat(tei.raw().headers().firstValue("x-compute-tokens")).hasValue(Long.toString(three.totalTokens()));
    }

    @Test
    void maxChunksPerDocMustBeAnIntegerOfAtLeastOne() {
        Map<String, Object> nullValue = new HashMap<>(Map.of("query", QUERY, "documents", List.of(SHORT)));
        nullValue.put("max_chunks_per_doc", null);
        assertThat(plain.post("/v1/rerank", nullValue).status()).as("null is absent").isEqualTo(200);
        for (Object bad : new Object[] {0, -1, 1.5, "3", true}) {
            for (String route : List.of("/rerank", "/v1/rerank", "/v2/rerank")) {
                Response r = plain.post(route, Map.of("query", QUERY, "documents", List.of(SHORT), "max_chunks_per_doc", bad));
                assertThat(r.status()).as(route + " " + bad).isEqualTo(400);
                JsonNode error = r.json().get("error");
                assertThat(error.get("message").asText()).contains("max_chunks_per_doc must be an integer of at least 1");
                assertThat(error.get("param").asText()).isEqualTo("max_chunks_per_doc");
            }
        }
    }

    @Test
    void anEmbeddingModelRefusesTheFieldAndIgnoresTheFlag() {
        try (RunningServer embedding = new RunningServer(Fixtures.model("bert-embedding"), List.of("embedder"),
                ServerOptions.local().withMaxChunksPerDoc(3))) {
            assertThat(embedding.post("/v1/rerank", Map.of("query", QUERY, "documents", List.of(SHORT))).status()).isEqualTo(200);
            Response r = embedding.post("/v1/rerank", Map.of("query", QUERY, "documents", List.of(SHORT), "max_chunks_per_doc", 2));
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.json().get("error").get("param").asText()).isEqualTo("max_chunks_per_doc");
            assertThat(r.json().get("error").get("message").asText()).contains("embedding model");
        }
    }

    private static double scoreOf(JsonNode body, int index) {
        for (JsonNode result : body.get("results")) {
            if (result.get("index").asInt() == index) return result.get("relevance_score").asDouble();
        }
        throw new AssertionError("no result for document " + index);
    }
}
