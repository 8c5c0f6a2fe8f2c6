package dev.sift.graph;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * ONNX Runtime's fused CPU operators (com.microsoft) the builder may emit instead of the plain-operator pattern.
 * Each is used only where it was measured to pay (docs/benchmarks.md); {@code sift.graph.fusions} (a system
 * property: a comma-separated list, or {@code none}) overrides the default, for benchmarking.
 */
public enum Fusion {
    /** Attention: one packed QKV GEMM and ONNX Runtime's attention kernel, for layers without extra score biases. */
    ATTENTION,
    /** SkipLayerNormalization: the residual add and the LayerNorm in one pass. */
    SKIP_LAYER_NORM,
    /**
     * FusedMatMul with transB: linear layers read the checkpoint's [out, in] weights as they lie, rather than
     * from a transposed copy folded at load, which ONNX Runtime keeps beside its packed weights.
     */
    MATMUL_TRANS_B;

    /**
     * All three: on MiniLM-L6's shape (bench/run --graphs) they were the fastest set within the run's spread, and
     * FusedMatMul keeps no transposed copy of the linear weights (about 40 MB less resident memory there).
     */
    public static final Set<Fusion> DEFAULT = Set.of(ATTENTION, SKIP_LAYER_NORM, MATMUL_TRANS_B);

    /** The default set, or the one {@code sift.graph.fusions} names. */
    public static Set<Fusion> configured() {
        String named = System.getProperty("sift.graph.fusions");
        if (named == null) return DEFAULT;
        EnumSet<Fusion> set = EnumSet.noneOf(Fusion.class);
        for (String part : named.split(",")) {
            String p = part.trim().toUpperCase(Locale.ROOT).replace('-', '_');
            if (!p.isEmpty() && !p.equals("NONE")) set.add(valueOf(p));
        }
        return set;
    }
}
