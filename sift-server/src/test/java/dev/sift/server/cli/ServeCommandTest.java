package dev.sift.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sift.batching.SchedulerOptions;
import dev.sift.cache.CacheOptions;
import dev.sift.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** A model folder Sift cannot serve stops start-up with a message that names the problem, and a non-zero exit. */
class ServeCommandTest {

    @TempDir
    Path temp;

    @Test
    void missingTokenizerStopsStartup() throws IOException {
        Path dir = Fixtures.copy("bert-cross-encoder", temp.resolve("m"));
        Files.delete(dir.resolve("tokenizer.json"));
        assertRefused(dir.toString(), "tokenizer.json is missing");
    }

    @Test
    void corruptOnnxStopsStartup() throws IOException {
        Path dir = Fixtures.copy("bert-cross-encoder", temp.resolve("m"));
        Files.writeString(dir.resolve("onnx/model.onnx"), "not a graph");
        assertRefused(dir.toString(), "cannot load ONNX graph");
    }

    @Test
    void unsupportedArchitectureStopsStartup() throws IOException {
        Path dir = Fixtures.copy("bert-cross-encoder", temp.resolve("m"));
        Path config = dir.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("BertForSequenceClassification", "GPT2LMHeadModel"));
        assertRefused(dir.toString(), "unsupported architecture GPT2LMHeadModel");
    }

    @Test
    void missingFolderAndBadMaxModelLenAreNamed() {
        assertRefused(temp.resolve("absent").toString(), "model folder not found");
        assertRefused(Fixtures.model("bert-cross-encoder").toString(), "--max-model-len must be a positive number", "--max-model-len", "lots");
    }

    @Test
    void anLlmRerankerNeedsAKnownFamilyWhenItsFolderNameGivesNone() throws IOException {
        Path dir = Fixtures.copy("qwen3-reranker", temp.resolve("models"));
        assertRefused(dir.toString(), "pass --llm-reranker with one of qwen3-reranker, bge-reranker-v2-gemma, mxbai-rerank-v2");
        assertRefused(dir.toString(), "--llm-reranker qwen4 is not a known family", "--llm-reranker", "qwen4");
    }

    @Test
    void weightsFlagChoicesAreChecked() throws IOException {
        String bert = Fixtures.model("bert-cross-encoder").toString();
        assertRefused(bert, "--weights pt: choose onnx, safetensors or auto", "--weights", "pt");
        assertRefused(bert, "--onnx-file chooses an ONNX graph", "--weights", "safetensors", "--onnx-file", "onnx/model.onnx");
        Path safetensorsOnly = Fixtures.copy("bert-cross-encoder", temp.resolve("st"));
        try (var onnx = Files.list(safetensorsOnly.resolve("onnx"))) {
            for (Path p : onnx.toList()) Files.delete(p);
        }
        assertRefused(safetensorsOnly.toString(), "serve them with --weights safetensors", "--weights", "onnx");
    }

    @Test
    void aTaskTheModelCannotServeStopsStartup() {
        String cross = Fixtures.model("bert-cross-encoder").toString();
        assertRefused(cross, "--task embed needs an embedding model; " + cross + " is a cross-encoder, which serves score,"
                + " rerank, classify", "--task", "embed");
        assertRefused(cross, "--task generate: Sift serves score, rerank, embed, classify", "--task=generate");
        assertRefused(Fixtures.model("bert-embedding").toString(), "--task classify needs a sequence classifier or a"
                + " cross-encoder", "--task", "classify");
    }

    @Test
    void theModelGivenTwiceDifferentlyIsRefused() {
        assertRefused(Fixtures.model("bert-cross-encoder").toString(), "the model is given twice", "--model",
                Fixtures.model("bert-embedding").toString());
    }

    /** The args a KServe pod gets: the runtime's, then the InferenceService's, in vLLM and KServe spellings. */
    @Test
    void kserveArgsMapOntoSiftsOptionsWithTheLastNameWinning() {
        ServeCommand serve = parse("serve", "--model_name=reranker-model", "--model_dir=/mnt/models", "--http_port=8080",
                "--model_name=reranker", "--task=score", "--max_model_len=256");
        assertThat(serve.modelArgument()).isEqualTo("/mnt/models");
        assertThat(serve.port).isEqualTo(8080);
        assertThat(serve.servedNames("/mnt/models")).containsExactly("reranker");
        assertThat(serve.task).isEqualTo("score");
        assertThat(serve.maxModelLen).isEqualTo("256");

        ServeCommand vllm = parse("serve", "--model", "/models/bge", "--served-model-name", "bge", "BAAI/bge-reranker-base",
                "--port", "9000");
        assertThat(vllm.modelArgument()).isEqualTo("/models/bge");
        assertThat(vllm.servedNames("/models/bge")).containsExactly("bge", "BAAI/bge-reranker-base");
        assertThat(vllm.port).isEqualTo(9000);

        ServeCommand both = parse("serve", "m", "--model-name", "reranker", "--served-model-name", "a", "reranker");
        assertThat(both.servedNames("m")).as("KServe's name first, once").containsExactly("reranker", "a");
        assertThat(parse("serve", "m").servedNames("m")).containsExactly("m");
    }

    @Test
    void onlyOptionNamesAreRespelled() {
        assertThat(VllmStyleArgs.normalize(new String[] {"serve", "--api_key=a_b", "--model_dir", "/mnt/my_models", "-h",
                "--", "--not_an_option"})).containsExactly("serve", "--api-key=a_b", "--model-dir", "/mnt/my_models", "-h",
                "--", "--not_an_option");
    }

    @Test
    void cacheSizeIsInMebibytesWithZeroForOff() {
        assertThat(parse("serve", "m").cacheOptions().maxBytes()).as("the default").isEqualTo(256L << 20);
        assertThat(parse("serve", "m", "--cache_size", "64").cacheOptions().maxBytes()).isEqualTo(64L << 20);
        assertThat(parse("serve", "m", "--cache-size", "0").cacheOptions().enabled()).isFalse();
        assertThatThrownBy(() -> parse("serve", "m", "--cache-size", "-1").cacheOptions())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--cache-size");
    }

    @Test
    void theCacheTakesAtMostAQuarterOfTheHeap() {
        CacheOptions requested = CacheOptions.ofMegabytes(256);
        assertThat(ServeCommand.fitHeap(requested, 4L << 30)).isEqualTo(requested);
        assertThat(ServeCommand.fitHeap(requested, 512L << 20).maxBytes()).isEqualTo(128L << 20);
        assertThat(ServeCommand.fitHeap(CacheOptions.DISABLED, 1L << 20).enabled()).isFalse();
    }

    @Test
    void theBatchTokenBudgetIsMeasuredUnlessGiven() {
        assertThat(parse("serve", "m").maxBatchTokens).as("the default").isEqualTo(SchedulerOptions.MEASURED_TOKENS);
        assertThat(parse("serve", "m", "--max-batch-tokens", "auto").maxBatchTokens).isEqualTo(SchedulerOptions.MEASURED_TOKENS);
        assertThat(parse("serve", "m", "--max-batch-tokens", "2048").maxBatchTokens).isEqualTo(2048);
        assertThatThrownBy(() -> parse("serve", "m", "--max-batch-tokens", "0"))
                .hasMessageContaining("must be auto or at least 1");
        assertThatThrownBy(() -> parse("serve", "m", "--max-batch-tokens", "lots"))
                .hasMessageContaining("'lots' is neither auto nor a number of tokens");
    }

    @Test
    void aConfigFileGivesEachModelItsOwnOptionsAndTheCommandLineTheRest() throws IOException {
        Path config = temp.resolve("models.yaml");
        Files.writeString(config, """
                models:
                  - model: ./reranker
                    served_model_name: [rerank, rr]
                    max-batch-tokens: 2048
                    int8: false
                  - model: org/embedder
                    cache_size: 0
                """);
        ServeCommand serve = parse("serve", "first", "--served-model-name", "one", "--config", config.toString(), "--int8",
                "--max-batch-size", "8");
        List<ServeCommand> perModel = serve.perModelCommands();
        assertThat(perModel).hasSize(3);
        assertThat(perModel.get(0).modelArgument()).isEqualTo("first");
        assertThat(perModel.get(0).servedNames("first")).containsExactly("one");
        assertThat(perModel.get(0).int8).isTrue();

        ServeCommand reranker = perModel.get(1);
        assertThat(reranker.modelArgument()).isEqualTo("./reranker");
        assertThat(reranker.servedNames("./reranker")).containsExactly("rerank", "rr");
        assertThat(reranker.maxBatchTokens).isEqualTo(2048);
        assertThat(reranker.int8).as("the entry's false beats the command line's --int8").isFalse();
        assertThat(reranker.maxBatchSize).as("from the command line").isEqualTo(8);

        ServeCommand embedder = perModel.get(2);
        assertThat(embedder.servedNames("org/embedder")).as("names are never inherited").containsExactly("org/embedder");
        assertThat(embedder.cacheOptions().enabled()).isFalse();
        assertThat(embedder.int8).isTrue();
        assertThat(embedder.maxBatchTokens).isEqualTo(SchedulerOptions.MEASURED_TOKENS);
    }

    @Test
    void aConfigFileThatCannotBeServedIsNamedExactly() throws IOException {
        assertThat(configError("models:\n  - model: m\n    port: 9000\n"))
                .contains("models[0]: 'port' is not a per-model option");
        assertThat(configError("models:\n  - model: m\n    max_batch_tokens: lots\n"))
                .contains("models[0]").contains("'lots' is neither auto nor a number of tokens");
        assertThat(configError("models:\n  - served_model_name: x\n")).contains("models[0]: needs 'model'");
        assertThat(configError("model: m\n")).contains("expected a 'models' list");
        assertThat(configError("models: [\n")).contains("cannot read it");
        Path json = temp.resolve("c.json");
        Files.writeString(json, "{\"models\": [{\"model\": \"a\", \"int8\": \"yes\"}]}");
        assertThatThrownBy(() -> parse("serve", "--config", json.toString()).perModelCommands())
                .hasMessageContaining("models[0]: unexpected [yes]");
        assertThatThrownBy(() -> parse("serve", "a", "b", "--served-model-name", "x").perModelCommands())
                .hasMessageContaining("with several, give each its names in --config");
    }

    @Test
    void twoModelsCannotShareAServedName() throws IOException {
        Path config = temp.resolve("same.yaml");
        Files.writeString(config, "models:\n  - model: " + Fixtures.model("bert-embedding") + "\n    served_model_name: m\n");
        assertRefused(Fixtures.model("bert-cross-encoder").toString(), "the served name 'm' is given to two models",
                "--served-model-name", "m", "--config", config.toString());
    }

    private String configError(String yaml) throws IOException {
        Path config = Files.writeString(Files.createTempFile(temp, "config", ".yaml"), yaml);
        try {
            parse("serve", "--config", config.toString()).perModelCommands();
        } catch (RuntimeException e) {
            return e.getMessage();
        }
        throw new AssertionError("accepted: " + yaml);
    }

    @Test
    void maxModelLenAcceptsKiloSuffix() {
        assertThat(ServeCommand.parseTokens("1k")).isEqualTo(1024);
        assertThat(ServeCommand.parseTokens("512")).isEqualTo(512);
        assertThat(ServeCommand.parseTokens(null)).isNull();
    }

    private static ServeCommand parse(String... args) {
        CommandLine line = SiftCommand.commandLine();
        line.parseArgs(VllmStyleArgs.normalize(args));
        return line.getSubcommands().get("serve").getCommand();
    }

    @Test
    void aNegativeMaxChunksPerDocIsRefusedBeforeTheModelLoads() {
        PrintStream original = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = SiftCommand.execute(new String[] {"serve", Fixtures.model("bert-cross-encoder").toString(), "--port=0",
                    "--max-chunks-per-doc", "-1"});
        } finally {
            System.setErr(original);
        }
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--max-chunks-per-doc must be 0 (off) or a number of windows");
    }

    private static void assertRefused(String model, String message, String... extra) {
        PrintStream original = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int exit;
        try {
            String[] args = new String[3 + extra.length];
            args[0] = "serve";
            args[1] = model;
            args[2] = "--port=0";
            System.arraycopy(extra, 0, args, 3, extra.length);
            exit = SiftCommand.execute(args);
        } finally {
            System.setErr(original);
        }
        assertThat(exit).isNotZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("sift: cannot serve the model").contains(message);
    }
}
