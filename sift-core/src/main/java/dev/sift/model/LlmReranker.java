package dev.sift.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A decoder-only language model used as a reranker: the (query, document) pair is written into the family's prompt
 * template, and the next-token logits at the prompt's end give the score. The templates are vLLM's score templates
 * (examples/pooling/score/template/), so that the same inputs give vLLM's scores.
 *
 * <p>Placeholders are {@code {query}}, {@code {document}} and {@code {instruction}}.
 */
public enum LlmReranker {

    /**
     * Qwen/Qwen3-Reranker-*: score = P("yes") = softmax([no, yes])[1] = sigmoid(logit_yes - logit_no), the raw
     * score being logit_yes - logit_no, as vLLM's {@code from_2_way_softmax} classifier computes it.
     */
    QWEN3_RERANKER("qwen3-reranker",
            "<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the Instruct"
                    + " provided. Note that the answer can only be \"yes\" or \"no\".<|im_end|>\n<|im_start|>user\n"
                    + "<Instruct>: {instruction}\n<Query>: {query}\n<Document>: {document}<|im_end|>\n"
                    + "<|im_start|>assistant\n<think>\n\n</think>\n\n",
            "Given a web search query, retrieve relevant passages that answer the query", "yes", "no"),

    /** BAAI/bge-reranker-v2-gemma: score = sigmoid(logit_Yes), the raw score being logit_Yes. */
    BGE_RERANKER_V2_GEMMA("bge-reranker-v2-gemma",
            "A: {query}\nB: {document}\nGiven a query A and a passage B, determine whether the passage contains an"
                    + " answer to the query by providing a prediction of either 'Yes' or 'No'.",
            null, "Yes", null);

    private final String id;
    private final String template;
    private final String defaultInstruction;
    private final String yesToken;
    private final String noToken;

    LlmReranker(String id, String template, String defaultInstruction, String yesToken, String noToken) {
        this.id = id;
        this.template = template;
        this.defaultInstruction = defaultInstruction;
        this.yesToken = yesToken;
        this.noToken = noToken;
    }

    /** The name users give with {@code --llm-reranker}, also matched against model folder names. */
    public String id() {
        return id;
    }

    public String template() {
        return template;
    }

    /** The instruction used when a request gives none; null where the template has no instruction. */
    public String defaultInstruction() {
        return defaultInstruction;
    }

    /** The token whose logit says "relevant". */
    public String yesToken() {
        return yesToken;
    }

    /** The token whose logit says "not relevant", or null where the score reads the "yes" logit alone. */
    public String noToken() {
        return noToken;
    }

    public static Optional<LlmReranker> named(String id) {
        return Arrays.stream(values()).filter(r -> r.id.equalsIgnoreCase(id)).findFirst();
    }

    /**
     * The family a model's name reveals: a local folder named after the model, or the Hub cache's
     * {@code models--Qwen--Qwen3-Reranker-0.6B}.
     */
    static Optional<LlmReranker> fromName(String path) {
        String name = path.toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(r -> name.contains(r.id)).findFirst();
    }

    public static String ids() {
        return Arrays.stream(values()).map(LlmReranker::id).collect(Collectors.joining(", "));
    }
}
