package dev.sift.model;

import java.util.Locale;

/** Which of a model folder's weights Sift runs (--weights). */
public enum WeightsFormat {
    /** The folder's ONNX graph when it ships one, else a graph built from its safetensors checkpoint. */
    AUTO,
    /** An ONNX graph: onnx/model.onnx, model.onnx, or the one --onnx-file or --int8 names. */
    ONNX,
    /** A graph Sift builds from config.json and model.safetensors (or its shards). */
    SAFETENSORS;

    public static WeightsFormat parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("weights must be onnx, safetensors or auto, got " + value);
        }
    }
}
