package dev.sift.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sift.server.bundled.BundledModel;
import dev.sift.server.testing.RunningServer;
import dev.sift.server.testing.RunningServer.Response;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bundled default model (real bge-small-en-v1.5 weights) answers the KServe rerank example from the seeds. */
class BundledModelTest {

    @TempDir
    static Path home;

    @Test
    void kserveExampleRanksParisFirst() {
        Path dir = BundledModel.materialize(home);
        assertThat(BundledModel.materialize(home)).as("a second start reuses the files").isEqualTo(dir);
        try (RunningServer server = new RunningServer(dir, List.of(BundledModel.ID))) {
            List<String> documents = List.of(
                    "Paris is the capital and most populous city of France.",
                    "Berlin is the capital and largest city of Germany.",
                    "The Eiffel Tower is located in Paris, France.",
                    "France is a country in Western Europe.");
            Response all = server.post("/v1/rerank",
                    Map.of("model", BundledModel.ID, "query", "What is the capital of France?", "documents", documents));
            assertThat(all.status()).isEqualTo(200);
            JsonNode results = all.json().get("results");
            assertThat(results.get(0).get("index").asInt()).isZero();
            assertThat(results.get(0).get("document").get("text").asText()).isEqualTo(documents.get(0));

            Response top = server.post("/rerank", Map.of("query", "What is the capital of France?", "documents", documents, "top_n", 2));
            JsonNode two = top.json().get("results");
            assertThat(two).hasSize(2);
            assertThat(two.get(0).get("index").asInt()).isZero();
            assertThat(two.get(0).get("relevance_score").asDouble()).isGreaterThanOrEqualTo(two.get(1).get("relevance_score").asDouble());
            assertThat(two.get(1).get("index").asInt()).isEqualTo(results.get(1).get("index").asInt());
        }
    }
}
