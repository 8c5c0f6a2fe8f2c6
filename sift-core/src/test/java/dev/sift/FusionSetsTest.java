package dev.sift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sift.engine.EngineOptions;
import dev.sift.model.ModelOptions;
import dev.sift.model.WeightsFormat;
import dev.sift.testing.Fixtures;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every set of fused operators the graph builder can emit (sift.graph.fusions) gives the reference's scores: the
 * fusions change only how ONNX Runtime computes, never what.
 */
class FusionSetsTest {

    private static final List<String> SETS = List.of("none", "attention", "skip_layer_norm", "matmul_trans_b",
            "attention,skip_layer_norm", "attention,skip_layer_norm,matmul_trans_b");
    private static final List<String> FIXTURES = List.of("bert-cross-encoder", "xlmr-cross-encoder",
            "distilbert-cross-encoder", "bert-embedding", "mpnet-embedding", "gte-multilingual-cross-encoder",
            "modernbert-cross-encoder", "deberta-v2-cross-encoder", "electra-cross-encoder");

    @TestFactory
    Stream<DynamicTest> everyFusionSetReproducesTheGoldens() {
        return FIXTURES.stream().flatMap(fixture -> SETS.stream().map(set ->
                DynamicTest.dynamicTest(fixture + " with " + set, () -> check(fixture, set))));
    }

    private static void check(String fixture, String fusions) {
        String before = System.getProperty("sift.graph.fusions");
        System.setProperty("sift.graph.fusions", fusions);
        ModelOptions safetensors = ModelOptions.defaults().withWeights(WeightsFormat.SAFETENSORS);
        try (SiftModel model = SiftModel.open(Fixtures.model(fixture), safetensors, EngineOptions.defaults())) {
            for (JsonNode c : Fixtures.golden(fixture).get("cases")) {
                double[] scores = model.score(c.get("text_1").asText(), Fixtures.strings(c.get("text_2")));
                for (int i = 0; i < scores.length; i++) {
                    assertThat(scores[i]).as(fixture + "/" + c.get("name").asText() + " " + i)
                            .isCloseTo(c.get("scores").get(i).asDouble(), within(1e-5));
                }
            }
        } finally {
            if (before == null) System.clearProperty("sift.graph.fusions");
            else System.setProperty("sift.graph.fusions", before);
        }
    }
}
