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
import dev.sift.graph.blocks.Norms;
import dev.sift.graph.blocks.Rotary;
import java.util.List;

/**
 * GTE-multilingual and GTE v1.5: NewModel and NewForSequenceClassification of the remote code in
 * Alibaba-NLP/new-impl (model_type "new"). BERT's post-norm layers with RoPE (optionally NTK-scaled) in place of
 * position embeddings, a packed qkv projection and a gated-GELU MLP. unpad_inputs and
 * use_memory_efficient_attention only change how the reference computes the same values, so they are ignored.
 */
public final class Gte implements Architecture {

    @Override
    public void build(ModelConfig c, GraphBuilder g, Head head) {
        int hidden = c.integer("hidden_size");
        int heads = c.integer("num_attention_heads");
        int headDim = c.headDim(hidden, heads);
        int layers = c.integer("num_hidden_layers");
        int intermediate = c.integer("intermediate_size");
        int vocab = c.integer("vocab_size");
        int positions = c.integer("max_position_embeddings", 2048);
        int types = c.integer("type_vocab_size", 1);
        double eps = c.number("layer_norm_eps", 1e-12);
        String act = c.text("hidden_act", "gelu");
        String positionType = c.text("position_embedding_type", "rope");
        if (!positionType.equals("rope")) throw c.unsupported("position_embedding_type", positionType, "rope");
        String normType = c.text("layer_norm_type", "layer_norm");
        if (!normType.equals("layer_norm")) throw c.unsupported("layer_norm_type", normType, "layer_norm");
        if (c.flag("logn_attention_scale", false)) throw c.unsupported("logn_attention_scale", true, "false");
        boolean packed = c.flag("pack_qkv", true);
        String p = Prefixes.of(g, "embeddings.word_embeddings.weight", List.of("new.", ""));

        String ids = g.tokenInput("input_ids");
        String mask = g.tokenInput("attention_mask");
        String x = Embeddings.lookup(g, p + "embeddings.word_embeddings.weight", vocab, hidden, ids);
        x = Embeddings.addTokenTypes(g, x, p + "embeddings.token_type_embeddings.weight", types, hidden);
        x = Norms.layerNorm(g, x, p + "embeddings.LayerNorm", hidden, eps);

        // Positions count from 0 for every row (no padding offset); Sift never feeds more than
        // max_position_embeddings tokens, so that many rows of the table suffice.
        Rotary rope = Rotary.at(g, inverseFrequencies(c, headDim, positions), positions, Embeddings.positions(g, ids));
        String bias = Attention.maskBias(g, mask);
        float scale = (float) (1 / Math.sqrt(headDim));
        for (int i = 0; i < layers; i++) {
            String l = p + "encoder.layer." + i + ".";
            String[] qkv = packed
                    ? Attention.splitPacked(g, Linear.apply(g, x, l + "attention.qkv_proj", hidden, 3L * hidden), hidden)
                    : new String[] {Linear.apply(g, x, l + "attention.q_proj", hidden, hidden),
                            Linear.apply(g, x, l + "attention.k_proj", hidden, hidden),
                            Linear.apply(g, x, l + "attention.v_proj", hidden, hidden)};
            String q = rope.apply(g, Attention.splitHeads(g, qkv[0], heads, headDim));
            String k = rope.apply(g, Attention.splitHeads(g, qkv[1], heads, headDim));
            String v = Attention.splitHeads(g, qkv[2], heads, headDim);
            String context = Attention.mergeHeads(g, Attention.scaledDotProduct(g, q, k, v, scale, bias), hidden);
            String attended = Linear.apply(g, context, l + "attention.o_proj", hidden, hidden);
            x = Norms.addAndNorm(g, attended, x, l + "attn_ln", hidden, eps);

            // NewGatedMLP: up_gate_proj makes [up | gate]; down_proj(act(gate)·up).
            String upGate = Linear.apply(g, x, l + "mlp.up_gate_proj", hidden, 2L * intermediate);
            String[] chunks = g.ops("Split", 2, List.of(Attr.i("axis", -1)), upGate, g.ints(intermediate, intermediate));
            String gated = g.mul(Activations.apply(g, chunks[1], act), chunks[0]);
            String out = Linear.apply(g, gated, l + "mlp.down_proj", intermediate, hidden);
            x = Norms.addAndNorm(g, out, x, l + "mlp_ln", hidden, eps);
        }

        if (Heads.hiddenStates(head, g, x, hidden)) return;
        int labels = Heads.labels(c);
        String pooled = g.op("Tanh", Linear.apply(g, Heads.firstToken(g, x), p + "pooler.dense", hidden, hidden));
        Heads.logits(g, Linear.apply(g, pooled, "classifier", hidden, labels), labels);
    }

    /**
     * RoPE frequencies as new-impl's (NTKScaling)RotaryEmbedding computes them. With rope_scaling type "ntk" the
     * reference caches max_position_embeddings·factor positions; whenever that is more than
     * max_position_embeddings, it rescales: fixed NTK multiplies the base by the factor and divides the
     * frequencies by factor^(2/size); mixed NTK (mixed_b) divides frequency i by exp(a·(i+1)^b), a = ln(factor) /
     * (size/2)^b. The rescaled frequencies then serve every sequence length.
     */
    private static float[] inverseFrequencies(ModelConfig c, int size, int positions) {
        double theta = c.number("rope_theta", 10_000);
        JsonNode scaling = c.node("rope_scaling");
        if (scaling.isMissingNode() || scaling.isNull()) return Rotary.inverseFrequencies(theta, size);
        String type = scaling.path("type").asText("");
        if (!type.equals("ntk")) throw c.unsupported("rope_scaling.type", type, "ntk");
        if (!scaling.path("factor").isNumber()) throw c.unsupported("rope_scaling.factor", scaling.path("factor"), "a number");
        double factor = scaling.path("factor").asDouble();
        JsonNode mixedB = scaling.path("mixed_b");
        boolean mixed = !mixedB.isMissingNode() && !mixedB.isNull();
        if (positions * factor <= positions) return Rotary.inverseFrequencies(theta, size);

        float[] inv = Rotary.inverseFrequencies(mixed ? theta : theta * factor, size);
        if (!mixed) {
            float divisor = (float) Math.pow(factor, 2.0 / size);
            for (int i = 0; i < inv.length; i++) inv[i] /= divisor;
            return inv;
        }
        if (!mixedB.isNumber()) throw c.unsupported("rope_scaling.mixed_b", mixedB, "a number");
        double b = mixedB.asDouble();
        float a = (float) ((float) Math.log((float) factor) / Math.pow(size / 2.0, b));
        for (int i = 0; i < inv.length; i++) {
            inv[i] /= (float) Math.exp(a * (float) Math.pow(i + 1, b));
        }
        return inv;
    }
}
