package dev.sift.scoring;

import dev.sift.batching.RowSink;
import dev.sift.batching.Scheduler;
import dev.sift.cache.CacheOptions;
import dev.sift.cache.CacheStats;
import dev.sift.cache.KeyHasher;
import dev.sift.engine.OnnxEngine;
import dev.sift.engine.Readout;
import dev.sift.graph.RerankerHead;
import dev.sift.graph.DecoderArchitecture;
import dev.sift.model.ModelException;
import dev.sift.model.ModelSpec;
import dev.sift.tokenize.Encoded;
import dev.sift.tokenize.OffCarrier;
import dev.sift.tokenize.TextTokenizer;
import dev.sift.tokenize.Truncation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Turns texts into scores for one kind of model. */
public abstract sealed class Scorer permits CrossEncoderScorer, EmbeddingScorer, LlmRerankScorer {

    final ModelSpec spec;
    final TextTokenizer tokenizer;
    final Scheduler scheduler;
    final Readout readout;

    Scorer(ModelSpec spec, TextTokenizer tokenizer, Scheduler scheduler, Readout readout) {
        this.spec = spec;
        this.tokenizer = tokenizer;
        this.scheduler = scheduler;
        this.readout = readout;
    }

    /**
     * @param cache how much of what it computes the scorer keeps: a cross-encoder's and an LLM reranker's pair scores,
     *              an embedding model's vectors per text. The scorer belongs to one opened model, so its cache does
     *              too: the model (and its --max-model-len) is implicit in every key.
     */
    public static Scorer create(ModelSpec spec, TextTokenizer tokenizer, OnnxEngine engine, Scheduler scheduler,
                                CacheOptions cache) {
        Readout readout = readout(spec, tokenizer, engine);
        return switch (spec.task()) {
            case EMBEDDING -> new EmbeddingScorer(spec, tokenizer, scheduler, readout, cache);
            case LLM_RERANKER -> LlmRerankScorer.create(spec, tokenizer, scheduler, readout, cache);
            case CROSS_ENCODER, CLASSIFIER -> new CrossEncoderScorer(spec, tokenizer, scheduler, readout, cache);
        };
    }

    /** The graph output a model's scores are read from: per-token states, logits, or an LLM's answer logits. */
    public static Readout readout(ModelSpec spec, TextTokenizer tokenizer, OnnxEngine engine) {
        return switch (spec.task()) {
            case EMBEDDING -> Readout.whole(chooseOutput(engine, "last_hidden_state", 3, spec));
            case LLM_RERANKER -> llmReadout(spec, tokenizer, engine);
            case CROSS_ENCODER, CLASSIFIER -> Readout.whole(chooseOutput(engine, "logits", 2, spec));
        };
    }

    /** The cache's counters and contents. */
    public abstract CacheStats cacheStats();

    /**
     * What an LLM reranker's graph is built to score: the answer tokens' LM-head rows, or the classifier of a
     * sequence-classification conversion (a built graph computes only those rows).
     */
    public static RerankerHead rerankerHead(ModelSpec spec, TextTokenizer tokenizer) {
        return spec.llmClassifier() ? new RerankerHead.Classifier()
                : new RerankerHead.AnswerTokens(LlmRerankScorer.answerTokenIds(spec, tokenizer));
    }

    /**
     * A built graph's answer logits whole; an exported classifier's logits [batch, 1] whole; an exported causal LM's
     * full logits at the answer columns of each row's last token.
     */
    private static Readout llmReadout(ModelSpec spec, TextTokenizer tokenizer, OnnxEngine engine) {
        if (engine.outputRanks().getOrDefault(DecoderArchitecture.ANSWER_LOGITS, -1) == 2) {
            return Readout.whole(DecoderArchitecture.ANSWER_LOGITS);
        }
        if (spec.llmClassifier()) return Readout.whole(chooseOutput(engine, "logits", 2, spec));
        return Readout.lastToken(chooseOutput(engine, "logits", 3, spec), LlmRerankScorer.answerTokenIds(spec, tokenizer));
    }

    /** Runs encoded inputs through the model, handing each its output row; refuses at once when overloaded. */
    void infer(List<Encoded> encoded, RowSink sink, ScoreOptions options) {
        scheduler.run(encoded, readout, sink, options.timeout());
    }

    public abstract PairScores score(List<TextPair> pairs, ScoreOptions options);

    public Classification classify(List<TextPair> pairs, ScoreOptions options) {
        throw unsupported("an embedding model, not a classifier");
    }

    public Classification classifyTexts(List<String> texts, ScoreOptions options) {
        throw unsupported("an embedding model, not a classifier");
    }

    public Embedded embed(List<String> texts, ScoreOptions options) {
        throw unsupported("not an embedding model");
    }

    public Embedded embedIds(List<long[]> ids, ScoreOptions options) {
        throw unsupported("not an embedding model");
    }

    private UnsupportedOperationException unsupported(String what) {
        return new UnsupportedOperationException("model " + spec.directory() + " is " + what);
    }

    /**
     * Token ids a client sent as the whole prompt (no special tokens added), each checked against the vocabulary
     * and cut like text.
     */
    List<Encoded> encodeIds(List<long[]> inputs, ScoreOptions options) {
        scheduler.admit();
        Truncation truncation = options.textTruncation(spec.maxLength(), 0);
        List<Encoded> encoded = new ArrayList<>(inputs.size());
        for (long[] ids : inputs) {
            for (long id : ids) {
                if (id < 0 || (spec.vocabSize() > 0 && id >= spec.vocabSize())) {
                    throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (0 to "
                            + (spec.vocabSize() - 1) + ")");
                }
            }
            int keep = Math.min(ids.length, truncation.maxTokens());
            int from = truncation.side() == Truncation.Side.LEFT ? ids.length - keep : 0;
            long[] kept = Arrays.copyOfRange(ids, from, from + keep);
            encoded.add(checkLength(new Encoded(kept, new long[keep], ids.length), options));
        }
        return encoded;
    }

    /** Tokenizes every item off the carrier thread, refusing over-long inputs unless truncation was asked for. */
    <T> List<Encoded> encodeAll(List<T> items, Function<T, Encoded> encoder, ScoreOptions options) {
        // A full queue refuses before any tokenizing, so that a refusal costs next to nothing.
        scheduler.admit();
        return OffCarrier.call(() -> {
            List<Encoded> encoded = new ArrayList<>(items.size());
            for (T item : items) encoded.add(checkLength(encoder.apply(item), options));
            return encoded;
        });
    }

    /**
     * Each item's inputs (one, or its document's windows under {@link ScoreOptions#maxChunksPerDoc()}) tokenized off
     * the carrier thread and checked as {@link #encodeAll} checks them, in one flat list, so that the windows of all
     * items share batches.
     */
    <T> Windows encodeWindows(List<T> items, Function<T, List<Encoded>> encoder, ScoreOptions options) {
        scheduler.admit();
        return OffCarrier.call(() -> {
            List<Encoded> inputs = new ArrayList<>(items.size());
            int[] starts = new int[items.size() + 1];
            for (int i = 0; i < items.size(); i++) {
                starts[i] = inputs.size();
                for (Encoded e : encoder.apply(items.get(i))) inputs.add(checkLength(e, options));
            }
            starts[items.size()] = inputs.size();
            return new Windows(inputs, starts);
        });
    }

    /** The inputs of several items: item {@code i}'s are {@code inputs[starts[i]]} up to {@code inputs[starts[i + 1]]}. */
    record Windows(List<Encoded> inputs, int[] starts) {
        /** Each item's score, the highest of its inputs' ({@code scores} in input order), and the tokens of them all. */
        List<ScoredPair> best(double[] scores) {
            List<ScoredPair> items = new ArrayList<>(starts.length - 1);
            for (int i = 0; i + 1 < starts.length; i++) {
                double best = Double.NEGATIVE_INFINITY;
                int tokens = 0;
                for (int w = starts[i]; w < starts[i + 1]; w++) {
                    best = Math.max(best, scores[w]);
                    tokens += inputs.get(w).length();
                }
                items.add(new ScoredPair(best, tokens));
            }
            return items;
        }
    }

    /**
     * Puts what decides how an input is cut: whether it may be cut at all (an input that fits only when cut is refused
     * without truncation, so a score computed with it must not answer a request without it), and the limits.
     */
    static KeyHasher putCut(KeyHasher hasher, boolean truncate, Truncation truncation) {
        return hasher.putBoolean(truncate).putInt(truncation.maxTokens()).putByte(truncation.side().ordinal())
                .putInt(truncation.maxFirstTokens()).putInt(truncation.maxSecondTokens());
    }

    /** Each input's length in tokens, as usage reports it. */
    static int[] lengths(List<Encoded> encoded) {
        int[] tokens = new int[encoded.size()];
        for (int i = 0; i < tokens.length; i++) tokens[i] = encoded.get(i).length();
        return tokens;
    }

    /** An input over the model's maximum is refused unless the request asked for truncation. */
    private Encoded checkLength(Encoded e, ScoreOptions options) {
        if (!options.truncate() && e.fullLength() > spec.maxLength()) {
            throw new InputTooLongException(spec.maxLength(), e.fullLength());
        }
        return e;
    }

    /** The graph output to read: the preferred name if the graph has it, else the only output of that rank. */
    static String chooseOutput(OnnxEngine engine, String preferred, int rank, ModelSpec spec) {
        if (engine.outputRanks().getOrDefault(preferred, -1) == rank) return preferred;
        List<String> candidates = engine.outputRanks().entrySet().stream()
                .filter(e -> e.getValue() == rank).map(Map.Entry::getKey).toList();
        if (candidates.size() == 1) return candidates.get(0);
        throw new ModelException("ONNX graph " + spec.onnxFile() + " has float outputs "
                + engine.outputRanks() + "; expected " + preferred + " of rank " + rank);
    }
}
