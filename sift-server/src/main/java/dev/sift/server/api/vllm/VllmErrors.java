package dev.sift.server.api.vllm;

import dev.sift.batching.DeadlineExceededException;
import dev.sift.batching.OverloadedException;
import dev.sift.model.ModelException;
import dev.sift.scoring.InputTooLongException;
import dev.sift.server.http.ApiException;
import dev.sift.server.http.Json;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** vLLM's error shape, {@code {"error": {"message", "type", "param", "code"}}}, for every failure of its routes. */
public final class VllmErrors {
    private static final Logger LOG = LoggerFactory.getLogger(VllmErrors.class);

    private VllmErrors() {}

    /** Wraps a handler so that whatever it throws reaches the client in vLLM's error shape. */
    public static Handler guarded(Handler handler) {
        return ctx -> {
            try {
                handler.handle(ctx);
            } catch (Exception e) {
                write(ctx, toApiException(e));
            }
        };
    }

    public static ApiException toApiException(Exception e) {
        return switch (e) {
            case ApiException api -> api;
            case OverloadedException overloaded ->
                    new ApiException(429, "TooManyRequests", overloaded.getMessage(), null, overloaded.retryAfterSeconds());
            case DeadlineExceededException late -> new ApiException(503, "ServiceUnavailable", late.getMessage(), null);
            case CancellationException gone -> new ApiException(499, "ClientClosedRequest", "The client went away", null);
            case InputTooLongException tooLong -> ApiException.invalidValue(tooLongMessage(tooLong), "input_tokens");
            case IllegalArgumentException invalid -> ApiException.invalidValue(invalid.getMessage(), null);
            case UnsupportedOperationException unsupported -> ApiException.invalidValue(unsupported.getMessage(), null);
            case ModelException model -> {
                LOG.error("model failure", model);
                yield new ApiException(500, "InternalServerError", model.getMessage(), null);
            }
            default -> {
                LOG.error("unexpected failure", e);
                yield new ApiException(500, "InternalServerError", "Internal server error", null);
            }
        };
    }

    /** vLLM's wording, which clients and tests match on ("Please reduce the length of the input prompt"). */
    static String tooLongMessage(InputTooLongException e) {
        int n = e.atLeastTokens();
        return "This model's maximum context length is " + e.maxLength() + " tokens. However, you requested 0 output"
                + " tokens and your prompt contains at least " + n + " input tokens, for a total of at least " + n
                + " tokens. Please reduce the length of the input prompt or the number of requested output tokens."
                + " (parameter=input_tokens, value=" + n + ")";
    }

    public static void write(Context ctx, ApiException e) {
        if (e.retryAfterSeconds() != null) ctx.header("Retry-After", Integer.toString(e.retryAfterSeconds()));
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", e.getMessage());
        error.put("type", e.type());
        error.put("param", e.param());
        error.put("code", e.status());
        Json.write(ctx, e.status(), Map.of("error", error));
    }
}
