package dev.sift;

import dev.sift.batching.BatchBudget;
import dev.sift.batching.Scheduler;
import dev.sift.batching.SchedulerOptions;
import dev.sift.batching.SchedulerStats;
import dev.sift.cache.CacheOptions;
import dev.sift.cache.CacheStats;
import dev.sift.engine.EngineOptions;
import dev.sift.engine.OnnxEngine;
import dev.sift.graph.Architectures;
import dev.sift.graph.BuiltGraph;
import dev.sift.graph.Head;
import dev.sift.model.ModelLoader;
import dev.sift.model.ModelOptions;
import dev.sift.model.ModelSpec;
import dev.sift.model.ModelTask;
import dev.sift.scoring.Classification;
import dev.sift.scoring.Embedded;
import dev.sift.scoring.PairScores;
import dev.sift.scoring.RankedDocument;
import dev.sift.scoring.ScoreOptions;
import dev.sift.scoring.Scorer;
import dev.sift.scoring.TextPair;
import dev.sift.tokenize.TextTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model opened for in-process scoring: the Java API of Sift.
 *
 * <pre>{@code
 * try (SiftModel model = SiftModel.open(Path.of("models/bge-reranker-base"))) {
 *     List<RankedDocument> top = model.rerank("What is the capital of France?", documents, 3);
 * }
 * }</pre>
 *
 * <p>Thread-safe: any number of threads may score at once; inference runs on the model's own bounded pool of
 * platform threads, so virtual threads may call it freely.
 *
 * <p>The model keeps what it computed ({@link CacheOptions}, 256 MiB unless told otherwise): a cross-encoder's and an
 * LLM reranker's scores per (query, document, options), an embedding model's vectors per text, so that an input
 * seen before costs no inference and gets the score and token count it got the first time, to the bit.
 */
public final class SiftModel implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SiftModel.class);

    private final ModelSpec spec;
    private final TextTokenizer tokenizer;
    private final OnnxEngine engine;
    private final Scheduler scheduler;
    private final Scorer scorer;

    private static final long LOGITS_BYTES_PER_BATCH = 1L << 30;

    private SiftModel(ModelSpec spec, TextTokenizer tokenizer, OnnxEngine engine, Scheduler scheduler, Scorer scorer) {
        this.spec = spec;
        this.tokenizer = tokenizer;
        this.engine = engine;
        this.scheduler = scheduler;
        this.scorer = scorer;
    }

    /** Opens a model folder in Hugging Face layout with default options. */
    public static SiftModel open(Path directory) {
        return open(directory, ModelOptions.defaults(), EngineOptions.defaults());
    }

    public static SiftModel open(Path directory, ModelOptions modelOptions, EngineOptions engineOptions) {
        return open(directory, modelOptions, engineOptions, SchedulerOptions.DEFAULT);
    }

    /**
     * Opens and warms up a model.
     *
     * @throws dev.sift.model.ModelException naming what is missing or unsupported
     */
    public static SiftModel open(Path directory, ModelOptions modelOptions, EngineOptions engineOptions,
                                 SchedulerOptions schedulerOptions) {
        return open(directory, modelOptions, engineOptions, schedulerOptions, CacheOptions.DEFAULT);
    }

    /**
     * Opens and warms up a model that keeps up to {@code cacheOptions.maxBytes()} of results
     * ({@link CacheOptions#DISABLED} for none).
     *
     * @throws dev.sift.model.ModelException naming what is missing or unsupported
     */
    public static SiftModel open(Path directory, ModelOptions modelOptions, EngineOptions engineOptions,
                                 SchedulerOptions schedulerOptions, CacheOptions cacheOptions) {
        ModelSpec spec = ModelLoader.load(directory, modelOptions);
        TextTokenizer tokenizer = TextTokenizer.open(spec.tokenizerFile());
        OnnxEngine engine = null;
        Scheduler scheduler = null;
        try {
            engine = spec.buildsGraph() ? OnnxEngine.open(build(spec, tokenizer), engineOptions)
                    : OnnxEngine.open(spec.onnxFile(), engineOptions);
            SchedulerOptions batching = logitsBounded(spec, measured(spec, tokenizer, engine, schedulerOptions, engineOptions));
            scheduler = new Scheduler(engine, batching, engineOptions.workers(), spec.padTokenId());
            Scorer scorer = Scorer.create(spec, tokenizer, engine, scheduler, cacheOptions);
            // Warmed up through a scorer of its own without a cache, so that the cache starts empty and at zero.
            warmUp(spec, Scorer.create(spec, tokenizer, engine, scheduler, CacheOptions.DISABLED));
            return new SiftModel(spec, tokenizer, engine, scheduler, scorer);
        } catch (RuntimeException e) {
            if (scheduler != null) scheduler.close();
            if (engine != null) engine.close();
            tokenizer.close();
            throw e;
        }
    }

    /**
     * Options whose token budget was left to measurement get the budget {@link BatchBudget} measures on this engine,
     * logged with the figures it chose from.
     */
    private static SchedulerOptions measured(ModelSpec spec, TextTokenizer tokenizer, OnnxEngine engine,
                                             SchedulerOptions options, EngineOptions engineOptions) {
        if (!options.measuresBatchTokens()) return options;
        int cap = Math.min(SchedulerOptions.MEASURED_TOKENS_CAP, logitsFit(spec));
        try {
            long[] sample = tokenizer.ids("Rerankers read the query and each document together.", true);
            BatchBudget.Choice choice = BatchBudget.measure(engine, Scorer.readout(spec, tokenizer, engine), sample,
                    spec.padTokenId(), spec.maxLength(), cap, engineOptions.intraOpThreads());
            LOG.info("batch budget: {}", choice);
            return options.withMaxBatchTokens(choice.maxBatchTokens());
        } catch (RuntimeException e) {
            // The warm-up that follows runs a real input and names what is wrong with the model, if anything is.
            int rule = BatchBudget.rule(cap, engineOptions.intraOpThreads());
            LOG.warn("batch budget: could not be measured ({}); {} tokens per batch", e.getMessage(), rule);
            return options.withMaxBatchTokens(rule);
        }
    }

    /**
     * The graph Sift builds from the folder's safetensors (an encoder's int8 under --int8): an LLM reranker's scores
     * only its answer rows.
     */
    private static BuiltGraph build(ModelSpec spec, TextTokenizer tokenizer) {
        return switch (spec.task()) {
            case LLM_RERANKER -> Architectures.buildReranker(spec.directory(), Scorer.rerankerHead(spec, tokenizer));
            case EMBEDDING -> Architectures.build(spec.directory(), Head.HIDDEN_STATES, spec.int8Built());
            case CROSS_ENCODER, CLASSIFIER -> Architectures.build(spec.directory(), Head.LOGITS, spec.int8Built());
        };
    }

    /**
     * An exported LLM reranker's graph returns logits over the whole vocabulary at every position (4 bytes each,
     * copied out once per batch), so its batches are kept to what fits {@link #LOGITS_BYTES_PER_BATCH}. One input
     * longer than that still runs, alone: the scheduler always takes a batch's first input.
     */
    private static SchedulerOptions logitsBounded(ModelSpec spec, SchedulerOptions options) {
        int fit = logitsFit(spec);
        return fit >= options.maxBatchTokens() ? options : options.withMaxBatchTokens(fit);
    }

    /** The most tokens whose logits fit {@link #LOGITS_BYTES_PER_BATCH}, or no bound ({@code Integer.MAX_VALUE}). */
    private static int logitsFit(ModelSpec spec) {
        // A built graph computes only the answer rows' logits, and a classifier conversion's exported graph only its
        // one label, so the token budget alone bounds their batches.
        if (spec.task() != ModelTask.LLM_RERANKER || spec.buildsGraph() || spec.llmClassifier() || spec.vocabSize() <= 0) {
            return Integer.MAX_VALUE;
        }
        return (int) Math.max(1, LOGITS_BYTES_PER_BATCH / (4L * spec.vocabSize()));
    }

    /** How batches are formed: the given options, with the token budget measured when it was left to measurement. */
    public SchedulerOptions schedulerOptions() {
        return scheduler.options();
    }

    /** The scheduler's counters: batches, inputs computed and dropped, requests refused, tokens, queue. */
    public SchedulerStats stats() {
        return scheduler.stats();
    }

    /**
     * Hands each computed input's latency in nanoseconds (from when its request queued it to its result) to
     * {@code listener}, on an inference thread, so it must be quick; one listener at a time.
     */
    public void onInputDone(LongConsumer listener) {
        scheduler.onInputDone(listener);
    }

    /** One small batch through the whole path, so that the first request pays no initialisation cost. */
    private static void warmUp(ModelSpec spec, Scorer scorer) {
        List<TextPair> pairs = List.of(new TextPair("warm up", "warm up the model"));
        if (spec.canScore()) scorer.score(pairs, ScoreOptions.DEFAULT);
        else scorer.classify(pairs, ScoreOptions.DEFAULT);
    }

    /**
     * The result cache's counters (hits, misses, evictions) and contents (entries, estimated bytes): a cross-encoder's
     * or LLM reranker's scores ({@code kind} "score"), an embedding model's vectors ("embedding").
     */
    public CacheStats cacheStats() {
        return scorer.cacheStats();
    }

    public ModelSpec spec() {
        return spec;
    }

    /** The model's tokenizer, for routes that tokenize without scoring. */
    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * Scores pairs: the activated logit of a cross-encoder, or the cosine of two embeddings.
     *
     * @throws UnsupportedOperationException if the model is a multi-label classifier
     * @throws dev.sift.scoring.InputTooLongException if an input is over-long and truncation is off
     */
    public PairScores score(List<TextPair> pairs, ScoreOptions options) {
        if (!spec.canScore()) {
            throw new UnsupportedOperationException("model " + spec.directory() + " is a " + spec.numLabels()
                    + "-label classifier; scoring needs a one-label cross-encoder or an embedding model");
        }
        return scorer.score(pairs, options);
    }

    /** Scores each document against the query, in document order, truncating as needed. */
    public double[] score(String query, List<String> documents) {
        List<TextPair> pairs = new ArrayList<>(documents.size());
        for (String d : documents) pairs.add(new TextPair(query, d));
        return score(pairs, ScoreOptions.DEFAULT).scores();
    }

    /**
     * Orders documents by relevance to the query, best first; equal scores keep document order.
     *
     * @param topN how many to return; zero or negative returns all
     */
    public List<RankedDocument> rerank(String query, List<String> documents, int topN) {
        return rank(documents, score(query, documents), topN);
    }

    /** Sorts scored documents best first, ties in document order, and keeps the first {@code topN} (all if <= 0). */
    public static List<RankedDocument> rank(List<String> documents, double[] scores, int topN) {
        List<RankedDocument> ranked = new ArrayList<>(documents.size());
        for (int i = 0; i < documents.size(); i++) ranked.add(new RankedDocument(i, documents.get(i), scores[i]));
        // List.sort is stable, so ties stay in ascending index order, as Python's sorted(reverse=True) leaves them.
        ranked.sort(Comparator.comparingDouble(RankedDocument::score).reversed());
        return topN > 0 && topN < ranked.size() ? List.copyOf(ranked.subList(0, topN)) : ranked;
    }

    /** Runs a sequence classifier on pairs and returns its logits and label probabilities. */
    public Classification classify(List<TextPair> pairs, ScoreOptions options) {
        return scorer.classify(pairs, options);
    }

    /** Runs a sequence classifier on single texts (vLLM's /classify). */
    public Classification classifyTexts(List<String> texts, ScoreOptions options) {
        return scorer.classifyTexts(texts, options);
    }

    /** Embeds prompts given as token ids (vLLM's token input), without adding special tokens. */
    public Embedded embedIds(List<long[]> ids, ScoreOptions options) {
        return scorer.embedIds(ids, options);
    }

    /** Embeds texts with an embedding model's pooling and normalisation. */
    public Embedded embed(List<String> texts, ScoreOptions options) {
        return scorer.embed(texts, options);
    }

    @Override
    public void close() {
        scheduler.close();
        engine.close();
        tokenizer.close();
    }
}
