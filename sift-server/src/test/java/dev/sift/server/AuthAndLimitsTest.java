package dev.sift.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sift.server.http.ApiKeys;
import dev.sift.server.http.Limits;
import dev.sift.server.http.ServerOptions;
import dev.sift.server.testing.RunningServer;
import dev.sift.server.testing.RunningServer.Response;
import dev.sift.testing.Fixtures;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** API keys on every model route, open health routes, and request limits with clear errors. */
class AuthAndLimitsTest {

    @Test
    void everyModelRouteNeedsAKeyAndHealthRoutesStayOpen() {
        try (RunningServer server = new RunningServer(Fixtures.model("bert-cross-encoder"), List.of("m"),
                ServerOptions.local().withApiKeys(ApiKeys.of(List.of("first-key", "second-key"))))) {
            for (String path : List.of("/score", "/v1/score", "/rerank", "/v1/rerank", "/v2/rerank", "/openai/v1/rerank",
                    "/classify", "/pooling", "/tokenize", "/detokenize", "/invocations")) {
                Response r = server.post(path, Map.of("query", "a", "documents", List.of("b")));
                assertThat(r.status()).as(path).isEqualTo(401);
                assertThat(r.json().get("error").asText()).isEqualTo("Unauthorized");
            }
            assertThat(server.get("/v1/models").status()).isEqualTo(401);
            for (String open : List.of("/health", "/ping", "/version", "/openapi.json")) {
                assertThat(server.get(open).status()).as(open).isEqualTo(200);
            }
            assertThat(call(server, "Bearer first-key").status()).isEqualTo(200);
            assertThat(call(server, "bearer second-key").status()).as("Milvus's Cohere provider sends lowercase bearer").isEqualTo(200);
            assertThat(call(server, "BEARER first-key").status()).isEqualTo(200);
            assertThat(call(server, "Bearer wrong").status()).isEqualTo(401);
            assertThat(call(server, "Basic first-key").status()).isEqualTo(401);
            assertThat(call(server, "first-key").status()).isEqualTo(401);
        }
    }

    @Test
    void limitsAreClearErrorsNotCrashes() {
        Limits tight = new Limits(4096, 5, 200);
        try (RunningServer server = new RunningServer(Fixtures.model("bert-cross-encoder"), List.of("m"),
                ServerOptions.local().withLimits(tight))) {
            Response big = server.post("/rerank", Map.of("query", "a", "documents", List.of("x".repeat(5000))));
            assertThat(big.status()).isEqualTo(413);
            assertThat(big.json().get("error").get("message").asText()).contains("at most 4096 bytes");

            Response many = server.post("/rerank", Map.of("query", "a", "documents", Collections.nCopies(6, "b")));
            assertThat(many.status()).isEqualTo(400);
            assertThat(many.json().get("error").get("message").asText()).contains("too many documents: 6").contains("at most 5");

            Response manyTexts = server.post("/rerank", Map.of("query", "a", "texts", Collections.nCopies(6, "b")));
            assertThat(manyTexts.status()).isEqualTo(422);
            assertThat(manyTexts.json().get("error_type").asText()).isEqualTo("Validation");

            Response longText = server.post("/score", Map.of("text_1", "a", "text_2", "y".repeat(201)));
            assertThat(longText.status()).isEqualTo(400);
            assertThat(longText.json().get("error").get("message").asText()).contains("201 characters").contains("200");

            assertThat(server.post("/rerank", Map.of("query", "a", "documents", Collections.nCopies(5, "b"))).status()).isEqualTo(200);
        }
    }

    private static Response call(RunningServer server, String authorization) {
        return server.send(HttpRequest.newBuilder(URI.create(server.url("/rerank"))).header("Authorization", authorization)
                .POST(HttpRequest.BodyPublishers.ofString("{\"query\":\"a\",\"documents\":[\"b\"]}")).build());
    }
}
