package dev.sift.scoring;

import dev.sift.batching.Scheduler;
import dev.sift.engine.Readout;
import dev.sift.model.Activation;
import dev.sift.model.ModelException;
import dev.sift.model.ModelSpec;
import dev.sift.tokenize.Encoded;
import dev.sift.tokenize.TextTokenizer;
import dev.sift.tokenize.Truncation;
import java.util.List;

/** A sequence classifier reading (query, document) together; its one logit, activated, is the score. */
final class CrossEncoderScorer extends Scorer {

    CrossEncoderScorer(ModelSpec spec, TextTokenizer tokenizer, Scheduler scheduler, Readout readout) {
        super(spec, tokenizer, scheduler, readout);
    }

    @Override
    public PairScores score(List<TextPair> pairs, ScoreOptions options) {
        List<Encoded> encoded = encodePairs(pairs, options);
        double[] scores = new double[pairs.size()];
        Activation activation = options.useActivation() ? spec.activation() : Activation.IDENTITY;
        infer(encoded, (input, output, row, length) -> {
            requireLabels(output.rowSize());
            activation.apply(output.data(), row * output.rowSize(), 1, scores, input);
        }, options);
        return new PairScores(scores, lengths(encoded));
    }

    @Override
    public Classification classify(List<TextPair> pairs, ScoreOptions options) {
        return classifyEncoded(encodePairs(pairs, options), options);
    }

    @Override
    public Classification classifyTexts(List<String> texts, ScoreOptions options) {
        Truncation truncation = options.textTruncation(spec.maxLength(), 0);
        return classifyEncoded(encodeAll(texts, t -> tokenizer.encode(t, truncation), options), options);
    }

    private List<Encoded> encodePairs(List<TextPair> pairs, ScoreOptions options) {
        Truncation truncation = options.pairTruncation(spec.maxLength());
        return encodeAll(pairs, p -> tokenizer.encodePair(p.query(), p.document(), truncation), options);
    }

    private Classification classifyEncoded(List<Encoded> encoded, ScoreOptions options) {
        int labels = spec.numLabels();
        float[][] logits = new float[encoded.size()][labels];
        double[][] scores = new double[encoded.size()][labels];
        Activation activation = options.useActivation() ? spec.activation() : Activation.IDENTITY;
        infer(encoded, (input, output, row, length) -> {
            requireLabels(output.rowSize());
            System.arraycopy(output.data(), row * labels, logits[input], 0, labels);
            activation.apply(output.data(), row * labels, labels, scores[input], 0);
        }, options);
        return new Classification(logits, scores, lengths(encoded));
    }

    private void requireLabels(int outputs) {
        if (outputs != spec.numLabels()) {
            throw new ModelException("ONNX graph " + spec.onnxFile() + " gives " + outputs
                    + " logits per input but config.json declares " + spec.numLabels() + " labels");
        }
    }
}
