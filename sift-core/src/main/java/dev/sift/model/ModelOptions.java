package dev.sift.model;

/**
 * What a user can override when a model is opened.
 *
 * @param maxModelLen a cap on tokens per input, or null for the model's own limit
 * @param onnxFile    the ONNX graph to run, relative to the model folder, or null for {@code onnx/model.onnx} or
 *                    {@code model.onnx}
 * @param int8        run int8: the graph built from safetensors with int8 linear layers, or the folder's
 *                    dynamically quantized ONNX graph, the variant that suits this CPU ({@link QuantizedGraphs});
 *                    not together with {@code onnxFile}
 * @param llmReranker the {@link LlmReranker} family of a causal language model, or null to tell it from the
 *                    model's name
 * @param weights     which weights to run when the folder has both an ONNX graph and a safetensors checkpoint
 */
public record ModelOptions(Integer maxModelLen, String onnxFile, boolean int8, LlmReranker llmReranker,
                           WeightsFormat weights) {

    public static ModelOptions defaults() {
        return new ModelOptions(null, null, false, null, WeightsFormat.AUTO);
    }

    public ModelOptions(Integer maxModelLen, String onnxFile, boolean int8) {
        this(maxModelLen, onnxFile, int8, null, WeightsFormat.AUTO);
    }

    public ModelOptions withLlmReranker(LlmReranker family) {
        return new ModelOptions(maxModelLen, onnxFile, int8, family, weights);
    }

    public ModelOptions withWeights(WeightsFormat format) {
        return new ModelOptions(maxModelLen, onnxFile, int8, llmReranker, format);
    }

    public ModelOptions {
        if (weights == null) weights = WeightsFormat.AUTO;
        if (weights == WeightsFormat.SAFETENSORS && onnxFile != null) {
            throw new IllegalArgumentException("--weights safetensors builds the graph from the checkpoint; "
                    + "--onnx-file chooses an ONNX graph: use one or the other");
        }
        if (maxModelLen != null && maxModelLen < 1) {
            throw new IllegalArgumentException("max model length must be positive, got " + maxModelLen);
        }
        if (int8 && onnxFile != null) {
            throw new IllegalArgumentException("choose the graph either by file (--onnx-file) or by precision (--int8), not both");
        }
    }
}
