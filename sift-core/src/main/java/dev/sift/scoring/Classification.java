package dev.sift.scoring;

/**
 * A classifier's output for each input, in the order given.
 *
 * @param logits raw logits, one row per input, one column per label
 * @param probs  the model's activation applied to each row (a softmax for most multi-label heads)
 * @param tokens tokens the model read for each input
 */
public record Classification(float[][] logits, double[][] probs, int[] tokens) {}
