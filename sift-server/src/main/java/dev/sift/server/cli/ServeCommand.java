package dev.sift.server.cli;

import dev.sift.SiftModel;
import dev.sift.batching.SchedulerOptions;
import dev.sift.cache.CacheOptions;
import dev.sift.engine.EngineOptions;
import dev.sift.hub.HubException;
import dev.sift.model.ModelException;
import dev.sift.model.LlmReranker;
import dev.sift.model.ModelOptions;
import dev.sift.model.ModelSpec;
import dev.sift.model.WeightsFormat;
import dev.sift.server.bundled.BundledModel;
import dev.sift.server.http.ApiKeys;
import dev.sift.server.http.ConnectionTimeouts;
import dev.sift.server.http.DrainOutcome;
import dev.sift.server.http.Limits;
import dev.sift.server.http.ServedModel;
import dev.sift.server.http.ServedModels;
import dev.sift.server.http.ServerOptions;
import dev.sift.server.http.SiftServer;
import dev.sift.server.http.TlsFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sift serve [MODEL]}: loads a model, warms it up, then binds the port. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Serve a model over HTTP: vLLM, Cohere, Jina, TEI, OpenAI, KServe and SageMaker APIs.")
public final class ServeCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

    @Parameters(arity = "0..*", paramLabel = "MODEL",
            description = "A model folder in Hugging Face layout, or a Hugging Face Hub id (org/name, org/name@revision,"
                    + " hf://org/name:revision) fetched into the Hugging Face cache; several serve several models, a"
                    + " request naming one in its 'model' field (the first when it names none). Default: the bundled "
                    + BundledModel.ID + ".")
    List<String> models = new ArrayList<>();

    @Option(names = "--config", paramLabel = "FILE",
            description = "Models to serve, each with its own names and per-model options, in YAML or JSON (see"
                    + " docs/configuration.md); served after any MODEL given.")
    Path config;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"--model", "--model-dir"}, paramLabel = "MODEL",
            description = "The model, instead of the MODEL argument: vLLM's --model and KServe's --model_dir (for example"
                    + " /mnt/models).")
    String modelOption;

    @Option(names = "--host", description = "Interface to listen on (default: $SIFT_HOST, else 0.0.0.0).",
            defaultValue = "${env:SIFT_HOST:-0.0.0.0}")
    String host;

    @Option(names = {"--port", "--http-port"}, description = "Port to listen on (default: $SIFT_PORT, else 8000).",
            defaultValue = "${env:SIFT_PORT:-8000}")
    int port;

    @Option(names = "--served-model-name", paramLabel = "NAME", arity = "1..*",
            description = "Names clients may use for the model; the first is reported in responses. Default: MODEL as given.")
    List<String> servedModelNames = new ArrayList<>();

    @Option(names = "--model-name", paramLabel = "NAME",
            description = "KServe's name for the served model (its runtimes pass --model_name={{.Name}}): served, and reported"
                    + " in responses, ahead of any --served-model-name.")
    String kserveModelName;

    @Option(names = "--task", paramLabel = "score|rerank|embed|classify",
            description = "The task the deployment expects (KServe's --task=score). The model decides what Sift serves; a"
                    + " model that cannot serve this task stops start-up.")
    String task;

    @Option(names = "--max-model-len", paramLabel = "TOKENS",
            description = "Cap on tokens per input (pair), at most the model's own limit; accepts 1k for 1024.")
    String maxModelLen;

    @Option(names = "--onnx-file", paramLabel = "PATH",
            description = "The ONNX graph to run, relative to the model folder (for example onnx/model_qint8_avx512_vnni.onnx).")
    String onnxFile;

    @Option(names = "--int8",
            description = "Run int8: the folder's dynamically quantized ONNX graph when it ships one (signed variants"
                    + " first: onnx/model_qint8_avx512_vnni.onnx, model_qint8_avx512.onnx, then model_quint8_avx2.onnx),"
                    + " else, for an encoder, the graph Sift builds from its safetensors with int8 linear layers"
                    + " (--weights safetensors --int8 always builds it). See docs/int8.md.")
    boolean int8;

    @Option(names = "--weights", paramLabel = "onnx|safetensors|auto", defaultValue = "auto",
            description = "Which weights to run: an ONNX graph, or a graph Sift builds from config.json and"
                    + " model.safetensors. auto (default): the ONNX graph when the model ships one, else safetensors.")
    String weights;

    @Option(names = "--llm-reranker", paramLabel = "FAMILY",
            description = "Serve a causal language model (*ForCausalLM) as a reranker of this family: qwen3-reranker"
                    + " (Qwen3-Reranker prompt, P(yes)) or bge-reranker-v2-gemma (sigmoid of the 'Yes' logit). Needed only"
                    + " when the model folder's name does not contain the family's name.")
    String llmReranker;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "A key clients must send as 'Authorization: Bearer KEY' on every model route (repeatable)."
                    + " Default: $SIFT_API_KEY, else $VLLM_API_KEY, else no key.")
    List<String> apiKeys = new ArrayList<>();

    @Option(names = "--ssl-keyfile", paramLabel = "FILE",
            description = "Serve HTTPS with this PEM private key (PKCS#8, or PKCS#1 RSA), as vLLM's --ssl-keyfile; needs"
                    + " --ssl-certfile.")
    Path sslKeyFile;

    @Option(names = "--ssl-certfile", paramLabel = "FILE",
            description = "The PEM certificate (then any intermediates) for --ssl-keyfile, as vLLM's --ssl-certfile.")
    Path sslCertFile;

    @Option(names = "--root-path", paramLabel = "PATH", defaultValue = "",
            description = "Also serve every route under this prefix (for a proxy that forwards it), as well as under / and /openai.")
    String rootPath;

    @Option(names = "--auto-truncate",
            description = "Truncate over-long inputs when a request does not say (TEI's default); without it an over-long"
                    + " input is a 400, as in vLLM.")
    boolean autoTruncate;

    @Option(names = "--max-chunks-per-doc", paramLabel = "N", defaultValue = "0",
            description = "Score a document over the model's length as up to N overlapping windows and give it the best"
                    + " window's score, when a rerank request does not set max_chunks_per_doc (default: ${DEFAULT-VALUE},"
                    + " off). Cross-encoders and LLM rerankers only.")
    int maxChunksPerDoc;

    @Option(names = "--max-documents", paramLabel = "N", defaultValue = "10000",
            description = "Most documents (texts, inputs) in one request (default: ${DEFAULT-VALUE}).")
    int maxDocuments;

    @Option(names = "--max-text-chars", paramLabel = "N", defaultValue = "100000",
            description = "Most characters in one query or document (default: ${DEFAULT-VALUE}).")
    int maxTextChars;

    @Option(names = "--max-request-bytes", paramLabel = "N", defaultValue = "33554432",
            description = "Largest request body in bytes (default: ${DEFAULT-VALUE}, 32 MiB).")
    long maxRequestBytes;

    @Option(names = "--max-batch-tokens", paramLabel = "N|auto", defaultValue = "auto",
            converter = BatchTokens.class,
            description = "Most padded tokens (rows x longest row) in one batch (default: ${DEFAULT-VALUE}: measured when"
                    + " the model loads, the smallest budget within a tenth of the fastest; the choice is logged).")
    int maxBatchTokens;

    @Option(names = "--max-batch-size", paramLabel = "N", defaultValue = "32",
            description = "Most inputs in one batch (default: ${DEFAULT-VALUE}).")
    int maxBatchSize;

    @Option(names = "--max-queued-tokens", paramLabel = "N", defaultValue = "1000000",
            description = "Tokens waiting for inference beyond which new requests get 429 with Retry-After"
                    + " (default: ${DEFAULT-VALUE}).")
    long maxQueuedTokens;

    @Option(names = "--cache-size", paramLabel = "MiB", defaultValue = "256",
            description = "Memory for results already computed (scores, or embeddings per text), so that a document seen"
                    + " before costs no inference; 0 turns the cache off (default: ${DEFAULT-VALUE}).")
    long cacheSize;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "1",
            description = "Batches run at once (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--intra-op-threads", paramLabel = "N",
            description = "Threads each batch uses (default: the cores divided by --workers).")
    Integer intraOpThreads;

    @Option(names = "--request-timeout", paramLabel = "SECONDS",
            description = "How long a request may wait for inference before a 503 (default: no deadline).")
    Double requestTimeout;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "A connection with nothing sent either way for this long is closed, a kept-alive one between"
                    + " requests included (default: ${DEFAULT-VALUE}).")
    double idleTimeout;

    @Option(names = "--request-read-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "Most time from a request's first byte until its headers and body have all arrived; a slower"
                    + " client's connection is closed (default: ${DEFAULT-VALUE}).")
    double requestReadTimeout;

    @Option(names = "--drain-timeout", paramLabel = "SECONDS", defaultValue = "${env:SIFT_DRAIN_TIMEOUT:-30}",
            description = "On SIGTERM or SIGINT, how long requests in flight may take to finish before they are cut"
                    + " (default: $SIFT_DRAIN_TIMEOUT, else 30).")
    double drainTimeout;

    /** Exit status when the drain timeout cut requests that were still running. */
    static final int EXIT_DRAIN_CUT = 3;

    @Override
    public Integer call() {
        // The TLS files are checked before the model loads, so that a wrong path costs no loading time.
        if (maxChunksPerDoc < 0) {
            System.err.println("sift: --max-chunks-per-doc must be 0 (off) or a number of windows, got " + maxChunksPerDoc);
            return 2;
        }
        TlsFiles tls;
        try {
            tls = tlsFiles();
        } catch (IllegalArgumentException e) {
            System.err.println("sift: " + e.getMessage());
            return 2;
        }
        ServedModels served;
        try {
            served = loadAll();
        } catch (ModelException | HubException | IllegalArgumentException e) {
            // IllegalArgumentException also carries a bad number in a flag (workers, batch sizes).
            System.err.println("sift: cannot serve the model: " + e.getMessage());
            return 1;
        }
        if (maxDocuments < 1 || maxTextChars < 1 || maxRequestBytes < 1) {
            served.close();
            System.err.println("sift: --max-documents, --max-text-chars and --max-request-bytes must be positive");
            return 2;
        }
        if (!(drainTimeout >= 0) || Double.isInfinite(drainTimeout)) {
            served.close();
            System.err.println("sift: --drain-timeout must be a number of seconds, 0 or more, got " + drainTimeout);
            return 2;
        }
        if (!(idleTimeout > 0) || !(requestReadTimeout > 0) || Double.isInfinite(idleTimeout)
                || Double.isInfinite(requestReadTimeout)) {
            served.close();
            System.err.println("sift: --idle-timeout and --request-read-timeout must be a positive number of seconds");
            return 2;
        }
        ConnectionTimeouts timeouts = new ConnectionTimeouts(seconds(idleTimeout), seconds(requestReadTimeout));
        SiftServer server;
        try {
            server = SiftServer.start(served, new ServerOptions(host, port, rootPath, ApiKeys.of(keys()),
                    new Limits(maxRequestBytes, maxDocuments, maxTextChars), autoTruncate,
                    requestTimeout == null ? null : seconds(requestTimeout), timeouts, tls, maxChunksPerDoc));
        } catch (RuntimeException e) {
            served.close();
            System.err.println("sift: cannot listen on " + host + ":" + port + ": " + rootMessage(e));
            return 1;
        }
        LOG.info("Serving {} on {}://{}:{}{}", served.all().stream().map(ServedModel::name).toList(), tls == null ? "http" : "https", host, server.port(),
                keys().isEmpty() ? "" : " (API key required)");
        ShutdownSignals signals = ShutdownSignals.install();
        AtomicBoolean stopped = new AtomicBoolean();
        // Any other way the JVM ends (SIGHUP, say) still releases the port and the model, without a drain.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (stopped.compareAndSet(false, true)) {
                server.close();
                served.close();
            }
        }, "sift-shutdown"));
        String signal = signals.first().join();
        if (!stopped.compareAndSet(false, true)) return 0; // the JVM is already stopping: the hook closes everything
        Duration timeout = Duration.ofMillis(Math.round(drainTimeout * 1000));
        LOG.info("{}: draining, {} s for the requests in flight (a second signal cuts them now)", signal, drainTimeout);
        DrainOutcome outcome = server.drain(timeout, signals.second());
        served.close();
        if (outcome.cut() > 0) {
            LOG.warn("Drain cut {} of {} request(s) still running after {} ms; exiting with status {}", outcome.cut(),
                    outcome.inFlight(), outcome.took().toMillis(), EXIT_DRAIN_CUT);
            return EXIT_DRAIN_CUT;
        }
        LOG.info("Drained {} request(s) in flight in {} ms", outcome.inFlight(), outcome.took().toMillis());
        return 0;
    }

    /**
     * Every model named on the command line and in --config, loaded one after another; if one cannot be, those loaded
     * are closed again.
     */
    private ServedModels loadAll() {
        List<ServeCommand> perModel = perModelCommands();
        List<ServedModel> loaded = new ArrayList<>();
        try {
            for (ServeCommand command : perModel) loaded.add(command.load());
            return new ServedModels(loaded);
        } catch (RuntimeException e) {
            for (ServedModel m : loaded) m.model().close();
            throw e;
        }
    }

    /**
     * One command per model, holding that model's options: this one when it serves a single model, as before; else a
     * command for each MODEL with the command line's per-model options, and one for each --config entry with its own,
     * the rest taken from the command line (names aside: an entry without served names is called by its model).
     */
    List<ServeCommand> perModelCommands() {
        List<String> sources = modelArguments();
        List<ModelConfig.Entry> entries = config == null ? List.of() : ModelConfig.read(config).entries();
        if (entries.isEmpty() && sources.size() <= 1) return List.of(this);
        if (sources.size() > 1 && (kserveModelName != null || !servedModelNames.isEmpty())) {
            throw new ModelException("--served-model-name and --model-name name the one MODEL of the command line; with"
                    + " several, give each its names in --config");
        }
        List<ServeCommand> commands = new ArrayList<>();
        for (String source : sources) {
            ServeCommand command = forModel(source, List.of(), Set.of(), "MODEL " + source);
            command.kserveModelName = kserveModelName;
            command.servedModelNames = servedModelNames;
            commands.add(command);
        }
        for (int i = 0; i < entries.size(); i++) {
            ModelConfig.Entry entry = entries.get(i);
            Set<String> own = new HashSet<>(entry.setHere());
            own.add("--served-model-name");
            commands.add(forModel(entry.model(), entry.args(), own, "--config " + config + ": models[" + i + "]"));
        }
        return commands;
    }

    /** A command for one model: its own options parsed as on the command line, then the others copied from this one. */
    private ServeCommand forModel(String source, List<String> args, Set<String> own, String where) {
        List<String> line = new ArrayList<>(List.of("serve", source));
        line.addAll(args);
        ServeCommand command;
        try {
            CommandLine parsed = SiftCommand.commandLine();
            parsed.parseArgs(line.toArray(String[]::new));
            command = parsed.getSubcommands().get("serve").getCommand();
        } catch (CommandLine.ParameterException e) {
            throw new ModelException(where + ": " + e.getMessage());
        }
        if (!command.models.equals(List.of(source))) {
            throw new ModelException(where + ": unexpected " + command.models.subList(1, command.models.size())
                    + " (a flag such as int8 takes true or false)");
        }
        for (String option : ModelConfig.PER_MODEL_OPTIONS) {
            if (!own.contains(option)) command.spec.findOption(option).setValue(spec.findOption(option).getValue());
        }
        return command;
    }

    private ServedModel load() {
        // Checked before any download, so that contradictory flags cost no transfer.
        ModelOptions options = new ModelOptions(parseTokens(maxModelLen), onnxFile, int8, llmRerankerFamily(), weightsFormat());
        CacheOptions cache = fitHeap(cacheOptions(), Runtime.getRuntime().maxMemory());
        ServedTask expected = task == null ? null : ServedTask.named(task);
        ModelSource source = ModelSource.resolve(modelArgument(), onnxFile, int8, options.weights());
        Path dir = source.dir();
        String name = source.name();
        LOG.info("Loading {} from {}", name, dir);
        long start = System.nanoTime();
        int cores = Runtime.getRuntime().availableProcessors();
        EngineOptions engine = new EngineOptions(workers, intraOpThreads != null ? intraOpThreads : Math.max(1, cores / Math.max(1, workers)));
        long residentBefore = ResidentMemory.bytes();
        SiftModel loaded = SiftModel.open(dir, options, engine,
                new SchedulerOptions(maxBatchSize, maxBatchTokens, maxQueuedTokens), cache);
        long resident = residentBefore < 0 ? -1 : Math.max(0, ResidentMemory.bytes() - residentBefore);
        ModelSpec spec = loaded.spec();
        LOG.info("Loaded {} ({}, {}, max {} tokens, {}) in {} ms, {} MiB resident; {} worker(s) x {} thread(s)", name,
                spec.architecture(), spec.task().name().toLowerCase(Locale.ROOT), spec.maxLength(), spec.weightsDescription(),
                (System.nanoTime() - start) / 1_000_000, resident < 0 ? "?" : resident >> 20, engine.workers(),
                engine.intraOpThreads());
        if (expected != null) {
            try {
                expected.check(spec, name);
            } catch (ModelException e) {
                loaded.close();
                throw e;
            }
        }
        if (!spec.canScore()) {
            LOG.info("{} is a {}-label classifier: /classify and /pooling are served; /score and /rerank need a"
                    + " one-label cross-encoder or an embedding model", name, spec.numLabels());
        }
        return new ServedModel(loaded, servedNames(name), dir.toAbsolutePath().toString(), resident);
    }

    /** --cache-size, in MiB: 0 turns the cache off. */
    CacheOptions cacheOptions() {
        if (cacheSize < 0 || cacheSize > Long.MAX_VALUE >> 20) {
            throw new IllegalArgumentException("--cache-size must be 0 (off) or a number of MiB, got " + cacheSize);
        }
        return CacheOptions.ofMegabytes(cacheSize);
    }

    /**
     * The cache held to a quarter of the heap, so that a small container (whose JVM takes a quarter of its memory
     * limit for the heap) is not run out of memory by the default size; said in the log when it is cut.
     */
    static CacheOptions fitHeap(CacheOptions requested, long maxHeap) {
        long share = maxHeap / 4;
        if (requested.maxBytes() <= share) return requested;
        LOG.warn("--cache-size {} MiB is more than a quarter of the {} MiB heap: caching {} MiB (raise the heap with"
                + " SIFT_JAVA_OPTS=-Xmx...)", requested.maxBytes() >> 20, maxHeap >> 20, share >> 20);
        return new CacheOptions(share);
    }

    /** The MODELs, or --model (--model_dir); both only when they agree. */
    List<String> modelArguments() {
        if (modelOption != null && !models.isEmpty() && !models.equals(List.of(modelOption))) {
            throw new ModelException("the model is given twice, as MODEL " + String.join(" ", models) + " and as --model "
                    + modelOption + "; give one");
        }
        return modelOption != null ? List.of(modelOption) : List.copyOf(models);
    }

    /** The one model this command loads; null for the bundled one. */
    String modelArgument() {
        List<String> all = modelArguments();
        return all.isEmpty() ? null : all.get(0);
    }

    /** KServe's --model_name first, then --served-model-name, else the model as given. */
    List<String> servedNames(String modelName) {
        List<String> names = new ArrayList<>();
        if (kserveModelName != null) names.add(kserveModelName);
        for (String n : servedModelNames) if (!names.contains(n)) names.add(n);
        return names.isEmpty() ? List.of(modelName) : names;
    }

    private WeightsFormat weightsFormat() {
        return ModelSource.weightsFormat(weights);
    }

    private LlmReranker llmRerankerFamily() {
        return ModelSource.llmReranker(llmReranker);
    }

    /** --ssl-keyfile and --ssl-certfile, read and checked now; both or neither. Null for plain HTTP. */
    TlsFiles tlsFiles() {
        if (sslKeyFile == null && sslCertFile == null) return null;
        if (sslKeyFile == null || sslCertFile == null) {
            throw new IllegalArgumentException("--ssl-keyfile and --ssl-certfile go together: give both, or neither for plain HTTP");
        }
        TlsFiles files = new TlsFiles(sslKeyFile, sslCertFile);
        files.load();
        return files;
    }

    /** --api-key, else SIFT_API_KEY, else VLLM_API_KEY (so a vLLM deployment's secret works unchanged). */
    List<String> keys() {
        if (!apiKeys.isEmpty()) return apiKeys;
        for (String variable : List.of("SIFT_API_KEY", "VLLM_API_KEY")) {
            String key = System.getenv(variable);
            if (key != null && !key.isEmpty()) return List.of(key);
        }
        return List.of();
    }

    /** Where Sift keeps what it writes: $SIFT_HOME, else $XDG_CACHE_HOME/sift, else ~/.cache/sift. */
    /** {@code auto} (the budget measured at load) or a positive number of tokens. */
    static final class BatchTokens implements picocli.CommandLine.ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            if (value.equalsIgnoreCase("auto")) return SchedulerOptions.MEASURED_TOKENS;
            int tokens;
            try {
                tokens = Integer.parseInt(value.strip());
            } catch (NumberFormatException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is neither auto nor a number of tokens");
            }
            if (tokens < 1) throw new picocli.CommandLine.TypeConversionException("must be auto or at least 1, got " + value);
            return tokens;
        }
    }

    static Path siftHome() {
        String home = System.getenv("SIFT_HOME");
        if (home != null && !home.isBlank()) return Path.of(home);
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) return Path.of(xdg, "sift");
        return Path.of(System.getProperty("user.home"), ".cache", "sift");
    }

    /** "512", "1k" or "1K" (1024), as vLLM's --max-model-len accepts; null stays null. */
    static Integer parseTokens(String value) {
        if (value == null) return null;
        String v = value.trim();
        int multiplier = 1;
        if (v.endsWith("k") || v.endsWith("K")) {
            multiplier = 1024;
            v = v.substring(0, v.length() - 1);
        }
        try {
            int tokens = Math.multiplyExact(Integer.parseInt(v), multiplier);
            if (tokens < 1) throw new NumberFormatException();
            return tokens;
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("--max-model-len must be a positive number of tokens such as 512 or 1k, got " + value);
        }
    }

    private static Duration seconds(double value) {
        return Duration.ofMillis(Math.max(1, Math.round(value * 1000)));
    }

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null) e = e.getCause();
        return e.getMessage();
    }
}
