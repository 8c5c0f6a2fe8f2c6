package dev.sift.server.api.pooling;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sift.model.ModelSpec;
import dev.sift.model.ModelTask;
import dev.sift.scoring.Classification;
import dev.sift.scoring.Embedded;
import dev.sift.scoring.ScoreOptions;
import dev.sift.server.api.openai.EmbeddingsApi.EncodingFormat;
import dev.sift.server.api.vllm.Usage;
import dev.sift.server.api.vllm.VllmErrors;
import dev.sift.server.api.vllm.VllmRequests;
import dev.sift.server.http.ApiException;
import dev.sift.server.http.Json;
import dev.sift.server.http.Routes;
import dev.sift.server.http.ServingContext;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;

/** vLLM's {@code /classify} and {@code /pooling}, each registered only where the model has the task. */
public final class PoolingApi {
    /** The server's context: each request selects its own model's from it. */
    private final ServingContext serving;

    public PoolingApi(ServingContext context) {
        this.serving = context;
    }

    public void register(Routes routes) {
        if (serving.models().any(PoolingApi::classifies)) {
            routes.post("/classify", Routes.Access.PROTECTED, VllmErrors.guarded(ctx -> classify(ctx, Json.readObject(ctx))));
        }
        routes.post("/pooling", Routes.Access.PROTECTED, VllmErrors.guarded(ctx -> pooling(ctx, Json.readObject(ctx))));
    }

    public static boolean classifies(ModelSpec spec) {
        return spec.task() == ModelTask.CROSS_ENCODER || spec.task() == ModelTask.CLASSIFIER;
    }

    public void classify(Context ctx, JsonNode body) {
        ServingContext context = serving.select(ctx, body, PoolingApi::classifies, "classification");
        if (body.has("messages")) throw ApiException.invalidValue("chat-style input is not supported: send input", "messages");
        List<String> texts = inputs(body, context);
        Classification result = context.model().classifyTexts(texts, VllmRequests.options(body, context));
        List<String> labels = context.model().spec().labels();
        List<ClassifyData> data = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            double[] probs = result.scores()[i];
            int best = 0;
            for (int l = 1; l < probs.length; l++) if (probs[l] > probs[best]) best = l;
            data.add(new ClassifyData(i, labels.get(best), probs, probs.length));
        }
        Json.write(ctx, 200, new ListResponse(VllmRequests.requestId("classify", ctx.header("X-Request-Id")), "list",
                VllmRequests.now(), context.served().name(), data, Usage.of(result.totalTokens())));
    }

    public void pooling(Context ctx, JsonNode body) {
        ServingContext context = serving.select(ctx, body);
        ModelSpec spec = context.model().spec();
        String task = VllmRequests.optionalString(body, "task", classifies(spec) ? "classify" : "embed");
        boolean supported = task.equals("classify") ? classifies(spec) : task.equals("embed") && spec.task() == ModelTask.EMBEDDING;
        if (!supported) {
            throw ApiException.invalidValue("Unsupported task: '" + task + "' Supported tasks: ["
                    + (classifies(spec) ? "'classify'" : "'embed'") + "]", null);
        }
        if (body.hasNonNull("dimensions")) throw ApiException.invalidValue("dimensions is currently not supported", "dimensions");
        boolean base64 = EncodingFormat.base64(body);
        List<String> texts = inputs(body, context);
        ScoreOptions options = VllmRequests.options(body, context);
        List<PoolingData> data = new ArrayList<>(texts.size());
        long tokens;
        if (task.equals("embed")) {
            Embedded embedded = context.model().embed(texts, options);
            for (int i = 0; i < texts.size(); i++) {
                float[] v = embedded.vectors()[i];
                data.add(new PoolingData(i, "pooling", base64 ? EncodingFormat.toBase64(v) : v));
            }
            tokens = embedded.totalTokens();
        } else {
            Classification result = context.model().classifyTexts(texts, options);
            for (int i = 0; i < texts.size(); i++) {
                double[] s = result.scores()[i];
                float[] f = new float[s.length];
                for (int l = 0; l < s.length; l++) f[l] = (float) s[l];
                data.add(new PoolingData(i, "pooling", base64 ? EncodingFormat.toBase64(f) : s));
            }
            tokens = result.totalTokens();
        }
        Json.write(ctx, 200, new ListResponse(VllmRequests.requestId("pooling", ctx.header("X-Request-Id")), "list",
                VllmRequests.now(), context.served().name(), data, Usage.of(tokens)));
    }

    /** {@code input}: a non-empty string or a non-empty list of strings. */
    private static List<String> inputs(JsonNode body, ServingContext context) {
        JsonNode input = body.get("input");
        if (input == null || input.isNull()) throw ApiException.badRequest("Field required: input");
        List<String> texts = VllmRequests.texts(input, "input", context);
        if (texts.isEmpty() || (texts.size() == 1 && texts.get(0).isEmpty())) {
            throw ApiException.invalidValue("input cannot be empty", "input");
        }
        return texts;
    }

    record ClassifyData(int index, String label, double[] probs, int numClasses) {}

    record PoolingData(int index, String object, Object data) {}

    record ListResponse(String id, String object, long created, String model, List<?> data, Usage usage) {}
}
