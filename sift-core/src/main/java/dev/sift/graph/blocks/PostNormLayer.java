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
     * fuses them, else the additive float bias. Layers whose scores take further biases (MPNet's relative
     * positions) are never fused.
     */
    public record Mask(String index, String bias) {

        public static Mask of(GraphBuilder g, String attentionMask, boolean scoreBiases) {
            return g.fuses(Fusion.ATTENTION) && !scoreBiases ? new Mask(Attention.maskIndex(g, attentionMask), null)
                    : new Mask(null, Attention.maskBias(g, attentionMask));
        }
    }

    /**
     * Applies the layer to x [batch, sequence, hidden].
     *
     * @param scoreBiases further additive biases of the attention scores, [.., heads, sequence, sequence]; only
     *                    with a {@link Mask} made for them
     */
    public String apply(GraphBuilder g, String x, Mask mask, Shape s, String... scoreBiases) {
        String context;
        if (mask.index() != null) {
            context = Attention.fused(g, x, mask.index(), List.of(query, key, value), s.hidden(), s.heads());
        } else {
            String q = Attention.splitHeads(g, Linear.apply(g, x, query, s.hidden(), s.hidden()), s.heads(), s.headDim());
            String k = Attention.splitHeads(g, Linear.apply(g, x, key, s.hidden(), s.hidden()), s.heads(), s.headDim());
            String v = Attention.splitHeads(g, Linear.apply(g, x, value, s.hidden(), s.hidden()), s.heads(), s.headDim());
            float scale = (float) (1 / Math.sqrt(s.headDim()));
            String[] biases = new String[scoreBiases.length + 1];
            System.arraycopy(scoreBiases, 0, biases, 0, scoreBiases.length);
            biases[scoreBiases.length] = mask.bias();
            context = Attention.mergeHeads(g, Attention.scaledDotProduct(g, q, k, v, scale, biases), s.hidden());
        }
        String attended = Linear.apply(g, context, output, s.hidden(), s.hidden());
        x = Norms.addAndNorm(g, attended, x, attnNorm, s.hidden(), s.eps());
        String inner = Activations.apply(g, Linear.apply(g, x, up, s.hidden(), s.intermediate()), s.activation());
        String out = Linear.apply(g, inner, down, s.intermediate(), s.hidden());
        return Norms.addAndNorm(g, out, x, outNorm, s.hidden(), s.eps());
    }
}
