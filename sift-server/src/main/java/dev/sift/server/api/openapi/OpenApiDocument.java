package dev.sift.server.api.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sift.server.http.Json;
import dev.sift.server.http.Routes;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The OpenAPI 3.1 document at {@code /openapi.json}: every route and schema Sift can serve is written once in
 * {@code openapi.json}; this keeps the paths and methods the running server registered for its model and
 * lists each prefix it serves them under as a server.
 */
public final class OpenApiDocument implements Handler {
    private final Routes routes;
    private final String version;
    /** Rendered on first request, once every route (this one included) is registered. */
    private volatile byte[] rendered;

    public OpenApiDocument(Routes routes, String version) {
        this.routes = routes;
        this.version = version;
    }

    @Override
    public void handle(Context ctx) {
        byte[] document = rendered;
        if (document == null) rendered = document = render(routes, version);
        ctx.contentType("application/json").result(document);
    }

    static byte[] render(Routes routes, String version) {
        ObjectNode document = template();
        ((ObjectNode) document.get("info")).put("version", version);
        Set<String> served = new HashSet<>();
        for (Routes.Route route : routes.registered()) {
            served.add(route.path() + " " + route.method().name().toLowerCase(Locale.ROOT));
        }
        ObjectNode paths = (ObjectNode) document.get("paths");
        ObjectNode pathItems = (ObjectNode) document.get("components").get("pathItems");
        for (Iterator<Map.Entry<String, JsonNode>> it = paths.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> path = it.next();
            JsonNode item = path.getValue();
            if (item.has("$ref")) {
                String name = item.get("$ref").asText().substring("#/components/pathItems/".length());
                item = pathItems.get(name);
            }
            boolean any = false;
            for (Iterator<String> methods = item.fieldNames(); methods.hasNext(); ) {
                if (served.contains(path.getKey() + " " + methods.next())) any = true;
            }
            // A path is listed whole or not at all; every path has one method per registration here.
            if (!any) it.remove();
        }
        ArrayNode servers = document.putArray("servers");
        for (String prefix : routes.prefixes()) servers.addObject().put("url", prefix.isEmpty() ? "/" : prefix);
        try {
            return Json.MAPPER.writeValueAsBytes(document);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ObjectNode template() {
        try (InputStream in = OpenApiDocument.class.getResourceAsStream("openapi.json")) {
            if (in == null) throw new IllegalStateException("openapi.json is missing from the class path");
            return (ObjectNode) Json.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
