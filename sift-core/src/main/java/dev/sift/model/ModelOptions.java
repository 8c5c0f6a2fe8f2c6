package dev.sift.model;

/**
 * What a user can override when a model is opened.
 *
 * @param maxModelLen a cap on tokens per input, or null for the model's own limit
 * @param onnxFile    the ONNX graph to run, relative to the model folder (a quantized variant, say), or
 *                    null for {@code onnx/model.onnx} or {@code model.onnx}
 */
public record ModelOptions(Integer maxModelLen, String onnxFile) {

    public static ModelOptions defaults() {
        return new ModelOptions(null, null);
    }

    public ModelOptions {
        if (maxModelLen != null && maxModelLen < 1) {
            throw new IllegalArgumentException("max model length must be positive, got " + maxModelLen);
        }
    }
}
