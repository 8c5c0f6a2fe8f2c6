package dev.sift.graph.arch;

import dev.sift.graph.DecoderArchitecture;
import dev.sift.graph.GraphBuilder;
import dev.sift.graph.ModelConfig;
import dev.sift.graph.RerankerHead;

/**
 * Qwen3 as a reranker (Qwen3-Reranker's Qwen3ForCausalLM, or its Qwen3ForSequenceClassification conversion):
 * Llama-style layers whose query and key heads are RMS-normed over head_dim before RoPE, SwiGLU MLP.
 */
public final class Qwen3 implements DecoderArchitecture {

    @Override
    public void build(ModelConfig c, GraphBuilder g, RerankerHead head) {
        Decoders.requireFullAttention(c);
        Decoders.of(c, c.text("hidden_act", "silu"), true, false).reranker(c, g, head, false, false);
    }
}
