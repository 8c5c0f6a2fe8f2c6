package dev.sift.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sift.SiftModel;
import dev.sift.cache.CacheOptions;
import dev.sift.engine.EngineOptions;
import dev.sift.engine.OnnxEngine;
import dev.sift.engine.Readout;
import dev.sift.model.ModelOptions;
import dev.sift.scoring.ScoreOptions;
import dev.sift.scoring.TextPair;
import dev.sift.testing.Fixtures;
import dev.sift.tokenize.Encoded;
import dev.sift.tokenize.TextTokenizer;
import dev.sift.tokenize.Truncation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Results land on the right request, a full queue refuses at once, and dropped requests are never computed. */
class SchedulerTest {
    private static final Readout LOGITS = Readout.whole("logits");
    private OnnxEngine engine;
    private TextTokenizer tokenizer;

    @BeforeEach
    void open() {
        engine = OnnxEngine.open(Fixtures.model("bert-cross-encoder").resolve("onnx/model.onnx"), new EngineOptions(1, 1));
        tokenizer = TextTokenizer.open(Fixtures.model("bert-cross-encoder").resolve("tokenizer.json"));
    }

    @AfterEach
    void close() {
        engine.close();
        tokenizer.close();
    }

    @Test
    void resultsLandOnTheRightRequestUnderHeavyConcurrency() throws Exception {
        try (SiftModel model = SiftModel.open(Fixtures.model("bert-cross-encoder"), ModelOptions.defaults(),
                new EngineOptions(2, 1), new SchedulerOptions(8, 512, 1_000_000), CacheOptions.DISABLED)) {
            // No cache: every round must run, for results to land on the wrong request if they could.
            List<List<TextPair>> requests = new ArrayList<>();
            for (int r = 0; r < 64; r++) {
                List<TextPair> pairs = new ArrayList<>();
                for (int d = 0; d <= r % 7; d++) {
                    pairs.add(new TextPair("query " + r, "document " + d + " of request " + r + " solar".repeat(d)));
                }
                requests.add(pairs);
            }
            List<double[]> alone = new ArrayList<>();
            for (List<TextPair> pairs : requests) alone.add(model.score(pairs, ScoreOptions.DEFAULT).scores());
            try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<double[]>> together = new ArrayList<>();
                for (int round = 0; round < 4; round++) {
                    for (List<TextPair> pairs : requests) {
                        together.add(clients.submit(() -> model.score(pairs, ScoreOptions.DEFAULT).scores()));
                    }
                }
                for (int i = 0; i < together.size(); i++) {
                    double[] got = together.get(i).get(60, TimeUnit.SECONDS);
                    double[] want = alone.get(i % requests.size());
                    assertThat(got).hasSize(want.length);
                    for (int d = 0; d < want.length; d++) assertThat(got[d]).isCloseTo(want[d], within(1e-5));
                }
            }
        }
    }

    @Test
    void aFullQueueRefusesAtOnceWithARetryEstimate() throws Exception {
        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (Scheduler scheduler = new Scheduler(engine, new SchedulerOptions(1, 4096, 20), 1, 0)) {
            Thread blocker = Thread.ofVirtual().start(
                    () -> scheduler.run(List.of(encode("a", "b")), LOGITS, blockingSink(busy, release), null));
            assertThat(busy.await(30, TimeUnit.SECONDS)).isTrue();
            Thread queued = Thread.ofVirtual().start(() -> scheduler.run(inputs(4), LOGITS, (i, o, r, l) -> { }, null));
            while (scheduler.queuedTokens() < 20) Thread.sleep(1);

            assertThatThrownBy(scheduler::admit).isInstanceOf(OverloadedException.class)
                    .satisfies(e -> assertThat(((OverloadedException) e).retryAfterSeconds()).isBetween(1, 60));
            assertThatThrownBy(() -> scheduler.run(inputs(1), LOGITS, (i, o, r, l) -> { }, null))
                    .isInstanceOf(OverloadedException.class);

            release.countDown();
            blocker.join(30_000);
            queued.join(30_000);
            assertThat(scheduler.queuedTokens()).isZero();
            scheduler.admit();
        }
    }

    @Test
    void cancelledAndExpiredRequestsAreNeverComputed() throws Exception {
        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger computedForGone = new AtomicInteger();
        try (Scheduler scheduler = new Scheduler(engine, new SchedulerOptions(1, 4096, 1_000_000), 1, 0)) {
            Thread blocker = Thread.ofVirtual().start(
                    () -> scheduler.run(List.of(encode("a", "b")), LOGITS, blockingSink(busy, release), null));
            assertThat(busy.await(30, TimeUnit.SECONDS)).isTrue();

            AtomicReference<Throwable> cancelled = new AtomicReference<>();
            Thread gone = Thread.ofVirtual().start(() -> {
                try {
                    scheduler.run(inputs(5), LOGITS, (i, o, r, l) -> computedForGone.incrementAndGet(), null);
                } catch (RuntimeException e) {
                    cancelled.set(e);
                }
            });
            while (scheduler.queuedTokens() == 0) Thread.sleep(1);
            gone.interrupt();
            gone.join(30_000);
            assertThat(cancelled.get()).isInstanceOf(CancellationException.class);

            assertThatThrownBy(() -> scheduler.run(inputs(3), LOGITS, (i, o, r, l) -> computedForGone.incrementAndGet(),
                    Duration.ofMillis(50))).isInstanceOf(DeadlineExceededException.class);

            release.countDown();
            blocker.join(30_000);
            AtomicInteger computed = new AtomicInteger();
            scheduler.run(inputs(2), LOGITS, (i, o, r, l) -> computed.incrementAndGet(), null);
            assertThat(computed.get()).isEqualTo(2);
            assertThat(computedForGone.get()).as("rows computed for requests that were gone").isZero();
        }
    }

    private static RowSink blockingSink(CountDownLatch busy, CountDownLatch release) {
        return (input, output, row, length) -> {
            busy.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    private List<Encoded> inputs(int count) {
        List<Encoded> inputs = new ArrayList<>();
        for (int i = 0; i < count; i++) inputs.add(encode("query", "document number " + i));
        return inputs;
    }

    private Encoded encode(String query, String document) {
        return tokenizer.encodePair(query, document, Truncation.right(48));
    }
}
