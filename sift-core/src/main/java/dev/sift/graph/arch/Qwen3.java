package dev.sift.graph.arch;

import dev.sift.graph.DecoderArchitecture;
import dev.sift.graph.GraphBuilder;
import dev.sift.graph.ModelConfig;
import dev.sift.graph.blocks.Attention;
import dev.sift.graph.blocks.Embeddings;
import dev.sift.graph.blocks.Rotary;

/**
 * Qwen3ForCausalLM as a reranker (Qwen3-Reranker): Llama-style layers whose query and key heads are RMS-normed over
 * head_dim before RoPE, SwiGLU MLP. Sliding-window layers (use_sliding_window, off in every Qwen3 release) are refused.
 */
public final class Qwen3 implements DecoderArchitecture {

    @Override
    public void build(ModelConfig c, GraphBuilder g, int[] answerTokens) {
        if (c.flag("use_sliding_window", false)) throw c.unsupported("use_sliding_window", true, "false");
        c.node("layer_types").forEach(t -> {
            if (!t.asText().equals("full_attention")) throw c.unsupported("layer_types", t, "full_attention");
        });
        Decoders d = Decoders.of(c, c.text("hidden_act", "silu"), true, false);
        int layers = c.integer("num_hidden_layers");

        String ids = g.tokenInput("input_ids");
        String mask = g.tokenInput("attention_mask");
        String x = Embeddings.lookup(g, "model.embed_tokens.weight", c.integer("vocab_size"), d.hidden(), ids);
        String positions = Embeddings.positions(g, ids); // right-padded rows: positions are 0 .. sequence-1
        Rotary rope = d.rope(c, g, positions);
        String bias = Attention.causalBias(g, mask, positions);
        for (int i = 0; i < layers; i++) x = d.layer(g, x, "model.layers." + i + ".", rope, bias);
        d.answerLogits(c, g, x, mask, "model.norm", answerTokens, false);
    }
}
