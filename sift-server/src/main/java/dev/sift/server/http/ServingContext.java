package dev.sift.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sift.SiftModel;
import dev.sift.model.ModelSpec;
import io.javalin.http.Context;
import java.util.function.Predicate;

/**
 * What every API handler needs: the models served, the one a request is for, and the server's options. A handler
 * holds the server's context (whose {@link #served()} is the first model) and calls {@link #select} on each request.
 *
 * @param models  every model the server serves
 * @param served  the model this context is for, and its names
 * @param options limits, keys, defaults
 */
public record ServingContext(ServedModels models, ServedModel served, ServerOptions options) {

    /** The request attribute that names the model a request went to, for the request metrics. */
    public static final String MODEL_ATTRIBUTE = "sift.model";

    public ServingContext(ServedModels models, ServerOptions options) {
        this(models, models.first(), options);
    }

    public SiftModel model() {
        return served.model();
    }

    public Limits limits() {
        return options.limits();
    }

    /**
     * The context of the model the request names in its {@code model} field (the first model when absent, null or
     * empty): a name no model answers to is a 404, and a model that cannot do {@code what} the route does is a 400.
     */
    public ServingContext select(Context ctx, JsonNode body, Predicate<ModelSpec> can, String what) {
        JsonNode model = body.get("model");
        if (model != null && !model.isNull() && !model.isTextual()) throw ApiException.badRequest("model must be a string");
        String requested = model == null || model.isNull() ? null : model.asText();
        ServedModel chosen = models.named(requested)
                .orElseThrow(() -> ApiException.notFound("The model `" + requested + "` does not exist."));
        ctx.attribute(MODEL_ATTRIBUTE, chosen.name());
        if (!can.test(chosen.model().spec())) {
            throw ApiException.badRequest("The model `" + chosen.name() + "` does not support " + what + ".");
        }
        return chosen == served ? this : new ServingContext(models, chosen, options);
    }

    /** {@link #select} for a route every model serves. */
    public ServingContext select(Context ctx, JsonNode body) {
        return select(ctx, body, spec -> true, "");
    }
}
