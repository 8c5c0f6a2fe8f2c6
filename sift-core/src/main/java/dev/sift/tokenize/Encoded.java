package dev.sift.tokenize;

/**
 * One tokenized input, special tokens included and no padding.
 *
 * @param ids        token ids
 * @param typeIds    token type ids (0 for the first text, 1 for the second, where the tokenizer assigns them)
 * @param fullLength how long the input was before truncation to the total limit (after per-text caps); equal to
 *                   {@code ids.length} when nothing was cut
 */
public record Encoded(long[] ids, long[] typeIds, int fullLength) {

    public int length() {
        return ids.length;
    }

    public boolean truncated() {
        return fullLength > ids.length;
    }
}
