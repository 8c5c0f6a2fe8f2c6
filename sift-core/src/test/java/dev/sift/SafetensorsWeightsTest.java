package dev.sift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sift.engine.EngineOptions;
import dev.sift.model.ModelException;
import dev.sift.model.ModelLoader;
import dev.sift.model.ModelOptions;
import dev.sift.model.WeightsFormat;
import dev.sift.scoring.ScoreOptions;
import dev.sift.scoring.TextPair;
import dev.sift.testing.Fixtures;
import dev.sift.testing.SafetensorsFiles;
import dev.sift.testing.SafetensorsFiles.Tensor;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which weights a folder runs, sharded checkpoints, and the refusals that name the tensor or field at fault. */
class SafetensorsWeightsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ModelOptions SAFETENSORS = ModelOptions.defaults().withWeights(WeightsFormat.SAFETENSORS);

    @TempDir
    Path temp;

    @Test
    void autoRunsTheOnnxGraphWhenThereIsOneAndTheSafetensorsOtherwise() throws IOException {
        Path both = Fixtures.model("bert-cross-encoder");
        assertThat(ModelLoader.load(both, ModelOptions.defaults()).buildsGraph()).isFalse();
        assertThat(ModelLoader.load(both, SAFETENSORS).buildsGraph()).isTrue();

        Path safetensorsOnly = withoutOnnx("bert-cross-encoder");
        assertThat(ModelLoader.load(safetensorsOnly, ModelOptions.defaults()).buildsGraph()).isTrue();
        assertThatThrownBy(() -> ModelLoader.load(safetensorsOnly, ModelOptions.defaults().withWeights(WeightsFormat.ONNX)))
                .isInstanceOf(ModelException.class).hasMessageContaining("no ONNX graph")
                .hasMessageContaining("--weights safetensors");
        assertThatThrownBy(() -> new ModelOptions(null, "onnx/model.onnx", false, null, WeightsFormat.SAFETENSORS))
                .hasMessageContaining("--onnx-file");
    }

    /** An encoder, and a decoder with an untied LM head (as the sharded Qwen3-Reranker-4B/8B checkpoints have). */
    @ParameterizedTest
    @ValueSource(strings = {"bert-cross-encoder", "mxbai-rerank-v2"})
    void aShardedCheckpointScoresAsTheSingleFileDoes(String fixture) throws IOException {
        Path dir = withoutOnnx(fixture);
        Map<String, Tensor> tensors = SafetensorsFiles.read(dir.resolve("model.safetensors"));
        Files.delete(dir.resolve("model.safetensors"));
        Map<String, Tensor> first = new LinkedHashMap<>();
        Map<String, Tensor> second = new LinkedHashMap<>();
        ObjectNode index = JSON.createObjectNode();
        ObjectNode weightMap = index.putObject("weight_map");
        int i = 0;
        for (var e : tensors.entrySet()) {
            boolean early = i++ < tensors.size() / 2;
            (early ? first : second).put(e.getKey(), e.getValue());
            weightMap.put(e.getKey(), early ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
        }
        SafetensorsFiles.write(dir.resolve("model-00001-of-00002.safetensors"), first);
        SafetensorsFiles.write(dir.resolve("model-00002-of-00002.safetensors"), second);
        Files.writeString(dir.resolve("model.safetensors.index.json"), index.toString());

        JsonNode c = Fixtures.golden(fixture).get("cases").get(0);
        List<TextPair> pairs = new ArrayList<>();
        Fixtures.strings(c.get("text_2")).forEach(d -> pairs.add(new TextPair(c.get("text_1").asText(), d)));
        try (SiftModel model = SiftModel.open(dir, ModelOptions.defaults(), EngineOptions.defaults())) {
            double[] scores = model.score(pairs, ScoreOptions.DEFAULT).scores();
            for (int p = 0; p < pairs.size(); p++) {
                assertThat(scores[p]).isCloseTo(c.get("scores").get(p).asDouble(), within(1e-5));
            }
        }
    }

    @Test
    void aMissingTensorIsNamed() throws IOException {
        Path dir = withoutOnnx("bert-cross-encoder");
        Map<String, Tensor> tensors = SafetensorsFiles.read(dir.resolve("model.safetensors"));
        tensors.remove("bert.encoder.layer.1.attention.self.key.weight");
        SafetensorsFiles.write(dir.resolve("model.safetensors"), tensors);
        assertThatThrownBy(() -> SiftModel.open(dir)).isInstanceOf(ModelException.class)
                .hasMessageContaining("no tensor bert.encoder.layer.1.attention.self.key.weight");
    }

    @Test
    void aShapeThatDoesNotMatchTheConfigNamesTensorAndShapes() throws IOException {
        Path dir = withoutOnnx("bert-cross-encoder");
        ObjectNode config = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
        config.put("intermediate_size", 96);
        Files.writeString(dir.resolve("config.json"), config.toString());
        assertThatThrownBy(() -> SiftModel.open(dir)).isInstanceOf(ModelException.class)
                .hasMessageContaining("tensor bert.encoder.layer.0.intermediate.dense.weight")
                .hasMessageContaining("[64, 32]").hasMessageContaining("config.json implies [96, 32]");
    }

    @Test
    void aTruncatedFileIsRefusedNamingTheTensorCut() throws IOException {
        Path dir = withoutOnnx("bert-cross-encoder");
        try (RandomAccessFile file = new RandomAccessFile(dir.resolve("model.safetensors").toFile(), "rw")) {
            file.setLength(file.length() - 10);
        }
        assertThatThrownBy(() -> SiftModel.open(dir)).isInstanceOf(ModelException.class)
                .hasMessageContaining("classifier.weight").hasMessageContaining("truncated");
    }

    @Test
    void anUnknownArchitectureAndPickleOnlyWeightsAreRefusedWithTheWayOut() throws IOException {
        Path dir = withoutOnnx("bert-cross-encoder");
        ObjectNode config = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
        config.put("model_type", "funnel");
        Files.writeString(dir.resolve("config.json"), config.toString());
        assertThatThrownBy(() -> SiftModel.open(dir)).isInstanceOf(ModelException.class)
                .hasMessageContaining("model_type \"funnel\"").hasMessageContaining("optimum-cli export onnx");

        Path pickle = withoutOnnx("bert-cross-encoder");
        Files.move(pickle.resolve("model.safetensors"), pickle.resolve("pytorch_model.bin"));
        assertThatThrownBy(() -> SiftModel.open(pickle)).isInstanceOf(ModelException.class)
                .hasMessageContaining("pytorch_model.bin").hasMessageContaining("safe_serialization=True");
    }

    @Test
    void anElementTypeSiftDoesNotComputeIsNamed() throws IOException {
        Path dir = withoutOnnx("bert-cross-encoder");
        Map<String, Tensor> tensors = SafetensorsFiles.read(dir.resolve("model.safetensors"));
        Tensor bias = tensors.get("classifier.bias");
        tensors.put("classifier.bias", new Tensor("I32", bias.shape(), bias.data()));
        SafetensorsFiles.write(dir.resolve("model.safetensors"), tensors);
        assertThatThrownBy(() -> SiftModel.open(dir)).isInstanceOf(ModelException.class)
                .hasMessageContaining("classifier.bias").hasMessageContaining("I32");
    }

    private Path withoutOnnx(String fixture) throws IOException {
        Path dir = Fixtures.copy(fixture, Files.createTempDirectory(temp, fixture));
        Files.delete(dir.resolve("onnx/model.onnx"));
        try (var rest = Files.list(dir.resolve("onnx"))) {
            for (Path p : rest.toList()) Files.delete(p);
        }
        Files.delete(dir.resolve("onnx"));
        return dir;
    }
}
