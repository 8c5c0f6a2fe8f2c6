package dev.sift.langchain4j;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.model.output.TokenUsage;
import dev.langchain4j.model.scoring.ScoringModel;
import dev.sift.SiftModel;
import dev.sift.scoring.PairScores;
import dev.sift.scoring.ScoreOptions;
import dev.sift.scoring.TextPair;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A LangChain4j {@link ScoringModel} that scores in this process with {@link SiftModel}: a RAG application's
 * {@code ReRankingContentAggregator} reranks its retrieved segments without a server or a network hop.
 *
 * <pre>{@code
 * try (SiftScoringModel scoring = SiftScoringModel.open(Path.of("models/bge-reranker-base"))) {
 *     ContentAggregator aggregator = ReRankingContentAggregator.builder().scoringModel(scoring).maxResults(5).build();
 *     ...
 * }
 * }</pre>
 *
 * <p>Scores are those Sift's server returns for the same pairs: a cross-encoder's activated logit (its raw logit
 * with {@link ScoreOptions#withUseActivation} false), an LLM reranker's yes-probability, or an embedding model's
 * cosine. The token usage is what the model read for every pair, special tokens included.
 *
 * <p>Thread-safe, as {@link SiftModel} is: concurrent calls are batched together on the model's own inference threads,
 * so virtual threads may call it freely.
 */
public final class SiftScoringModel implements ScoringModel, AutoCloseable {

    private final SiftModel model;
    private final ScoreOptions options;
    private final boolean ownsModel;

    private SiftScoringModel(SiftModel model, ScoreOptions options, boolean ownsModel) {
        if (!model.spec().canScore()) {
            throw new IllegalArgumentException("model " + model.spec().directory() + " is a "
                    + model.spec().numLabels() + "-label classifier; a ScoringModel needs a cross-encoder, an LLM "
                    + "reranker or an embedding model");
        }
        this.model = model;
        this.options = Objects.requireNonNull(options, "options");
        this.ownsModel = ownsModel;
    }

    /** Scores with a model the caller opened, and closes, itself (one model may serve several of these). */
    public static SiftScoringModel of(SiftModel model) {
        return of(model, ScoreOptions.DEFAULT);
    }

    /**
     * Scores with a model the caller opened and closes, under {@code options}: raw logits, truncation, Cohere's
     * {@code max_chunks_per_doc} for documents longer than the model reads, an LLM reranker's instruction.
     */
    public static SiftScoringModel of(SiftModel model, ScoreOptions options) {
        return new SiftScoringModel(Objects.requireNonNull(model, "model"), options, false);
    }

    /**
     * Opens a model folder in Hugging Face layout (an ONNX graph, or safetensors Sift builds a graph from), which
     * {@link #close()} closes.
     *
     * @throws dev.sift.model.ModelException naming what is missing or unsupported
     */
    public static SiftScoringModel open(Path directory) {
        return open(directory, ScoreOptions.DEFAULT);
    }

    /** {@link #open(Path)}, scoring under {@code options}. */
    public static SiftScoringModel open(Path directory, ScoreOptions options) {
        SiftModel model = SiftModel.open(directory);
        try {
            return new SiftScoringModel(model, options, true);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** The model that scores. */
    public SiftModel model() {
        return model;
    }

    @Override
    public Response<List<Double>> scoreAll(List<TextSegment> segments, String query) {
        Objects.requireNonNull(segments, "segments");
        Objects.requireNonNull(query, "query");
        if (segments.isEmpty()) return Response.from(List.of(), new TokenUsage(0));
        List<TextPair> pairs = new ArrayList<>(segments.size());
        for (TextSegment segment : segments) {
            pairs.add(new TextPair(query, Objects.requireNonNull(segment, "segment").text()));
        }
        PairScores scored = model.score(pairs, options);
        List<Double> scores = new ArrayList<>(scored.size());
        for (double score : scored.scores()) scores.add(score);
        return Response.from(scores, new TokenUsage(Math.toIntExact(scored.totalTokens())));
    }

    /** Closes the model if {@link #open} opened it; a model given to {@link #of} is left to its owner. */
    @Override
    public void close() {
        if (ownsModel) model.close();
    }
}
