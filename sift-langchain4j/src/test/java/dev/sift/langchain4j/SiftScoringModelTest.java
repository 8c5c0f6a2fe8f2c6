package dev.sift.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.rag.content.Content;
import dev.langchain4j.rag.content.ContentMetadata;
import dev.langchain4j.rag.content.aggregator.ReRankingContentAggregator;
import dev.langchain4j.rag.query.Query;
import dev.sift.SiftModel;
import dev.sift.scoring.ScoreOptions;
import dev.sift.testing.Fixtures;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The ScoringModel reproduces the fixtures' goldens (sentence-transformers' and transformers' scores, from
 * testdata/generate.py and generate_llm.py) through LangChain4j's interface and its reranking aggregator.
 */
class SiftScoringModelTest {
    private static final double TOLERANCE = 1e-5;

    /** A cross-encoder from its ONNX graph, an embedding model's cosine, an LLM reranker built from safetensors. */
    @TestFactory
    Stream<DynamicTest> scoreAllReproducesTheGoldens() {
        return Stream.of("bert-cross-encoder", "bert-embedding", "qwen3-reranker")
                .map(name -> DynamicTest.dynamicTest(name, () -> checkGoldens(name)));
    }

    private static void checkGoldens(String name) {
        try (SiftModel model = SiftModel.open(Fixtures.model(name))) {
            List<JsonNode> cases = segmentCases(name);
            assertThat(cases).as(name + " cases a TextSegment can carry").hasSizeGreaterThanOrEqualTo(4);
            for (JsonNode c : cases) {
                String label = name + "/" + c.path("name").asText();
                List<TextSegment> segments = Fixtures.strings(c.get("text_2")).stream().map(TextSegment::from).toList();
                ScoreOptions options = ScoreOptions.DEFAULT.withInstruction(c.path("instruction").asText(null));
                Response<List<Double>> response = SiftScoringModel.of(model, options).scoreAll(segments, c.get("text_1").asText());

                List<Double> scores = response.content();
                assertThat(scores).as(label).hasSize(segments.size());
                for (int i = 0; i < scores.size(); i++) {
                    assertThat(scores.get(i)).as(label + " score " + i).isCloseTo(c.get("scores").get(i).asDouble(), within(TOLERANCE));
                }
                int tokens = 0;
                for (JsonNode t : c.get("tokens")) tokens += t.asInt();
                assertThat(response.tokenUsage().inputTokenCount()).as(label + " tokens").isEqualTo(tokens);
            }
        }
    }

    /** The golden cases without a blank document: LangChain4j's TextSegment refuses blank text. */
    private static List<JsonNode> segmentCases(String name) {
        List<JsonNode> cases = new ArrayList<>();
        for (JsonNode c : Fixtures.golden(name).get("cases")) {
            if (Fixtures.strings(c.get("text_2")).stream().noneMatch(String::isBlank)) cases.add(c);
        }
        return cases;
    }

    @Test
    void rawLogitsAndTheSingleScoreMethodsAgreeWithTheGoldens() {
        JsonNode c = Fixtures.golden("bert-cross-encoder").get("cases").get(0);
        String query = c.get("text_1").asText();
        String document = c.get("text_2").get(1).asText();
        try (SiftModel model = SiftModel.open(Fixtures.model("bert-cross-encoder"))) {
            SiftScoringModel raw = SiftScoringModel.of(model, ScoreOptions.DEFAULT.withUseActivation(false));
            assertThat(raw.score(document, query).content()).isCloseTo(c.get("raw_scores").get(1).asDouble(), within(TOLERANCE));

            Response<Double> one = SiftScoringModel.of(model).score(TextSegment.from(document), query);
            assertThat(one.content()).isCloseTo(c.get("scores").get(1).asDouble(), within(TOLERANCE));
            assertThat(one.tokenUsage().inputTokenCount()).isEqualTo(c.get("tokens").get(1).asInt());
        }
    }

    /** What a LangChain4j RAG pipeline does with a ScoringModel: its aggregator keeps the best segments, best first. */
    @Test
    void reRankingContentAggregatorOrdersByTheGoldenScores() {
        JsonNode c = Fixtures.golden("bert-cross-encoder").get("cases").get(0);
        List<String> documents = Fixtures.strings(c.get("text_2"));
        List<Integer> byGolden = IntStream.range(0, documents.size()).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> c.get("scores").get(i).asDouble()).reversed()).toList();
        double secondBest = c.get("scores").get(byGolden.get(1)).asDouble();

        try (SiftScoringModel scoring = SiftScoringModel.open(Fixtures.model("bert-cross-encoder"))) {
            ReRankingContentAggregator aggregator = ReRankingContentAggregator.builder()
                    .scoringModel(scoring).maxResults(3).minScore(secondBest - 1e-6).build();
            Query query = Query.from(c.get("text_1").asText());
            List<Content> retrieved = documents.stream().map(Content::from).toList();

            List<Content> kept = aggregator.aggregate(Map.of(query, List.of(retrieved)));

            // minScore keeps the two best of four, though maxResults would allow three.
            assertThat(kept).extracting(content -> content.textSegment().text())
                    .containsExactly(documents.get(byGolden.get(0)), documents.get(byGolden.get(1)));
            for (Content content : kept) {
                int index = documents.indexOf(content.textSegment().text());
                assertThat((Double) content.metadata().get(ContentMetadata.RERANKED_SCORE))
                        .isCloseTo(c.get("scores").get(index).asDouble(), within(TOLERANCE));
            }
        }
    }

    @Test
    void concurrentCallersGetTheirOwnScores() throws Exception {
        List<JsonNode> cases = segmentCases("bert-cross-encoder");
        try (SiftModel model = SiftModel.open(Fixtures.model("bert-cross-encoder"));
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            SiftScoringModel scoring = SiftScoringModel.of(model);
            List<Future<List<Double>>> futures = new ArrayList<>();
            for (int round = 0; round < 4; round++) {
                for (JsonNode c : cases) {
                    List<TextSegment> segments = Fixtures.strings(c.get("text_2")).stream().map(TextSegment::from).toList();
                    Callable<List<Double>> call = () -> scoring.scoreAll(segments, c.get("text_1").asText()).content();
                    futures.add(threads.submit(call));
                }
            }
            for (int f = 0; f < futures.size(); f++) {
                JsonNode expected = cases.get(f % cases.size()).get("scores");
                List<Double> scores = futures.get(f).get();
                for (int i = 0; i < scores.size(); i++) assertThat(scores.get(i)).isCloseTo(expected.get(i).asDouble(), within(TOLERANCE));
            }
        }
    }

    @Test
    void noSegmentsCostNothingAndMissingArgumentsAreRefused() {
        try (SiftModel model = SiftModel.open(Fixtures.model("bert-cross-encoder"))) {
            SiftScoringModel scoring = SiftScoringModel.of(model);
            Response<List<Double>> none = scoring.scoreAll(List.of(), "query");
            assertThat(none.content()).isEmpty();
            assertThat(none.tokenUsage().inputTokenCount()).isZero();
            assertThatThrownBy(() -> scoring.scoreAll(List.of(TextSegment.from("a")), null))
                    .isInstanceOf(NullPointerException.class).hasMessage("query");
            assertThatThrownBy(() -> scoring.scoreAll(null, "query"))
                    .isInstanceOf(NullPointerException.class).hasMessage("segments");
        }
    }

    @Test
    void aMultiLabelClassifierIsNotAScoringModel() {
        try (SiftModel model = SiftModel.open(Fixtures.model("bert-two-label"))) {
            assertThatThrownBy(() -> SiftScoringModel.of(model))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2-label classifier");
        }
    }

    @Test
    void closingClosesOnlyAModelItOpened() {
        try (SiftModel model = SiftModel.open(Fixtures.model("bert-cross-encoder"))) {
            SiftScoringModel borrowed = SiftScoringModel.of(model);
            borrowed.close();
            assertThat(SiftScoringModel.of(model).score("Paris is in France.", "Where is Paris?").content()).isBetween(0.0, 1.0);
        }
        SiftScoringModel owned = SiftScoringModel.open(Fixtures.model("bert-cross-encoder"));
        owned.close();
        assertThatThrownBy(() -> owned.score("Paris is in France.", "Where is Paris?")).isInstanceOf(RuntimeException.class);
    }
}
