package dev.sift.graph;

import dev.sift.model.CpuFlags;
import dev.sift.weights.TensorData;
import java.nio.ByteBuffer;

/**
 * Linear weights quantized to int8 for ONNX Runtime's u8s8 integer GEMMs (activations are quantized to uint8 per
 * batch, inside the operator): symmetric, one scale per output channel, {@code scale = max|w| / levels}, zero point
 * 0. Signed weights matter on AVX2: MLAS multiplies uint8 by int8 with VPMADDUBSW, while uint8 weights take its
 * much slower u8u8 path (docs/int8.md). That instruction adds two products in int16 and saturates beyond 32,767;
 * {@link #levels()} keeps weights within ±{@value #AVX2_LEVELS} where it is used, so 2·255·63 never does.
 */
final class Int8Weights {

    /** Full-range int8, where the u8s8 kernel does not saturate (VNNI, AVX-VNNI, ARM). */
    static final int FULL_LEVELS = 127;
    /** 7-bit weights for AVX2's VPMADDUBSW, as onnxruntime.quantization's reduce_range makes them. */
    static final int AVX2_LEVELS = 63;

    /** @param values [in, out] int8, row-major: the transposed layout MatMul's B takes */
    record Quantized(byte[] values, float[] scales) {}

    private Int8Weights() {}

    /** The weight levels for this machine's CPU. */
    static int levels() {
        return levels(CpuFlags.read(), System.getProperty("os.arch", ""));
    }

    static int levels(String flags, String arch) {
        boolean x86 = arch.contains("amd64") || arch.contains("x86");
        return !x86 || CpuFlags.has(flags, "avx512_vnni") || CpuFlags.has(flags, "avx_vnni") ? FULL_LEVELS : AVX2_LEVELS;
    }

    /** Quantizes a checkpoint's [out, in] weight (float32, float16 or bfloat16), one output row at a time. */
    static Quantized quantize(TensorData t, int levels) {
        long[] shape = t.shape();
        int out = Math.toIntExact(shape[0]);
        int in = Math.toIntExact(shape[1]);
        byte[] values = new byte[Math.multiplyExact(in, out)];
        float[] scales = new float[out];
        float[] row = new float[in];
        ByteBuffer bytes = t.bytes();
        for (int o = 0; o < out; o++) {
            float max = 0;
            for (int i = 0; i < in; i++) {
                long index = (long) o * in + i;
                row[i] = switch (t.dtype()) {
                    case F32 -> bytes.getFloat(Math.toIntExact(index * 4));
                    case F16 -> Float.float16ToFloat(bytes.getShort(Math.toIntExact(index * 2)));
                    case BF16 -> Float.intBitsToFloat(bytes.getShort(Math.toIntExact(index * 2)) << 16);
                };
                max = Math.max(max, Math.abs(row[i]));
            }
            float scale = max > 0 ? max / levels : 1f;
            scales[o] = scale;
            for (int i = 0; i < in; i++) {
                values[i * out + o] = (byte) Math.max(-levels, Math.min(levels, Math.round(row[i] / scale)));
            }
        }
        return new Quantized(values, scales);
    }
}
