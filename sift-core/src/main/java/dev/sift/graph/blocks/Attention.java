package dev.sift.graph.blocks;

import dev.sift.graph.Attr;
import dev.sift.graph.GraphBuilder;
import java.util.List;

/**
 * Multi-head self-attention on [batch, heads, sequence, head size] values: softmax(q·kᵀ·scale + biases)·v. The
 * projections (separate, packed, rotated) are the architectures' own; this is what they share.
 */
public final class Attention {

    /** transformers fills masked scores with the float32 minimum, so exp() gives exactly 0 for padding. */
    private static final float MASKED = -Float.MAX_VALUE;

    private Attention() {}

    /** The additive [batch, 1, 1, sequence] bias of an int64 attention mask: 0 where 1, float32 min where 0. */
    public static String maskBias(GraphBuilder g, String mask) {
        String inverted = g.sub(g.scalar(1f), g.castFloat(mask));
        return g.unsqueeze(g.mul(inverted, g.scalar(MASKED)), 1, 2);
    }

    /** [batch, sequence, heads·size] → [batch, heads, sequence, size]. */
    public static String splitHeads(GraphBuilder g, String x, long heads, long size) {
        return g.transpose(g.reshape(x, 0, 0, heads, size), 0, 2, 1, 3);
    }

    /** [batch, heads, sequence, size] → [batch, sequence, heads·size]. */
    public static String mergeHeads(GraphBuilder g, String x, long hidden) {
        return g.reshape(g.transpose(x, 0, 2, 1, 3), 0, 0, hidden);
    }

    /** softmax(q·kᵀ·scale + Σ biases)·v; each bias broadcasts to [batch, heads, sequence, sequence]. */
    public static String scaledDotProduct(GraphBuilder g, String q, String k, String v, float scale, String... biases) {
        String scores = g.mul(g.matmul(q, g.transpose(k, 0, 1, 3, 2)), g.scalar(scale));
        for (String bias : biases) scores = g.add(scores, bias);
        return g.matmul(g.softmax(scores), v);
    }

    /**
     * Self-attention of BERT-style layers as ONNX Runtime's fused Attention operator: the q, k and v projections at
     * {@code prefixes} packed into one [hidden, 3·hidden] GEMM (the packing is folded at load), the int32 mask
     * ({@link #maskIndex}) applied inside. Returns the [batch, sequence, hidden] context, before the output
     * projection. An int8 graph runs it as QAttention: x quantized to uint8 once (DynamicQuantizeLinear), the packed
     * weight int8 per output channel; the attention itself stays float32.
     */
    public static String fused(GraphBuilder g, String x, String maskIndex, List<String> prefixes, long hidden, long heads) {
        String[] w = new String[3];
        String[] scales = new String[3];
        String[] b = new String[3];
        for (int i = 0; i < 3; i++) {
            String weight = prefixes.get(i) + ".weight";
            if (g.int8()) {
                GraphBuilder.Int8Weight q = g.int8Weight(weight, hidden, hidden);
                w[i] = q.values();
                scales[i] = q.scales();
            } else {
                w[i] = g.weightT(weight, hidden, hidden);
            }
            b[i] = g.weight(prefixes.get(i) + ".bias", hidden);
        }
        String weights = g.op("Concat", List.of(Attr.i("axis", 1)), w);
        String bias = g.op("Concat", List.of(Attr.i("axis", 0)), b);
        List<Attr> attrs = List.of(Attr.i("num_heads", heads));
        if (!g.int8()) return g.contrib("Attention", attrs, x, weights, bias, maskIndex);
        String[] q = g.ops("DynamicQuantizeLinear", 3, List.of(), x); // uint8 values, scale, zero point
        return g.contrib("QAttention", attrs, q[0], weights, bias, q[1], g.op("Concat", List.of(Attr.i("axis", 0)), scales),
                maskIndex, q[2]);
    }

    /** The attention mask as the fused operator takes it: int32 [batch, sequence], 1 for tokens, 0 for padding. */
    public static String maskIndex(GraphBuilder g, String mask) {
        return g.op("Cast", List.of(Attr.i("to", 6)), mask);
    }

    /** Splits a packed [.., 3·hidden] projection into q, k and v along the last axis. */
    public static String[] splitPacked(GraphBuilder g, String qkv, long hidden) {
        return g.ops("Split", 3, List.of(Attr.i("axis", -1)), qkv, g.ints(hidden, hidden, hidden));
    }

    /**
     * The additive [batch, 1, sequence, sequence] bias of a decoder: query i attends key j when j ≤ i and j is a
     * real token (transformers' causal mask combined with the padding mask). Positions are [sequence] int64. Every
     * query sees key 0, so no row is all masked (padded queries of right-padded rows stay finite).
     */
    public static String causalBias(GraphBuilder g, String mask, String positions) {
        String causal = g.op("LessOrEqual", g.unsqueeze(positions, 0), g.unsqueeze(positions, 1));
        String keys = g.unsqueeze(g.op("Cast", List.of(Attr.i("to", 9)), mask), 1, 2); // 9: BOOL
        return g.op("Where", g.op("And", causal, keys), g.scalar(0f), g.scalar(MASKED));
    }

    /**
     * Grouped-query attention's {@code repeat_kv}: [batch, kvHeads, sequence, size] → [batch, kvHeads·groups,
     * sequence, size], each key/value head repeated for the {@code groups} query heads that share it.
     */
    public static String repeatKv(GraphBuilder g, String x, long kvHeads, long groups, long size) {
        if (groups == 1) return x;
        String expanded = g.op("Expand", g.unsqueeze(x, 2), g.ints(1, 1, groups, 1, 1));
        return g.reshape(expanded, 0, kvHeads * groups, -1, size);
    }
}
