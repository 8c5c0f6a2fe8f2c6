package dev.sift.server.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The metrics on cases worked by hand. */
class RelevanceMetricsTest {
    // d3 is judged 2, d1 and d4 1, d2 0; d5 is unjudged. d4 is never retrieved.
    private static final Map<String, Integer> JUDGED = Map.of("d1", 1, "d2", 0, "d3", 2, "d4", 1);
    private static final List<String> RANKING = List.of("d1", "d2", "d3", "d5");

    @Test
    void ndcgUsesLinearGainsLog2DiscountAndTheIdealOfAllJudgments() {
        // DCG = 1/log2(2) + 0 + 2/log2(4) = 2; ideal [2, 1, 1] = 2 + 1/log2(3) + 1/2 = 3.1309...
        assertThat(RelevanceMetrics.ndcg(RANKING, JUDGED, 10)).isCloseTo(0.6387878864795979, within(1e-12));
        // At 2: DCG = 1; ideal = 2 + 1/log2(3).
        assertThat(RelevanceMetrics.ndcg(RANKING, JUDGED, 2)).isCloseTo(0.38009376671593426, within(1e-12));
        assertThat(RelevanceMetrics.ndcg(List.of("d3", "d1", "d4"), JUDGED, 10)).isCloseTo(1.0, within(1e-12));
        assertThat(RelevanceMetrics.ndcg(List.of("d2", "d5"), JUDGED, 10)).isZero();
    }

    @Test
    void negativeRelevanceGainsNothingAndNoRelevantDocumentScoresZero() {
        assertThat(RelevanceMetrics.ndcg(List.of("a", "b"), Map.of("a", -1, "b", 1), 10))
                .isCloseTo(1 / log2(3), within(1e-12)); // b at rank 2 over the ideal b at rank 1
        assertThat(RelevanceMetrics.ndcg(List.of("a"), Map.of("a", 0), 10)).isZero();
        assertThat(RelevanceMetrics.recall(List.of("a"), Map.of("a", 0), 10)).isZero();
        assertThat(RelevanceMetrics.reciprocalRank(List.of("a"), Map.of("a", 0), 10)).isZero();
    }

    @Test
    void reciprocalRankIsOfTheFirstRelevantDocumentWithinK() {
        assertThat(RelevanceMetrics.reciprocalRank(RANKING, JUDGED, 10)).isEqualTo(1.0);
        assertThat(RelevanceMetrics.reciprocalRank(List.of("d2", "d5", "d3"), JUDGED, 10)).isEqualTo(1.0 / 3);
        assertThat(RelevanceMetrics.reciprocalRank(List.of("d2", "d5", "d3"), JUDGED, 2)).isZero();
    }

    @Test
    void recallCountsEveryJudgedRelevantDocumentEvenUnretrieved() {
        assertThat(RelevanceMetrics.recall(RANKING, JUDGED, 10)).isEqualTo(2.0 / 3);
        assertThat(RelevanceMetrics.recall(RANKING, JUDGED, 1)).isEqualTo(1.0 / 3);
        assertThat(RelevanceMetrics.recall(List.of(), JUDGED, 10)).isZero();
    }

    @Test
    void rankingSortsByScoreThenByDocumentIdDescendingAsTrecEvalDoes() {
        Evaluation.QueryResult r = Evaluation.rank("q", List.of("d1", "d2", "d3", "d5"),
                new double[] {0.5, 0.9, 0.5, 0.1}, JUDGED, 10);
        assertThat(r.ranking().stream().map(Evaluation.Ranked::docId)).containsExactly("d2", "d3", "d1", "d5");
        // d3 (2) at rank 2, d1 (1) at rank 3: DCG = 2/log2(3) + 1/2.
        double ideal = 2 + 1 / log2(3) + 0.5;
        assertThat(r.metrics().get("NDCG@10")).isCloseTo((2 / log2(3) + 0.5) / ideal, within(1e-12));
        assertThat(r.metrics().get("MRR@10")).isEqualTo(0.5);
        assertThat(r.metrics()).containsKeys("Recall@10", "Recall@100");
    }

    @Test
    void meansAreOverQueries() {
        Evaluation.QueryResult a = Evaluation.rank("a", List.of("x"), new double[] {1}, Map.of("x", 1), 10);
        Evaluation.QueryResult b = Evaluation.rank("b", List.of("y"), new double[] {1}, Map.of("z", 1), 10);
        assertThat(Evaluation.means(List.of(a, b), Evaluation.metricNames(10)))
                .containsEntry("NDCG@10", 0.5).containsEntry("MRR@10", 0.5).containsEntry("Recall@10", 0.5);
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }
}
