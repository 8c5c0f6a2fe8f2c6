package dev.sift.scoring;

import dev.sift.batching.Scheduler;
import dev.sift.cache.BoundedCache;
import dev.sift.cache.CacheKey;
import dev.sift.cache.CacheOptions;
import dev.sift.cache.CacheStats;
import dev.sift.cache.KeyHasher;
import dev.sift.engine.Readout;
import dev.sift.model.Activation;
import dev.sift.model.LlmReranker;
import dev.sift.model.ModelException;
import dev.sift.model.ModelSpec;
import dev.sift.tokenize.Encoded;
import dev.sift.tokenize.TextTokenizer;
import dev.sift.tokenize.Truncation;
import java.util.ArrayList;
import java.util.List;

/**
 * A decoder language model as a reranker ({@link LlmReranker}): each pair fills the family's prompt template, and
 * the logits of the answer tokens at the prompt's last token give the score. The raw score is
 * {@code logit_yes - logit_no} (or {@code logit_yes} alone) and the activated one its sigmoid, which for two tokens
 * is the softmax probability of "yes": vLLM's {@code from_2_way_softmax} and {@code no_post_processing} rules.
 */
final class LlmRerankScorer extends Scorer {
    /** Tags a prompt's key, so that no other kind of input could share its encoding. */
    private static final int PROMPT_KEY = 2;

    private final LlmReranker family;
    private final boolean twoWay;
    private final BoundedCache<ScoredPair> cache;

    private LlmRerankScorer(ModelSpec spec, TextTokenizer tokenizer, Scheduler scheduler, Readout readout,
                            CacheOptions cache) {
        super(spec, tokenizer, scheduler, readout);
        this.cache = new BoundedCache<>("score", cache, s -> ScoredPair.BYTES);
        this.family = spec.llmReranker();
        // A sequence-classification conversion has folded "yes" - "no" into its one classifier row.
        this.twoWay = family.noToken() != null && !spec.llmClassifier();
    }

    /**
     * @param readout a built graph's [batch, answers] output whole, an exported graph's full logits at the answer
     *                columns ({@link #answerTokenIds}) of the last token, or an exported classifier's logits whole;
     *                in every case [rows, answers]
     */
    static LlmRerankScorer create(ModelSpec spec, TextTokenizer tokenizer, Scheduler scheduler, Readout readout,
                                  CacheOptions cache) {
        return new LlmRerankScorer(spec, tokenizer, scheduler, readout, cache);
    }

    @Override
    public CacheStats cacheStats() {
        return cache.stats();
    }

    /** The family's answer tokens ("yes", then "no" when it has one) as the model's tokenizer numbers them. */
    static int[] answerTokenIds(ModelSpec spec, TextTokenizer tokenizer) {
        LlmReranker family = spec.llmReranker();
        int yes = answerToken(spec, tokenizer, family.yesToken());
        return family.noToken() == null ? new int[] {yes} : new int[] {yes, answerToken(spec, tokenizer, family.noToken())};
    }

    private static int answerToken(ModelSpec spec, TextTokenizer tokenizer, String token) {
        long[] ids = tokenizer.ids(token, false);
        if (ids.length != 1) {
            throw new ModelException("the tokenizer of " + spec.directory() + " splits the answer \"" + token + "\" into "
                    + ids.length + " tokens; a " + spec.llmReranker().id() + " model has it as one token");
        }
        return Math.toIntExact(ids[0]);
    }

    /** As a cross-encoder's: each distinct prompt once, and those scored before from the cache. */
    @Override
    public PairScores score(List<TextPair> pairs, ScoreOptions options) {
        Truncation truncation = options.pairTruncation(spec.maxLength());
        boolean activate = options.useActivation();
        Reuse<TextPair, ScoredPair> reuse = Reuse.of(pairs, (hasher, p) -> key(hasher, options, truncation, p), cache);
        List<TextPair> missing = reuse.missing();
        if (!missing.isEmpty()) {
            int chunks = options.maxChunksPerDoc();
            Windows windows = encodeWindows(missing, p -> fitted(tokenizer.encodePromptWindows(
                    family.prompt(p.query(), p.document(), options.instruction()), truncation, chunks)), options);
            double[] scores = new double[windows.inputs().size()];
            infer(windows.inputs(), (input, output, row, length) -> {
                float[] logits = output.data();
                int at = row * output.rowSize();
                double raw = twoWay ? (double) logits[at] - logits[at + 1] : logits[at];
                scores[input] = activate ? Activation.sigmoid(raw) : raw;
            }, options);
            reuse.keep(windows.best(scores));
        }
        return ScoredPair.collect(reuse, pairs.size());
    }

    /**
     * Everything that decides a prompt's score on this model: the cut (or windows), the activation, the instruction the prompt
     * carries (null, the family's default, apart from any given one), and the texts.
     */
    private static CacheKey key(KeyHasher hasher, ScoreOptions options, Truncation truncation, TextPair pair) {
        return putCut(hasher.putByte(PROMPT_KEY), options.truncate(), truncation).putBoolean(options.useActivation())
                .putInt(options.maxChunksPerDoc())
                .putString(options.instruction()).putString(pair.query()).putString(pair.document()).finish();
    }

    /** The template's own tokens are never cut, so a limit below them cannot be met by truncating. */
    private List<Encoded> fitted(List<Encoded> windows) {
        for (Encoded e : windows) {
            if (e.length() > spec.maxLength()) throw new InputTooLongException(spec.maxLength(), e.length());
        }
        return windows;
    }
}
