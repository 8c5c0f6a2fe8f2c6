package dev.sift.server.api.pooling;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sift.server.api.vllm.VllmErrors;
import dev.sift.server.api.vllm.VllmRequests;
import dev.sift.server.http.ApiException;
import dev.sift.server.http.Json;
import dev.sift.server.http.Routes;
import dev.sift.server.http.ServingContext;
import dev.sift.tokenize.OffCarrier;
import dev.sift.tokenize.TextTokenizer;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;

/** vLLM's {@code /tokenize} and {@code /detokenize}, with the model's own tokenizer. */
public final class TokenizerApi {
    /** The server's context: each request selects its own model's from it. */
    private final ServingContext serving;

    public TokenizerApi(ServingContext context) {
        this.serving = context;
    }

    public void register(Routes routes) {
        routes.post("/tokenize", Routes.Access.PROTECTED, VllmErrors.guarded(ctx -> tokenize(ctx, Json.readObject(ctx))));
        routes.post("/detokenize", Routes.Access.PROTECTED, VllmErrors.guarded(ctx -> detokenize(ctx, Json.readObject(ctx))));
    }

    void tokenize(Context ctx, JsonNode body) {
        ServingContext context = select(ctx, body);
        if (body.has("messages")) throw ApiException.invalidValue("chat-style input is not supported: send prompt", "messages");
        JsonNode prompt = body.get("prompt");
        if (prompt == null || !prompt.isTextual()) throw ApiException.badRequest("Field required: prompt (a string)");
        context.limits().checkText(prompt.asText(), "prompt");
        boolean special = VllmRequests.optionalBoolean(body, "add_special_tokens", true);
        boolean strings = VllmRequests.optionalBoolean(body, "return_token_strs", false);
        TextTokenizer.Tokens tokens = OffCarrier.call(() -> context.model().tokenizer().tokens(prompt.asText(), special));
        Json.write(ctx, 200, new TokenizeResponse(tokens.ids().length, context.model().spec().maxLength(), tokens.ids(),
                strings ? tokens.strings() : null));
    }

    void detokenize(Context ctx, JsonNode body) {
        ServingContext context = select(ctx, body);
        JsonNode tokens = body.get("tokens");
        if (tokens == null || !tokens.isArray()) throw ApiException.badRequest("Field required: tokens (a list of integers)");
        context.limits().checkCount(tokens.size(), "tokens");
        int vocab = context.model().spec().vocabSize();
        long[] ids = new long[tokens.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode t = tokens.get(i);
            if (!t.isIntegralNumber() || !t.canConvertToLong() || t.asLong() < 0 || (vocab > 0 && t.asLong() >= vocab)) {
                throw ApiException.invalidValue("token " + t + " is not an id in the vocabulary (0 to " + (vocab - 1) + ")", "tokens");
            }
            ids[i] = t.asLong();
        }
        String prompt = OffCarrier.call(() -> context.model().tokenizer().decode(ids));
        Json.write(ctx, 200, Map.of("prompt", prompt));
    }

    /** On the tokenizer routes vLLM reports a wrong model with {@code param: "model"}. */
    private ServingContext select(Context ctx, JsonNode body) {
        try {
            return serving.select(ctx, body);
        } catch (ApiException e) {
            if (e.status() == 404) throw new ApiException(404, e.type(), e.getMessage(), "model");
            throw e;
        }
    }

    record TokenizeResponse(int count, int maxModelLen, long[] tokens, List<String> tokenStrs) {}
}
