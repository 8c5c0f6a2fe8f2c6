package dev.sift.graph.arch;

import dev.sift.graph.DecoderArchitecture;
import dev.sift.graph.GraphBuilder;
import dev.sift.graph.ModelConfig;
import dev.sift.graph.blocks.Attention;
import dev.sift.graph.blocks.Embeddings;
import dev.sift.graph.blocks.Rotary;

/**
 * GemmaForCausalLM as a reranker (bge-reranker-v2-gemma): embeddings scaled by sqrt(hidden_size), RMSNorm by
 * (1 + weight), Llama-style layers with multi-/grouped-query attention, GeGLU MLP with the tanh GELU.
 */
public final class Gemma implements DecoderArchitecture {

    @Override
    public void build(ModelConfig c, GraphBuilder g, int[] answerTokens) {
        if (c.flag("use_bidirectional_attention", false)) throw c.unsupported("use_bidirectional_attention", true, "false");
        // transformers 5 reads hidden_act and turns the legacy "gelu" of the first releases into the tanh GELU.
        String act = c.text("hidden_act", c.text("hidden_activation", "gelu_pytorch_tanh"));
        Decoders d = Decoders.of(c, act.equals("gelu") ? "gelu_pytorch_tanh" : act, false, true);
        int layers = c.integer("num_hidden_layers");

        String ids = g.tokenInput("input_ids");
        String mask = g.tokenInput("attention_mask");
        String embedded = Embeddings.lookup(g, "model.embed_tokens.weight", c.integer("vocab_size"), d.hidden(), ids);
        // The reference's normalizer is the float32 tensor of hidden_size**0.5.
        String x = g.mul(embedded, g.scalar((float) Math.sqrt(d.hidden())));
        String positions = Embeddings.positions(g, ids);
        Rotary rope = d.rope(c, g, positions);
        String bias = Attention.causalBias(g, mask, positions);
        for (int i = 0; i < layers; i++) x = d.layer(g, x, "model.layers." + i + ".", rope, bias);
        d.answerLogits(c, g, x, mask, "model.norm", answerTokens, true);
    }
}
