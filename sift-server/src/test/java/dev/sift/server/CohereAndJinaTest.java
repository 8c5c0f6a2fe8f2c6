package dev.sift.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.cohere.CohereScoringModel;
import dev.langchain4j.model.jina.JinaScoringModel;
import dev.langchain4j.model.output.Response;
import dev.sift.server.http.ApiKeys;
import dev.sift.server.http.ServerOptions;
import dev.sift.server.testing.RunningServer;
import dev.sift.testing.Fixtures;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Cohere (v1, v2) and Jina rerank requests, and LangChain4j's Cohere and Jina scoring clients, against Sift. */
class CohereAndJinaTest {
    private static final String QUERY = "how do solar panels make electricity?";
    private static final List<String> DOCS = List.of("Solar panels.", "Photovoltaic cells convert sunlight into electricity.",
            "The recipe calls for two cups of flour.");
    private static RunningServer server;

    @BeforeAll
    static void start() {
        server = new RunningServer(Fixtures.model("bert-cross-encoder"), List.of("rerank-english-v3.0"),
                ServerOptions.local().withApiKeys(ApiKeys.of(List.of("secret"))));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void langChain4jCohereScoringModelReadsScoresInDocumentOrder() {
        CohereScoringModel model = CohereScoringModel.builder().baseUrl(server.url("/v1/")).apiKey("secret")
                .modelName("rerank-english-v3.0").build();
        Response<List<Double>> scores = model.scoreAll(DOCS.stream().map(TextSegment::from).toList(), QUERY);
        assertThat(scores.content()).hasSize(3);
        JsonNode direct = server.send(authorized("/score", Map.of("text_1", QUERY, "text_2", DOCS))).json();
        for (int i = 0; i < 3; i++) {
            assertThat(scores.content().get(i)).isCloseTo(direct.get("data").get(i).get("score").asDouble(), within(1e-9));
        }
    }

    @Test
    void langChain4jJinaScoringModelReadsScoresAndUsage() {
        JinaScoringModel model = JinaScoringModel.builder().baseUrl(server.url("/v1/")).apiKey("secret")
                .modelName("rerank-english-v3.0").build();
        Response<List<Double>> scores = model.scoreAll(DOCS.stream().map(TextSegment::from).toList(), QUERY);
        assertThat(scores.content()).hasSize(3);
        assertThat(scores.tokenUsage().totalTokenCount()).isPositive();
    }

    @Test
    void cohereV1ObjectDocumentsRankFieldsAndReturnDocuments() {
        List<Map<String, String>> docs = List.of(
                Map.of("title", "Flour", "text", "The recipe calls for two cups of flour."),
                Map.of("title", "Solar", "text", "Photovoltaic cells convert sunlight into electricity."));
        JsonNode body = server.send(authorized("/v1/rerank", Map.of("query", QUERY, "documents", docs, "return_documents", true))).json();
        assertThat(body.get("meta").get("api_version").get("version").asText()).isEqualTo("1");
        assertThat(body.get("meta").get("billed_units").get("search_units").asInt()).isEqualTo(1);
        JsonNode first = body.get("results").get(0);
        assertThat(first.get("document")).as("the object as sent").isEqualTo(new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(docs.get(first.get("index").asInt())));
        double byText = scoreOf(body, 1);
        double textOnly = server.send(authorized("/score", Map.of("text_1", QUERY, "text_2", docs.get(1).get("text")))).json()
                .get("data").get(0).get("score").asDouble();
        assertThat(byText).as("ranked on the text field by default").isCloseTo(textOnly, within(1e-9));

        JsonNode fields = server.send(authorized("/v1/rerank", Map.of("query", QUERY, "documents", docs,
                "rank_fields", List.of("title", "text")))).json();
        double titled = server.send(authorized("/score", Map.of("text_1", QUERY,
                "text_2", "title: Solar\ntext: Photovoltaic cells convert sunlight into electricity."))).json()
                .get("data").get(0).get("score").asDouble();
        assertThat(scoreOf(fields, 1)).as("rank_fields joined as 'field: value' lines").isCloseTo(titled, within(1e-9));

        JsonNode missing = server.send(authorized("/v1/rerank", Map.of("query", QUERY, "documents", List.of(Map.of("title", "x"))))).json();
        assertThat(missing.get("error").get("message").asText()).contains("document 0 has no string field \"text\"");
    }

    @Test
    void returnDocumentsFalseLeavesThemOutAndV2ReportsItsVersion() {
        JsonNode body = server.send(authorized("/v2/rerank", Map.of("model", "rerank-english-v3.0", "query", QUERY,
                "documents", DOCS, "return_documents", false, "top_n", 2))).json();
        assertThat(body.get("results")).hasSize(2);
        assertThat(body.get("results").get(0).has("document")).isFalse();
        assertThat(body.get("meta").get("api_version").get("version").asText()).isEqualTo("2");
    }

    @Test
    void searchUnitsCountHundredsOfDocuments() {
        List<String> many = java.util.Collections.nCopies(250, "solar");
        JsonNode body = server.send(authorized("/v2/rerank", Map.of("query", QUERY, "documents", many))).json();
        assertThat(body.get("meta").get("billed_units").get("search_units").asInt()).isEqualTo(3);
        assertThat(body.get("results")).hasSize(250);
    }

    @Test
    void maxTokensPerDocCutsDocumentsBeforeScoring() {
        String longDoc = "Photovoltaic cells convert sunlight into electricity. ".repeat(10);
        JsonNode truncated = server.send(authorized("/rerank", Map.of("query", QUERY, "documents", List.of(longDoc),
                "truncate_prompt_tokens", -1))).json();
        JsonNode capped = server.send(authorized("/rerank", Map.of("query", QUERY, "documents", List.of(longDoc),
                "max_tokens_per_doc", 10))).json();
        assertThat(capped.get("usage").get("prompt_tokens").asInt())
                .isLessThan(truncated.get("usage").get("prompt_tokens").asInt());
        JsonNode negative = server.send(authorized("/rerank", Map.of("query", QUERY, "documents", DOCS, "max_tokens_per_doc", -5))).json();
        assertThat(negative.get("error").get("message").asText()).contains("max_tokens_per_doc must be a non-negative integer");
        JsonNode tooBig = server.send(authorized("/rerank", Map.of("query", QUERY, "documents", DOCS, "max_tokens_per_doc", 48))).json();
        assertThat(tooBig.get("error").get("message").asText()).isEqualTo("max_tokens_per_doc (48) must be less than max_model_len (48).");
        assertThat(server.send(authorized("/rerank", Map.of("query", QUERY, "documents", DOCS, "max_tokens_per_doc", 0))).status()).isEqualTo(200);
    }

    @Test
    void truncationSideLeftKeepsTheEndOfLongTexts() {
        String longDoc = "flour sugar eggs butter ".repeat(20) + "Photovoltaic cells convert sunlight into electricity.";
        double right = scoreOf(server.send(authorized("/rerank", Map.of("query", QUERY, "documents", List.of(longDoc),
                "truncate_prompt_tokens", -1))).json(), 0);
        double left = scoreOf(server.send(authorized("/rerank", Map.of("query", QUERY, "documents", List.of(longDoc),
                "truncate_prompt_tokens", -1, "truncation_side", "left"))).json(), 0);
        assertThat(left).isNotCloseTo(right, within(1e-6));
    }

    private static double scoreOf(JsonNode rerank, int index) {
        for (JsonNode r : rerank.get("results")) if (r.get("index").asInt() == index) return r.get("relevance_score").asDouble();
        throw new AssertionError("no result for document " + index);
    }

    static java.net.http.HttpRequest authorized(String path, Object body) {
        try {
            return java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.url(path)))
                    .header("Authorization", "Bearer secret").header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(body)))
                    .build();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
