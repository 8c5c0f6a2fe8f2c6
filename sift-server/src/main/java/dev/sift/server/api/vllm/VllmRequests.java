package dev.sift.server.api.vllm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sift.scoring.ScoreOptions;
import dev.sift.server.http.ApiException;
import dev.sift.server.http.ServedModel;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Reading the fields that vLLM's score and rerank requests share. */
final class VllmRequests {
    private VllmRequests() {}

    /** A wrong model name is a 404; an absent, null or empty one means the served model. */
    static void checkModel(JsonNode body, ServedModel served) {
        JsonNode model = body.get("model");
        if (model == null || model.isNull()) return;
        if (!model.isTextual()) throw ApiException.badRequest("model must be a string");
        if (!served.answersTo(model.asText())) {
            throw ApiException.notFound("The model `" + model.asText() + "` does not exist.");
        }
    }

    /** A string, or a list of strings; multi-modal content parts are refused by name. */
    static List<String> texts(JsonNode node, String field, ServedModel served) {
        if (node.isTextual()) return List.of(node.asText());
        if (node.isArray()) {
            List<String> texts = new ArrayList<>(node.size());
            for (JsonNode item : node) {
                if (item.isTextual()) texts.add(item.asText());
                else if (isMultiModal(item)) throw multiModal(served);
                else throw ApiException.badRequest(field + " must be a string or a list of strings; found " + item.getNodeType().name().toLowerCase() + " in the list");
            }
            return texts;
        }
        if (isMultiModal(node)) throw multiModal(served);
        throw ApiException.badRequest(field + " must be a string or a list of strings");
    }

    private static boolean isMultiModal(JsonNode node) {
        return node.isObject() && node.has("content");
    }

    private static ApiException multiModal(ServedModel served) {
        return ApiException.invalidValue("MultiModalParam is not supported for " + served.model().spec().architecture(), null);
    }

    /**
     * {@code truncate_prompt_tokens} (absent or null: refuse over-long input; -1: truncate to the model's maximum;
     * k: truncate to k tokens) and {@code use_activation}.
     */
    static ScoreOptions options(JsonNode body, int maxModelLen) {
        boolean truncate = false;
        int truncateTo = 0;
        JsonNode truncation = body.get("truncate_prompt_tokens");
        if (truncation != null && !truncation.isNull()) {
            if (!truncation.canConvertToInt() || !truncation.isIntegralNumber()) {
                throw ApiException.badRequest("truncate_prompt_tokens must be an integer");
            }
            int tokens = truncation.asInt();
            if (tokens < -1) throw ApiException.badRequest("truncate_prompt_tokens must be greater than or equal to -1");
            if (tokens == 0) throw ApiException.invalidValue("truncate_prompt_tokens must be -1 or a positive number of tokens", "truncate_prompt_tokens");
            if (tokens > maxModelLen) {
                throw ApiException.invalidValue("truncate_prompt_tokens value is greater than max_model_len."
                        + " Please request a smaller truncation size.", null);
            }
            truncate = true;
            truncateTo = tokens == -1 ? 0 : tokens;
        }
        return ScoreOptions.DEFAULT.withTruncate(truncate, truncateTo).withUseActivation(optionalBoolean(body, "use_activation", true));
    }

    static boolean optionalBoolean(JsonNode body, String field, boolean fallback) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) return fallback;
        if (!node.isBoolean()) throw ApiException.badRequest(field + " must be a boolean");
        return node.asBoolean();
    }

    static int optionalInt(JsonNode body, String field, int fallback) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) return fallback;
        if (!node.isIntegralNumber() || !node.canConvertToInt()) throw ApiException.badRequest(field + " must be an integer");
        return node.asInt();
    }

    /** {@code <prefix>-<X-Request-Id>}, or 16 random hex digits when the client sent none. */
    static String requestId(String prefix, String header) {
        if (header != null && !header.isBlank()) return prefix + "-" + header;
        return prefix + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    }
}
