package dev.sift.scoring;

/**
 * Scores of pairs, in the order they were given.
 *
 * @param scores one score per pair
 * @param tokens tokens the model read for each pair (special tokens included)
 */
public record PairScores(double[] scores, int[] tokens) {

    public int size() {
        return scores.length;
    }

    public long totalTokens() {
        long total = 0;
        for (int t : tokens) total += t;
        return total;
    }
}
