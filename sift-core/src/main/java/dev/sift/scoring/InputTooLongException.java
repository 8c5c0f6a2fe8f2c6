package dev.sift.scoring;

/** An input exceeds the model's maximum length and the request did not ask for truncation. */
public final class InputTooLongException extends RuntimeException {
    private final int maxLength;
    private final int atLeastTokens;

    public InputTooLongException(int maxLength, int atLeastTokens) {
        super("input of at least " + atLeastTokens + " tokens exceeds the maximum of " + maxLength);
        this.maxLength = maxLength;
        this.atLeastTokens = atLeastTokens;
    }

    public int maxLength() {
        return maxLength;
    }

    /** The input's length in tokens (after any per-text caps). */
    public int atLeastTokens() {
        return atLeastTokens;
    }
}
