package dev.sift.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.javalin.config.Key;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;

/** JSON in and out: snake_case field names, as every API Sift speaks uses them. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** The configured body limit, for the 413 message. */
    public static final Key<Long> MAX_BYTES = new Key<>("sift.maxRequestBytes");

    private Json() {}

    /** Parses the request body; a body over the size limit is a 413, anything but a JSON object a 400. */
    public static JsonNode readObject(Context ctx) {
        JsonNode body;
        byte[] bytes;
        try {
            // bodyAsBytes enforces Javalin's maxRequestSize; a stream would not.
            bytes = ctx.bodyAsBytes();
        } catch (HttpResponseException e) {
            if (e.getStatus() == 413) {
                throw new ApiException(413, "RequestTooLarge", "Request body too large: the server accepts at most "
                        + ctx.appData(MAX_BYTES) + " bytes (--max-request-bytes)", null);
            }
            throw e;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            // Javalin rethrows the connection's IOException undeclared: the client hung up, or was cut for sending its
            // body too slowly (--request-read-timeout). Nobody is left to answer; 499 is what the metrics record.
            if (e instanceof IOException) throw new ApiException(499, "ClientClosedRequest", "The request body could not"
                    + " be read: the client went away (" + e.getClass().getSimpleName() + ")", null);
            throw new IllegalStateException(e);
        }
        try {
            body = MAPPER.readTree(bytes);
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
