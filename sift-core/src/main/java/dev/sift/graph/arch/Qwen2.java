package dev.sift.graph.arch;

import dev.sift.graph.DecoderArchitecture;
import dev.sift.graph.GraphBuilder;
import dev.sift.graph.ModelConfig;
import dev.sift.graph.RerankerHead;

/**
 * Qwen2 and Qwen2.5 as a reranker (mxbai-rerank-v2's Qwen2ForCausalLM, or a Qwen2ForSequenceClassification
 * conversion): Llama-style layers with biased query, key and value projections and an unbiased output projection,
 * SwiGLU MLP.
 */
public final class Qwen2 implements DecoderArchitecture {

    @Override
    public void build(ModelConfig c, GraphBuilder g, RerankerHead head) {
        Decoders.requireFullAttention(c);
        Decoders.of(c, c.text("hidden_act", "silu"), false, false).withBiases(true, false).reranker(c, g, head, false, false);
    }
}
