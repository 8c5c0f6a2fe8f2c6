package dev.sift.model;

import dev.sift.tokenize.Prompt;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A decoder-only language model used as a reranker: the (query, document) pair is written into the family's prompt
 * template, and the next-token logits at the prompt's end give the score. The templates are vLLM's score templates
 * (examples/pooling/score/template/), so that the same inputs give vLLM's scores.
 *
 * <p>Placeholders are {@code {query}}, {@code {document}} and {@code {instruction}}. The whole rendered prompt is
 * tokenized at once, as vLLM tokenizes a rendered score template.
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
            null, "Given a web search query, retrieve relevant passages that answer the query", "yes", "no",
            "qwen3-reranker"),

    /** BAAI/bge-reranker-v2-gemma: score = sigmoid(logit_Yes), the raw score being logit_Yes. */
    BGE_RERANKER_V2_GEMMA("bge-reranker-v2-gemma",
            "A: {query}\nB: {document}\nGiven a query A and a passage B, determine whether the passage contains an"
                    + " answer to the query by providing a prediction of either 'Yes' or 'No'.",
            null, null, "Yes", null, "bge-reranker-v2-gemma"),

    /**
     * mixedbread-ai/mxbai-rerank-base-v2 and -large-v2 (Qwen2): score = sigmoid(logit_"1" - logit_"0"), as vLLM's
     * {@code classifier_from_token ["0", "1"]} with {@code from_2_way_softmax}. The prompt is mxbai-rerank's own
     * (vLLM's mxbai_rerank_v2.jinja has the same text); an instruction, when a request gives one, goes on a line of its
     * own before the query, as mxbai-rerank puts it.
     */
    MXBAI_RERANK_V2("mxbai-rerank-v2",
            MxbaiPrompt.TEMPLATE, MxbaiPrompt.INSTRUCTED, null, "1", "0", "mxbai-rerank-(?:[a-z]+-)?v2");

    /** mxbai-rerank's prompt pieces: prefix, "query: ", "\n", "document: ", "\n", task prompt, suffix. */
    private static final class MxbaiPrompt {
        static final String TEMPLATE = "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful"
                + " assistant.<|im_end|>\n<|im_start|>user\nquery: {query}\ndocument: {document}\nYou are a search"
                + " relevance expert who evaluates how well documents match search queries. For each query-document pair,"
                + " carefully analyze the semantic relationship between them, then provide your binary relevance"
                + " judgment (0 for not relevant, 1 for relevant).\nRelevance:<|im_end|>\n<|im_start|>assistant\n";
        static final String INSTRUCTED = TEMPLATE.replace("query: {query}", "instruction: {instruction}\nquery: {query}");
    }

    private final String id;
    private final String template;
    private final String instructedTemplate;
    private final String defaultInstruction;
    private final String yesToken;
    private final String noToken;
    private final Pattern names;

    /**
     * @param instructedTemplate the template when a request gives an instruction, or null for {@code template}
     * @param names              what a model's folder or repository name contains when it is of this family
     */
    LlmReranker(String id, String template, String instructedTemplate, String defaultInstruction, String yesToken,
                String noToken, String names) {
        this.id = id;
        this.template = template;
        this.instructedTemplate = instructedTemplate;
        this.defaultInstruction = defaultInstruction;
        this.yesToken = yesToken;
        this.noToken = noToken;
        this.names = Pattern.compile(names);
    }

    /** The name users give with {@code --llm-reranker}, also matched against model folder names. */
    public String id() {
        return id;
    }

    /**
     * The prompt of one pair: {@code instruction} is the request's, or null for the family's default (a family whose
     * template has no instruction ignores it).
     */
    public Prompt prompt(String query, String document, String instruction) {
        String template = instruction != null && instructedTemplate != null ? instructedTemplate : this.template;
        return Prompt.render(template, query, document, instruction != null ? instruction : defaultInstruction);
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
    public static Optional<LlmReranker> fromName(String path) {
        String name = path.toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(r -> r.names.matcher(name).find()).findFirst();
    }

    public static String ids() {
        return Arrays.stream(values()).map(LlmReranker::id).collect(Collectors.joining(", "));
    }
}
