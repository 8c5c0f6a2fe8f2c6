package dev.sift.graph.blocks;

import dev.sift.graph.Attr;
import dev.sift.graph.Fusion;
import dev.sift.graph.GraphBuilder;
import java.util.List;

/** Layer normalisation with the checkpoint's parameters. */
public final class Norms {

    private Norms() {}

    /** {@code nn.LayerNorm} at {@code prefix} (weight, and bias when the checkpoint has one). */
    public static String layerNorm(GraphBuilder g, String x, String prefix, long hidden, double eps) {
        String bias = g.has(prefix + ".bias") ? g.weight(prefix + ".bias", hidden) : null;
        return g.layerNorm(x, g.weight(prefix + ".weight", hidden), bias, eps);
    }

    /** LayerNorm(x + residual): the post-norm residual of BERT-style layers. */
    public static String addAndNorm(GraphBuilder g, String x, String residual, String prefix, long hidden, double eps) {
        if (!g.fuses(Fusion.SKIP_LAYER_NORM)) return layerNorm(g, g.add(x, residual), prefix, hidden, eps);
        String gamma = g.weight(prefix + ".weight", hidden);
        List<Attr> epsilon = List.of(Attr.f("epsilon", (float) eps));
        return g.has(prefix + ".bias")
                ? g.contrib("SkipLayerNormalization", epsilon, x, residual, gamma, g.weight(prefix + ".bias", hidden))
                : g.contrib("SkipLayerNormalization", epsilon, x, residual, gamma);
    }

    /**
     * RMSNorm at {@code prefix} over the last axis: x·rsqrt(mean(x²) + eps) times the weight, or times
     * (1 + weight) with {@code unitOffset} (Gemma stores the weight centred on 0). No bias.
     */
    public static String rmsNorm(GraphBuilder g, String x, String prefix, long size, double eps, boolean unitOffset) {
        String meanSquare = g.op("ReduceMean", List.of(Attr.ints("axes", -1), Attr.i("keepdims", 1)), g.mul(x, x));
        String normed = g.mul(x, g.op("Reciprocal", g.op("Sqrt", g.add(meanSquare, g.scalar((float) eps)))));
        String weight = g.weight(prefix + ".weight", size);
        return g.mul(normed, unitOffset ? g.add(g.scalar(1f), weight) : weight);
    }
}
