package dev.sift.scoring;

/**
 * A pair's cached score and the tokens its input had, so that usage reads the same whether the score was computed
 * or found.
 */
record ScoredPair(double score, int tokens) {
    /** Object header, the double and the int, padded to 8. */
    static final int BYTES = 24;

    static PairScores collect(Reuse<?, ScoredPair> reuse, int size) {
        double[] scores = new double[size];
        int[] tokens = new int[size];
        for (int i = 0; i < size; i++) {
            ScoredPair s = reuse.result(i);
            scores[i] = s.score();
            tokens[i] = s.tokens();
        }
        return new PairScores(scores, tokens);
    }
}
