package dev.sift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sift.engine.EngineOptions;
import dev.sift.model.Activation;
import dev.sift.model.ModelException;
import dev.sift.model.ModelLoader;
import dev.sift.model.ModelOptions;
import dev.sift.model.WeightsFormat;
import dev.sift.model.ModelSpec;
import dev.sift.model.ModelTask;
import dev.sift.model.Pooling;
import dev.sift.scoring.ScoreOptions;
import dev.sift.scoring.TextPair;
import dev.sift.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What Sift reads from a model folder, and the errors that name what is wrong with one. */
class ModelFolderTest {

    @TempDir
    Path temp;

    @Test
    void detectsEachFixturesTaskLengthAndHead() {
        ModelSpec bert = ModelLoader.load(Fixtures.model("bert-cross-encoder"), ModelOptions.defaults());
        assertThat(bert.task()).isEqualTo(ModelTask.CROSS_ENCODER);
        assertThat(bert.activation()).isEqualTo(Activation.SIGMOID);
        assertThat(bert.maxLength()).isEqualTo(48);

        ModelSpec xlmr = ModelLoader.load(Fixtures.model("xlmr-cross-encoder"), ModelOptions.defaults());
        assertThat(xlmr.task()).isEqualTo(ModelTask.CROSS_ENCODER);
        assertThat(xlmr.padTokenId()).isEqualTo(1);

        ModelSpec embedding = ModelLoader.load(Fixtures.model("bert-embedding"), ModelOptions.defaults());
        assertThat(embedding.task()).isEqualTo(ModelTask.EMBEDDING);
        assertThat(embedding.pooling()).isEqualTo(Pooling.MEAN);
        assertThat(embedding.normalize()).isTrue();
        assertThat(embedding.maxLength()).as("max_seq_length, not model_max_length").isEqualTo(40);

        ModelSpec twoLabel = ModelLoader.load(Fixtures.model("bert-two-label"), ModelOptions.defaults());
        assertThat(twoLabel.task()).isEqualTo(ModelTask.CLASSIFIER);
        assertThat(twoLabel.labels()).containsExactly("negative", "positive");
        assertThat(twoLabel.canScore()).isFalse();
    }

    @Test
    void positionLimitOfRobertaFamilyExcludesThePaddingOffset() throws IOException {
        Path dir = Fixtures.copy("xlmr-cross-encoder", temp.resolve("m"));
        Files.delete(dir.resolve("tokenizer_config.json"));
        String json = Files.readString(dir.resolve("config.json"));
        int positions = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json).get("max_position_embeddings").asInt();
        assertThat(ModelLoader.load(dir, ModelOptions.defaults()).maxLength()).isEqualTo(positions - 2);
    }

    @Test
    void maxSeqLengthWinsOverModelMaxLengthButNotOverThePositions() throws IOException {
        Path dir = Fixtures.copy("bert-embedding", temp.resolve("m"));
        Path st = dir.resolve("sentence_bert_config.json");
        Files.writeString(st, Files.readString(st).replace("\"max_seq_length\": 40", "\"max_seq_length\": 60"));
        assertThat(ModelLoader.load(dir, ModelOptions.defaults()).maxLength()).as("over model_max_length 48").isEqualTo(60);
        Files.writeString(st, Files.readString(st).replace("\"max_seq_length\": 60", "\"max_seq_length\": 100"));
        assertThat(ModelLoader.load(dir, ModelOptions.defaults()).maxLength()).as("capped by 64 positions").isEqualTo(64);
    }

    @Test
    void maxModelLenCapsTheLengthButCannotExceedTheModel() {
        Path dir = Fixtures.model("bert-cross-encoder");
        assertThat(ModelLoader.load(dir, new ModelOptions(16, null, false)).maxLength()).isEqualTo(16);
        assertThatThrownBy(() -> ModelLoader.load(dir, new ModelOptions(4096, null, false)))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("--max-model-len 4096 exceeds the model's limit of 48")
                .hasMessageContaining("model_max_length in tokenizer_config.json");
    }

    @Test
    void identityActivationInTheConfigGivesRawLogits() throws IOException {
        Path dir = Fixtures.copy("bert-cross-encoder", temp.resolve("m"));
        Path st = dir.resolve("config_sentence_transformers.json");
        Files.writeString(st, Files.readString(st).replace("torch.nn.modules.activation.Sigmoid", "torch.nn.modules.linear.Identity"));
        JsonNode c = Fixtures.golden("bert-cross-encoder").get("cases").get(0);
        try (SiftModel model = SiftModel.open(dir)) {
            assertThat(model.spec().activation()).isEqualTo(Activation.IDENTITY);
            double[] scores = model.score(c.get("text_1").asText(), Fixtures.strings(c.get("text_2")));
            for (int i = 0; i < scores.length; i++) {
                assertThat(scores[i]).isCloseTo(c.get("raw_scores").get(i).asDouble(), within(1e-5));
            }
        }
    }

    @Test
    void missingTokenizerIsNamed() throws IOException {
        Path dir = Fixtures.copy("bert-cross-encoder", temp.resolve("m"));
        Files.delete(dir.resolve("tokenizer.json"));
        assertThatThrownBy(() -> SiftModel.open(dir)).isInstanceOf(ModelException.class)
                .hasMessageContaining("tokenizer.json is missing");
    }

    @Test
    void corruptOnnxGraphIsNamed() throws IOException {
        Path dir = Fixtures.copy("bert-cross-encoder", temp.resolve("m"));
        Files.write(dir.resolve("onnx/model.onnx"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        assertThatThrownBy(() -> SiftModel.open(dir)).isInstanceOf(ModelException.class)
                .hasMessageContaining("cannot load ONNX graph")
                .hasMessageContaining("onnx/model.onnx");
    }

    @Test
    void missingOnnxGraphSaysHowToExportOne() throws IOException {
        Path dir = Fixtures.copy("bert-cross-encoder", temp.resolve("m"));
        Files.move(dir.resolve("onnx/model.onnx"), dir.resolve("onnx/model_qint8.onnx"));
        Files.delete(dir.resolve("model.safetensors")); // else Sift builds the graph from it
        assertThatThrownBy(() -> SiftModel.open(dir)).isInstanceOf(ModelException.class)
                .hasMessageContaining("no ONNX graph")
                .hasMessageContaining("onnx/model_qint8.onnx")
                .hasMessageContaining("optimum-cli export onnx");
        try (SiftModel model = SiftModel.open(dir, new ModelOptions(null, "onnx/model_qint8.onnx", false), EngineOptions.defaults())) {
            assertThat(model.spec().onnxFile()).endsWith(Path.of("onnx/model_qint8.onnx"));
        }
    }

    @Test
    void int8PicksTheQuantizedGraphMadeForThisCpuAndRanksLikeFp32() {
        JsonNode c = Fixtures.golden("bert-cross-encoder").get("cases").get(0);
        List<String> docs = Fixtures.strings(c.get("text_2"));
        try (SiftModel int8 = SiftModel.open(Fixtures.model("bert-cross-encoder"), new ModelOptions(null, null, true), EngineOptions.defaults())) {
            assertThat(int8.spec().onnxFile().getFileName().toString()).startsWith("model_q").contains("int8");
            double[] scores = int8.score(c.get("text_1").asText(), docs);
            for (int i = 0; i < scores.length; i++) {
                // Quantization moves scores a little; the golden fp32 values bound how far.
                assertThat(scores[i]).isCloseTo(c.get("scores").get(i).asDouble(), within(0.05));
            }
        }
        assertThatThrownBy(() -> new ModelOptions(null, "onnx/model.onnx", true)).hasMessageContaining("not both");
        // No shipped int8 graph: --int8 builds one from the safetensors (Int8Test), --weights onnx --int8 refuses.
        Path plain = Fixtures.model("bert-embedding");
        assertThat(ModelLoader.load(plain, new ModelOptions(null, null, true)).buildsGraph()).isTrue();
        assertThatThrownBy(() -> ModelLoader.load(plain, new ModelOptions(null, null, true).withWeights(WeightsFormat.ONNX)))
                .isInstanceOf(ModelException.class).hasMessageContaining("no quantized ONNX graph");
    }

    @Test
    void unsupportedArchitectureIsNamed() throws IOException {
        Path dir = Fixtures.copy("bert-cross-encoder", temp.resolve("m"));
        Path config = dir.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("BertForSequenceClassification", "T5ForConditionalGeneration"));
        assertThatThrownBy(() -> SiftModel.open(dir)).isInstanceOf(ModelException.class)
                .hasMessageContaining("unsupported architecture T5ForConditionalGeneration");
    }

    @Test
    void missingConfigIsNamed() throws IOException {
        Path dir = Fixtures.copy("bert-cross-encoder", temp.resolve("m"));
        Files.delete(dir.resolve("config.json"));
        assertThatThrownBy(() -> SiftModel.open(dir)).isInstanceOf(ModelException.class)
                .hasMessageContaining("config.json is missing");
    }

    @Test
    void classifierCannotScoreButClassifies() {
        try (SiftModel model = SiftModel.open(Fixtures.model("bert-two-label"))) {
            List<TextPair> pair = List.of(new TextPair("q", "d"));
            assertThatThrownBy(() -> model.score(pair, ScoreOptions.DEFAULT))
                    .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("2-label classifier");
            assertThat(model.classify(pair, ScoreOptions.DEFAULT).scores()[0]).hasSize(2);
        }
    }
}
