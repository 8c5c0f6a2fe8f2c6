package dev.sift.graph.blocks;

import dev.sift.graph.Fusion;
import dev.sift.graph.GraphBuilder;
import java.util.List;

/**
 * The post-norm encoder layer of BERT and the families that copy it under other tensor names:
 * x = LayerNorm(x + attention(x)), then x = LayerNorm(x + down(act(up(x)))).
 *
 * @param query     the query projection's prefix (and key, value: the other two)
 * @param output    the attention output projection
 * @param attnNorm  the LayerNorm after attention
 * @param up        the feed-forward's first linear layer, {@code down} its second
 * @param outNorm   the LayerNorm after the feed-forward
 */
public record PostNormLayer(String query, String key, String value, String output, String attnNorm, String up,
                            String down, String outNorm) {

    /** The sizes and options every layer of a model shares. */
    public record Shape(long hidden, long heads, long intermediate, double eps, String activation) {

        long headDim() {
            return hidden / heads;
        }
    }

    /**
     * The attention mask in the form the layers take: ONNX Runtime's int32 mask index when {@link Fusion#ATTENTION}
     * fuses them, else the additive float bias.
     */
    public static String mask(GraphBuilder g, String attentionMask) {
        return g.fuses(Fusion.ATTENTION) ? Attention.maskIndex(g, attentionMask) : Attention.maskBias(g, attentionMask);
    }

    /** Applies the layer to x [batch, sequence, hidden]; {@code mask} comes from {@link #mask}. */
    public String apply(GraphBuilder g, String x, String mask, Shape s) {
        String context;
        if (g.fuses(Fusion.ATTENTION)) {
            context = Attention.fused(g, x, mask, List.of(query, key, value), s.hidden(), s.heads());
        } else {
            String q = Attention.splitHeads(g, Linear.apply(g, x, query, s.hidden(), s.hidden()), s.heads(), s.headDim());
            String k = Attention.splitHeads(g, Linear.apply(g, x, key, s.hidden(), s.hidden()), s.heads(), s.headDim());
            String v = Attention.splitHeads(g, Linear.apply(g, x, value, s.hidden(), s.hidden()), s.heads(), s.headDim());
            float scale = (float) (1 / Math.sqrt(s.headDim()));
            context = Attention.mergeHeads(g, Attention.scaledDotProduct(g, q, k, v, scale, mask), s.hidden());
        }
        String attended = Linear.apply(g, context, output, s.hidden(), s.hidden());
        x = Norms.addAndNorm(g, attended, x, attnNorm, s.hidden(), s.eps());
        String inner = Activations.apply(g, Linear.apply(g, x, up, s.hidden(), s.intermediate()), s.activation());
        String out = Linear.apply(g, inner, down, s.intermediate(), s.hidden());
        return Norms.addAndNorm(g, out, x, outNorm, s.hidden(), s.eps());
    }
}
