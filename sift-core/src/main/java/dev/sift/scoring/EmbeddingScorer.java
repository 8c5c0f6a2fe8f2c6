package dev.sift.scoring;

import dev.sift.batching.BatchPlanner;
import dev.sift.engine.OnnxEngine;
import dev.sift.model.ModelSpec;
import dev.sift.tokenize.Encoded;
import dev.sift.tokenize.TextTokenizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An embedding model: query and document are embedded apart (each distinct text once) and the score is the
 * cosine of the two, as vLLM scores with bi-encoders.
 */
final class EmbeddingScorer extends Scorer {

    EmbeddingScorer(ModelSpec spec, TextTokenizer tokenizer, OnnxEngine engine, BatchPlanner planner) {
        super(spec, tokenizer, engine, planner, chooseOutput(engine, "last_hidden_state", 3, spec));
    }

    @Override
    public PairScores score(List<TextPair> pairs, ScoreOptions options) {
        Map<String, Integer> slots = new HashMap<>();
        List<String> distinct = new ArrayList<>();
        int[] query = new int[pairs.size()];
        int[] document = new int[pairs.size()];
        for (int i = 0; i < pairs.size(); i++) {
            query[i] = slots.computeIfAbsent(pairs.get(i).query(), t -> { distinct.add(t); return distinct.size() - 1; });
            document[i] = slots.computeIfAbsent(pairs.get(i).document(), t -> { distinct.add(t); return distinct.size() - 1; });
        }
        List<Encoded> encoded = encodeAll(distinct, t -> tokenizer.encode(t, limit(options)), options);
        float[][] vectors = embedEncoded(encoded);
        double[] scores = new double[pairs.size()];
        int[] tokens = new int[pairs.size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = Embeddings.cosine(vectors[query[i]], vectors[document[i]]);
            tokens[i] = encoded.get(query[i]).length() + encoded.get(document[i]).length();
        }
        return new PairScores(scores, tokens);
    }

    @Override
    public float[][] embed(List<String> texts, ScoreOptions options) {
        return embedEncoded(encodeAll(texts, t -> tokenizer.encode(t, limit(options)), options));
    }

    private float[][] embedEncoded(List<Encoded> encoded) {
        float[][] vectors = new float[encoded.size()][];
        inference.run(encoded, outputName, (input, output, row, length) ->
                vectors[input] = Embeddings.pool(output, row, length, spec.pooling(), spec.normalize()));
        return vectors;
    }
}
