package dev.sift.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sift.server.testing.RunningServer;
import dev.sift.server.testing.RunningServer.Response;
import dev.sift.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The golden scores and token counts of every scoring fixture, reproduced over HTTP through /score and /rerank. */
class GoldenOverHttpTest {

    /** Every fixture that scores pairs (the multi-label classifier has no score). */
    static Stream<String> scoringFixtures() {
        return Fixtures.names().stream().filter(Fixtures::scoresPairs);
    }

    /** The scoring fixtures with an ONNX graph whose architecture Sift also builds from safetensors. */
    static Stream<String> buildableScoringFixtures() {
        return scoringFixtures().filter(name -> Fixtures.hasOnnx(name) && Fixtures.buildable(name));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scoringFixtures")
    void goldenScoresOverHttp(String fixture) {
        try (RunningServer server = new RunningServer(Fixtures.model(fixture), List.of(fixture))) {
            assertGoldens(server, fixture);
        }
    }

    /** The fixture's folder with its onnx/ folder removed: the server builds the graph from model.safetensors. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("buildableScoringFixtures")
    void goldenScoresOverHttpFromSafetensorsAlone(String fixture, @TempDir Path temp) throws IOException {
        Path copy = Fixtures.copy(fixture, temp.resolve(fixture));
        try (Stream<Path> onnx = Files.walk(copy.resolve("onnx"))) {
            for (Path p : onnx.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
        try (RunningServer server = new RunningServer(copy, List.of(fixture))) {
            assertGoldens(server, fixture);
        }
    }

    private static void assertGoldens(RunningServer server, String fixture) {
        JsonNode golden = Fixtures.golden(fixture);
        for (JsonNode c : golden.get("cases")) {
            String query = c.get("text_1").asText();
            List<String> docs = Fixtures.strings(c.get("text_2"));
            // LLM rerankers' cases may name an instruction: vLLM takes it on its own or in chat_template_kwargs.
            Map<String, Object> instruction = c.has("instruction") ? Map.of("instruction", c.get("instruction").asText()) : Map.of();
            // The golden cases include over-long inputs, which vLLM's API only scores when asked to truncate.
            Response score = server.post("/score", with(instruction, "text_1", query, "text_2", docs, "truncate_prompt_tokens", -1));
            assertThat(score.status()).isEqualTo(200);
            long expectedTokens = 0;
            for (int i = 0; i < docs.size(); i++) {
                assertThat(score.json().get("data").get(i).get("score").asDouble()).as(fixture + " " + c.get("name") + " " + i)
                        .isCloseTo(c.get("scores").get(i).asDouble(), within(1e-5));
                expectedTokens += c.get("tokens").get(i).asLong();
            }
            assertThat(score.json().get("usage").get("prompt_tokens").asLong()).isEqualTo(expectedTokens);

            Response rerank = server.post("/rerank", with(Map.of("chat_template_kwargs", instruction), "query", query,
                    "documents", docs, "truncate_prompt_tokens", -1));
            assertThat(rerank.status()).isEqualTo(200);
            for (JsonNode r : rerank.json().get("results")) {
                assertThat(r.get("relevance_score").asDouble())
                        .isCloseTo(c.get("scores").get(r.get("index").asInt()).asDouble(), within(1e-5));
            }
            if (c.has("raw_scores")) {
                Response raw = server.post("/score", with(instruction, "text_1", query, "text_2", docs,
                        "truncate_prompt_tokens", -1, "use_activation", false));
                for (int i = 0; i < docs.size(); i++) {
                    assertThat(raw.json().get("data").get(i).get("score").asDouble())
                            .isCloseTo(c.get("raw_scores").get(i).asDouble(), within(1e-5));
                }
            }
        }
    }

    private static Map<String, Object> with(Map<String, Object> extra, Object... pairs) {
        Map<String, Object> body = new LinkedHashMap<>(extra);
        for (int i = 0; i < pairs.length; i += 2) body.put((String) pairs[i], pairs[i + 1]);
        return body;
    }
}
