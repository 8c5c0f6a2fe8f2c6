package dev.sift.scoring;

import dev.sift.tokenize.Truncation;
import java.time.Duration;

/**
 * Per-request choices.
 *
 * @param truncate          cut over-long inputs to fit ({@code longest_first} over a pair); when false an input over
 *                          the model's maximum fails with {@link InputTooLongException}
 * @param truncateTo        the length to cut to when truncating; zero means the model's maximum
 * @param truncationSide    which end of a text loses tokens
 * @param maxTokensPerQuery cap on the query's own tokens (special tokens aside), applied always; zero for none
 * @param maxTokensPerDoc   cap on each document's own tokens, applied always; zero for none
 * @param useActivation     apply the model's activation (sigmoid for most cross-encoders); false gives the raw
 *                          logit. Embedding scores (cosine) are unaffected.
 * @param timeout           how long the request may wait for inference in all, or null for no deadline
 * @param instruction       the instruction an LLM reranker's prompt carries, or null for its default; other models
 *                          ignore it
 * @param maxChunksPerDoc   Cohere v1's {@code max_chunks_per_doc}: when above zero, a (query, document) pair over
 *                          the limit is not cut to one input but scored as up to this many overlapping windows of
 *                          the document, each with the query, and gets the highest of their scores (usage counts
 *                          every window); zero, the default, turns it off. For cross-encoders and LLM rerankers; an
 *                          embedding model refuses it. See {@code TextTokenizer.windows} for the windows.
 */
public record ScoreOptions(boolean truncate, int truncateTo, Truncation.Side truncationSide,
                           int maxTokensPerQuery, int maxTokensPerDoc, boolean useActivation, Duration timeout,
                           String instruction, int maxChunksPerDoc) {

    /** Truncate to the model's maximum and activate, as sentence-transformers' CrossEncoder.predict does. */
    public static final ScoreOptions DEFAULT = new ScoreOptions(true, 0, Truncation.Side.RIGHT, 0, 0, true, null, null, 0);

    public ScoreOptions {
        if (truncateTo < 0 || maxTokensPerQuery < 0 || maxTokensPerDoc < 0 || maxChunksPerDoc < 0) {
            throw new IllegalArgumentException("token limits cannot be negative");
        }
    }

    public ScoreOptions withTruncate(boolean truncate, int truncateTo) {
        return new ScoreOptions(truncate, truncateTo, truncationSide, maxTokensPerQuery, maxTokensPerDoc, useActivation, timeout, instruction, maxChunksPerDoc);
    }

    public ScoreOptions withTruncationSide(Truncation.Side side) {
        return new ScoreOptions(truncate, truncateTo, side, maxTokensPerQuery, maxTokensPerDoc, useActivation, timeout, instruction, maxChunksPerDoc);
    }

    public ScoreOptions withMaxTokens(int perQuery, int perDoc) {
        return new ScoreOptions(truncate, truncateTo, truncationSide, perQuery, perDoc, useActivation, timeout, instruction, maxChunksPerDoc);
    }

    public ScoreOptions withUseActivation(boolean useActivation) {
        return new ScoreOptions(truncate, truncateTo, truncationSide, maxTokensPerQuery, maxTokensPerDoc, useActivation, timeout, instruction, maxChunksPerDoc);
    }

    public ScoreOptions withTimeout(Duration timeout) {
        return new ScoreOptions(truncate, truncateTo, truncationSide, maxTokensPerQuery, maxTokensPerDoc, useActivation, timeout, instruction, maxChunksPerDoc);
    }

    public ScoreOptions withInstruction(String instruction) {
        return new ScoreOptions(truncate, truncateTo, truncationSide, maxTokensPerQuery, maxTokensPerDoc, useActivation, timeout, instruction, maxChunksPerDoc);
    }

    /** Scores over-long documents as up to {@code maxChunks} windows (0: cut them to one input, as by default). */
    public ScoreOptions withMaxChunksPerDoc(int maxChunks) {
        return new ScoreOptions(truncate, truncateTo, truncationSide, maxTokensPerQuery, maxTokensPerDoc, useActivation, timeout, instruction, maxChunks);
    }

    /** How a (query, document) pair is cut, given the model's maximum. */
    Truncation pairTruncation(int modelMaxLength) {
        return new Truncation(limit(modelMaxLength), truncationSide, maxTokensPerQuery, maxTokensPerDoc);
    }

    /** How one text is cut, given the model's maximum and its own cap. */
    public Truncation textTruncation(int modelMaxLength, int cap) {
        return new Truncation(limit(modelMaxLength), truncationSide, cap, 0);
    }

    private int limit(int modelMaxLength) {
        return truncate && truncateTo > 0 ? Math.min(truncateTo, modelMaxLength) : modelMaxLength;
    }
}
