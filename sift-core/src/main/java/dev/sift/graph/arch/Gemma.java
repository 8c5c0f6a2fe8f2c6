package dev.sift.graph.arch;

import dev.sift.graph.DecoderArchitecture;
import dev.sift.graph.GraphBuilder;
import dev.sift.graph.ModelConfig;
import dev.sift.graph.RerankerHead;

/**
 * Gemma as a reranker (bge-reranker-v2-gemma's GemmaForCausalLM): embeddings scaled by sqrt(hidden_size), RMSNorm by
 * (1 + weight), Llama-style layers with multi-/grouped-query attention, GeGLU MLP with the tanh GELU.
 */
public final class Gemma implements DecoderArchitecture {

    @Override
    public void build(ModelConfig c, GraphBuilder g, RerankerHead head) {
        if (c.flag("use_bidirectional_attention", false)) throw c.unsupported("use_bidirectional_attention", true, "false");
        // transformers 5 reads hidden_act and turns the legacy "gelu" of the first releases into the tanh GELU.
        String act = c.text("hidden_act", c.text("hidden_activation", "gelu_pytorch_tanh"));
        Decoders.of(c, act.equals("gelu") ? "gelu_pytorch_tanh" : act, false, true).reranker(c, g, head, true, true);
    }
}
