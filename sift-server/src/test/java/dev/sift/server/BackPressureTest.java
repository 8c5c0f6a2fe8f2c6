package dev.sift.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sift.SiftModel;
import dev.sift.batching.SchedulerOptions;
import dev.sift.batching.SchedulerStats;
import dev.sift.engine.EngineOptions;
import dev.sift.model.ModelOptions;
import dev.sift.server.bundled.BundledModel;
import dev.sift.server.http.ServerOptions;
import dev.sift.server.testing.RunningServer;
import dev.sift.server.testing.RunningServer.Response;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Under load the server refuses at once (429 with Retry-After), drops the work of clients that hung up, and
 * answers 503 when a request's deadline passes. One inference thread is held busy by a slow in-process request
 * on the real bundled model while the HTTP side is probed.
 */
class BackPressureTest {
    @TempDir
    static Path home;

    private static RunningServer start(long maxQueuedTokens, ServerOptions options) {
        Path dir = BundledModel.materialize(home);
        SiftModel model = SiftModel.open(dir, ModelOptions.defaults(), new EngineOptions(1, 1),
                new SchedulerOptions(8, 16_384, maxQueuedTokens));
        return new RunningServer(model, dir, List.of("m"), options);
    }

    /** Keeps the only inference thread busy for a few seconds; returns the thread doing it. */
    private static Thread occupy(SiftModel model) throws InterruptedException {
        List<String> documents = new ArrayList<>();
        for (int i = 0; i < 24; i++) documents.add("a long document about the history of the city of Paris " .repeat(12) + i);
        Thread busy = Thread.ofVirtual().start(() -> model.score("history of Paris", documents));
        while (model.stats().queuedTokens() == 0) Thread.sleep(1);
        return busy;
    }

    @Test
    void aFullQueueIsRefusedAtOnceWithRetryAfterAndAcceptedWorkCompletes() throws Exception {
        try (RunningServer server = start(1_000, ServerOptions.local())) {
            Thread busy = occupy(server.model());
            long start = System.nanoTime();
            Response refused = server.post("/rerank", Map.of("query", "q", "documents", List.of("d")));
            double millis = (System.nanoTime() - start) / 1e6;
            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.json().get("error").get("type").asText()).isEqualTo("TooManyRequests");
            assertThat(Integer.parseInt(refused.raw().headers().firstValue("Retry-After").orElseThrow())).isBetween(1, 60);
            long again = System.nanoTime();
            assertThat(server.post("/rerank", Map.of("query", "q", "documents", List.of("d"))).status()).isEqualTo(429);
            System.out.printf("refused in %.1f ms, then %.1f ms, over HTTP%n", millis, (System.nanoTime() - again) / 1e6);

            Response tei = server.post("/rerank", Map.of("query", "q", "texts", List.of("d")));
            assertThat(tei.status()).isEqualTo(429);
            assertThat(tei.json().get("error_type").asText()).isEqualTo("Overloaded");
            assertThat(tei.raw().headers().firstValue("Retry-After")).isPresent();

            busy.join(TimeUnit.MINUTES.toMillis(2));
            assertThat(server.post("/rerank", Map.of("query", "q", "documents", List.of("d"))).status()).isEqualTo(200);
            String metrics = server.get("/metrics").raw().body();
            assertThat(metrics).contains("sift_requests_refused_total{model=\"m\"} 3.0");
        }
    }

    @Test
    void nothingIsComputedForAClientThatHungUp() throws Exception {
        try (RunningServer server = start(1_000_000, ServerOptions.local())) {
            SchedulerStats before = server.model().stats();
            Thread busy = occupy(server.model());
            long port = Long.parseLong(server.url("").replaceAll(".*:", ""));
            String body = "{\"query\":\"q\",\"documents\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\"]}";
            try (Socket socket = new Socket("127.0.0.1", (int) port)) {
                OutputStream out = socket.getOutputStream();
                out.write(("POST /rerank HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
                out.flush();
                // Wait until its ten documents are queued behind the busy thread, then hang up.
                while (server.model().stats().queuedTokens() < 10 + before.queuedTokens() && busy.isAlive()) Thread.sleep(1);
                Thread.sleep(50);
            }
            busy.join(TimeUnit.MINUTES.toMillis(2));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (server.model().stats().queuedTokens() > 0 && System.nanoTime() < deadline) Thread.sleep(10);
            SchedulerStats after = server.model().stats();
            assertThat(after.inputsComputed() - before.inputsComputed()).as("only the busy request's query and 24 documents ran")
                    .isEqualTo(25);
            assertThat(after.inputsDropped() - before.inputsDropped()).as("its query and ten documents").isEqualTo(11);
            assertThat(server.get("/metrics").raw().body()).contains("sift_inputs_dropped_total{model=\"m\"} 11.0");
        }
    }

    @Test
    void aRequestPastItsDeadlineIs503AndIsNotComputed() throws Exception {
        try (RunningServer server = start(1_000_000, ServerOptions.local().withRequestTimeout(Duration.ofMillis(200)))) {
            SchedulerStats before = server.model().stats();
            Thread busy = occupy(server.model());
            Response late = server.post("/rerank", Map.of("query", "q", "documents", List.of("a", "b", "c")));
            assertThat(late.status()).isEqualTo(503);
            assertThat(late.json().get("error").get("message").asText()).contains("timed out after 200 ms");
            busy.join(TimeUnit.MINUTES.toMillis(2));
            assertThat(server.model().stats().inputsComputed() - before.inputsComputed()).as("the busy request's 25 inputs only")
                    .isEqualTo(25);
        }
    }
}
