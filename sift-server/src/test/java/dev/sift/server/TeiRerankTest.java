package dev.sift.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sift.server.testing.RunningServer;
import dev.sift.server.testing.RunningServer.Response;
import dev.sift.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** TEI's rerank request and reply on the shared /rerank path, as Milvus's TEI provider sends it. */
class TeiRerankTest {
    private static RunningServer server;

    @BeforeAll
    static void start() {
        server = new RunningServer(Fixtures.model("bert-cross-encoder"), List.of("tei"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void bareArraySortedBestFirstWithGoldenScores() {
        JsonNode c = Fixtures.golden("bert-cross-encoder").get("cases").get(0);
        List<String> texts = Fixtures.strings(c.get("text_2"));
        Response r = server.post("/rerank", Map.of("query", c.get("text_1").asText(), "texts", texts));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().isArray()).isTrue();
        assertThat(r.json()).hasSize(texts.size());
        for (int i = 0; i < r.json().size(); i++) {
            JsonNode rank = r.json().get(i);
            assertThat(rank.has("text")).isFalse();
            assertThat(rank.get("score").asDouble()).isCloseTo(c.get("scores").get(rank.get("index").asInt()).asDouble(), within(1e-5));
            if (i > 0) assertThat(rank.get("score").asDouble()).isLessThanOrEqualTo(r.json().get(i - 1).get("score").asDouble());
        }
        JsonNode raw = server.post("/rerank", Map.of("query", c.get("text_1").asText(), "texts", texts, "raw_scores", true,
                "return_text", true)).json();
        for (JsonNode rank : raw) {
            assertThat(rank.get("score").asDouble()).isCloseTo(c.get("raw_scores").get(rank.get("index").asInt()).asDouble(), within(1e-5));
            assertThat(rank.get("text").asText()).isEqualTo(texts.get(rank.get("index").asInt()));
        }
    }

    @Test
    void milvusTeiProviderBodyInBatchesOf32() {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 32; i++) texts.add("document number " + i + " about solar panels and flour");
        Response r = server.post("/rerank", Map.of("query", "solar", "texts", texts, "truncate", true, "truncation_direction", "Right"));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json()).hasSize(32);
        assertThat(r.json().findValuesAsText("index").stream().map(Integer::parseInt).distinct().count()).isEqualTo(32);
    }

    @Test
    void teiErrorsUseTeiShapeAndStatuses() {
        Response empty = server.post("/rerank", Map.of("query", "q", "texts", List.of()));
        assertThat(empty.status()).isEqualTo(400);
        assertThat(empty.json().get("error").asText()).isEqualTo("`texts` cannot be empty");
        assertThat(empty.json().get("error_type").asText()).isEqualTo("Empty");

        String longText = "solar panels convert sunlight ".repeat(30);
        Response tooLong = server.post("/rerank", Map.of("query", "q", "texts", List.of(longText), "truncate", false));
        assertThat(tooLong.status()).isEqualTo(422);
        assertThat(tooLong.json().get("error_type").asText()).isEqualTo("Validation");
        assertThat(tooLong.json().get("error").asText()).startsWith("Input validation error: `inputs` must have less than 48 tokens. Given: ");

        Response badDirection = server.post("/rerank", Map.of("query", "q", "texts", List.of("a"), "truncation_direction", "middle"));
        assertThat(badDirection.status()).isEqualTo(422);
        assertThat(badDirection.json().get("error").asText()).contains("truncation_direction");
    }

    @Test
    void truncationDirectionIsHonouredInEitherCase() {
        String longText = "flour sugar eggs butter ".repeat(20) + "solar panels convert sunlight into electricity";
        double right = server.post("/rerank", Map.of("query", "solar", "texts", List.of(longText), "truncate", true,
                "truncation_direction", "Right")).json().get(0).get("score").asDouble();
        double left = server.post("/rerank", Map.of("query", "solar", "texts", List.of(longText), "truncate", true,
                "truncation_direction", "Left")).json().get(0).get("score").asDouble();
        double leftLower = server.post("/rerank", Map.of("query", "solar", "texts", List.of(longText), "truncate", true,
                "truncation_direction", "left")).json().get(0).get("score").asDouble();
        assertThat(left).isEqualTo(leftLower).isNotCloseTo(right, within(1e-6));
    }
}
