package dev.sift.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sift.SiftModel;
import dev.sift.server.http.ServedModel;
import dev.sift.server.http.ServedModels;
import dev.sift.server.http.ServerOptions;
import dev.sift.server.http.SiftServer;
import dev.sift.testing.Fixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two fixtures in one server, a cross-encoder and an embedding model: each request goes to the model its {@code model}
 * field names, with that model's golden scores; a request naming none goes to the first; a wrong name is a 404.
 */
class MultiModelTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static ServedModels models;
    private static SiftServer server;

    @BeforeAll
    static void start() {
        models = new ServedModels(List.of(
                new ServedModel(SiftModel.open(Fixtures.model("bert-cross-encoder")), List.of("ce", "reranker"), "ce-root", 1 << 20),
                new ServedModel(SiftModel.open(Fixtures.model("bert-embedding")), List.of("emb"), "emb-root", 2 << 20)));
        server = SiftServer.start(models, ServerOptions.local());
    }

    @AfterAll
    static void stop() {
        server.close();
        models.close();
    }

    @Test
    void eachModelAnswersByNameWithItsOwnGoldens() throws Exception {
        for (String fixture : List.of("bert-cross-encoder", "bert-embedding")) {
            String name = fixture.equals("bert-cross-encoder") ? "ce" : "emb";
            JsonNode c = Fixtures.golden(fixture).get("cases").get(0);
            List<String> docs = Fixtures.strings(c.get("text_2"));
            JsonNode score = post("/score", Map.of("model", name, "text_1", c.get("text_1").asText(), "text_2", docs,
                    "truncate_prompt_tokens", -1), 200);
            assertThat(score.get("model").asText()).isEqualTo(name);
            for (int i = 0; i < docs.size(); i++) {
                assertThat(score.get("data").get(i).get("score").asDouble()).as(fixture + " " + i)
                        .isCloseTo(c.get("scores").get(i).asDouble(), within(1e-5));
            }
            JsonNode rerank = post("/v1/rerank", Map.of("model", name, "query", c.get("text_1").asText(), "documents", docs), 200);
            for (JsonNode r : rerank.get("results")) {
                assertThat(r.get("relevance_score").asDouble())
                        .isCloseTo(c.get("scores").get(r.get("index").asInt()).asDouble(), within(1e-5));
            }
        }
    }

    @Test
    void aRequestWithoutModelGoesToTheFirstAndAnyServedNameWorks() throws Exception {
        JsonNode c = Fixtures.golden("bert-cross-encoder").get("cases").get(0);
        Map<String, Object> body = new HashMap<>(Map.of("text_1", c.get("text_1").asText(), "text_2", Fixtures.strings(c.get("text_2"))));
        JsonNode unnamed = post("/score", body, 200);
        body.put("model", "reranker");
        JsonNode byAlias = post("/score", body, 200);
        assertThat(unnamed.get("model").asText()).isEqualTo("ce");
        assertThat(unnamed.get("data").get(0).get("score").asDouble())
                .isCloseTo(c.get("scores").get(0).asDouble(), within(1e-5))
                .isEqualTo(byAlias.get("data").get(0).get("score").asDouble());
    }

    @Test
    void aWrongModelIsA404AndARouteTheModelCannotServeA400() throws Exception {
        JsonNode wrong = post("/rerank", Map.of("model", "nope", "query", "q", "documents", List.of("d")), 404);
        assertThat(wrong.get("error").get("message").asText()).isEqualTo("The model `nope` does not exist.");
        JsonNode tei = post("/rerank", Map.of("model", "nope", "query", "q", "texts", List.of("d")), 404);
        assertThat(tei.get("error_type").asText()).as("TEI's error shape").isEqualTo("NotFound");
        assertThat(post("/rerank", Map.of("model", "emb", "query", "q", "texts", List.of("d")), 200).get(0).get("score").asDouble())
                .as("TEI's request goes to the model it names").isEqualTo(post("/rerank", Map.of("model", "emb", "query", "q",
                        "documents", List.of("d")), 200).get("results").get(0).get("relevance_score").asDouble());

        JsonNode notEmbedder = post("/v1/embeddings", Map.of("model", "ce", "input", "hello"), 400);
        assertThat(notEmbedder.get("error").get("message").asText()).contains("`ce` does not support embeddings");
        JsonNode embedded = post("/v1/embeddings", Map.of("model", "emb", "input", "hello"), 200);
        assertThat(embedded.get("model").asText()).isEqualTo("emb");
        assertThat(post("/classify", Map.of("model", "emb", "input", "hello"), 400).get("error").get("message").asText())
                .contains("does not support classification");
    }

    @Test
    void modelsListsEveryNameOfEveryModel() throws Exception {
        JsonNode list = get("/v1/models");
        List<String> ids = new ArrayList<>();
        for (JsonNode card : list.get("data")) ids.add(card.get("id").asText() + "@" + card.get("root").asText());
        assertThat(ids).containsExactly("ce@ce-root", "reranker@ce-root", "emb@emb-root");
    }

    @Test
    void metricsAreLabelledByModelAndReportEachModelsMemory() throws Exception {
        post("/rerank", Map.of("model", "emb", "query", "q", "documents", List.of("a fresh document for the metrics")), 200);
        String metrics = CLIENT.send(HttpRequest.newBuilder(URI.create(url("/metrics"))).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("sift_batches_total{model=\"ce\"}", "sift_batches_total{model=\"emb\"}",
                "vllm:num_requests_waiting{engine=\"0\",model_name=\"emb\"}",
                "sift_model_resident_bytes{model=\"ce\"} 1048576.0", "sift_model_resident_bytes{model=\"emb\"} 2097152.0");
        assertThat(metrics).containsPattern("sift_http_requests_seconds_count\\{method=\"POST\",model=\"emb\",route=\"/rerank\",status=\"200\"}");
    }

    private static String url(String path) {
        return "http://127.0.0.1:" + server.port() + path;
    }

    private static JsonNode post(String path, Object body, int status) throws Exception {
        HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create(url(path)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(status);
        return JSON.readTree(r.body());
    }

    private static JsonNode get(String path) throws Exception {
        return JSON.readTree(CLIENT.send(HttpRequest.newBuilder(URI.create(url(path))).build(), HttpResponse.BodyHandlers.ofString()).body());
    }
}
