package dev.sift.tokenize;

/**
 * How an input is cut to fit: first each text to its own cap, then the whole input to {@code maxTokens} with
 * Hugging Face's {@code longest_first} rule (the longer text loses tokens first), from the chosen side.
 *
 * @param maxTokens       tokens allowed in all, special tokens included
 * @param side            which end of a text loses tokens
 * @param maxFirstTokens  cap on the first text's own tokens (the query); zero for none
 * @param maxSecondTokens cap on the second text's own tokens (the document); zero for none
 */
public record Truncation(int maxTokens, Side side, int maxFirstTokens, int maxSecondTokens) {

    /** Which end of a text loses tokens. */
    public enum Side { RIGHT, LEFT }

    public Truncation {
        if (maxTokens < 0 || maxFirstTokens < 0 || maxSecondTokens < 0) {
            throw new IllegalArgumentException("token limits cannot be negative");
        }
    }

    /** Keep the first {@code maxTokens} tokens, as transformers truncates by default. */
    public static Truncation right(int maxTokens) {
        return new Truncation(maxTokens, Side.RIGHT, 0, 0);
    }

    /**
     * How many tokens of each text survive {@code longest_first} truncation to {@code budget} content tokens:
     * the Rust tokenizers library's rule, so that ids match transformers' fast tokenizers exactly.
     */
    static int[] longestFirst(int first, int second, int budget) {
        if (first + second <= budget) return new int[] {first, second};
        if (budget <= 0) return new int[] {0, 0};
        boolean swapped = first > second;
        int shorter = swapped ? second : first;
        int longer;
        if (shorter > budget) {
            longer = shorter;
        } else {
            longer = Math.max(shorter, budget - shorter);
        }
        if (shorter + longer > budget) {
            shorter = budget / 2;
            longer = shorter + budget % 2;
        }
        int keepFirst = swapped ? longer : shorter;
        int keepSecond = swapped ? shorter : longer;
        return new int[] {Math.min(first, keepFirst), Math.min(second, keepSecond)};
    }
}
