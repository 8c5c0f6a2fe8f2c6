package dev.sift.graph;

/**
 * What a decoder reranker's graph multiplies each row's last real state by: a few rows of the LM head, or the
 * checkpoint's own classifier. Either way the graph's output is {@link DecoderArchitecture#ANSWER_LOGITS}.
 */
public sealed interface RerankerHead {

    /**
     * The LM head's rows of these tokens, in this order: a causal LM checkpoint (vLLM's {@code classifier_from_token}).
     */
    record AnswerTokens(int[] ids) implements RerankerHead {
        public AnswerTokens {
            ids = ids.clone();
        }
    }

    /**
     * The one-label classifier {@code score.weight} of a {@code *ForSequenceClassification} conversion (such as
     * tomaarsen/Qwen3-Reranker-0.6B-seq-cls, whose weight is lm_head["yes"] - lm_head["no"]).
     */
    record Classifier() implements RerankerHead {}
}
