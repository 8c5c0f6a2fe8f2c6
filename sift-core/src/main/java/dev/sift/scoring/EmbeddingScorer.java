package dev.sift.scoring;

import dev.sift.batching.Scheduler;
import dev.sift.engine.Readout;
import dev.sift.model.ModelSpec;
import dev.sift.tokenize.Encoded;
import dev.sift.tokenize.TextTokenizer;
import dev.sift.tokenize.Truncation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * An embedding model: query and document are embedded apart (each distinct text once) and the score is the
 * cosine of the two, as vLLM scores with bi-encoders.
 */
final class EmbeddingScorer extends Scorer {

    EmbeddingScorer(ModelSpec spec, TextTokenizer tokenizer, Scheduler scheduler, Readout readout) {
        super(spec, tokenizer, scheduler, readout);
    }

    @Override
    public PairScores score(List<TextPair> pairs, ScoreOptions options) {
        // Queries and documents are embedded apart, each distinct text once (they may have different caps).
        List<String> queries = new ArrayList<>();
        List<String> documents = new ArrayList<>();
        int[] query = slots(pairs, TextPair::query, queries);
        int[] document = slots(pairs, TextPair::document, documents);
        List<Encoded> encoded = new ArrayList<>(queries.size() + documents.size());
        encoded.addAll(encodeTexts(queries, options, options.maxTokensPerQuery()));
        encoded.addAll(encodeTexts(documents, options, options.maxTokensPerDoc()));
        // One submission: queries and documents share batches, and one cancellation drops them all.
        float[][] vectors = embedEncoded(encoded, true, options);
        int offset = queries.size();
        double[] scores = new double[pairs.size()];
        int[] tokens = new int[pairs.size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = Embeddings.cosine(vectors[query[i]], vectors[offset + document[i]]);
            tokens[i] = encoded.get(query[i]).length() + encoded.get(offset + document[i]).length();
        }
        return new PairScores(scores, tokens);
    }

    @Override
    public Embedded embed(List<String> texts, ScoreOptions options) {
        return embedded(encodeTexts(texts, options, 0), options);
    }

    @Override
    public Embedded embedIds(List<long[]> ids, ScoreOptions options) {
        return embedded(encodeIds(ids, options), options);
    }

    /** Embeddings are normalised where the model normalises, unless the request turned activation off. */
    private Embedded embedded(List<Encoded> encoded, ScoreOptions options) {
        int[] tokens = new int[encoded.size()];
        for (int i = 0; i < tokens.length; i++) tokens[i] = encoded.get(i).length();
        return new Embedded(embedEncoded(encoded, options.useActivation(), options), tokens);
    }

    private List<Encoded> encodeTexts(List<String> texts, ScoreOptions options, int cap) {
        Truncation truncation = options.textTruncation(spec.maxLength(), cap);
        return encodeAll(texts, t -> tokenizer.encode(t, truncation), options);
    }

    /** Each pair's index into {@code distinct}, adding texts not seen before. */
    private static int[] slots(List<TextPair> pairs, Function<TextPair, String> side, List<String> distinct) {
        Map<String, Integer> index = new HashMap<>();
        int[] slots = new int[pairs.size()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = index.computeIfAbsent(side.apply(pairs.get(i)), t -> {
                distinct.add(t);
                return distinct.size() - 1;
            });
        }
        return slots;
    }

    private float[][] embedEncoded(List<Encoded> encoded, boolean normalize, ScoreOptions options) {
        float[][] vectors = new float[encoded.size()][];
        infer(encoded, (input, output, row, length) ->
                vectors[input] = Embeddings.pool(output, row, length, spec.pooling(), normalize && spec.normalize()), options);
        return vectors;
    }
}
