package dev.sift.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sift.server.testing.RunningServer;
import dev.sift.server.testing.RunningServer.Response;
import dev.sift.testing.Fixtures;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** /v1/embeddings, /classify, /pooling, /tokenize, /detokenize and /version, each only where the model has the task. */
class PoolingRoutesTest {

    @Test
    void embeddingsFloatAndBase64AgreeAndMatchTheGolden() {
        JsonNode c = Fixtures.golden("bert-embedding").get("cases").get(0);
        String query = c.get("text_1").asText();
        try (RunningServer server = new RunningServer(Fixtures.model("bert-embedding"), List.of("embedder"))) {
            JsonNode floats = server.post("/v1/embeddings", Map.of("model", "embedder", "input", List.of(query, "second"))).json();
            assertThat(floats.get("object").asText()).isEqualTo("list");
            assertThat(floats.get("id").asText()).startsWith("embd-");
            JsonNode vector = floats.get("data").get(0).get("embedding");
            JsonNode expected = c.get("embeddings").get("query");
            assertThat(vector).hasSize(expected.size());
            for (int h = 0; h < vector.size(); h++) assertThat(vector.get(h).asDouble()).isCloseTo(expected.get(h).asDouble(), within(1e-5));

            JsonNode b64 = server.post("/v1/embeddings", Map.of("input", query, "encoding_format", "base64")).json();
            ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(b64.get("data").get(0).get("embedding").asText()))
                    .order(ByteOrder.LITTLE_ENDIAN);
            for (int h = 0; h < vector.size(); h++) assertThat((double) bytes.getFloat()).isEqualTo((double) (float) vector.get(h).asDouble());
            assertThat(b64.get("usage").get("prompt_tokens").asInt()).isPositive();

            JsonNode raw = server.post("/v1/embeddings", Map.of("input", query, "use_activation", false)).json();
            double norm = 0;
            for (JsonNode x : raw.get("data").get(0).get("embedding")) norm += x.asDouble() * x.asDouble();
            assertThat(Math.sqrt(norm)).as("use_activation false leaves the vector unnormalised").isNotCloseTo(1.0, within(1e-3));

            long[] ids = {2, 580, 778, 3};
            JsonNode fromIds = server.post("/v1/embeddings", Map.of("input", List.of(ids[0], ids[1], ids[2], ids[3]))).json();
            assertThat(fromIds.get("usage").get("prompt_tokens").asInt()).isEqualTo(4);
            assertThat(server.post("/v1/embeddings", Map.of("input", List.of(5_000_000))).status()).isEqualTo(400);
            assertThat(server.post("/v1/embeddings", Map.of("input", "x", "dimensions", 8)).status()).isEqualTo(400);
            Response badFormat = server.post("/v1/embeddings", Map.of("input", "x", "encoding_format", "hex"));
            assertThat(badFormat.json().get("error").get("message").asText()).contains("literal_error").contains("hex");

            assertThat(server.post("/classify", Map.of("input", "x")).json().get("detail").asText()).isEqualTo("Not Found");
            JsonNode pooled = server.post("/pooling", Map.of("input", "x")).json();
            assertThat(pooled.get("data").get(0).get("data")).hasSize(vector.size());
            assertThat(server.post("/pooling", Map.of("input", "x", "task", "classify")).json().get("error").get("message").asText())
                    .startsWith("Unsupported task: 'classify'");
        }
    }

    @Test
    void classifyOnACrossEncoderGivesTheSigmoidOfItsLogit() {
        try (RunningServer server = new RunningServer(Fixtures.model("bert-cross-encoder"), List.of("cross"))) {
            JsonNode result = server.post("/classify", Map.of("input", List.of("solar panels", "flour"))).json();
            assertThat(result.get("id").asText()).startsWith("classify-");
            JsonNode first = result.get("data").get(0);
            assertThat(first.get("num_classes").asInt()).isEqualTo(1);
            assertThat(first.get("label").asText()).isEqualTo("LABEL_0");
            double raw = server.post("/classify", Map.of("input", "solar panels", "use_activation", false)).json()
                    .get("data").get(0).get("probs").get(0).asDouble();
            assertThat(first.get("probs").get(0).asDouble()).isCloseTo(1 / (1 + Math.exp(-raw)), within(1e-9));
            assertThat(server.post("/classify", Map.of("input", "")).status()).isEqualTo(400);
            assertThat(server.post("/classify", Map.of("input", List.of())).status()).isEqualTo(400);
            assertThat(server.post("/v1/embeddings", Map.of("input", "x")).status()).isEqualTo(404);
            assertThat(server.post("/pooling", Map.of("input", "x", "task", "classify")).json().get("data").get(0).get("data")).hasSize(1);
        }
    }

    @Test
    void twoLabelClassifierServesClassifyButNotScoring() {
        try (RunningServer server = new RunningServer(Fixtures.model("bert-two-label"), List.of("labels"))) {
            JsonNode result = server.post("/classify", Map.of("input", "solar panels")).json().get("data").get(0);
            assertThat(result.get("num_classes").asInt()).isEqualTo(2);
            assertThat(result.get("label").asText()).isIn("negative", "positive");
            assertThat(server.post("/score", Map.of("text_1", "a", "text_2", "b")).json().get("detail").asText()).isEqualTo("Not Found");
            assertThat(server.post("/rerank", Map.of("query", "a", "documents", List.of("b"))).status()).isEqualTo(404);
        }
    }

    @Test
    void tokenizeDetokenizeAndVersion() {
        try (RunningServer server = new RunningServer(Fixtures.model("bert-cross-encoder"), List.of("cross"))) {
            JsonNode tokens = server.post("/tokenize", Map.of("prompt", "solar panels", "return_token_strs", true)).json();
            assertThat(tokens.get("max_model_len").asInt()).isEqualTo(48);
            assertThat(tokens.get("count").asInt()).isEqualTo(tokens.get("tokens").size());
            assertThat(tokens.get("token_strs").get(0).asText()).isEqualTo("[CLS]");
            JsonNode bare = server.post("/tokenize", Map.of("prompt", "solar panels", "add_special_tokens", false)).json();
            assertThat(bare.get("count").asInt()).isEqualTo(tokens.get("count").asInt() - 2);
            assertThat(bare.get("token_strs").isNull()).isTrue();
            JsonNode text = server.post("/detokenize", Map.of("tokens", bare.get("tokens"))).json();
            assertThat(text.get("prompt").asText()).isEqualTo("solar panels");
            assertThat(server.post("/detokenize", Map.of("tokens", List.of(-1))).status()).isEqualTo(400);
            Response wrongModel = server.post("/tokenize", Map.of("model", "other", "prompt", "x"));
            assertThat(wrongModel.status()).isEqualTo(404);
            assertThat(wrongModel.json().get("error").get("param").asText()).isEqualTo("model");
            assertThat(server.get("/version").json().get("version").asText()).isNotBlank();
        }
    }
}
