package dev.sift.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sift.server.testing.RunningServer;
import dev.sift.server.testing.RunningServer.Response;
import dev.sift.testing.Fixtures;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The golden scores and token counts of every scoring fixture, reproduced over HTTP through /score and /rerank. */
class GoldenOverHttpTest {

    @ParameterizedTest
    @ValueSource(strings = {"bert-cross-encoder", "xlmr-cross-encoder", "bert-embedding"})
    void goldenScoresOverHttp(String fixture) {
        JsonNode golden = Fixtures.golden(fixture);
        try (RunningServer server = new RunningServer(Fixtures.model(fixture), List.of(fixture))) {
            for (JsonNode c : golden.get("cases")) {
                String query = c.get("text_1").asText();
                List<String> docs = Fixtures.strings(c.get("text_2"));
                // The golden cases include over-long inputs, which vLLM's API only scores when asked to truncate.
                Response score = server.post("/score", Map.of("text_1", query, "text_2", docs, "truncate_prompt_tokens", -1));
                assertThat(score.status()).isEqualTo(200);
                long expectedTokens = 0;
                for (int i = 0; i < docs.size(); i++) {
                    assertThat(score.json().get("data").get(i).get("score").asDouble()).as(fixture + " " + c.get("name") + " " + i)
                            .isCloseTo(c.get("scores").get(i).asDouble(), within(1e-5));
                    expectedTokens += c.get("tokens").get(i).asLong();
                }
                assertThat(score.json().get("usage").get("prompt_tokens").asLong()).isEqualTo(expectedTokens);

                Response rerank = server.post("/rerank", Map.of("query", query, "documents", docs, "truncate_prompt_tokens", -1));
                for (JsonNode r : rerank.json().get("results")) {
                    assertThat(r.get("relevance_score").asDouble())
                            .isCloseTo(c.get("scores").get(r.get("index").asInt()).asDouble(), within(1e-5));
                }
                if (c.has("raw_scores")) {
                    Response raw = server.post("/score", Map.of("text_1", query, "text_2", docs, "truncate_prompt_tokens", -1,
                            "use_activation", false));
                    for (int i = 0; i < docs.size(); i++) {
                        assertThat(raw.json().get("data").get(i).get("score").asDouble())
                                .isCloseTo(c.get("raw_scores").get(i).asDouble(), within(1e-5));
                    }
                }
            }
        }
    }
}
