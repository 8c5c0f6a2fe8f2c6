package dev.sift.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sift.SiftModel;
import dev.sift.batching.SchedulerOptions;
import dev.sift.engine.EngineOptions;
import dev.sift.model.ModelOptions;
import dev.sift.server.bundled.BundledModel;
import dev.sift.server.http.ServerOptions;
import dev.sift.server.testing.RunningServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * vLLM's metric names on {@code /metrics}, which KEDA and HPA recipes for vLLM query: the running and waiting gauges
 * follow a request's inputs through the queue while it is in flight, and the latency histogram times every input
 * once, in vLLM's buckets. Over real HTTP, on the bundled model with one inference thread and batches of eight.
 */
class VllmMetricsTest {
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)\\{([^}]*)} (\\S+)$");
    private static final String LABELS = "engine=\"0\",model_name=\"m\"";

    @TempDir
    static Path home;

    @Test
    void gaugesFollowTheQueueAndEveryInputIsTimedInVllmsBuckets() throws Exception {
        Path dir = BundledModel.materialize(home);
        SiftModel model = SiftModel.open(dir, ModelOptions.defaults(), new EngineOptions(1, 1),
                new SchedulerOptions(8, 16_384, 1_000_000));
        try (RunningServer server = new RunningServer(model, dir, List.of("m"), ServerOptions.local())) {
            Map<String, Double> idle = scrape(server);
            assertThat(idle).containsEntry("vllm:num_requests_running{" + LABELS + "}", 0.0)
                    .containsEntry("vllm:num_requests_waiting{" + LABELS + "}", 0.0)
                    .containsEntry("vllm:e2e_request_latency_seconds_count{" + LABELS + "}", 0.0);
            long computedBefore = model.stats().inputsComputed();

            List<String> documents = new ArrayList<>();
            for (int i = 0; i < 24; i++) documents.add("a long document about the history of the city of Paris ".repeat(12) + i);
            String body = new ObjectMapper().writeValueAsString(Map.of("query", "history of Paris", "documents", documents));
            long start = System.nanoTime();
            CompletableFuture<HttpResponse<String>> reply = HttpClient.newHttpClient().sendAsync(
                    HttpRequest.newBuilder(URI.create(server.url("/rerank"))).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());

            double mostWaiting = 0;
            double mostRunning = 0;
            while (!reply.isDone()) {
                Map<String, Double> now = scrape(server);
                mostWaiting = Math.max(mostWaiting, now.get("vllm:num_requests_waiting{" + LABELS + "}"));
                mostRunning = Math.max(mostRunning, now.get("vllm:num_requests_running{" + LABELS + "}"));
                Thread.sleep(20);
            }
            assertThat(reply.get(2, TimeUnit.MINUTES).statusCode()).isEqualTo(200);
            double seconds = (System.nanoTime() - start) / 1e9;
            assertThat(mostWaiting).as("inputs queued behind the running batch").isGreaterThan(0).isLessThanOrEqualTo(25);
            assertThat(mostRunning).as("a batch of at most eight running").isBetween(1.0, 8.0);

            Map<String, Double> after = scrape(server);
            assertThat(after.get("vllm:num_requests_running{" + LABELS + "}")).isZero();
            assertThat(after.get("vllm:num_requests_waiting{" + LABELS + "}")).isZero();
            long computed = model.stats().inputsComputed() - computedBefore;
            assertThat(computed).as("the query and 24 documents, each embedded once").isEqualTo(25);
            double count = after.get("vllm:e2e_request_latency_seconds_count{" + LABELS + "}");
            assertThat(count).as("one observation per input computed").isEqualTo(computed);
            double sum = after.get("vllm:e2e_request_latency_seconds_sum{" + LABELS + "}");
            assertThat(sum).isPositive().isLessThanOrEqualTo(count * seconds);

            Map<String, Double> buckets = new LinkedHashMap<>();
            after.forEach((key, value) -> {
                Matcher m = Pattern.compile("^vllm:e2e_request_latency_seconds_bucket\\{" + LABELS + ",le=\"([^\"]+)\"}$")
                        .matcher(key);
                if (m.matches()) buckets.put(m.group(1), value);
            });
            assertThat(buckets.keySet()).as("vLLM's buckets (vllm/v1/metrics/loggers.py, in shared/reference/vllm-api.md)")
                    .containsExactly("0.3", "0.5", "0.8", "1.0", "1.5", "2.0", "2.5", "5.0", "10.0", "15.0", "20.0", "30.0",
                            "40.0", "50.0", "60.0", "120.0", "240.0", "480.0", "960.0", "1920.0", "7680.0", "+Inf");
            double previous = 0;
            for (double cumulative : buckets.values()) {
                assertThat(cumulative).isGreaterThanOrEqualTo(previous);
                previous = cumulative;
            }
            assertThat(buckets.get("+Inf")).isEqualTo(count);
        }
    }

    /** Every labelled sample of the exposition, keyed by name and labels as written. */
    private static Map<String, Double> scrape(RunningServer server) {
        Map<String, Double> samples = new LinkedHashMap<>();
        for (String line : server.get("/metrics").raw().body().split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (m.matches()) samples.put(m.group(1) + "{" + m.group(2) + "}", Double.parseDouble(m.group(3)));
        }
        return samples;
    }
}
