package dev.sift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sift.engine.EngineOptions;
import dev.sift.graph.Architectures;
import dev.sift.graph.BuiltGraph;
import dev.sift.graph.Head;
import dev.sift.graph.onnx.OnnxIr.ModelProto;
import dev.sift.graph.onnx.OnnxIr.NodeProto;
import dev.sift.graph.onnx.OnnxIr.TensorProto;
import dev.sift.model.ModelException;
import dev.sift.model.ModelLoader;
import dev.sift.model.ModelOptions;
import dev.sift.model.ModelSpec;
import dev.sift.model.WeightsFormat;
import dev.sift.testing.Fixtures;
import dev.sift.weights.TensorData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The int8 graph Sift builds from safetensors (--int8, docs/int8.md): its operators, its scores against the float32
 * goldens, and which graph --int8 runs. The fixtures are tiny random models (hidden size 32), whose scores move
 * more under quantization than a trained model's do, so the tolerances are loose and stated here.
 */
class Int8Test {

    private static final ModelOptions INT8 = new ModelOptions(null, null, true);
    private static final ModelOptions INT8_BUILT = INT8.withWeights(WeightsFormat.SAFETENSORS);
    /** Largest |int8 - golden| of any fixture's activated scores (measured: 0.069, distilbert). */
    private static final double TOLERANCE = 0.1;
    /** For BERT's fixture in float32, float16 and bfloat16 (measured: 0.0125). */
    private static final double BERT_TOLERANCE = 0.03;
    /** Documents whose golden scores differ by more than this keep their order in every fixture. */
    private static final double CLEAR_GAP = 0.1;

    @TempDir
    Path temp;

    @Test
    void theBuiltInt8GraphRunsIntegerKernelsOnWeightsQuantizedInTheGraph() {
        BuiltGraph graph = Architectures.build(Fixtures.model("bert-cross-encoder"), Head.LOGITS, true);
        ModelProto model = parse(graph);
        Map<String, Long> ops = model.getGraph().getNodeList().stream()
                .collect(Collectors.groupingBy(NodeProto::getOpType, Collectors.counting()));
        // 2 layers: QAttention for q, k, v; DynamicQuantizeMatMul for the attention output, up and down projections,
        // and the pooler and classifier; no float32 GEMM on a weight is left.
        assertThat(ops).containsEntry("QAttention", 2L).containsEntry("DynamicQuantizeLinear", 2L)
                .containsEntry("DynamicQuantizeMatMul", 8L).doesNotContainKeys("Attention", "MatMul", "FusedMatMul", "Gemm");
        assertThat(model.getGraph().getInitializerList().stream().filter(t -> t.getDataType() == TensorProto.DataType.INT8_VALUE))
                .hasSize(2 * 6 + 2).allSatisfy(t -> assertThat(t.getRawData().size()).isEqualTo(t.getDimsList().stream()
                        .reduce(1L, Math::multiplyExact).intValue()));
        // The float32 linear weights are neither handed to ONNX Runtime nor declared; biases and LayerNorms are.
        assertThat(graph.initializers()).extracting(TensorData::name).noneMatch(n -> n.endsWith("dense.weight")
                || n.endsWith("query.weight") || n.equals("classifier.weight")).contains("classifier.bias");
        assertThat(graph.description()).contains("int8");

        ModelProto fp32 = parse(Architectures.build(Fixtures.model("bert-cross-encoder"), Head.LOGITS));
        assertThat(fp32.getGraph().getNodeList()).extracting(NodeProto::getOpType)
                .doesNotContain("QAttention", "DynamicQuantizeMatMul", "DynamicQuantizeLinear");
    }

    /** Every encoder fixture, its scores near the float32 goldens and clearly ordered documents kept in order. */
    @TestFactory
    Stream<DynamicTest> theInt8GraphScoresNearTheGoldensAndRanksAlike() {
        List<String> encoders = Fixtures.names().stream().filter(Fixtures::buildable).filter(Fixtures::scoresPairs)
                .filter(n -> !Architectures.isDecoder(modelType(n))).toList();
        assertThat(encoders).contains("bert-cross-encoder", "bert-cross-encoder-bf16", "xlmr-cross-encoder",
                "electra-cross-encoder", "deberta-v2-cross-encoder", "modernbert-cross-encoder", "bert-embedding",
                "mpnet-embedding").doesNotContain("qwen3-reranker");
        return encoders.stream().map(name -> DynamicTest.dynamicTest(name, () -> check(name)));
    }

    private static void check(String name) {
        boolean bert = name.startsWith("bert-cross-encoder");
        try (SiftModel model = SiftModel.open(Fixtures.model(name), INT8_BUILT, EngineOptions.defaults())) {
            assertThat(model.spec().int8Built()).isTrue();
            for (JsonNode c : Fixtures.golden(name).get("cases")) {
                double[] scores = model.score(c.get("text_1").asText(), Fixtures.strings(c.get("text_2")));
                JsonNode golden = c.get("scores");
                for (int i = 0; i < scores.length; i++) {
                    String label = name + "/" + c.get("name").asText() + " " + i;
                    assertThat(Math.abs(scores[i] - golden.get(i).asDouble())).as(label)
                            .isLessThanOrEqualTo(bert ? BERT_TOLERANCE : TOLERANCE);
                    for (int j = 0; j < scores.length; j++) {
                        double gap = golden.get(i).asDouble() - golden.get(j).asDouble();
                        // BERT's fixture keeps every order; the others every clear one.
                        if (gap > (bert ? 0 : CLEAR_GAP)) assertThat(scores[i]).as(label + " above " + j).isGreaterThan(scores[j]);
                    }
                }
            }
        }
    }

    @Test
    void int8RunsAShippedInt8GraphElseBuildsOneAndNeverForADecoder() throws IOException {
        // The fixture ships both quantize_dynamic variants: the signed one runs on every CPU (u8s8 kernels).
        ModelSpec shipped = ModelLoader.load(Fixtures.model("bert-cross-encoder"), INT8);
        assertThat(shipped.buildsGraph()).isFalse();
        assertThat(shipped.onnxFile().getFileName()).hasToString("model_qint8_avx512_vnni.onnx");
        assertThat(ModelLoader.load(Fixtures.model("bert-cross-encoder"), INT8_BUILT).buildsGraph()).isTrue();

        // Only the float32 export and the checkpoint: --int8 builds the int8 graph (it was refused before).
        Path fp32Only = Fixtures.copy("bert-cross-encoder", Files.createTempDirectory(temp, "bert"));
        Files.delete(fp32Only.resolve("onnx/model_qint8_avx512_vnni.onnx"));
        Files.delete(fp32Only.resolve("onnx/model_quint8_avx2.onnx"));
        ModelSpec built = ModelLoader.load(fp32Only, INT8);
        assertThat(built.buildsGraph()).isTrue();
        assertThat(built.int8Built()).isTrue();
        assertThat(built.weightsDescription()).isEqualTo("int8 graph built from safetensors");
        assertThat(ModelLoader.load(fp32Only, INT8_BUILT).int8Built()).isTrue();
        assertThat(ModelLoader.load(fp32Only, ModelOptions.defaults().withWeights(WeightsFormat.SAFETENSORS)).int8Built()).isFalse();
        assertThat(ModelLoader.load(fp32Only, ModelOptions.defaults()).buildsGraph()).as("without --int8").isFalse();
        assertThatThrownBy(() -> ModelLoader.load(fp32Only, INT8.withWeights(WeightsFormat.ONNX)))
                .isInstanceOf(ModelException.class).hasMessageContaining("no quantized ONNX graph");

        // A decoder reranker: no built int8 graph; --int8 looks for a shipped one.
        Path decoder = Fixtures.model("qwen3-reranker");
        assertThatThrownBy(() -> ModelLoader.load(decoder, INT8_BUILT)).isInstanceOf(ModelException.class)
                .hasMessageContaining("--int8 builds int8 graphs of encoders");
        assertThatThrownBy(() -> ModelLoader.load(decoder, INT8)).isInstanceOf(ModelException.class)
                .hasMessageContaining("no quantized ONNX graph");
    }

    private static String modelType(String fixture) {
        try {
            return new ObjectMapper().readTree(Fixtures.model(fixture).resolve("config.json").toFile())
                    .path("model_type").asText();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static ModelProto parse(BuiltGraph graph) {
        try {
            return ModelProto.parseFrom(graph.model());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
