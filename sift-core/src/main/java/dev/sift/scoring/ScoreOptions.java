package dev.sift.scoring;

/**
 * Per-request choices.
 *
 * @param truncate      cut over-long inputs ({@code longest_first} for a pair); when false an input over the
 *                      model's maximum fails with {@link InputTooLongException}
 * @param truncateTo    the length to cut to when truncating; zero or negative means the model's maximum
 * @param useActivation apply the model's activation (sigmoid for most cross-encoders); false gives the raw logit.
 *                      Embedding scores (cosine) are unaffected.
 */
public record ScoreOptions(boolean truncate, int truncateTo, boolean useActivation) {

    /** Truncate to the model's maximum and activate, as sentence-transformers' CrossEncoder.predict does. */
    public static final ScoreOptions DEFAULT = new ScoreOptions(true, 0, true);

    /** The length inputs are cut to, given the model's maximum. */
    public int lengthLimit(int modelMaxLength) {
        return truncate && truncateTo > 0 ? Math.min(truncateTo, modelMaxLength) : modelMaxLength;
    }
}
