package dev.sift.langchain4j.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.langchain4j.rag.content.Content;
import dev.langchain4j.rag.content.ContentMetadata;
import dev.sift.SiftModel;
import dev.sift.scoring.RankedDocument;
import dev.sift.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** The example keeps the three documents Sift's own rerank ranks first, and prints them with their scores. */
class RerankExampleTest {

    @Test
    void theExampleKeepsTheThreeBestByTheModelsOwnRanking() {
        String question = "What is the capital of France?";
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        List<Content> kept = RerankExample.run(Fixtures.model("bert-cross-encoder"), question,
                new PrintStream(printed, true, StandardCharsets.UTF_8));

        List<RankedDocument> expected;
        try (SiftModel model = SiftModel.open(Fixtures.model("bert-cross-encoder"))) {
            expected = model.rerank(question, RerankExample.CORPUS, 3);
        }
        assertThat(kept).extracting(c -> c.textSegment().text())
                .containsExactlyElementsOf(expected.stream().map(RankedDocument::document).toList());
        for (int i = 0; i < kept.size(); i++) {
            assertThat((Double) kept.get(i).metadata().get(ContentMetadata.RERANKED_SCORE))
                    .isCloseTo(expected.get(i).score(), within(1e-9));
        }
        String output = printed.toString(StandardCharsets.UTF_8);
        assertThat(output.lines()).hasSize(4).first().isEqualTo(question);
        assertThat(output).contains(String.format(Locale.ROOT, "  %.4f  %s", expected.get(0).score(), expected.get(0).document()));
    }
}
