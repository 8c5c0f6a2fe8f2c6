package dev.sift.graph.blocks;

import dev.sift.graph.GraphBuilder;

/** {@code nn.Linear}: x·Wᵀ + b, with the checkpoint's [out, in] weight and its bias when it has one. */
public final class Linear {

    private Linear() {}

    public static String apply(GraphBuilder g, String x, String prefix, long in, long out) {
        String y = g.matmul(x, g.weightT(prefix + ".weight", out, in));
        return g.has(prefix + ".bias") ? g.add(y, g.weight(prefix + ".bias", out)) : y;
    }
}
