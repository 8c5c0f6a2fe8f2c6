package dev.sift.scoring;

/**
 * A classifier's output for each input, in the order given.
 *
 * @param logits raw logits, one row per input, one column per label
 * @param scores the model's activation applied to each row (sentence-transformers' CrossEncoder.predict), or the
 *               logits again when the request turned activation off
 * @param tokens tokens the model read for each input
 */
public record Classification(float[][] logits, double[][] scores, int[] tokens) {

    public long totalTokens() {
        long total = 0;
        for (int t : tokens) total += t;
        return total;
    }
}
