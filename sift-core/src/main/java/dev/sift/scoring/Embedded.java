package dev.sift.scoring;

/**
 * Embeddings of texts, in the order given.
 *
 * @param vectors one vector per text (normalised where the model normalises)
 * @param tokens  tokens the model read for each text
 */
public record Embedded(float[][] vectors, int[] tokens) {

    public long totalTokens() {
        long total = 0;
        for (int t : tokens) total += t;
        return total;
    }
}
