package dev.sift.graph;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sift.weights.DType;
import dev.sift.weights.TensorData;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** Per-output-channel symmetric int8, transposed to [in, out], and the weight range each CPU's kernel takes. */
class Int8WeightsTest {

    @Test
    void eachOutputRowGetsItsOwnScaleAndTheValuesAreTransposed() {
        // [out 2, in 3]: row 0 spans ±2, row 1 ±0.5; a zero row must not divide by zero.
        float[][] w = {{2f, -1.5f, 0.5f}, {0.5f, 0.1f, -0.4f}};
        Int8Weights.Quantized q = Int8Weights.quantize(tensor(DType.F32, w), 127);
        assertThat(q.scales()).containsExactly(2f / 127, 0.5f / 127);
        // values[i * out + o] = round(w[o][i] / scale[o])
        assertThat(q.values()).containsExactly((byte) 127, (byte) 127, (byte) -95, (byte) 25, (byte) 32, (byte) -102);

        Int8Weights.Quantized zero = Int8Weights.quantize(tensor(DType.F32, new float[][] {{0f, 0f}}), 63);
        assertThat(zero.scales()).containsExactly(1f);
        assertThat(zero.values()).containsExactly((byte) 0, (byte) 0);
    }

    @Test
    void halfPrecisionWeightsQuantizeAsTheirFloatValues() {
        float[][] w = {{1f, -0.75f, 0.125f, -1f}};
        for (DType dtype : new DType[] {DType.F16, DType.BF16}) {
            Int8Weights.Quantized q = Int8Weights.quantize(tensor(dtype, w), 63);
            assertThat(q.scales()).as(dtype.name()).containsExactly(1f / 63);
            assertThat(q.values()).as(dtype.name()).containsExactly((byte) 63, (byte) -47, (byte) 8, (byte) -63);
        }
    }

    @Test
    void sevenBitWeightsOnlyWhereVpmaddubswCouldSaturate() {
        assertThat(Int8Weights.levels("fpu sse4_2 avx2 fma", "amd64")).isEqualTo(Int8Weights.AVX2_LEVELS);
        assertThat(Int8Weights.levels("avx2 avx512f avx512bw", "amd64")).isEqualTo(Int8Weights.AVX2_LEVELS);
        assertThat(Int8Weights.levels("avx2 avx512f avx512_vnni", "amd64")).isEqualTo(Int8Weights.FULL_LEVELS);
        assertThat(Int8Weights.levels("avx2 avx_vnni", "amd64")).isEqualTo(Int8Weights.FULL_LEVELS);
        assertThat(Int8Weights.levels("", "aarch64")).isEqualTo(Int8Weights.FULL_LEVELS);
        assertThat(2 * 255 * Int8Weights.AVX2_LEVELS).isLessThanOrEqualTo(Short.MAX_VALUE);
    }

    private static TensorData tensor(DType dtype, float[][] rows) {
        int out = rows.length;
        int in = rows[0].length;
        ByteBuffer bytes = ByteBuffer.allocate(out * in * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] row : rows) {
            for (float v : row) {
                switch (dtype) {
                    case F32 -> bytes.putFloat(v);
                    case F16 -> bytes.putShort(Float.floatToFloat16(v));
                    case BF16 -> bytes.putShort((short) (Float.floatToIntBits(v) >>> 16));
                }
            }
        }
        return new TensorData("w", dtype, new long[] {out, in}, bytes.flip(), "model.safetensors", 0);
    }
}
