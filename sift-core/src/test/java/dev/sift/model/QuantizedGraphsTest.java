package dev.sift.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The int8 variant made for the CPU comes first, and on x86 signed weights before unsigned ones. */
class QuantizedGraphsTest {

    @Test
    void preferenceFollowsTheInstructionSet() {
        assertThat(QuantizedGraphs.preference("fpu avx2 avx512f avx512_vnni", "amd64").get(0)).isEqualTo("model_qint8_avx512_vnni.onnx");
        assertThat(QuantizedGraphs.preference("fpu avx2 avx512f", "amd64").get(0)).isEqualTo("model_qint8_avx512.onnx");
        // AVX2 without VNNI: the u8s8 kernels of the signed variants pay there, the unsigned variant's u8u8 ones do not.
        assertThat(QuantizedGraphs.preference("fpu avx2", "amd64")).startsWith("model_qint8_avx512_vnni.onnx",
                "model_qint8_avx512.onnx", "model_quint8_avx2.onnx");
        assertThat(QuantizedGraphs.preference("", "aarch64").get(0)).isEqualTo("model_qint8_arm64.onnx");
        assertThat(QuantizedGraphs.preference("fpu avx2", "amd64")).contains("model_qint8_avx512_vnni.onnx");
    }
}
