package dev.sift.server.api.vllm;

/** vLLM's usage block for score, embeddings, classify and pooling responses. */
public record Usage(long promptTokens, long totalTokens, int completionTokens, Object promptTokensDetails) {

    public static Usage of(long promptTokens) {
        return new Usage(promptTokens, promptTokens, 0, null);
    }
}
