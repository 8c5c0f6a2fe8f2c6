package dev.sift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sift.engine.EngineOptions;
import dev.sift.model.LlmReranker;
import dev.sift.model.ModelException;
import dev.sift.model.ModelOptions;
import dev.sift.model.ModelTask;
import dev.sift.scoring.PairScores;
import dev.sift.scoring.ScoreOptions;
import dev.sift.scoring.TextPair;
import dev.sift.testing.Fixtures;
import dev.sift.tokenize.Encoded;
import dev.sift.tokenize.Prompt;
import dev.sift.tokenize.TextTokenizer;
import dev.sift.tokenize.Truncation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LLM rerankers beyond the golden values: how the family is chosen, the prompt filled and cut. */
class LlmRerankerTest {
    private static final String LONG = "The printing press spread across Europe within decades. ".repeat(40);

    @TempDir
    Path temp;

    @Test
    void aCausalLanguageModelNeedsItsFamilyWhenTheFolderNameDoesNotTellIt() throws IOException {
        Path dir = Fixtures.copy("qwen3-reranker", temp.resolve("models"));
        assertThatThrownBy(() -> SiftModel.open(dir)).isInstanceOf(ModelException.class)
                .hasMessageContaining("Qwen3ForCausalLM").hasMessageContaining("--llm-reranker")
                .hasMessageContaining("qwen3-reranker, bge-reranker-v2-gemma, mxbai-rerank-v2");

        ModelOptions named = ModelOptions.defaults().withLlmReranker(LlmReranker.named("Qwen3-Reranker").orElseThrow());
        JsonNode golden = Fixtures.golden("qwen3-reranker").get("cases").get(0);
        try (SiftModel model = SiftModel.open(dir, named, EngineOptions.defaults())) {
            assertThat(model.spec().task()).isEqualTo(ModelTask.LLM_RERANKER);
            String query = golden.get("text_1").asText();
            List<TextPair> pairs = Fixtures.strings(golden.get("text_2")).stream().map(d -> new TextPair(query, d)).toList();
            double[] scores = model.score(pairs, ScoreOptions.DEFAULT).scores();
            for (int i = 0; i < scores.length; i++) {
                assertThat(scores[i]).isCloseTo(golden.get("scores").get(i).asDouble(), within(1e-5));
            }
        }
    }

    @Test
    void truncationCutsTheDocumentAndKeepsTheWholeTemplate() {
        Path dir = Fixtures.model("qwen3-reranker");
        try (SiftModel model = SiftModel.open(dir); TextTokenizer tokenizer = TextTokenizer.open(model.spec().tokenizerFile())) {
            int max = model.spec().maxLength();
            LlmReranker family = model.spec().llmReranker();
            Prompt prompt = family.prompt("who invented printing?", LONG, null);
            Encoded whole = tokenizer.encodePrompt(prompt, Truncation.right(Integer.MAX_VALUE));
            Encoded cut = tokenizer.encodePrompt(prompt, Truncation.right(max));
            assertThat(whole.length()).isGreaterThan(max);
            assertThat(cut.length()).isEqualTo(max);
            assertThat(cut.fullLength()).isEqualTo(whole.length());
            // The template's end (the answer cue after the document) survives intact.
            long[] suffix = tokenizer.ids("<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n", false);
            assertThat(Arrays.copyOfRange(cut.ids(), max - suffix.length, max)).containsExactly(suffix);
            assertThat(Arrays.copyOfRange(cut.ids(), 0, 40)).containsExactly(Arrays.copyOfRange(whole.ids(), 0, 40));

            assertThatThrownBy(() -> model.score(List.of(new TextPair("q", LONG)), ScoreOptions.DEFAULT.withTruncate(false, 0)))
                    .hasMessageContaining("exceeds the maximum of " + max);
            PairScores scores = model.score(List.of(new TextPair("q", LONG)), ScoreOptions.DEFAULT.withTruncate(true, 120));
            assertThat(scores.tokens()[0]).isEqualTo(120);
        }
    }

    @Test
    void theInstructionIsPartOfTheQwenPrompt() {
        try (SiftModel model = SiftModel.open(Fixtures.model("qwen3-reranker"))) {
            List<TextPair> pair = List.of(new TextPair("what is the capital of France?", "Paris is the capital of France."));
            PairScores plain = model.score(pair, ScoreOptions.DEFAULT);
            PairScores instructed = model.score(pair, ScoreOptions.DEFAULT.withInstruction("Find the city a question asks about"));
            assertThat(instructed.scores()[0]).isNotCloseTo(plain.scores()[0], within(1e-6));
            assertThat(instructed.tokens()[0]).isNotEqualTo(plain.tokens()[0]);
        }
    }

    @Test
    void mxbaiPutsAGivenInstructionOnALineOfItsOwnBeforeTheQuery() {
        LlmReranker mxbai = LlmReranker.MXBAI_RERANK_V2;
        String plain = mxbai.prompt("capital of France?", "Paris.", null).text();
        assertThat(plain).contains("<|im_start|>user\nquery: capital of France?\ndocument: Paris.\nYou are a search")
                .endsWith("Relevance:<|im_end|>\n<|im_start|>assistant\n").doesNotContain("instruction:");
        assertThat(mxbai.prompt("capital of France?", "Paris.", "Find cities").text())
                .contains("<|im_start|>user\ninstruction: Find cities\nquery: capital of France?\ndocument: Paris.\n");
        // The Qwen3 template always carries an instruction: the request's, else its default.
        assertThat(LlmReranker.QWEN3_RERANKER.prompt("q", "d", null).text())
                .contains("<Instruct>: " + LlmReranker.QWEN3_RERANKER.defaultInstruction() + "\n<Query>: q\n");
    }

    @Test
    void familiesAreToldFromTheirRepositoryNames() {
        assertThat(LlmReranker.fromName("/hub/models--mixedbread-ai--mxbai-rerank-base-v2/snapshots/abc"))
                .contains(LlmReranker.MXBAI_RERANK_V2);
        assertThat(LlmReranker.fromName("/models/mxbai-rerank-large-v2")).contains(LlmReranker.MXBAI_RERANK_V2);
        assertThat(LlmReranker.fromName("/models/mxbai-rerank-large-v1")).isEmpty(); // a BERT cross-encoder
        assertThat(LlmReranker.fromName("/hub/models--tomaarsen--Qwen3-Reranker-0.6B-seq-cls"))
                .contains(LlmReranker.QWEN3_RERANKER);
        assertThat(LlmReranker.fromName("/hub/models--BAAI--bge-reranker-v2-gemma")).contains(LlmReranker.BGE_RERANKER_V2_GEMMA);
    }

    @Test
    void aSequenceClassificationConversionScoresLikeTheCausalModelItCameFrom() {
        JsonNode causal = Fixtures.golden("qwen3-reranker").get("cases").get(0);
        try (SiftModel model = SiftModel.open(Fixtures.model("qwen3-reranker-seq-cls"))) {
            assertThat(model.spec().task()).isEqualTo(ModelTask.LLM_RERANKER);
            assertThat(model.spec().llmClassifier()).isTrue();
            String query = causal.get("text_1").asText();
            List<TextPair> pairs = Fixtures.strings(causal.get("text_2")).stream().map(d -> new TextPair(query, d)).toList();
            PairScores raw = model.score(pairs, ScoreOptions.DEFAULT.withUseActivation(false));
            for (int i = 0; i < pairs.size(); i++) {
                // Its classifier row is lm_head["yes"] - lm_head["no"]: the logit is the causal model's raw score.
                assertThat(raw.scores()[i]).isCloseTo(causal.get("raw_scores").get(i).asDouble(), within(1e-5));
                assertThat(raw.tokens()[i]).isEqualTo(causal.get("tokens").get(i).asInt());
            }
        }
    }

    @Test
    void aDecoderClassifierWithSeveralLabelsIsRefused() throws IOException {
        Path dir = Fixtures.copy("qwen3-reranker-seq-cls", temp.resolve("models"));
        Path config = dir.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"id2label\": {", "\"num_labels\": 2, \"id2label\": {"));
        assertThatThrownBy(() -> SiftModel.open(dir)).isInstanceOf(ModelException.class)
                .hasMessageContaining("Qwen3ForSequenceClassification").hasMessageContaining("has 2 labels");
    }

    @Test
    void placeholdersInUserTextAreLeftAsTyped() {
        Prompt p = Prompt.render("Q: {query}\nD: {document}\n{unknown}", "{document} 🚉?", "x {query}", null);
        assertThat(p.text()).isEqualTo("Q: {document} 🚉?\nD: x {query}\n{unknown}");
        // Offsets count code points: the emoji is one, as in the tokenizer's offsets.
        assertThat(p.queryStart()).isEqualTo(3);
        assertThat(p.queryEnd()).isEqualTo(3 + "{document} ".length() + 2);
        assertThat(p.documentStart()).isEqualTo(p.queryEnd() + "\nD: ".length());
    }
}
