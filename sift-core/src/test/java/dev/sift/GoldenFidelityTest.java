package dev.sift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sift.engine.EngineOptions;
import dev.sift.model.Activation;
import dev.sift.model.LlmReranker;
import dev.sift.model.ModelOptions;
import dev.sift.model.ModelTask;
import dev.sift.model.WeightsFormat;
import dev.sift.scoring.Classification;
import dev.sift.scoring.PairScores;
import dev.sift.scoring.ScoreOptions;
import dev.sift.scoring.TextPair;
import dev.sift.testing.Fixtures;
import dev.sift.tokenize.Encoded;
import dev.sift.tokenize.TextTokenizer;
import dev.sift.tokenize.Truncation;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every fixture reproduces, through the Java API, the scores, logits, token ids and counts that
 * sentence-transformers computed for it (testdata/generate.py).
 */
class GoldenFidelityTest {
    private static final double TOLERANCE = 1e-5;

    @TestFactory
    Stream<DynamicTest> everyFixtureMatchesItsGoldenOutputs() {
        List<String> names = Fixtures.names();
        assertThat(names).contains("bert-cross-encoder", "xlmr-cross-encoder", "bert-embedding", "bert-two-label");
        return names.stream().map(name -> DynamicTest.dynamicTest(name, () -> check(name, ModelOptions.defaults())));
    }

    /** The same goldens from the graph Sift builds out of each fixture's model.safetensors (all but the classifier's). */
    @TestFactory
    Stream<DynamicTest> everyFixtureMatchesFromItsSafetensors() {
        List<String> names = Fixtures.names().stream().filter(Fixtures::buildable).toList();
        assertThat(names).contains("bert-cross-encoder", "xlmr-cross-encoder", "electra-cross-encoder", "bert-embedding",
                "bert-two-label", "deberta-v2-cross-encoder", "modernbert-cross-encoder", "gte-multilingual-cross-encoder",
                "distilbert-cross-encoder", "mpnet-embedding", "qwen3-reranker", "bge-reranker-v2-gemma",
                "mxbai-rerank-v2", "qwen3-reranker-seq-cls");
        ModelOptions safetensors = ModelOptions.defaults().withWeights(WeightsFormat.SAFETENSORS);
        return names.stream().map(name -> DynamicTest.dynamicTest(name, () -> check(name, safetensors)));
    }

    private static void check(String name, ModelOptions options) {
        JsonNode golden = Fixtures.golden(name);
        try (SiftModel model = SiftModel.open(Fixtures.model(name), options, EngineOptions.defaults())) {
            assertThat(model.spec().buildsGraph()).as("graph built from safetensors")
                    .isEqualTo(options.weights() == WeightsFormat.SAFETENSORS || !Fixtures.hasOnnx(name));
            assertThat(model.spec().maxLength()).as("effective max length").isEqualTo(golden.get("max_length").asInt());
            assertThat(golden.get("cases").size()).as("golden cases").isGreaterThanOrEqualTo(6);
            for (JsonNode c : golden.get("cases")) {
                String label = name + "/" + c.path("name").asText();
                String query = c.get("text_1").asText();
                List<String> documents = Fixtures.strings(c.get("text_2"));
                List<TextPair> pairs = new ArrayList<>();
                documents.forEach(d -> pairs.add(new TextPair(query, d)));
                switch (model.spec().task()) {
                    case CROSS_ENCODER, LLM_RERANKER -> checkCrossEncoder(model, pairs, c, label);
                    case EMBEDDING -> checkEmbedding(model, query, documents, pairs, c, label);
                    case CLASSIFIER -> checkClassifier(model, pairs, c, label);
                }
                if (c.has("input_ids") && model.spec().task() != ModelTask.EMBEDDING) checkIds(model, pairs, c, label);
            }
        }
    }

    private static void checkCrossEncoder(SiftModel model, List<TextPair> pairs, JsonNode c, String label) {
        // LLM rerankers' cases may carry the instruction their prompt was filled with.
        ScoreOptions options = ScoreOptions.DEFAULT.withInstruction(c.path("instruction").asText(null));
        PairScores activated = model.score(pairs, options);
        PairScores raw = model.score(pairs, options.withUseActivation(false));
        for (int i = 0; i < pairs.size(); i++) {
            assertThat(activated.scores()[i]).as(label + " score " + i).isCloseTo(c.get("scores").get(i).asDouble(), within(TOLERANCE));
            assertThat(raw.scores()[i]).as(label + " raw score " + i).isCloseTo(c.get("raw_scores").get(i).asDouble(), within(TOLERANCE));
            assertThat(activated.tokens()[i]).as(label + " tokens " + i).isEqualTo(c.get("tokens").get(i).asInt());
        }
    }

    private static void checkEmbedding(SiftModel model, String query, List<String> documents, List<TextPair> pairs,
                                       JsonNode c, String label) {
        PairScores scores = model.score(pairs, ScoreOptions.DEFAULT);
        for (int i = 0; i < pairs.size(); i++) {
            assertThat(scores.scores()[i]).as(label + " cosine " + i).isCloseTo(c.get("scores").get(i).asDouble(), within(TOLERANCE));
            assertThat(scores.tokens()[i]).as(label + " tokens " + i).isEqualTo(c.get("tokens").get(i).asInt());
        }
        JsonNode expected = c.get("embeddings");
        float[][] vectors = model.embed(List.of(query), ScoreOptions.DEFAULT).vectors();
        assertVector(vectors[0], expected.get("query"), label + " query embedding");
        float[][] docs = model.embed(documents, ScoreOptions.DEFAULT).vectors();
        for (int i = 0; i < docs.length; i++) assertVector(docs[i], expected.get("documents").get(i), label + " embedding " + i);
    }

    private static void checkClassifier(SiftModel model, List<TextPair> pairs, JsonNode c, String label) {
        Classification result = model.classify(pairs, ScoreOptions.DEFAULT);
        int labels = model.spec().numLabels();
        for (int i = 0; i < pairs.size(); i++) {
            double[] probs = new double[labels];
            Activation.SOFTMAX.apply(result.logits()[i], 0, labels, probs, 0);
            for (int l = 0; l < labels; l++) {
                assertThat((double) result.logits()[i][l]).as(label + " logit " + i + "/" + l)
                        .isCloseTo(c.get("raw_scores").get(i).get(l).asDouble(), within(TOLERANCE));
                assertThat(result.scores()[i][l]).as(label + " score " + i + "/" + l)
                        .isCloseTo(c.get("scores").get(i).get(l).asDouble(), within(TOLERANCE));
                assertThat(probs[l]).as(label + " prob " + i + "/" + l)
                        .isCloseTo(c.get("probs").get(i).get(l).asDouble(), within(TOLERANCE));
            }
            assertThat(result.tokens()[i]).as(label + " tokens " + i).isEqualTo(c.get("tokens").get(i).asInt());
        }
    }

    private static void checkIds(SiftModel model, List<TextPair> pairs, JsonNode c, String label) {
        try (TextTokenizer tokenizer = TextTokenizer.open(model.spec().tokenizerFile())) {
            LlmReranker llm = model.spec().llmReranker();
            Truncation truncation = Truncation.right(model.spec().maxLength());
            for (int i = 0; i < pairs.size(); i++) {
                TextPair pair = pairs.get(i);
                Encoded e = llm == null
                        ? tokenizer.encodePair(pair.query(), pair.document(), truncation)
                        : tokenizer.encodePrompt(llm.prompt(pair.query(), pair.document(),
                                c.path("instruction").asText(null)), truncation);
                long[] expected = new long[c.get("input_ids").get(i).size()];
                for (int t = 0; t < expected.length; t++) expected[t] = c.get("input_ids").get(i).get(t).asLong();
                assertThat(e.ids()).as(label + " input ids " + i).containsExactly(expected);
            }
        }
    }

    private static void assertVector(float[] actual, JsonNode expected, String label) {
        assertThat(actual).as(label + " dimension").hasSize(expected.size());
        for (int h = 0; h < actual.length; h++) {
            assertThat((double) actual[h]).as(label + "[" + h + "]").isCloseTo(expected.get(h).asDouble(), within(TOLERANCE));
        }
    }
}
