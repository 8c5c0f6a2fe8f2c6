package dev.sift.graph.arch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sift.graph.Architecture;
import dev.sift.graph.Attr;
import dev.sift.graph.GraphBuilder;
import dev.sift.graph.Head;
import dev.sift.graph.ModelConfig;
import dev.sift.graph.blocks.Activations;
import dev.sift.graph.blocks.Attention;
import dev.sift.graph.blocks.Embeddings;
import dev.sift.graph.blocks.Linear;
import dev.sift.graph.blocks.Rotary;
import dev.sift.graph.onnx.OnnxIr.TensorProto.DataType;
import java.util.ArrayList;
import java.util.List;

/**
 * ModernBERT (transformers' ModernBertModel and ModernBertForSequenceClassification). Pre-norm layers,
 * x + attention(LN(x)) then x + GeGLU(LN(x)), the first layer without its attention norm; RoPE instead of position
 * embeddings; global layers attend to the whole sequence, the others ("sliding") only to tokens at most
 * local_attention/2 away. Both kinds have their own RoPE theta. Biases follow the config's flags, not the checkpoint.
 */
public final class ModernBert implements Architecture {

    private static final String GLOBAL = "full_attention";
    private static final String SLIDING = "sliding_attention";

    @Override
    public void build(ModelConfig c, GraphBuilder g, Head head) {
        int hidden = c.integer("hidden_size");
        int heads = c.integer("num_attention_heads");
        int headDim = c.headDim(hidden, heads);
        int layers = c.integer("num_hidden_layers");
        int intermediate = c.integer("intermediate_size");
        int vocab = c.integer("vocab_size");
        int positions = c.integer("max_position_embeddings");
        double eps = c.number("norm_eps", 1e-5);
        String act = c.text("hidden_activation", "gelu");
        boolean normBias = c.flag("norm_bias", false);
        boolean attentionBias = c.flag("attention_bias", false);
        boolean mlpBias = c.flag("mlp_bias", false);
        List<String> types = layerTypes(c, layers);
        String p = Prefixes.of(g, "embeddings.tok_embeddings.weight", List.of("model.", ""));
        Layers l = new Layers(g, hidden, eps, normBias);

        String ids = g.tokenInput("input_ids");
        String mask = g.tokenInput("attention_mask");
        String x = l.norm(Embeddings.lookup(g, p + "embeddings.tok_embeddings.weight", vocab, hidden, ids),
                p + "embeddings.norm");

        String positionIds = Embeddings.positions(g, ids);
        // Tables and masks only for the layer types the model has.
        boolean anyGlobal = types.contains(GLOBAL);
        boolean anySliding = types.contains(SLIDING);
        Rotary globalRope = anyGlobal ? rope(c, g, GLOBAL, headDim, positions, positionIds) : null;
        Rotary slidingRope = anySliding ? rope(c, g, SLIDING, headDim, positions, positionIds) : null;
        String globalBias = anyGlobal ? Attention.maskBias(g, mask) : null;
        String slidingBias = anySliding
                ? slidingWindowBias(g, mask, positionIds, c.integer("local_attention", 128) / 2) : null;
        float scale = (float) (1 / Math.sqrt(headDim));

        for (int i = 0; i < layers; i++) {
            String lp = p + "layers." + i + ".";
            boolean sliding = types.get(i).equals(SLIDING);
            Rotary rope = sliding ? slidingRope : globalRope;
            // Layer 0's attn_norm is nn.Identity: the embeddings were just normalised.
            String normed = i == 0 ? x : l.norm(x, lp + "attn_norm");
            String packed = l.linear(normed, lp + "attn.Wqkv", hidden, 3L * hidden, attentionBias);
            String[] qkv = Attention.splitPacked(g, packed, hidden);
            String q = rope.apply(g, Attention.splitHeads(g, qkv[0], heads, headDim));
            String k = rope.apply(g, Attention.splitHeads(g, qkv[1], heads, headDim));
            String v = Attention.splitHeads(g, qkv[2], heads, headDim);
            String context = Attention.mergeHeads(g,
                    Attention.scaledDotProduct(g, q, k, v, scale, sliding ? slidingBias : globalBias), hidden);
            x = g.add(x, l.linear(context, lp + "attn.Wo", hidden, hidden, attentionBias));

            // GeGLU: Wi makes [input | gate]; act(input)·gate.
            String wi = l.linear(l.norm(x, lp + "mlp_norm"), lp + "mlp.Wi", hidden, 2L * intermediate, mlpBias);
            String[] chunks = g.ops("Split", 2, List.of(Attr.i("axis", -1)), wi, g.ints(intermediate, intermediate));
            String gated = g.mul(Activations.apply(g, chunks[0], act), chunks[1]);
            x = g.add(x, l.linear(gated, lp + "mlp.Wo", intermediate, hidden, mlpBias));
        }
        x = l.norm(x, p + "final_norm");

        if (Heads.hiddenStates(head, g, x, hidden)) return;
        String pooled = switch (c.text("classifier_pooling", "cls")) {
            case "cls" -> Heads.firstToken(g, x);
            case "mean" -> maskedMean(g, x, mask);
            default -> throw c.unsupported("classifier_pooling", c.text("classifier_pooling", "cls"), "cls, mean");
        };
        String dense = l.linear(pooled, "head.dense", hidden, hidden, c.flag("classifier_bias", false));
        String headOut = l.norm(Activations.apply(g, dense, c.text("classifier_activation", "gelu")), "head.norm");
        int labels = Heads.labels(c);
        // The classifier is a plain nn.Linear: always with a bias.
        String logits = l.linear(headOut, "classifier", hidden, labels, true);
        Heads.logits(g, logits, labels);
    }

    /** Linear layers and LayerNorms whose biases the config decides (a bias it denies is not looked for). */
    private record Layers(GraphBuilder g, long hidden, double eps, boolean normBias) {

        String linear(String x, String prefix, long in, long out, boolean bias) {
            return Linear.apply(g, x, prefix, in, out, bias);
        }

        String norm(String x, String prefix) {
            return g.layerNorm(x, g.weight(prefix + ".weight", hidden),
                    normBias ? g.weight(prefix + ".bias", hidden) : null, eps);
        }
    }

    /**
     * layer_types as transformers 5 writes it; configs of transformers 4 have global_attn_every_n_layers instead
     * (layer i is global when i is a multiple of it), which transformers 5 turns into the same list.
     */
    private static List<String> layerTypes(ModelConfig c, int layers) {
        JsonNode listed = c.node("layer_types");
        List<String> types = new ArrayList<>();
        if (listed.isArray()) {
            listed.forEach(t -> types.add(t.asText()));
            if (types.size() != layers) throw c.unsupported("layer_types", listed, "one per hidden layer");
            for (String t : types) {
                if (!t.equals(GLOBAL) && !t.equals(SLIDING)) throw c.unsupported("layer_types", t, GLOBAL + ", " + SLIDING);
            }
            return types;
        }
        int every = c.integer("global_attn_every_n_layers", 3);
        if (every < 1) throw c.unsupported("global_attn_every_n_layers", every, "a positive integer");
        for (int i = 0; i < layers; i++) types.add(i % every == 0 ? GLOBAL : SLIDING);
        return types;
    }

    /**
     * The RoPE of a layer type, with theta rope_parameters[type].rope_theta (transformers 5), else global_rope_theta
     * or local_rope_theta (transformers 4), else transformers' defaults 160000 and 10000. Sift never feeds more than
     * max_position_embeddings tokens, so that many rows of the table suffice.
     */
    private static Rotary rope(ModelConfig c, GraphBuilder g, String type, int headDim, int rows, String positionIds) {
        return Rotary.at(g, Rotary.inverseFrequencies(ropeTheta(c, type), headDim), rows, positionIds);
    }

    private static double ropeTheta(ModelConfig c, String type) {
        if (!c.node("rope_scaling").isMissingNode() && !c.node("rope_scaling").isNull()) {
            throw c.unsupported("rope_scaling", c.node("rope_scaling"), "none: plain RoPE");
        }
        JsonNode params = c.node("rope_parameters").path(type);
        String ropeType = params.path("rope_type").asText("default");
        if (!ropeType.equals("default")) throw c.unsupported("rope_parameters." + type + ".rope_type", ropeType, "default");
        if (params.path("rope_theta").isNumber()) return params.path("rope_theta").asDouble();
        double global = c.number("global_rope_theta", 160_000);
        if (type.equals(GLOBAL)) return global;
        // transformers 4 gave the local layers the global theta when local_rope_theta was null.
        return c.node("local_rope_theta").isNull() ? global : c.number("local_rope_theta", 10_000);
    }

    /**
     * The additive [batch, 1, sequence, sequence] bias of the sliding layers: a key is attended when it is not
     * padding and |query - key| ≤ window, as transformers' bidirectional sliding-window mask. One Where over the
     * combined condition, so a padded query whose whole window is padding gets a finite, uniform row (never NaN).
     */
    private static String slidingWindowBias(GraphBuilder g, String mask, String positionIds, long window) {
        String distance = g.op("Abs", g.sub(g.unsqueeze(positionIds, 1), g.unsqueeze(positionIds, 0)));
        String near = g.op("LessOrEqual", distance, g.ints(window));
        String keys = g.unsqueeze(g.op("Cast", List.of(Attr.i("to", DataType.BOOL_VALUE)), mask), 1, 2);
        String attended = g.op("And", near, keys);
        return g.op("Where", attended, g.scalar(0f), g.scalar(-Float.MAX_VALUE));
    }

    /** The mean of x [batch, sequence, hidden] over the tokens the mask keeps, [batch, hidden]. */
    private static String maskedMean(GraphBuilder g, String x, String mask) {
        String weights = g.unsqueeze(g.castFloat(mask), 2);
        String sum = g.op("ReduceSum", List.of(Attr.i("keepdims", 0)), g.mul(x, weights), g.ints(1));
        String count = g.op("ReduceSum", List.of(Attr.i("keepdims", 0)), weights, g.ints(1));
        return g.div(sum, count);
    }
}
