package dev.sift.graph.blocks;

import dev.sift.graph.GraphBuilder;
import dev.sift.model.ModelException;
import java.util.List;

/** The activations of transformers' ACT2FN that encoder rerankers use, by their config.json names. */
public final class Activations {

    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);

    private Activations() {}

    public static String apply(GraphBuilder g, String x, String name) {
        return switch (name) {
            case "gelu" -> gelu(g, x);
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> geluTanh(g, x);
            case "relu" -> g.op("Relu", x);
            case "silu", "swish" -> g.mul(x, g.op("Sigmoid", x));
            case "tanh" -> g.op("Tanh", x);
            default -> throw new ModelException("activation " + name
                    + " is not supported by Sift's graph builder (gelu, gelu_new, gelu_pytorch_tanh, relu, silu, tanh)");
        };
    }

    /** The exact GELU, x·Φ(x) with erf: ONNX Runtime's contrib kernel computes it in one pass. */
    public static String gelu(GraphBuilder g, String x) {
        return g.contrib("Gelu", List.of(), x);
    }

    /** The tanh approximation, 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
    static String geluTanh(GraphBuilder g, String x) {
        String cube = g.mul(g.mul(x, x), x);
        String inner = g.mul(g.add(x, g.mul(cube, g.scalar(0.044715f))), g.scalar(SQRT_2_OVER_PI));
        return g.mul(g.mul(x, g.scalar(0.5f)), g.add(g.op("Tanh", inner), g.scalar(1f)));
    }
}
