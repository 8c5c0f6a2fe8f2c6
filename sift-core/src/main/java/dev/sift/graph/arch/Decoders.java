package dev.sift.graph.arch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sift.graph.Attr;
import dev.sift.graph.DecoderArchitecture;
import dev.sift.graph.GraphBuilder;
import dev.sift.graph.ModelConfig;
import dev.sift.graph.RerankerHead;
import dev.sift.graph.blocks.Activations;
import dev.sift.graph.blocks.Attention;
import dev.sift.graph.blocks.Embeddings;
import dev.sift.graph.blocks.Linear;
import dev.sift.graph.blocks.Norms;
import dev.sift.graph.blocks.Rotary;
import dev.sift.model.ModelException;
import java.util.List;

/**
 * What the Llama-style decoder rerankers share: pre-norm layers x + attention(norm(x)) then x + mlp(norm(x)) with
 * RMSNorm, RoPE, grouped-query causal attention and a gated MLP, down(act(gate(x))·up(x)); and the reranker's
 * readout, the score rows' logits at each row's last real token.
 *
 * @param qkvBias    biases on the query, key and value projections (attention_bias; always in Qwen2)
 * @param outputBias a bias on the attention's output projection (attention_bias; never in Qwen2)
 * @param qkNorm     RMSNorm of each query and key head before RoPE (Qwen3)
 * @param unitOffset RMSNorm scales by (1 + weight) (Gemma)
 */
record Decoders(int hidden, int heads, int kvHeads, int headDim, int intermediate, double eps, String activation,
                boolean qkvBias, boolean outputBias, boolean qkNorm, boolean unitOffset) {

    static Decoders of(ModelConfig c, String activation, boolean qkNorm, boolean unitOffset) {
        int hidden = c.integer("hidden_size");
        int heads = c.integer("num_attention_heads");
        int kvHeads = c.integer("num_key_value_heads", heads);
        if (kvHeads <= 0 || heads % kvHeads != 0) {
            throw c.unsupported("num_key_value_heads", kvHeads, "a divisor of num_attention_heads " + heads);
        }
        // transformers reads head_dim from the config when present (both defaults are set explicitly in real configs).
        int headDim = c.integer("head_dim", c.headDim(hidden, heads));
        boolean bias = c.flag("attention_bias", false);
        return new Decoders(hidden, heads, kvHeads, headDim, c.integer("intermediate_size"), c.number("rms_norm_eps", 1e-6),
                activation, bias, bias, qkNorm, unitOffset);
    }

    /** The same layers with these attention projection biases. */
    Decoders withBiases(boolean qkv, boolean output) {
        return new Decoders(hidden, heads, kvHeads, headDim, intermediate, eps, activation, qkv, output, qkNorm, unitOffset);
    }

    /** Refuses sliding-window attention (use_sliding_window, or layer_types other than full_attention). */
    static void requireFullAttention(ModelConfig c) {
        if (c.flag("use_sliding_window", false)) throw c.unsupported("use_sliding_window", true, "false");
        c.node("layer_types").forEach(t -> {
            if (!t.asText().equals("full_attention")) throw c.unsupported("layer_types", t, "full_attention");
        });
    }

    /**
     * The whole reranker graph: token embeddings (times sqrt(hidden_size) where {@code scaledEmbeddings}, as Gemma),
     * the layers under a causal plus padding mask with positions 0 .. sequence-1 (rows are right-padded), the final
     * norm and the score rows at each row's last real token.
     */
    void reranker(ModelConfig c, GraphBuilder g, RerankerHead head, boolean scaledEmbeddings, boolean tiedByDefault) {
        String ids = g.tokenInput("input_ids");
        String mask = g.tokenInput("attention_mask");
        String x = Embeddings.lookup(g, "model.embed_tokens.weight", c.integer("vocab_size"), hidden, ids);
        // Gemma's normalizer is the float32 tensor of hidden_size**0.5.
        if (scaledEmbeddings) x = g.mul(x, g.scalar((float) Math.sqrt(hidden)));
        String positions = Embeddings.positions(g, ids);
        Rotary rope = rope(c, g, positions);
        String bias = Attention.causalBias(g, mask, positions);
        int layers = c.integer("num_hidden_layers");
        for (int i = 0; i < layers; i++) x = layer(g, x, "model.layers." + i + ".", rope, bias);
        scoreLogits(c, g, x, mask, head, tiedByDefault);
    }

    String norm(GraphBuilder g, String x, String prefix, long size) {
        return Norms.rmsNorm(g, x, prefix, size, eps, unitOffset);
    }

    /** One decoder layer at {@code p} (ending in a dot) on x [batch, sequence, hidden]. */
    String layer(GraphBuilder g, String x, String p, Rotary rope, String bias) {
        String h = norm(g, x, p + "input_layernorm", hidden);
        String a = p + "self_attn.";
        String q = Attention.splitHeads(g, Linear.apply(g, h, a + "q_proj", hidden, (long) heads * headDim, qkvBias),
                heads, headDim);
        String k = Attention.splitHeads(g, Linear.apply(g, h, a + "k_proj", hidden, (long) kvHeads * headDim, qkvBias),
                kvHeads, headDim);
        String v = Attention.splitHeads(g, Linear.apply(g, h, a + "v_proj", hidden, (long) kvHeads * headDim, qkvBias),
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
        x = g.add(x, Linear.apply(g, context, a + "o_proj", (long) heads * headDim, hidden, outputBias));

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
     * The score rows' logits [batch, rows] from the final states x [batch, sequence, hidden] before the final norm:
     * each row's last real token (index sum(mask) - 1 of a right-padded row) is gathered first, normed (RMSNorm is per
     * token) and multiplied by the head's rows alone: the answer tokens' rows of the LM head (the embeddings when
     * tied; {@code tiedByDefault} is the family's default of tie_word_embeddings), or the classifier score.weight.
     */
    private void scoreLogits(ModelConfig c, GraphBuilder g, String x, String mask, RerankerHead head, boolean tiedByDefault) {
        String lengths = g.op("ReduceSum", List.of(Attr.i("keepdims", 1)), mask, g.ints(1)); // [batch, 1]
        String last = g.op("GatherND", List.of(Attr.i("batch_dims", 1)), x, g.sub(lengths, g.ints(1)));
        String state = norm(g, last, "model.norm", hidden); // [batch, hidden]
        String rows = switch (head) {
            case RerankerHead.Classifier classifier -> g.weight("score.weight", 1, hidden); // one label: a reranker
            case RerankerHead.AnswerTokens answers -> answerRows(c, g, answers.ids(), tiedByDefault);
        };
        g.output(DecoderArchitecture.ANSWER_LOGITS, g.matmul(state, g.transpose(rows, 1, 0)), "batch", rowCount(head));
    }

    private static long rowCount(RerankerHead head) {
        return head instanceof RerankerHead.AnswerTokens answers ? answers.ids().length : 1;
    }

    /** The LM head's rows of the answer tokens [answers, hidden]. */
    private String answerRows(ModelConfig c, GraphBuilder g, int[] answerTokens, boolean tiedByDefault) {
        if (answerTokens.length == 0) throw new ModelException(c.file() + ": a reranker needs at least one answer token");
        int vocab = c.integer("vocab_size");
        long[] answers = new long[answerTokens.length];
        for (int i = 0; i < answers.length; i++) {
            if (answerTokens[i] < 0 || answerTokens[i] >= vocab) {
                throw new ModelException(c.file() + ": answer token " + answerTokens[i] + " is outside the vocabulary of " + vocab);
            }
            answers[i] = answerTokens[i];
        }
        // transformers ties lm_head to embed_tokens when tie_word_embeddings (the checkpoint then has no lm_head).
        boolean tied = c.flag("tie_word_embeddings", tiedByDefault) || !g.has("lm_head.weight");
        return g.rows(tied ? "model.embed_tokens.weight" : "lm_head.weight", vocab, hidden, g.ints(answers));
    }
}
