package dev.sift.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sift.server.testing.RunningServer;
import dev.sift.server.testing.RunningServer.Response;
import dev.sift.testing.Fixtures;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** vLLM's /score and /rerank contract over real HTTP, on the BERT cross-encoder fixture. */
class VllmScoreApiTest {
    private static final String QUERY = "how do solar panels make electricity?";
    private static final List<String> DOCS = List.of("Solar panels.", "Photovoltaic cells convert sunlight into electricity.",
            "The recipe calls for two cups of flour.");
    private static RunningServer server;

    @BeforeAll
    static void start() {
        server = new RunningServer(Fixtures.model("bert-cross-encoder"), List.of("cross", "alias"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void healthAndModels() {
        assertThat(server.get("/health").status()).isEqualTo(200);
        Response models = server.get("/v1/models");
        assertThat(models.status()).isEqualTo(200);
        assertThat(models.json().get("object").asText()).isEqualTo("list");
        assertThat(models.json().get("data")).extracting(n -> n.get("id").asText()).containsExactly("cross", "alias");
        assertThat(models.json().get("data").get(0).get("max_model_len").asInt()).isEqualTo(48);
    }

    @ParameterizedTest
    @CsvSource({"queries,documents", "queries,items", "data_1,data_2", "text_1,text_2"})
    void scoreAcceptsEveryNamingOneToN(String left, String right) {
        Response r = server.post("/score", Map.of(left, QUERY, right, DOCS));
        assertThat(r.status()).isEqualTo(200);
        JsonNode body = r.json();
        assertThat(body.get("id").asText()).startsWith("score-");
        assertThat(body.get("object").asText()).isEqualTo("list");
        assertThat(body.get("model").asText()).isEqualTo("cross");
        assertThat(body.get("data")).hasSize(3);
        double[] expected = javaApiScores(QUERY, DOCS);
        for (int i = 0; i < 3; i++) {
            JsonNode item = body.get("data").get(i);
            assertThat(item.get("index").asInt()).isEqualTo(i);
            assertThat(item.get("object").asText()).isEqualTo("score");
            assertThat(item.get("score").asDouble()).isCloseTo(expected[i], within(1e-9));
        }
        JsonNode usage = body.get("usage");
        assertThat(usage.get("prompt_tokens").asInt()).isEqualTo(usage.get("total_tokens").asInt()).isPositive();
        assertThat(usage.get("completion_tokens").asInt()).isZero();
        assertThat(usage.has("prompt_tokens_details")).isTrue();
    }

    @Test
    void scorePairsOneToOneAndZipsNToN() {
        Response one = server.post("/v1/score", Map.of("text_1", QUERY, "text_2", DOCS.get(1)));
        assertThat(one.json().get("data")).hasSize(1);
        Response zipped = server.post("/score", Map.of("queries", List.of(QUERY, "flour"), "documents", DOCS.subList(0, 2)));
        assertThat(zipped.json().get("data")).hasSize(2);
        assertThat(zipped.json().get("data").get(1).get("score").asDouble())
                .isCloseTo(javaApiScores("flour", List.of(DOCS.get(1)))[0], within(1e-9));
    }

    @Test
    void pairingErrorsUseVllmMessages() {
        assertError(server.post("/score", Map.of("queries", List.of("a", "b", "c"), "documents", List.of("x", "y"))),
                400, "BadRequestError", "Input lengths must be either 1:1, 1:N or N:N");
        assertError(server.post("/score", Map.of("queries", List.of(), "documents", List.of("x"))),
                400, "BadRequestError", "At least one text element must be given");
        assertError(server.post("/rerank", Map.of("query", "q", "documents", List.of())),
                400, "BadRequestError", "At least one text_pair element must be given");
        assertError(server.post("/score", Map.of("queries", "q")), 400, "Bad Request", "Field required");
        assertError(server.post("/score", "{not json"), 400, "Bad Request", "Invalid JSON");
        assertError(server.post("/score", Map.of("queries", 5, "documents", "x")), 400, "Bad Request", "queries must be a string");
        assertError(server.post("/rerank", Map.of("query", "q", "documents", List.of(Map.of("content", List.of())))),
                400, "BadRequestError", "MultiModalParam is not supported for BertForSequenceClassification");
    }

    @Test
    void wrongModelIs404AndNoModelOrAnyServedNameIsFine() {
        assertError(server.post("/rerank", Map.of("model", "other", "query", "q", "documents", List.of("d"))),
                404, "NotFoundError", "The model `other` does not exist.");
        assertThat(server.post("/rerank", Map.of("model", "alias", "query", "q", "documents", List.of("d"))).status()).isEqualTo(200);
        Map<String, Object> nullModel = new HashMap<>(Map.of("query", "q", "documents", List.of("d")));
        nullModel.put("model", null);
        assertThat(server.post("/rerank", nullModel).status()).isEqualTo(200);
        assertThat(server.post("/rerank", Map.of("model", "", "query", "q", "documents", List.of("d"))).status()).isEqualTo(200);
    }

    @Test
    void overLongInputIsRefusedUnlessTruncationIsAsked() {
        String longQuery = "why do solar panels work ".repeat(40);
        Response refused = server.post("/rerank", Map.of("query", longQuery, "documents", DOCS));
        assertError(refused, 400, "BadRequestError", "Please reduce the length of the input prompt");
        assertThat(refused.json().get("error").get("param").asText()).isEqualTo("input_tokens");
        assertThat(refused.json().get("error").get("message").asText()).contains("maximum context length is 48 tokens");

        Response truncated = server.post("/rerank", Map.of("query", longQuery, "documents", DOCS, "truncate_prompt_tokens", -1));
        assertThat(truncated.status()).isEqualTo(200);
        assertThat(truncated.json().get("usage").get("prompt_tokens").asInt()).isEqualTo(3 * 48);

        Response shorter = server.post("/score", Map.of("text_1", longQuery, "text_2", DOCS, "truncate_prompt_tokens", 20));
        assertThat(shorter.json().get("usage").get("prompt_tokens").asInt()).isEqualTo(3 * 20);

        assertError(server.post("/score", Map.of("text_1", "q", "text_2", "d", "truncate_prompt_tokens", 49)),
                400, "BadRequestError", "truncate_prompt_tokens value is greater than max_model_len. Please request a smaller truncation size.");
        assertError(server.post("/score", Map.of("text_1", "q", "text_2", "d", "truncate_prompt_tokens", -2)),
                400, "Bad Request", "greater than or equal to -1");
    }

    @Test
    void rerankSortsByScoreKeepsTiesInOrderAndCutsToTopN() {
        List<String> docs = new ArrayList<>(DOCS);
        docs.add(DOCS.get(0)); // a tie with index 0
        Response all = server.post("/rerank", Map.of("query", QUERY, "documents", docs));
        assertThat(all.status()).isEqualTo(200);
        JsonNode results = all.json().get("results");
        assertThat(results).hasSize(4);
        double[] expected = javaApiScores(QUERY, docs);
        for (int i = 0; i < results.size(); i++) {
            JsonNode r = results.get(i);
            int index = r.get("index").asInt();
            assertThat(r.get("relevance_score").asDouble()).isCloseTo(expected[index], within(1e-9));
            assertThat(r.get("document").get("text").asText()).isEqualTo(docs.get(index));
            assertThat(r.get("document").has("multi_modal")).isTrue();
            if (i > 0) assertThat(r.get("relevance_score").asDouble()).isLessThanOrEqualTo(results.get(i - 1).get("relevance_score").asDouble());
        }
        List<Integer> order = new ArrayList<>();
        results.forEach(r -> order.add(r.get("index").asInt()));
        assertThat(order.indexOf(0)).as("tied documents keep ascending index order").isLessThan(order.indexOf(3));

        for (int topN : new int[] {0, -1}) {
            assertThat(server.post("/v1/rerank", Map.of("query", QUERY, "documents", docs, "top_n", topN)).json().get("results")).hasSize(4);
        }
        Response top = server.post("/v2/rerank", Map.of("query", QUERY, "documents", docs, "top_n", 2));
        assertThat(top.json().get("results")).hasSize(2);
        assertThat(top.json().get("usage").get("prompt_tokens").asInt())
                .as("usage counts every document, not just the top_n")
                .isEqualTo(all.json().get("usage").get("prompt_tokens").asInt());
        assertThat(top.json().has("object")).isFalse();
        assertThat(top.json().get("meta").get("api_version").get("version").asText()).isEqualTo("2");
    }

    @Test
    void useActivationFalseGivesTheRawLogit() {
        double activated = server.post("/rerank", Map.of("query", QUERY, "documents", List.of(DOCS.get(1))))
                .json().get("results").get(0).get("relevance_score").asDouble();
        double raw = server.post("/rerank", Map.of("query", QUERY, "documents", List.of(DOCS.get(1)), "use_activation", false))
                .json().get("results").get(0).get("relevance_score").asDouble();
        assertThat(1 / (1 + Math.exp(-raw))).isCloseTo(activated, within(1e-9));
        assertThat(raw).isNotCloseTo(activated, within(1e-3));
    }

    @Test
    void requestIdComesFromTheHeader() throws Exception {
        Response r = server.send(HttpRequest.newBuilder(URI.create(server.url("/rerank")))
                .header("X-Request-Id", "abc123").POST(HttpRequest.BodyPublishers.ofString("{\"query\":\"q\",\"documents\":[\"d\"]}")).build());
        assertThat(r.json().get("id").asText()).isEqualTo("score-abc123");
        assertThat(server.post("/rerank", Map.of("query", "q", "documents", List.of("d"))).json().get("id").asText())
                .matches("score-[0-9a-f]{16}");
    }

    @Test
    void unknownRoutesAndMethodsAnswerLikeVllm() {
        Response missing = server.get("/nowhere");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().get("detail").asText()).isEqualTo("Not Found");
        Response wrongMethod = server.get("/rerank");
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.json().get("detail").asText()).isEqualTo("Method Not Allowed");
    }

    @Test
    void unknownFieldsAreIgnored() {
        Response r = server.post("/rerank", Map.of("query", "q", "documents", List.of("d"), "return_documents", true,
                "max_chunks_per_doc", 3, "encoding_format", "float"));
        assertThat(r.status()).isEqualTo(200);
    }

    private static double[] javaApiScores(String query, List<String> docs) {
        try (var model = dev.sift.SiftModel.open(Fixtures.model("bert-cross-encoder"))) {
            return model.score(query, docs);
        }
    }

    static void assertError(Response r, int status, String type, String message) {
        assertThat(r.status()).isEqualTo(status);
        JsonNode error = r.json().get("error");
        assertThat(error.get("type").asText()).isEqualTo(type);
        assertThat(error.get("message").asText()).contains(message);
        assertThat(error.get("code").asInt()).isEqualTo(status);
        assertThat(error.has("param")).isTrue();
    }
}
