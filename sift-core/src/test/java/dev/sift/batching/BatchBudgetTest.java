package dev.sift.batching;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sift.SiftModel;
import dev.sift.engine.EngineOptions;
import dev.sift.engine.OnnxEngine;
import dev.sift.engine.Readout;
import dev.sift.model.ModelOptions;
import dev.sift.testing.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The token budget a model opens with when none is given: measured on its engine, or the per-thread rule. */
class BatchBudgetTest {

    private static BatchBudget.Point point(int tokens, double rate) {
        return new BatchBudget.Point(tokens, rate);
    }

    @Test
    void theSmallestBudgetWithinATenthOfTheFastestWins() {
        assertThat(BatchBudget.choose(List.of(point(256, 850), point(512, 920), point(1024, 1000), point(2048, 960))))
                .as("512 is 8% off the best, 256 15%").isEqualTo(512);
        assertThat(BatchBudget.choose(List.of(point(256, 1000), point(512, 800)))).isEqualTo(256);
        assertThat(BatchBudget.choose(List.of(point(256, 500), point(512, 700), point(1024, 1000)))).isEqualTo(1024);
    }

    @Test
    void aMeasuredBudgetIsOneOfTheBudgetsTimedAndWithinTheCap() {
        try (OnnxEngine engine = OnnxEngine.open(Fixtures.model("bert-cross-encoder").resolve("onnx/model.onnx"),
                new EngineOptions(1, 1))) {
            BatchBudget.Choice choice = BatchBudget.measure(engine, Readout.whole("logits"), new long[] {1, 50, 2},
                    0, 64, 4096, 1);
            assertThat(choice.measured()).hasSizeGreaterThanOrEqualTo(2);
            assertThat(choice.measured()).extracting(BatchBudget.Point::tokens).contains(choice.maxBatchTokens())
                    .allMatch(tokens -> tokens >= BatchBudget.SMALLEST && tokens <= 4096);
            assertThat(choice.toString()).startsWith(choice.maxBatchTokens() + " tokens per batch, measured: 256 -> ");
        }
    }

    @Test
    void aCapBelowTheSmallestBudgetFallsBackToTheRuleWithinTheCap() {
        try (OnnxEngine engine = OnnxEngine.open(Fixtures.model("bert-cross-encoder").resolve("onnx/model.onnx"),
                new EngineOptions(1, 1))) {
            BatchBudget.Choice choice = BatchBudget.measure(engine, Readout.whole("logits"), new long[] {1, 2}, 0, 64, 200, 2);
            assertThat(choice.measured()).isEmpty();
            assertThat(choice.maxBatchTokens()).isEqualTo(200);
            BatchBudget.Choice uncapped = BatchBudget.measure(engine, Readout.whole("logits"), new long[] {1, 2}, 0, 64, 255, 2);
            assertThat(uncapped.maxBatchTokens()).isEqualTo(255);
        }
    }

    @Test
    void aModelOpenedWithDefaultsServesWithAMeasuredBudgetAndGivenOnesAreKept() {
        try (SiftModel model = SiftModel.open(Fixtures.model("bert-cross-encoder"))) {
            assertThat(model.schedulerOptions().maxBatchTokens()).isBetween(BatchBudget.SMALLEST, SchedulerOptions.MEASURED_TOKENS_CAP);
        }
        SchedulerOptions given = new SchedulerOptions(8, 3000, 1000);
        try (SiftModel model = SiftModel.open(Fixtures.model("bert-cross-encoder"), ModelOptions.defaults(),
                EngineOptions.defaults(), given)) {
            assertThat(model.schedulerOptions()).isEqualTo(given);
        }
    }
}
