package dev.sift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sift.scoring.InputTooLongException;
import dev.sift.scoring.Pairing;
import dev.sift.scoring.RankedDocument;
import dev.sift.scoring.ScoreOptions;
import dev.sift.scoring.TextPair;
import dev.sift.testing.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

class RerankTest {

    @Test
    void ranksBestFirstWithTiesInDocumentOrderAndCutsToTopN() {
        List<String> docs = List.of("a", "b", "c", "d");
        double[] scores = {0.5, 0.9, 0.5, 0.1};
        assertThat(SiftModel.rank(docs, scores, 0)).extracting(RankedDocument::index).containsExactly(1, 0, 2, 3);
        assertThat(SiftModel.rank(docs, scores, -3)).hasSize(4);
        assertThat(SiftModel.rank(docs, scores, 2)).extracting(RankedDocument::index).containsExactly(1, 0);
        assertThat(SiftModel.rank(docs, scores, 10)).hasSize(4);
    }

    @Test
    void rerankThroughTheJavaApiAgreesWithScore() {
        List<String> docs = List.of("solar panels", "flour and sugar", "photovoltaic cells make electricity from light");
        try (SiftModel model = SiftModel.open(Fixtures.model("bert-cross-encoder"))) {
            double[] scores = model.score("how do solar panels work", docs);
            List<RankedDocument> top = model.rerank("how do solar panels work", docs, 2);
            assertThat(top).hasSize(2);
            assertThat(top.get(0).score()).isGreaterThanOrEqualTo(top.get(1).score());
            assertThat(top.get(0).score()).isEqualTo(scores[top.get(0).index()]);
        }
    }

    @Test
    void queryFarLongerThanTheLimitIsTruncatedOrRefusedNeverFatal() {
        String longQuery = "why ".repeat(5000);
        try (SiftModel model = SiftModel.open(Fixtures.model("xlmr-cross-encoder"))) {
            double[] scores = model.score(longQuery, List.of("short", ""));
            assertThat(scores).hasSize(2);
            for (double s : scores) assertThat(s).isBetween(0.0, 1.0);
            assertThatThrownBy(() -> model.score(List.of(new TextPair(longQuery, "short")), ScoreOptions.DEFAULT.withTruncate(false, 0)))
                    .isInstanceOf(InputTooLongException.class);
        }
    }

    @Test
    void pairingFollowsVllmRules() {
        assertThat(Pairing.pair(List.of("q"), List.of("a", "b"))).containsExactly(new TextPair("q", "a"), new TextPair("q", "b"));
        assertThat(Pairing.pair(List.of("q1", "q2"), List.of("a", "b"))).containsExactly(new TextPair("q1", "a"), new TextPair("q2", "b"));
        assertThatThrownBy(() -> Pairing.pair(List.of("q1", "q2"), List.of("a"))).hasMessage("Input lengths must be either 1:1, 1:N or N:N");
        assertThatThrownBy(() -> Pairing.pair(List.of(), List.of("a"))).hasMessage("At least one text element must be given");
        assertThatThrownBy(() -> Pairing.pair(List.of("q"), List.of())).hasMessage("At least one text_pair element must be given");
    }
}
