package dev.sift.scoring;

import dev.sift.batching.Scheduler;
import dev.sift.cache.BoundedCache;
import dev.sift.cache.CacheKey;
import dev.sift.cache.CacheOptions;
import dev.sift.cache.CacheStats;
import dev.sift.cache.KeyHasher;
import dev.sift.engine.Readout;
import dev.sift.model.Activation;
import dev.sift.model.ModelException;
import dev.sift.model.ModelSpec;
import dev.sift.tokenize.Encoded;
import dev.sift.tokenize.TextTokenizer;
import dev.sift.tokenize.Truncation;
import java.util.ArrayList;
import java.util.List;

/** A sequence classifier reading (query, document) together; its one logit, activated, is the score. */
final class CrossEncoderScorer extends Scorer {
    /** Tags a pair's key, so that no other kind of input could share its encoding. */
    private static final int PAIR_KEY = 1;

    private final BoundedCache<ScoredPair> cache;

    CrossEncoderScorer(ModelSpec spec, TextTokenizer tokenizer, Scheduler scheduler, Readout readout, CacheOptions cache) {
        super(spec, tokenizer, scheduler, readout);
        // A multi-label classifier scores nothing, so it keeps nothing.
        this.cache = spec.canScore() ? new BoundedCache<>("score", cache, s -> ScoredPair.BYTES)
                : new BoundedCache<>("none", CacheOptions.DISABLED, s -> ScoredPair.BYTES);
    }

    @Override
    public CacheStats cacheStats() {
        return cache.stats();
    }

    /**
     * Pairs already scored with the same cut and activation come from the cache; the rest, each distinct pair
     * once, run. A cached score is the very double computed the first time, with the pair's token count, so a
     * repeat answers bit for bit as the first did, usage included.
     */
    @Override
    public PairScores score(List<TextPair> pairs, ScoreOptions options) {
        Truncation truncation = options.pairTruncation(spec.maxLength());
        boolean activate = options.useActivation();
        Reuse<TextPair, ScoredPair> reuse = Reuse.of(pairs, (hasher, p) -> key(hasher, options.truncate(), truncation,
                activate, options.maxChunksPerDoc(), p), cache);
        List<TextPair> missing = reuse.missing();
        if (!missing.isEmpty()) {
            int chunks = options.maxChunksPerDoc();
            Windows windows = encodeWindows(missing, p -> tokenizer.encodePairWindows(p.query(), p.document(),
                    truncation, chunks), options);
            double[] scores = new double[windows.inputs().size()];
            Activation activation = activate ? spec.activation() : Activation.IDENTITY;
            infer(windows.inputs(), (input, output, row, length) -> {
                requireLabels(output.rowSize());
                activation.apply(output.data(), row * output.rowSize(), 1, scores, input);
            }, options);
            reuse.keep(windows.best(scores));
        }
        return ScoredPair.collect(reuse, pairs.size());
    }

    /**
     * Everything that decides a pair's score on this model: how it is cut (or windowed), whether it is activated,
     * its texts.
     */
    private static CacheKey key(KeyHasher hasher, boolean truncate, Truncation truncation, boolean activate,
                                int chunks, TextPair pair) {
        return putCut(hasher.putByte(PAIR_KEY), truncate, truncation).putBoolean(activate).putInt(chunks)
                .putString(pair.query()).putString(pair.document()).finish();
    }

    @Override
    public Classification classify(List<TextPair> pairs, ScoreOptions options) {
        return classifyEncoded(encodePairs(pairs, options), options);
    }

    @Override
    public Classification classifyTexts(List<String> texts, ScoreOptions options) {
        Truncation truncation = options.textTruncation(spec.maxLength(), 0);
        return classifyEncoded(encodeAll(texts, t -> tokenizer.encode(t, truncation), options), options);
    }

    private List<Encoded> encodePairs(List<TextPair> pairs, ScoreOptions options) {
        Truncation truncation = options.pairTruncation(spec.maxLength());
        return encodeAll(pairs, p -> tokenizer.encodePair(p.query(), p.document(), truncation), options);
    }

    private Classification classifyEncoded(List<Encoded> encoded, ScoreOptions options) {
        int labels = spec.numLabels();
        float[][] logits = new float[encoded.size()][labels];
        double[][] scores = new double[encoded.size()][labels];
        Activation activation = options.useActivation() ? spec.activation() : Activation.IDENTITY;
        infer(encoded, (input, output, row, length) -> {
            requireLabels(output.rowSize());
            System.arraycopy(output.data(), row * labels, logits[input], 0, labels);
            activation.apply(output.data(), row * labels, labels, scores[input], 0);
        }, options);
        return new Classification(logits, scores, lengths(encoded));
    }

    private void requireLabels(int outputs) {
        if (outputs != spec.numLabels()) {
            throw new ModelException("ONNX graph " + spec.onnxFile() + " gives " + outputs
                    + " logits per input but config.json declares " + spec.numLabels() + " labels");
        }
    }
}
