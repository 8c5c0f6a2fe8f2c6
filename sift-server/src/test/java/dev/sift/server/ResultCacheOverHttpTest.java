package dev.sift.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sift.SiftModel;
import dev.sift.batching.SchedulerOptions;
import dev.sift.cache.CacheOptions;
import dev.sift.engine.EngineOptions;
import dev.sift.model.ModelOptions;
import dev.sift.server.http.ServerOptions;
import dev.sift.server.testing.RunningServer;
import dev.sift.server.testing.RunningServer.Response;
import dev.sift.testing.Fixtures;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The result cache seen from a client: repeated documents cost no inference, and show in /metrics. */
class ResultCacheOverHttpTest {
    private static final Map<String, Object> RERANK = Map.of("query", "how do solar panels work",
            "documents", List.of("solar panels", "flour and sugar", "solar panels", "photovoltaic cells"));

    private static RunningServer start(String fixture, CacheOptions cache) {
        SiftModel model = SiftModel.open(Fixtures.model(fixture), ModelOptions.defaults(), EngineOptions.defaults(),
                SchedulerOptions.DEFAULT, cache);
        return new RunningServer(model, Fixtures.model(fixture), List.of("m"), ServerOptions.local());
    }

    private static double metric(RunningServer server, String name, String kind) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name + "{cache=\"" + kind + "\",model=\"m\"}") + " (\\S+)$")
                .matcher(server.get("/metrics").raw().body());
        assertThat(m.find()).as(name + " in /metrics").isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void aRepeatedRerankIsAnsweredFromTheCacheWithTheSameScoresAndUsage() {
        try (RunningServer server = start("bert-cross-encoder", CacheOptions.DEFAULT)) {
            assertThat(metric(server, "sift_cache_hits_total", "score")).isZero();
            long computed = server.model().stats().inputsComputed();
            Response first = server.post("/rerank", RERANK);
            assertThat(first.status()).isEqualTo(200);
            assertThat(server.model().stats().inputsComputed() - computed).as("three distinct documents").isEqualTo(3);
            assertThat(metric(server, "sift_cache_misses_total", "score")).isEqualTo(3.0);
            assertThat(metric(server, "sift_cache_entries", "score")).isEqualTo(3.0);
            assertThat(metric(server, "sift_cache_size_bytes", "score")).isPositive();
            assertThat(metric(server, "sift_cache_max_bytes", "score")).isEqualTo(256.0 * (1 << 20));

            Response second = server.post("/rerank", RERANK);
            assertThat(server.model().stats().inputsComputed() - computed).as("nothing more ran").isEqualTo(3);
            assertThat(metric(server, "sift_cache_hits_total", "score")).isEqualTo(3.0);
            assertThat(metric(server, "sift_cache_misses_total", "score")).isEqualTo(3.0);
            assertThat(sansId(second.json())).as("scores, order and usage").isEqualTo(sansId(first.json()));
        }
    }

    @Test
    void anEmbeddingModelReusesADocumentsVectorAcrossRoutes() {
        try (RunningServer server = start("bert-embedding", CacheOptions.DEFAULT)) {
            assertThat(server.post("/rerank", RERANK).status()).isEqualTo(200);
            assertThat(metric(server, "sift_cache_misses_total", "embedding")).as("the query and three documents").isEqualTo(4.0);
            long computed = server.model().stats().inputsComputed();
            Response embedded = server.post("/v1/embeddings", Map.of("input", List.of("solar panels", "photovoltaic cells")));
            assertThat(embedded.status()).isEqualTo(200);
            assertThat(server.model().stats().inputsComputed()).as("both texts were embedded for /rerank").isEqualTo(computed);
            assertThat(metric(server, "sift_cache_hits_total", "embedding")).isEqualTo(2.0);
            assertThat(embedded.json().get("usage").get("prompt_tokens").asInt()).isPositive();
        }
    }

    @Test
    void withTheCacheOffEveryRequestRunsAndTheMetricsStayAtZero() {
        try (RunningServer server = start("bert-cross-encoder", CacheOptions.DISABLED)) {
            long computed = server.model().stats().inputsComputed();
            Response first = server.post("/rerank", RERANK);
            Response second = server.post("/rerank", RERANK);
            assertThat(server.model().stats().inputsComputed() - computed).as("three distinct documents, twice").isEqualTo(6);
            assertThat(sansId(second.json())).isEqualTo(sansId(first.json()));
            assertThat(metric(server, "sift_cache_hits_total", "score")).isZero();
            assertThat(metric(server, "sift_cache_misses_total", "score")).isZero();
            assertThat(metric(server, "sift_cache_max_bytes", "score")).isZero();
        }
    }

    /** A response without its per-request id. */
    private static JsonNode sansId(JsonNode body) {
        JsonNode copy = body.deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) copy).remove("id");
        return copy;
    }
}
