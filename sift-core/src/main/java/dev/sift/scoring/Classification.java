package dev.sift.scoring;

/**
 * A classifier's output for each input, in the order given.
 *
 * @param logits raw logits, one row per input, one column per label
 * @param probs  label probabilities: the softmax of each row, or the sigmoid of a single logit
 * @param tokens tokens the model read for each input
 */
public record Classification(float[][] logits, double[][] probs, int[] tokens) {}
