package dev.sift.graph.arch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sift.graph.Attr;
import dev.sift.graph.DecoderArchitecture;
import dev.sift.graph.GraphBuilder;
import dev.sift.graph.ModelConfig;
import dev.sift.graph.blocks.Activations;
import dev.sift.graph.blocks.Attention;
import dev.sift.graph.blocks.Linear;
import dev.sift.graph.blocks.Norms;
import dev.sift.graph.blocks.Rotary;
import dev.sift.model.ModelException;
import java.util.List;

/**
 * What the Llama-style decoder rerankers share: pre-norm layers x + attention(norm(x)) then x + mlp(norm(x)) with
 * RMSNorm, RoPE, grouped-query causal attention and a gated MLP, down(act(gate(x))·up(x)); and the reranker's
 * readout, the answer tokens' LM-head logits at each row's last real token.
 *
 * @param qkNorm     RMSNorm of each query and key head before RoPE (Qwen3)
 * @param unitOffset RMSNorm scales by (1 + weight) (Gemma)
 */
record Decoders(int hidden, int heads, int kvHeads, int headDim, int intermediate, double eps, String activation,
                boolean attentionBias, boolean qkNorm, boolean unitOffset) {

    static Decoders of(ModelConfig c, String activation, boolean qkNorm, boolean unitOffset) {
        int hidden = c.integer("hidden_size");
        int heads = c.integer("num_attention_heads");
        int kvHeads = c.integer("num_key_value_heads", heads);
        if (kvHeads <= 0 || heads % kvHeads != 0) {
            throw c.unsupported("num_key_value_heads", kvHeads, "a divisor of num_attention_heads " + heads);
        }
        // transformers reads head_dim from the config when present (both defaults are set explicitly in real configs).
        int headDim = c.integer("head_dim", c.headDim(hidden, heads));
        return new Decoders(hidden, heads, kvHeads, headDim, c.integer("intermediate_size"), c.number("rms_norm_eps", 1e-6),
                activation, c.flag("attention_bias", false), qkNorm, unitOffset);
    }

    String norm(GraphBuilder g, String x, String prefix, long size) {
        return Norms.rmsNorm(g, x, prefix, size, eps, unitOffset);
    }

    /** One decoder layer at {@code p} (ending in a dot) on x [batch, sequence, hidden]. */
    String layer(GraphBuilder g, String x, String p, Rotary rope, String bias) {
        String h = norm(g, x, p + "input_layernorm", hidden);
        String a = p + "self_attn.";
        String q = Attention.splitHeads(g, Linear.apply(g, h, a + "q_proj", hidden, (long) heads * headDim, attentionBias),
                heads, headDim);
        String k = Attention.splitHeads(g, Linear.apply(g, h, a + "k_proj", hidden, (long) kvHeads * headDim, attentionBias),
                kvHeads, headDim);
        String v = Attention.splitHeads(g, Linear.apply(g, h, a + "v_proj", hidden, (long) kvHeads * headDim, attentionBias),
                kvHeads, headDim);
        if (qkNorm) { // over head_dim, per head: the same on [b, h, s, d] as on the reference's [b, s, h, d] view
            q = norm(g, q, a + "q_norm", headDim);
            k = norm(g, k, a + "k_norm", headDim);
        }
        q = rope.apply(g, q);
        k = Attention.repeatKv(g, rope.apply(g, k), kvHeads, heads / kvHeads, headDim);
        v = Attention.repeatKv(g, v, kvHeads, heads / kvHeads, headDim);
        float scale = (float) Math.pow(headDim, -0.5);
        String context = Attention.mergeHeads(g, Attention.scaledDotProduct(g, q, k, v, scale, bias), (long) heads * headDim);
        x = g.add(x, Linear.apply(g, context, a + "o_proj", (long) heads * headDim, hidden, attentionBias));

        h = norm(g, x, p + "post_attention_layernorm", hidden);
        String m = p + "mlp.";
        String gate = Activations.apply(g, Linear.apply(g, h, m + "gate_proj", hidden, intermediate, false), activation);
        String up = Linear.apply(g, h, m + "up_proj", hidden, intermediate, false);
        return g.add(x, Linear.apply(g, g.mul(gate, up), m + "down_proj", intermediate, hidden, false));
    }

    /**
     * The plain RoPE of rope_parameters.rope_theta (transformers 5), else rope_theta (transformers 4), else 10000,
     * gathered at {@code positions}; tables for max_position_embeddings rows.
     */
    Rotary rope(ModelConfig c, GraphBuilder g, String positions) {
        JsonNode scaling = c.node("rope_scaling");
        if (!scaling.isMissingNode() && !scaling.isNull()) throw c.unsupported("rope_scaling", scaling, "none: plain RoPE");
        JsonNode params = c.node("rope_parameters");
        String type = params.path("rope_type").asText("default");
        if (!type.equals("default")) throw c.unsupported("rope_parameters.rope_type", type, "default");
        double theta = params.path("rope_theta").isNumber() ? params.path("rope_theta").asDouble()
                : c.number("rope_theta", 10_000);
        int rows = c.integer("max_position_embeddings");
        return Rotary.at(g, Rotary.inverseFrequencies(theta, headDim), rows, positions);
    }

    /**
     * The answer tokens' logits [batch, answers] from the final states x [batch, sequence, hidden] before the final
     * norm: each row's last real token (index sum(mask) - 1 of a right-padded row) is gathered first, normed (RMSNorm
     * is per token), and multiplied by only the answer rows of the LM head (the embeddings when tied;
     * {@code tiedByDefault} is the family's default of tie_word_embeddings).
     */
    void answerLogits(ModelConfig c, GraphBuilder g, String x, String mask, String finalNorm, int[] answerTokens,
                      boolean tiedByDefault) {
        if (answerTokens.length == 0) throw new ModelException(c.file() + ": a reranker needs at least one answer token");
        int vocab = c.integer("vocab_size");
        long[] answers = new long[answerTokens.length];
        for (int i = 0; i < answers.length; i++) {
            if (answerTokens[i] < 0 || answerTokens[i] >= vocab) {
                throw new ModelException(c.file() + ": answer token " + answerTokens[i] + " is outside the vocabulary of " + vocab);
            }
            answers[i] = answerTokens[i];
        }
        String lengths = g.op("ReduceSum", List.of(Attr.i("keepdims", 1)), mask, g.ints(1)); // [batch, 1]
        String last = g.op("GatherND", List.of(Attr.i("batch_dims", 1)), x, g.sub(lengths, g.ints(1)));
        String state = norm(g, last, finalNorm, hidden); // [batch, hidden]
        // transformers ties lm_head to embed_tokens when tie_word_embeddings (the checkpoint then has no lm_head).
        boolean tied = c.flag("tie_word_embeddings", tiedByDefault) || !g.has("lm_head.weight");
        String table = g.weight(tied ? "model.embed_tokens.weight" : "lm_head.weight", vocab, hidden);
        String rows = g.gather(table, g.ints(answers), 0); // [answers, hidden]
        g.output(DecoderArchitecture.ANSWER_LOGITS, g.matmul(state, g.transpose(rows, 1, 0)), "batch", answers.length);
    }
}
