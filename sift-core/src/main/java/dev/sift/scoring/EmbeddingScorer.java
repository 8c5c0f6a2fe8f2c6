package dev.sift.scoring;

import dev.sift.batching.Scheduler;
import dev.sift.cache.BoundedCache;
import dev.sift.cache.CacheKey;
import dev.sift.cache.CacheOptions;
import dev.sift.cache.CacheStats;
import dev.sift.cache.KeyHasher;
import dev.sift.engine.Readout;
import dev.sift.model.ModelSpec;
import dev.sift.tokenize.Encoded;
import dev.sift.tokenize.TextTokenizer;
import dev.sift.tokenize.Truncation;
import java.util.ArrayList;
import java.util.List;

/**
 * An embedding model: query and document are embedded apart (each distinct text once) and the score is the
 * cosine of the two, as vLLM scores with bi-encoders. Embeddings are cached per text, with how it was cut and
 * whether it was normalised, so a document seen before, as a query or a document, by /score, /rerank or
 * /v1/embeddings, costs no inference.
 */
final class EmbeddingScorer extends Scorer {
    /** Tag a text's and a token-id prompt's keys, so that no text could share an id prompt's encoding. */
    private static final int TEXT_KEY = 3;
    private static final int IDS_KEY = 4;

    private final BoundedCache<Embedding> cache;

    EmbeddingScorer(ModelSpec spec, TextTokenizer tokenizer, Scheduler scheduler, Readout readout, CacheOptions cache) {
        super(spec, tokenizer, scheduler, readout);
        this.cache = new BoundedCache<>("embedding", cache, Embedding::bytes);
    }

    /** A text and how it is cut: a query and a document may have different caps. */
    private record Text(String text, Truncation truncation) {}

    @Override
    public CacheStats cacheStats() {
        return cache.stats();
    }

    @Override
    public PairScores score(List<TextPair> pairs, ScoreOptions options) {
        if (options.maxChunksPerDoc() > 0) {
            throw new IllegalArgumentException("max_chunks_per_doc needs a cross-encoder or an LLM reranker; model "
                    + spec.directory().getFileName() + " is an embedding model, which embeds each document on its own");
        }
        Truncation queryCut = options.textTruncation(spec.maxLength(), options.maxTokensPerQuery());
        Truncation documentCut = options.textTruncation(spec.maxLength(), options.maxTokensPerDoc());
        // Queries first, then documents, as they were tokenized before the cache, so that the first over-long
        // input is still the one a refusal names. Cosines are of normalised vectors where the model normalises.
        int n = pairs.size();
        List<Text> texts = new ArrayList<>(2 * n);
        for (TextPair p : pairs) texts.add(new Text(p.query(), queryCut));
        for (TextPair p : pairs) texts.add(new Text(p.document(), documentCut));
        boolean normalize = spec.normalize();
        Reuse<Text, Embedding> reuse = Reuse.of(texts, (hasher, t) -> textKey(hasher, options, t, normalize), cache);
        List<Text> missing = reuse.missing();
        // One submission: queries and documents share batches, and one cancellation drops them all.
        if (!missing.isEmpty()) {
            reuse.keep(embedEncoded(encodeAll(missing, t -> tokenizer.encode(t.text(), t.truncation()), options),
                    normalize, options));
        }
        double[] scores = new double[n];
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++) {
            Embedding query = reuse.result(i);
            Embedding document = reuse.result(n + i);
            scores[i] = Embeddings.cosine(query.vector(), document.vector());
            tokens[i] = query.tokens() + document.tokens();
        }
        return new PairScores(scores, tokens);
    }

    /** Embeddings are normalised where the model normalises, unless the request turned activation off. */
    @Override
    public Embedded embed(List<String> texts, ScoreOptions options) {
        Truncation cut = options.textTruncation(spec.maxLength(), 0);
        List<Text> inputs = new ArrayList<>(texts.size());
        for (String t : texts) inputs.add(new Text(t, cut));
        boolean normalize = options.useActivation() && spec.normalize();
        Reuse<Text, Embedding> reuse = Reuse.of(inputs, (hasher, t) -> textKey(hasher, options, t, normalize), cache);
        List<Text> missing = reuse.missing();
        if (!missing.isEmpty()) {
            reuse.keep(embedEncoded(encodeAll(missing, t -> tokenizer.encode(t.text(), t.truncation()), options),
                    normalize, options));
        }
        return embedded(reuse, texts.size());
    }

    @Override
    public Embedded embedIds(List<long[]> ids, ScoreOptions options) {
        Truncation cut = options.textTruncation(spec.maxLength(), 0);
        boolean normalize = options.useActivation() && spec.normalize();
        Reuse<long[], Embedding> reuse = Reuse.of(ids, (hasher, prompt) -> putCut(hasher.putByte(IDS_KEY),
                options.truncate(), cut).putBoolean(normalize).putLongs(prompt).finish(), cache);
        List<long[]> missing = reuse.missing();
        if (!missing.isEmpty()) reuse.keep(embedEncoded(encodeIds(missing, options), normalize, options));
        return embedded(reuse, ids.size());
    }

    /** Everything that decides a text's embedding on this model: how it is cut, whether normalised, the text. */
    private static CacheKey textKey(KeyHasher hasher, ScoreOptions options, Text text, boolean normalize) {
        return putCut(hasher.putByte(TEXT_KEY), options.truncate(), text.truncation()).putBoolean(normalize)
                .putString(text.text()).finish();
    }

    /** Each input's vector, a copy of the one kept, so that a caller writing to it changes no later answer. */
    private static Embedded embedded(Reuse<?, Embedding> reuse, int size) {
        float[][] vectors = new float[size][];
        int[] tokens = new int[size];
        for (int i = 0; i < size; i++) {
            Embedding e = reuse.result(i);
            vectors[i] = e.vector().clone();
            tokens[i] = e.tokens();
        }
        return new Embedded(vectors, tokens);
    }

    private List<Embedding> embedEncoded(List<Encoded> encoded, boolean normalize, ScoreOptions options) {
        float[][] vectors = new float[encoded.size()][];
        infer(encoded, (input, output, row, length) ->
                vectors[input] = Embeddings.pool(output, row, length, spec.pooling(), normalize), options);
        List<Embedding> embeddings = new ArrayList<>(vectors.length);
        for (int i = 0; i < vectors.length; i++) embeddings.add(new Embedding(vectors[i], encoded.get(i).length()));
        return embeddings;
    }
}
