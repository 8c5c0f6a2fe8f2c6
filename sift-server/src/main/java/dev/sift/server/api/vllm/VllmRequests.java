package dev.sift.server.api.vllm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sift.model.ModelTask;
import dev.sift.scoring.ScoreOptions;
import dev.sift.server.http.ApiException;
import dev.sift.server.http.ServedModel;
import dev.sift.server.http.ServingContext;
import dev.sift.tokenize.Truncation;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/** Reading the fields that vLLM's requests share, with vLLM's validation and messages. */
public final class VllmRequests {
    private VllmRequests() {}

    /** A string, or a list of strings, each within the character limit; multi-modal content is refused by name. */
    public static List<String> texts(JsonNode node, String field, ServingContext context) {
        List<String> texts;
        if (node.isTextual()) {
            texts = List.of(node.asText());
        } else if (node.isArray()) {
            texts = new ArrayList<>(node.size());
            for (JsonNode item : node) {
                if (item.isTextual()) texts.add(item.asText());
                else if (isMultiModal(item)) throw multiModal(context.served());
                else throw ApiException.badRequest(field + " must be a string or a list of strings; found "
                        + item.getNodeType().name().toLowerCase(Locale.ROOT) + " in the list");
            }
        } else if (isMultiModal(node)) {
            throw multiModal(context.served());
        } else {
            throw ApiException.badRequest(field + " must be a string or a list of strings");
        }
        checkTexts(texts, field, context);
        return texts;
    }

    public static void checkTexts(List<String> texts, String field, ServingContext context) {
        context.limits().checkCount(texts.size(), field);
        for (int i = 0; i < texts.size(); i++) context.limits().checkText(texts.get(i), field + "[" + i + "]");
    }

    static boolean isMultiModal(JsonNode node) {
        return node.isObject() && node.has("content");
    }

    public static ApiException multiModal(ServedModel served) {
        return ApiException.invalidValue("MultiModalParam is not supported for " + served.model().spec().architecture(), null);
    }

    /**
     * The truncation and activation fields: {@code truncate_prompt_tokens} (absent or null: the server's
     * default, which refuses over-long input unless --auto-truncate; -1: truncate to the maximum; k: to k
     * tokens), {@code truncation_side}, {@code max_tokens_per_query}, {@code max_tokens_per_doc} and
     * {@code use_activation}.
     */
    public static ScoreOptions options(JsonNode body, ServingContext context) {
        int maxModelLen = context.model().spec().maxLength();
        boolean truncate = context.options().autoTruncate();
        int truncateTo = 0;
        JsonNode truncation = body.get("truncate_prompt_tokens");
        if (truncation != null && !truncation.isNull()) {
            if (!truncation.isIntegralNumber() || !truncation.canConvertToInt()) {
                throw ApiException.badRequest("truncate_prompt_tokens must be an integer");
            }
            int tokens = truncation.asInt();
            if (tokens < -1) throw ApiException.badRequest("truncate_prompt_tokens must be greater than or equal to -1");
            if (tokens == 0) {
                throw ApiException.invalidValue("truncate_prompt_tokens must be -1 or a positive number of tokens",
                        "truncate_prompt_tokens");
            }
            if (tokens > maxModelLen) {
                throw ApiException.invalidValue("truncate_prompt_tokens value is greater than max_model_len."
                        + " Please request a smaller truncation size.", null);
            }
            truncate = true;
            truncateTo = tokens == -1 ? 0 : tokens;
        }
        Truncation.Side side = side(body.get("truncation_side"), "truncation_side");
        int perQuery = tokensPer(body, "max_tokens_per_query", maxModelLen);
        int perDoc = tokensPer(body, "max_tokens_per_doc", maxModelLen);
        return ScoreOptions.DEFAULT.withTruncate(truncate, truncateTo).withTruncationSide(side)
                .withMaxTokens(perQuery, perDoc).withUseActivation(optionalBoolean(body, "use_activation", true))
                .withTimeout(context.options().requestTimeout()).withInstruction(instruction(body));
    }

    /**
     * The instruction for an LLM reranker's prompt, as vLLM's score template reads it: chat_template_kwargs'
     * instruction (or instruct) first, then the request's instruction field; null for the model's default.
     */
    static String instruction(JsonNode body) {
        JsonNode kwargs = body.get("chat_template_kwargs");
        if (kwargs != null && !kwargs.isNull() && !kwargs.isObject()) {
            throw ApiException.badRequest("chat_template_kwargs must be an object");
        }
        for (String key : List.of("instruction", "instruct")) {
            String value = kwargs == null ? null : textOrNull(kwargs.get(key), "chat_template_kwargs." + key);
            if (value != null) return value;
        }
        return textOrNull(body.get("instruction"), "instruction");
    }

    private static String textOrNull(JsonNode node, String field) {
        if (node == null || node.isNull()) return null;
        if (!node.isTextual()) throw ApiException.badRequest(field + " must be a string");
        return node.asText();
    }

    /**
     * Cohere v1's {@code max_chunks_per_doc} for the rerank routes: an integer of at least 1, or, absent or null,
     * the server's {@code --max-chunks-per-doc} (which embedding models ignore). Asked of an embedding model, a 400.
     */
    public static int maxChunksPerDoc(JsonNode body, ServingContext context) {
        boolean embedding = context.model().spec().task() == ModelTask.EMBEDDING;
        JsonNode node = body.get("max_chunks_per_doc");
        if (node == null || node.isNull()) return embedding ? 0 : context.options().maxChunksPerDoc();
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.asInt() < 1) {
            throw ApiException.invalidValue("max_chunks_per_doc must be an integer of at least 1", "max_chunks_per_doc");
        }
        if (embedding) {
            throw ApiException.invalidValue("max_chunks_per_doc needs a cross-encoder or an LLM reranker; "
                    + context.served().name() + " is an embedding model", "max_chunks_per_doc");
        }
        return node.asInt();
    }

    /** "left" or "right" in any case (TEI writes "Left"); absent or null is right. */
    public static Truncation.Side side(JsonNode node, String field) {
        if (node == null || node.isNull()) return Truncation.Side.RIGHT;
        if (node.isTextual()) {
            switch (node.asText().toLowerCase(Locale.ROOT)) {
                case "right": return Truncation.Side.RIGHT;
                case "left": return Truncation.Side.LEFT;
                default: break;
            }
        }
        throw ApiException.badRequest(field + " must be \"left\" or \"right\", got " + node);
    }

    private static int tokensPer(JsonNode body, String field, int maxModelLen) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) return 0;
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.asInt() < 0) {
            throw ApiException.invalidValue(field + " must be a non-negative integer", field);
        }
        int tokens = node.asInt();
        if (tokens >= maxModelLen) {
            throw ApiException.invalidValue(field + " (" + tokens + ") must be less than max_model_len (" + maxModelLen + ").", field);
        }
        return tokens;
    }

    public static boolean optionalBoolean(JsonNode body, String field, boolean fallback) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) return fallback;
        if (!node.isBoolean()) throw ApiException.badRequest(field + " must be a boolean");
        return node.asBoolean();
    }

    public static int optionalInt(JsonNode body, String field, int fallback) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) return fallback;
        if (!node.isIntegralNumber() || !node.canConvertToInt()) throw ApiException.badRequest(field + " must be an integer");
        return node.asInt();
    }

    public static String optionalString(JsonNode body, String field, String fallback) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) return fallback;
        if (!node.isTextual()) throw ApiException.badRequest(field + " must be a string");
        return node.asText();
    }

    /** {@code <prefix>-<X-Request-Id>}, or 16 random hex digits when the client sent none. */
    public static String requestId(String prefix, String header) {
        if (header != null && !header.isBlank()) return prefix + "-" + header;
        return prefix + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    }

    public static long now() {
        return System.currentTimeMillis() / 1000;
    }
}
