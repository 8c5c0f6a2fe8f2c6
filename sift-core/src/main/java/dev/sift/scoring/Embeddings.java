package dev.sift.scoring;

import dev.sift.engine.Output;
import dev.sift.model.Pooling;

/** Pooling of per-token hidden states and the cosine between embeddings, as sentence-transformers computes them. */
final class Embeddings {
    private Embeddings() {}

    /**
     * Pools row {@code row} of a [batch, tokens, hidden] output over its first {@code length} tokens (the rest is
     * padding) and optionally L2-normalises the result.
     */
    static float[] pool(Output states, int row, int length, Pooling pooling, boolean normalize) {
        int tokens = states.shape()[1];
        int hidden = states.shape()[2];
        float[] data = states.data();
        int rowStart = row * tokens * hidden;
        float[] out = new float[hidden];
        switch (pooling) {
            case CLS -> System.arraycopy(data, rowStart, out, 0, hidden);
            case LAST_TOKEN -> System.arraycopy(data, rowStart + (length - 1) * hidden, out, 0, hidden);
            case MEAN -> {
                double[] sum = new double[hidden];
                for (int t = 0; t < length; t++) {
                    int base = rowStart + t * hidden;
                    for (int h = 0; h < hidden; h++) sum[h] += data[base + h];
                }
                for (int h = 0; h < hidden; h++) out[h] = (float) (sum[h] / Math.max(length, 1));
            }
        }
        if (normalize) {
            double norm = Math.sqrt(dot(out, out));
            // sentence-transformers' Normalize divides by max(norm, 1e-12).
            double scale = 1.0 / Math.max(norm, 1e-12);
            for (int h = 0; h < hidden; h++) out[h] = (float) (out[h] * scale);
        }
        return out;
    }

    static double cosine(float[] a, float[] b) {
        double denominator = Math.max(Math.sqrt(dot(a, a)) * Math.sqrt(dot(b, b)), 1e-8);
        // Rounding can carry the cosine of identical texts just past 1.
        return Math.max(-1.0, Math.min(1.0, dot(a, b) / denominator));
    }

    private static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) sum += (double) a[i] * b[i];
        return sum;
    }
}
