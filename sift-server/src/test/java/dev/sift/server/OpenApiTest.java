package dev.sift.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.sift.server.http.Routes;
import dev.sift.server.testing.RunningServer;
import dev.sift.testing.Fixtures;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** /openapi.json lists exactly the routes served, and real responses validate against its schemas. */
class OpenApiTest {

    @ParameterizedTest
    @ValueSource(strings = {"bert-cross-encoder", "bert-embedding", "bert-two-label"})
    void documentListsExactlyTheServedRoutesAndResponsesMatchTheSchemas(String fixture) {
        try (RunningServer server = new RunningServer(Fixtures.model(fixture), List.of("m"))) {
            JsonNode document = server.get("/openapi.json").json();
            assertThat(document.get("openapi").asText()).isEqualTo("3.1.0");
            assertThat(document.get("servers").findValuesAsText("url")).contains("/", "/openai");

            Set<String> documented = new HashSet<>();
            document.get("paths").properties().forEach(path -> {
                JsonNode item = path.getValue().has("$ref")
                        ? document.at(path.getValue().get("$ref").asText().substring(1)) : path.getValue();
                item.fieldNames().forEachRemaining(method -> documented.add(method + " " + path.getKey()));
            });
            Set<String> served = new HashSet<>();
            for (Routes.Route route : server.server().routes()) served.add(route.method().name().toLowerCase(Locale.ROOT) + " " + route.path());
            assertThat(documented).isEqualTo(served);

            if (served.contains("post /rerank")) {
                validate(document, "RerankResponse", server.post("/rerank", Map.of("query", "a", "documents", List.of("b", "c"))).json());
                validate(document, "TeiRerankResponse", server.post("/rerank", Map.of("query", "a", "texts", List.of("b"), "return_text", true)).json());
                validate(document, "ScoreResponse", server.post("/score", Map.of("text_1", "a", "text_2", List.of("b"))).json());
            }
            if (served.contains("post /v1/embeddings")) {
                validate(document, "EmbeddingResponse", server.post("/v1/embeddings", Map.of("input", "a")).json());
                validate(document, "EmbeddingResponse", server.post("/v1/embeddings", Map.of("input", "a", "encoding_format", "base64")).json());
            }
            if (served.contains("post /classify")) {
                validate(document, "ClassifyResponse", server.post("/classify", Map.of("input", List.of("a", "b"))).json());
            }
            validate(document, "PoolingResponse", server.post("/pooling", Map.of("input", "a")).json());
            validate(document, "TokenizeResponse", server.post("/tokenize", Map.of("prompt", "a")).json());
            validate(document, "DetokenizeResponse", server.post("/detokenize", Map.of("tokens", List.of(5, 6))).json());
            validate(document, "ModelList", server.get("/v1/models").json());
            validate(document, "Version", server.get("/version").json());
            validate(document, "Error", server.post("/pooling", Map.of("input", 5)).json());
        }
    }

    private static void validate(JsonNode document, String schema, JsonNode response) {
        ObjectNode root = ((ObjectNode) document).deepCopy();
        root.put("$ref", "#/components/schemas/" + schema);
        JsonSchema validator = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(root);
        Set<ValidationMessage> errors = validator.validate(response);
        assertThat(errors).as(schema + " for " + response).isEmpty();
    }
}
