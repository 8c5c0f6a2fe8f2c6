package dev.sift.tokenize;

/**
 * One tokenized input, special tokens included and no padding.
 *
 * @param ids       token ids
 * @param typeIds   token type ids (0 for the first text, 1 for the second, where the tokenizer assigns them)
 * @param truncated whether tokens were dropped to fit the maximum length
 */
public record Encoded(long[] ids, long[] typeIds, boolean truncated) {

    public int length() {
        return ids.length;
    }
}
