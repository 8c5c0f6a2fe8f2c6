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
 */
public record ScoreOptions(boolean truncate, int truncateTo, Truncation.Side truncationSide,
                           int maxTokensPerQuery, int maxTokensPerDoc, boolean useActivation, Duration timeout,
                           String instruction) {

    /** Truncate to the model's maximum and activate, as sentence-transformers' CrossEncoder.predict does. */
    public static final ScoreOptions DEFAULT = new ScoreOptions(true, 0, Truncation.Side.RIGHT, 0, 0, true, null, null);

    public ScoreOptions {
        if (truncateTo < 0 || maxTokensPerQuery < 0 || maxTokensPerDoc < 0) {
            throw new IllegalArgumentException("token limits cannot be negative");
        }
    }

    public ScoreOptions withTruncate(boolean truncate, int truncateTo) {
        return new ScoreOptions(truncate, truncateTo, truncationSide, maxTokensPerQuery, maxTokensPerDoc, useActivation, timeout, instruction);
    }

    public ScoreOptions withTruncationSide(Truncation.Side side) {
        return new ScoreOptions(truncate, truncateTo, side, maxTokensPerQuery, maxTokensPerDoc, useActivation, timeout, instruction);
    }

    public ScoreOptions withMaxTokens(int perQuery, int perDoc) {
        return new ScoreOptions(truncate, truncateTo, truncationSide, perQuery, perDoc, useActivation, timeout, instruction);
    }

    public ScoreOptions withUseActivation(boolean useActivation) {
        return new ScoreOptions(truncate, truncateTo, truncationSide, maxTokensPerQuery, maxTokensPerDoc, useActivation, timeout, instruction);
    }

    public ScoreOptions withTimeout(Duration timeout) {
        return new ScoreOptions(truncate, truncateTo, truncationSide, maxTokensPerQuery, maxTokensPerDoc, useActivation, timeout, instruction);
    }

    public ScoreOptions withInstruction(String instruction) {
        return new ScoreOptions(truncate, truncateTo, truncationSide, maxTokensPerQuery, maxTokensPerDoc, useActivation, timeout, instruction);
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
