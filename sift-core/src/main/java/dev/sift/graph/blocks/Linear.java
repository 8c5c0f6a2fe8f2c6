package dev.sift.graph.blocks;

import dev.sift.graph.Attr;
import dev.sift.graph.Fusion;
import dev.sift.graph.GraphBuilder;
import java.util.List;

/**
 * {@code nn.Linear}: x·Wᵀ + b, with the checkpoint's [out, in] weight and its bias when it has one. With
 * {@link Fusion#MATMUL_TRANS_B} the weight is read as it lies (FusedMatMul, transB); without, a Transpose that
 * ONNX Runtime folds at load gives MatMul its [in, out] copy. An int8 graph ({@link GraphBuilder#int8()}) runs it as
 * DynamicQuantizeMatMul: the input quantized to uint8 per batch, the weight int8 per output channel, the bias added
 * in the same kernel.
 */
public final class Linear {

    private static final List<Attr> TRANS_B = List.of(Attr.i("transB", 1));

    private Linear() {}

    public static String apply(GraphBuilder g, String x, String prefix, long in, long out) {
        return apply(g, x, prefix, in, out, g.has(prefix + ".bias"));
    }

    /** The same, with a bias exactly when {@code bias} says (ModernBERT's config decides, not its checkpoint). */
    public static String apply(GraphBuilder g, String x, String prefix, long in, long out, boolean bias) {
        if (g.int8()) {
            GraphBuilder.Int8Weight w = g.int8Weight(prefix + ".weight", out, in);
            return bias ? g.contrib("DynamicQuantizeMatMul", List.of(), x, w.values(), w.scales(), "", g.weight(prefix + ".bias", out))
                    : g.contrib("DynamicQuantizeMatMul", List.of(), x, w.values(), w.scales());
        }
        String y = g.fuses(Fusion.MATMUL_TRANS_B)
                ? g.contrib("FusedMatMul", TRANS_B, x, g.weight(prefix + ".weight", out, in))
                : g.matmul(x, g.weightT(prefix + ".weight", out, in));
        return bias ? g.add(y, g.weight(prefix + ".bias", out)) : y;
    }
}
