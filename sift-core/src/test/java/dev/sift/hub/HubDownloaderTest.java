package dev.sift.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sift.SiftModel;
import dev.sift.model.LlmReranker;
import dev.sift.model.WeightsFormat;
import dev.sift.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downloads from a local server that speaks the Hub's protocol, into huggingface_hub's cache layout. */
class HubDownloaderTest {
    @TempDir
    Path cache;
    private FakeHub hub;

    @BeforeEach
    void start() throws IOException {
        hub = new FakeHub();
        hub.publish("org/cross", Fixtures.model("bert-cross-encoder"));
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    private HubSettings settings(String token, boolean offline) {
        return new HubSettings(hub.endpoint(), cache, token, offline);
    }

    @Test
    void downloadsWhatTheModelNeedsIntoThePythonCacheLayoutAndScoresGolden() throws IOException {
        Path snapshot = new HubDownloader(settings("hf_secret", false)).fetch(HubReference.parse("org/cross"), null, false, WeightsFormat.AUTO);

        Path repo = cache.resolve("models--org--cross");
        assertThat(snapshot).isEqualTo(repo.resolve("snapshots").resolve(FakeHub.COMMIT));
        assertThat(Files.readString(repo.resolve("refs/main"))).isEqualTo(FakeHub.COMMIT);
        Path onnx = snapshot.resolve("onnx/model.onnx");
        assertThat(Files.isSymbolicLink(onnx)).isTrue();
        String sha = FakeHub.sha256(Files.readAllBytes(Fixtures.model("bert-cross-encoder").resolve("onnx/model.onnx")));
        assertThat(Files.readSymbolicLink(onnx)).isEqualTo(Path.of("../../../blobs/" + sha));
        assertThat(Files.readSymbolicLink(snapshot.resolve("config.json")).toString()).startsWith("../../blobs/");
        assertThat(snapshot.resolve("onnx/model_quint8_avx2.onnx")).as("only the graph asked for").doesNotExist();
        assertThat(snapshot.resolve("model.safetensors")).as("weights Sift does not run").doesNotExist();
        try (Stream<Path> blobs = Files.list(repo.resolve("blobs"))) {
            assertThat(blobs.map(Path::toString)).noneMatch(p -> p.endsWith(".incomplete"));
        }
        assertThat(hub.authorizations).contains("hub: Bearer hf_secret").contains("storage: null")
                .noneMatch(a -> a.startsWith("storage: Bearer"));

        JsonNode c = Fixtures.golden("bert-cross-encoder").get("cases").get(0);
        try (SiftModel model = SiftModel.open(snapshot)) {
            double[] scores = model.score(c.get("text_1").asText(), Fixtures.strings(c.get("text_2")));
            for (int i = 0; i < scores.length; i++) assertThat(scores[i]).isCloseTo(c.get("scores").get(i).asDouble(), within(1e-5));
        }
    }

    @Test
    void offlineServesFromTheCacheWithNoNetwork() {
        new HubDownloader(settings(null, false)).fetch(HubReference.parse("org/cross"), null, false, WeightsFormat.AUTO);
        hub.close();
        Path snapshot = new HubDownloader(settings(null, true)).fetch(HubReference.parse("org/cross@main"), null, false, WeightsFormat.AUTO);
        assertThat(snapshot.resolve("tokenizer.json")).exists();
        assertThatThrownBy(() -> new HubDownloader(settings(null, true)).fetch(HubReference.parse("org/other"), null, false, WeightsFormat.AUTO))
                .isInstanceOf(HubException.class).hasMessageContaining("not in the cache").hasMessageContaining("HF_HUB_OFFLINE");
        // The Hub unreachable: the cached snapshot is used, as huggingface_hub does.
        assertThat(new HubDownloader(settings(null, false)).fetch(HubReference.parse("org/cross"), null, false, WeightsFormat.AUTO)).isEqualTo(snapshot);
    }

    @Test
    void anLlmRerankerIsRecognisedByItsHubName() {
        hub.publish("Qwen/Qwen3-Reranker-0.6B", Fixtures.model("qwen3-reranker"));
        Path snapshot = new HubDownloader(settings(null, false)).fetch(HubReference.parse("Qwen/Qwen3-Reranker-0.6B"), null, false, WeightsFormat.AUTO);
        assertThat(snapshot.toString()).contains("models--Qwen--Qwen3-Reranker-0.6B");
        try (SiftModel model = SiftModel.open(snapshot)) {
            assertThat(model.spec().llmReranker()).isEqualTo(LlmReranker.QWEN3_RERANKER);
        }
    }

    @Test
    void aHubAnsweringServerErrorsCountsAsUnreachable() {
        Path snapshot = new HubDownloader(settings(null, false)).fetch(HubReference.parse("org/cross"), null, false, WeightsFormat.AUTO);
        hub.failWith = 503;
        assertThat(new HubDownloader(settings(null, false)).fetch(HubReference.parse("org/cross"), null, false, WeightsFormat.AUTO)).isEqualTo(snapshot);
        assertThatThrownBy(() -> new HubDownloader(settings(null, false)).fetch(HubReference.parse("org/other"), null, false, WeightsFormat.AUTO))
                .isInstanceOf(HubException.class).hasMessageContaining("not in the cache").hasMessageContaining("HTTP 503");
    }

    @Test
    void renamedRepositoryFollowsTheRelativeRedirectAndInt8PicksTheCpuVariant() {
        Path snapshot = new HubDownloader(settings(null, false)).fetch(HubReference.parse("hf://old-org/cross:main"), null, true, WeightsFormat.AUTO);
        try (Stream<Path> files = Files.list(snapshot.resolve("onnx"))) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).singleElement().asString().contains("int8");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void clearFailures() throws IOException {
        HubDownloader downloader = new HubDownloader(settings(null, false));
        assertThatThrownBy(() -> downloader.fetch(HubReference.parse("org/missing"), null, false, WeightsFormat.AUTO))
                .isInstanceOf(HubException.class).hasMessageContaining("no model org/missing");

        hub.publish("org/private", Fixtures.model("bert-cross-encoder"));
        hub.privateRepo = "org/private";
        hub.requiredToken = "right";
        assertThatThrownBy(() -> downloader.fetch(HubReference.parse("org/private"), null, false, WeightsFormat.AUTO))
                .isInstanceOf(HubException.class).hasMessageContaining("private or gated").hasMessageContaining("HF_TOKEN");
        assertThat(new HubDownloader(settings("right", false)).fetch(HubReference.parse("org/private"), null, false, WeightsFormat.AUTO)).exists();

        Path pickleOnly = Files.createTempDirectory("pickle-only");
        Files.copy(Fixtures.model("bert-cross-encoder").resolve("config.json"), pickleOnly.resolve("config.json"));
        Files.copy(Fixtures.model("bert-cross-encoder").resolve("model.safetensors"), pickleOnly.resolve("pytorch_model.bin"));
        hub.publish("org/torch-only", pickleOnly);
        assertThatThrownBy(() -> downloader.fetch(HubReference.parse("org/torch-only"), null, false, WeightsFormat.AUTO))
                .isInstanceOf(HubException.class).hasMessageContaining("has no safetensors weights")
                .hasMessageContaining("only PyTorch pickle weights (pytorch_model.bin)").hasMessageContaining("no ONNX graph");
        assertThatThrownBy(() -> downloader.fetch(HubReference.parse("org/cross"), "onnx/absent.onnx", false, WeightsFormat.ONNX))
                .isInstanceOf(HubException.class).hasMessageContaining("has no onnx/absent.onnx");
    }

    /** A repository with safetensors weights and no graph, as most rerankers ship, downloaded and then served offline. */
    @Test
    void aSafetensorsOnlyRepositoryIsDownloadedAndServedOfflineAfterwards() throws IOException {
        Path noOnnx = Files.createTempDirectory("no-onnx");
        Path fixture = Fixtures.model("xlmr-cross-encoder");
        try (Stream<Path> files = Files.list(fixture)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) Files.copy(f, noOnnx.resolve(f.getFileName()));
        }
        hub.publish("org/safetensors-only", noOnnx);
        Path snapshot = new HubDownloader(settings(null, false)).fetch(HubReference.parse("org/safetensors-only"), null, false,
                WeightsFormat.AUTO);
        assertThat(snapshot.resolve("model.safetensors")).exists();
        assertThat(Files.readSymbolicLink(snapshot.resolve("model.safetensors")).toString()).startsWith("../../blobs/");
        hub.close();

        Path offline = new HubDownloader(settings(null, true)).fetch(HubReference.parse("org/safetensors-only"), null, false,
                WeightsFormat.AUTO);
        assertThat(offline).isEqualTo(snapshot);
        JsonNode c = Fixtures.golden("xlmr-cross-encoder").get("cases").get(0);
        try (SiftModel model = SiftModel.open(offline)) {
            assertThat(model.spec().buildsGraph()).isTrue();
            double[] scores = model.score(c.get("text_1").asText(), Fixtures.strings(c.get("text_2")));
            for (int i = 0; i < scores.length; i++) assertThat(scores[i]).isCloseTo(c.get("scores").get(i).asDouble(), within(1e-5));
        }
    }

    /** --weights safetensors fetches the checkpoint, not the graph, from a repository that has both. */
    @Test
    void weightsSafetensorsFetchesTheCheckpointAndItsShards() {
        assertThat(HubDownloader.needed(new HubReference("o/n", "main"),
                List.of("config.json", "tokenizer.json", "onnx/model.onnx", "model.safetensors", "README.md"), null, false,
                WeightsFormat.SAFETENSORS)).containsExactly("config.json", "tokenizer.json", "model.safetensors");
        assertThat(HubDownloader.needed(new HubReference("o/n", "main"),
                List.of("config.json", "tokenizer.json", "model.safetensors.index.json", "model-00001-of-00002.safetensors",
                        "model-00002-of-00002.safetensors", "pytorch_model.bin"), null, false, WeightsFormat.AUTO))
                .containsExactly("config.json", "tokenizer.json", "model-00001-of-00002.safetensors",
                        "model-00002-of-00002.safetensors", "model.safetensors.index.json");
    }

    /** --int8 fetches a shipped int8 graph, else the checkpoint Sift builds an int8 graph of. */
    @Test
    void int8FetchesTheShippedInt8GraphElseTheCheckpoint() {
        HubReference ref = new HubReference("o/n", "main");
        assertThat(HubDownloader.needed(ref, List.of("config.json", "onnx/model.onnx", "onnx/model_qint8_avx512_vnni.onnx",
                "model.safetensors"), null, true, WeightsFormat.AUTO)).containsExactly("config.json", "onnx/model_qint8_avx512_vnni.onnx");
        assertThat(HubDownloader.needed(ref, List.of("config.json", "onnx/model.onnx", "model.safetensors"), null, true,
                WeightsFormat.AUTO)).containsExactly("config.json", "model.safetensors");
        assertThatThrownBy(() -> HubDownloader.needed(ref, List.of("config.json", "onnx/model.onnx"), null, true, WeightsFormat.AUTO))
                .isInstanceOf(HubException.class).hasMessageContaining("has no int8 ONNX graph");
    }

    @Test
    void aCorruptedDownloadLeavesNothingBehindAndTheNextStartSucceeds() throws IOException {
        hub.corruptStorage = true;
        assertThatThrownBy(() -> new HubDownloader(settings(null, false)).fetch(HubReference.parse("org/cross"), null, false, WeightsFormat.AUTO))
                .isInstanceOf(HubException.class).hasMessageContaining("arrived corrupted");
        Path repo = cache.resolve("models--org--cross");
        try (Stream<Path> blobs = Files.list(repo.resolve("blobs"))) {
            assertThat(blobs.map(p -> p.getFileName().toString()))
                    .noneMatch(n -> n.endsWith(".incomplete") || n.matches("[0-9a-f]{64}"));
        }
        assertThat(repo.resolve("snapshots").resolve(FakeHub.COMMIT).resolve("onnx/model.onnx")).doesNotExist();
        hub.corruptStorage = false;
        Path snapshot = new HubDownloader(settings(null, false)).fetch(HubReference.parse("org/cross"), null, false, WeightsFormat.AUTO);
        assertThat(snapshot.resolve("onnx/model.onnx")).exists();
    }

    @Test
    void referencesAndSettingsParseAsHuggingfaceHubDoes(@TempDir Path home) throws IOException {
        assertThat(HubReference.parse("BAAI/bge-reranker-base")).isEqualTo(new HubReference("BAAI/bge-reranker-base", "main"));
        assertThat(HubReference.parse("org/name@v1.0")).isEqualTo(new HubReference("org/name", "v1.0"));
        assertThat(HubReference.parse("hf://org/name:abc")).isEqualTo(new HubReference("org/name", "abc"));
        assertThat(HubReference.parse("./local/folder/deeper")).isNull();
        assertThat(HubReference.parse("folder")).isNull();

        Files.createDirectories(home.resolve("hf"));
        Files.writeString(home.resolve("hf/token"), "hf_from_file\n");
        HubSettings s = HubSettings.from(Map.of("HF_HOME", home.resolve("hf").toString(), "HF_HUB_OFFLINE", "1"), home);
        assertThat(s.cache()).isEqualTo(home.resolve("hf/hub"));
        assertThat(s.token()).isEqualTo("hf_from_file");
        assertThat(s.offline()).isTrue();
        assertThat(s.toString()).doesNotContain("hf_from_file");
        assertThat(HubSettings.from(Map.of(), home).cache()).isEqualTo(home.resolve(".cache/huggingface/hub"));
        assertThat(HubSettings.from(Map.of("HF_HUB_CACHE", "/c", "HF_TOKEN", "t"), home))
                .extracting(HubSettings::cache, HubSettings::token).containsExactly(Path.of("/c"), "t");
        assertThat(HubDownloader.needed(new HubReference("o/n", "main"),
                List.of("config.json", "tokenizer.json", "1_Pooling/config.json", "onnx/model.onnx", "onnx/model.onnx_data",
                        "model.safetensors", "README.md"), null, false, WeightsFormat.AUTO))
                .containsExactly("config.json", "tokenizer.json", "1_Pooling/config.json", "onnx/model.onnx", "onnx/model.onnx_data");
    }
}
