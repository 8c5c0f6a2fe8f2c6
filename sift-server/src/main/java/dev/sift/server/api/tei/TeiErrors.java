package dev.sift.server.api.tei;

import dev.sift.batching.DeadlineExceededException;
import dev.sift.batching.OverloadedException;
import dev.sift.scoring.InputTooLongException;
import dev.sift.server.api.vllm.VllmErrors;
import dev.sift.server.http.ApiException;
import dev.sift.server.http.Json;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * TEI's error shape, {@code {"error": "...", "error_type": "Validation"}}, with TEI's statuses: 400 for
 * {@code Empty}, 422 for {@code Validation}, 424 for {@code Backend}; 413 for a body over the limit; 404 for a {@code model} that no model
 * of a multi-model server answers to.
 */
public final class TeiErrors {
    private TeiErrors() {}

    public static void write(Context ctx, Exception failure) {
        int status;
        String type;
        String message;
        if (failure instanceof OverloadedException overloaded) {
            status = 429;
            type = "Overloaded";
            message = "Model is overloaded";
            ctx.header("Retry-After", Integer.toString(overloaded.retryAfterSeconds()));
        } else if (failure instanceof DeadlineExceededException late) {
            status = 503;
            type = "Overloaded";
            message = late.getMessage();
        } else if (failure instanceof EmptyTexts) {
            status = 400;
            type = "Empty";
            message = failure.getMessage();
        } else if (failure instanceof InputTooLongException tooLong) {
            status = 422;
            type = "Validation";
            message = "Input validation error: `inputs` must have less than " + tooLong.maxLength()
                    + " tokens. Given: " + tooLong.atLeastTokens();
        } else {
            ApiException api = VllmErrors.toApiException(failure);
            if (api.status() == 413) {
                status = 413;
                type = "Validation";
            } else if (api.status() == 404) {
                // Only a "model" field TEI itself never sends can name a model this server does not have.
                status = 404;
                type = "NotFound";
            } else if (api.status() >= 500) {
                status = 424;
                type = "Backend";
            } else {
                status = 422;
                type = "Validation";
            }
            message = (status == 424 ? "Backend error: " : "Input validation error: ") + api.getMessage();
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", message);
        body.put("error_type", type);
        Json.write(ctx, status, body);
    }

    /** TEI's one 400: a request with no texts. */
    static final class EmptyTexts extends RuntimeException {
        EmptyTexts() {
            super("`texts` cannot be empty");
        }
    }
}
