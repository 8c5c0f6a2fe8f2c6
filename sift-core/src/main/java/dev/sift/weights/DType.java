package dev.sift.weights;

import java.util.Optional;

/** The element types Sift reads from a checkpoint; the computation itself runs in float32. */
public enum DType {
    F32("F32", 4),
    F16("F16", 2),
    BF16("BF16", 2);

    private final String safetensorsName;
    private final int bytes;

    DType(String safetensorsName, int bytes) {
        this.safetensorsName = safetensorsName;
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    /** The type named in a safetensors header ({@code "F32"}, {@code "F16"}, {@code "BF16"}), if Sift reads it. */
    static Optional<DType> fromSafetensors(String name) {
        for (DType t : values()) {
            if (t.safetensorsName.equals(name)) return Optional.of(t);
        }
        return Optional.empty();
    }
}
