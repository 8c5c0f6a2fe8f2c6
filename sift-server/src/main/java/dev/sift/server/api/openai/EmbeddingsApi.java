package dev.sift.server.api.openai;

import dev.sift.model.ModelSpec;
import dev.sift.model.ModelTask;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sift.scoring.Embedded;
import dev.sift.scoring.ScoreOptions;
import dev.sift.server.api.vllm.Usage;
import dev.sift.server.api.vllm.VllmErrors;
import dev.sift.server.api.vllm.VllmRequests;
import dev.sift.server.http.ApiException;
import dev.sift.server.http.Json;
import dev.sift.server.http.Routes;
import dev.sift.server.http.ServingContext;
import io.javalin.http.Context;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * OpenAI's {@code POST /v1/embeddings}, as vLLM serves it: text or token-id input, float or base64 output
 * (little-endian float32, which the openai SDK asks for by default).
 */
public final class EmbeddingsApi {
    /** The server's context: each request selects its own model's from it. */
    private final ServingContext serving;

    public EmbeddingsApi(ServingContext context) {
        this.serving = context;
    }

    public void register(Routes routes) {
        routes.post("/v1/embeddings", Routes.Access.PROTECTED, VllmErrors.guarded(ctx -> embeddings(ctx, Json.readObject(ctx))));
    }

    public void embeddings(Context ctx, JsonNode body) {
        ServingContext context = serving.select(ctx, body, spec -> spec.task() == ModelTask.EMBEDDING, "embeddings");
        JsonNode dimensions = body.get("dimensions");
        if (dimensions != null && !dimensions.isNull()) {
            throw ApiException.invalidValue("dimensions is currently not supported: " + context.served().name()
                    + " is not a Matryoshka model", "dimensions");
        }
        boolean base64 = EncodingFormat.base64(body);
        ScoreOptions options = VllmRequests.options(body, context);
        Embedded embedded = embed(body.get("input"), options, context);
        List<Item> data = new ArrayList<>(embedded.vectors().length);
        for (int i = 0; i < embedded.vectors().length; i++) {
            float[] v = embedded.vectors()[i];
            data.add(new Item("embedding", base64 ? EncodingFormat.toBase64(v) : v, i));
        }
        Json.write(ctx, 200, new Response(VllmRequests.requestId("embd", ctx.header("X-Request-Id")), "list",
                VllmRequests.now(), context.served().name(), data, Usage.of(embedded.totalTokens())));
    }

    /** {@code input}: a string, strings, token ids, or lists of token ids. */
    private static Embedded embed(JsonNode input, ScoreOptions options, ServingContext context) {
        if (input == null || input.isNull()) throw ApiException.badRequest("Field required: input");
        if (input.isArray() && !input.isEmpty() && (input.get(0).isIntegralNumber() || input.get(0).isArray())) {
            List<long[]> prompts = new ArrayList<>();
            if (input.get(0).isIntegralNumber()) prompts.add(ids(input));
            else for (JsonNode prompt : input) prompts.add(ids(prompt));
            context.limits().checkCount(prompts.size(), "input");
            return context.model().embedIds(prompts, options);
        }
        List<String> texts = VllmRequests.texts(input, "input", context);
        if (texts.isEmpty()) throw ApiException.invalidValue("input cannot be empty", "input");
        return context.model().embed(texts, options);
    }

    private static long[] ids(JsonNode prompt) {
        if (!prompt.isArray() || prompt.isEmpty()) throw ApiException.badRequest("input must be text or non-empty lists of token ids");
        long[] ids = new long[prompt.size()];
        for (int i = 0; i < ids.length; i++) {
            if (!prompt.get(i).isIntegralNumber()) throw ApiException.badRequest("token ids must be integers");
            ids[i] = prompt.get(i).asLong();
        }
        return ids;
    }

    record Item(String object, Object embedding, int index) {}

    record Response(String id, String object, long created, String model, List<Item> data, Usage usage) {}

    /** The {@code encoding_format} field: "float" (default) or "base64". */
    public static final class EncodingFormat {
        private EncodingFormat() {}

        public static boolean base64(JsonNode body) {
            String format = VllmRequests.optionalString(body, "encoding_format", "float");
            return switch (format) {
                case "float" -> false;
                case "base64" -> true;
                default -> throw ApiException.badRequest("encoding_format: Input should be 'float' or 'base64'"
                        + " [type=literal_error, input_value='" + format + "']");
            };
        }

        public static String toBase64(float[] vector) {
            ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : vector) bytes.putFloat(v);
            return Base64.getEncoder().encodeToString(bytes.array());
        }
    }
}
