package dev.sift.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.javalin.http.Context;
import java.io.IOException;

/** JSON in and out: snake_case field names, as every API Sift speaks uses them. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Json() {}

    /** Parses the request body; anything but a JSON object is a 400. */
    public static JsonNode readObject(Context ctx) {
        JsonNode body;
        try {
            body = MAPPER.readTree(ctx.bodyInputStream());
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("Invalid JSON body: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.badRequest("Cannot read the request body: " + e.getMessage());
        }
        if (body == null || !body.isObject()) {
            throw ApiException.badRequest("The request body must be a JSON object");
        }
        return body;
    }

    public static void write(Context ctx, int status, Object body) {
        try {
            ctx.status(status).contentType("application/json").result(MAPPER.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise a response", e);
        }
    }
}
