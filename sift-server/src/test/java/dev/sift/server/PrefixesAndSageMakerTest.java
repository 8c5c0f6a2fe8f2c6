package dev.sift.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sift.server.http.ServerOptions;
import dev.sift.server.testing.RunningServer;
import dev.sift.server.testing.RunningServer.Response;
import dev.sift.testing.Fixtures;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** KServe's /openai prefix, --root-path, and SageMaker's /ping and /invocations. */
class PrefixesAndSageMakerTest {
    private static RunningServer server;

    @BeforeAll
    static void start() {
        server = new RunningServer(Fixtures.model("bert-cross-encoder"), List.of("reranker"),
                ServerOptions.local().withRootPath("/proxy/sift/"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void kserveSeedCurlBodyWorksUnderOpenaiPrefix() {
        // The body of the KServe rerank example, as written, to .../openai/v1/rerank.
        String body = """
                {
                  "model": "reranker",
                  "query": "What is the capital of France?",
                  "documents": [
                    "Paris is the capital and most populous city of France.",
                    "Berlin is the capital and largest city of Germany.",
                    "The Eiffel Tower is located in Paris, France.",
                    "France is a country in Western Europe."
                  ],
                  "top_n": 2
                }""";
        Response r = server.post("/openai/v1/rerank", body);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("model").asText()).isEqualTo("reranker");
        assertThat(r.json().get("results")).hasSize(2);
        assertThat(server.get("/openai/v1/models").json().get("data").get(0).get("id").asText()).isEqualTo("reranker");
    }

    @Test
    void everyRouteIsAlsoServedUnderTheRootPathAndTheKservePrefix() {
        for (String prefix : List.of("", "/openai", "/proxy/sift")) {
            assertThat(server.get(prefix + "/health").status()).as(prefix + "/health").isEqualTo(200);
            assertThat(server.post(prefix + "/score", Map.of("text_1", "a", "text_2", "b")).status()).as(prefix + "/score").isEqualTo(200);
            assertThat(server.post(prefix + "/rerank", Map.of("query", "a", "texts", List.of("b"))).json().isArray()).isTrue();
        }
    }

    @Test
    void sagemakerPingAndInvocationsRouteByBodyShape() {
        assertThat(server.get("/ping").status()).isEqualTo(200);
        assertThat(server.post("/ping", "{}").status()).isEqualTo(200);

        JsonNode rerank = server.post("/invocations", Map.of("query", "a", "documents", List.of("b", "c"))).json();
        assertThat(rerank.get("results")).hasSize(2);
        JsonNode tei = server.post("/invocations", Map.of("query", "a", "texts", List.of("b", "c"))).json();
        assertThat(tei.isArray()).isTrue();
        JsonNode score = server.post("/invocations", Map.of("text_1", "a", "text_2", List.of("b"))).json();
        assertThat(score.get("object").asText()).isEqualTo("list");
        assertThat(score.get("data").get(0).get("object").asText()).isEqualTo("score");
        JsonNode classify = server.post("/invocations", Map.of("input", "a")).json();
        assertThat(classify.get("id").asText()).startsWith("classify-");

        Response unknown = server.post("/invocations", Map.of("prompt", "a"));
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().get("error").get("message").asText()).startsWith("Cannot find suitable handler for request. Expected one of:");
    }

    @Test
    void aTeiBodyNamingABadModelIsRefusedInTeisShape() {
        Response wrongType = server.post("/invocations", Map.of("model", 5, "query", "a", "texts", List.of("b")));
        assertThat(wrongType.status()).isEqualTo(422);
        assertThat(wrongType.json().get("error").asText()).isEqualTo("Input validation error: model must be a string");
        assertThat(wrongType.json().get("error_type").asText()).isEqualTo("Validation");

        Response unknown = server.post("/invocations", Map.of("model", "nope", "query", "a", "texts", List.of("b")));
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().get("error_type").asText()).isEqualTo("NotFound");

        Response rerank = server.post("/invocations", Map.of("model", 5, "query", "a", "documents", List.of("b")));
        assertThat(rerank.json().get("error").get("message").asText()).isEqualTo("model must be a string");
    }
}
