package dev.sift.scoring;

import dev.sift.batching.BatchPlanner;
import dev.sift.engine.OnnxEngine;
import dev.sift.model.ModelSpec;
import dev.sift.model.ModelTask;
import dev.sift.tokenize.Encoded;
import dev.sift.tokenize.OffCarrier;
import dev.sift.tokenize.TextTokenizer;
import dev.sift.tokenize.Truncation;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Turns texts into scores for one kind of model. */
public abstract sealed class Scorer permits CrossEncoderScorer, EmbeddingScorer {

    final ModelSpec spec;
    final TextTokenizer tokenizer;
    final BatchedInference inference;
    final String outputName;

    Scorer(ModelSpec spec, TextTokenizer tokenizer, OnnxEngine engine, BatchPlanner planner, String outputName) {
        this.spec = spec;
        this.tokenizer = tokenizer;
        this.inference = new BatchedInference(engine, planner, spec.padTokenId());
        this.outputName = outputName;
    }

    public static Scorer create(ModelSpec spec, TextTokenizer tokenizer, OnnxEngine engine, BatchPlanner planner) {
        return spec.task() == ModelTask.EMBEDDING
                ? new EmbeddingScorer(spec, tokenizer, engine, planner)
                : new CrossEncoderScorer(spec, tokenizer, engine, planner);
    }

    public abstract PairScores score(List<TextPair> pairs, ScoreOptions options);

    public Classification classify(List<TextPair> pairs, ScoreOptions options) {
        throw new UnsupportedOperationException("not a classifier");
    }

    public Classification classifyTexts(List<String> texts, ScoreOptions options) {
        throw new UnsupportedOperationException("not a classifier");
    }

    public Embedded embed(List<String> texts, ScoreOptions options) {
        throw new UnsupportedOperationException("not an embedding model");
    }

    public Embedded embedIds(List<long[]> ids, ScoreOptions options) {
        throw new UnsupportedOperationException("not an embedding model");
    }

    /**
     * Token ids a client sent as the whole prompt (no special tokens added), each checked against the vocabulary
     * and cut like text.
     */
    List<Encoded> encodeIds(List<long[]> inputs, ScoreOptions options) {
        Truncation truncation = options.textTruncation(spec.maxLength(), 0);
        List<Encoded> encoded = new ArrayList<>(inputs.size());
        for (long[] ids : inputs) {
            for (long id : ids) {
                if (id < 0 || (spec.vocabSize() > 0 && id >= spec.vocabSize())) {
                    throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (0 to "
                            + (spec.vocabSize() - 1) + ")");
                }
            }
            if (!options.truncate() && ids.length > spec.maxLength()) throw new InputTooLongException(spec.maxLength(), ids.length);
            int keep = Math.min(ids.length, truncation.maxTokens());
            int from = truncation.side() == Truncation.Side.LEFT ? ids.length - keep : 0;
            long[] kept = java.util.Arrays.copyOfRange(ids, from, from + keep);
            encoded.add(new Encoded(kept, new long[keep], ids.length));
        }
        return encoded;
    }

    /** Tokenizes every item off the carrier thread, refusing over-long inputs unless truncation was asked for. */
    <T> List<Encoded> encodeAll(List<T> items, Function<T, Encoded> encoder, ScoreOptions options) {
        return OffCarrier.call(() -> {
            List<Encoded> encoded = new ArrayList<>(items.size());
            for (T item : items) {
                Encoded e = encoder.apply(item);
                if (!options.truncate() && e.fullLength() > spec.maxLength()) {
                    throw new InputTooLongException(spec.maxLength(), e.fullLength());
                }
                encoded.add(e);
            }
            return encoded;
        });
    }

    /** The graph output to read: the preferred name if the graph has it, else the only output of that rank. */
    static String chooseOutput(OnnxEngine engine, String preferred, int rank, ModelSpec spec) {
        if (engine.outputRanks().getOrDefault(preferred, -1) == rank) return preferred;
        List<String> candidates = engine.outputRanks().entrySet().stream()
                .filter(e -> e.getValue() == rank).map(java.util.Map.Entry::getKey).toList();
        if (candidates.size() == 1) return candidates.get(0);
        throw new dev.sift.model.ModelException("ONNX graph " + spec.onnxFile() + " has float outputs "
                + engine.outputRanks() + "; expected " + preferred + " of rank " + rank);
    }
}
