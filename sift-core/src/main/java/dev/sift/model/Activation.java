package dev.sift.model;

/**
 * The function applied to a classifier's logits, as sentence-transformers' CrossEncoder and vLLM apply it.
 * Identity returns the raw logit.
 */
public enum Activation {
    SIGMOID,
    SOFTMAX,
    IDENTITY;

    /** Applies this activation to {@code count} logits starting at {@code offset}, writing into {@code out}. */
    public void apply(float[] logits, int offset, int count, double[] out, int outOffset) {
        switch (this) {
            case IDENTITY -> {
                for (int i = 0; i < count; i++) out[outOffset + i] = logits[offset + i];
            }
            case SIGMOID -> {
                for (int i = 0; i < count; i++) out[outOffset + i] = sigmoid(logits[offset + i]);
            }
            case SOFTMAX -> {
                double max = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < count; i++) max = Math.max(max, logits[offset + i]);
                double sum = 0;
                for (int i = 0; i < count; i++) {
                    double e = Math.exp(logits[offset + i] - max);
                    out[outOffset + i] = e;
                    sum += e;
                }
                for (int i = 0; i < count; i++) out[outOffset + i] /= sum;
            }
        }
    }

    public static double sigmoid(double x) {
        // Two branches keep exp() from overflowing for large |x|.
        if (x >= 0) return 1.0 / (1.0 + Math.exp(-x));
        double e = Math.exp(x);
        return e / (1.0 + e);
    }
}
