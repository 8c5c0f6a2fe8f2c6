package dev.sift.graph;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sift.model.ModelException;
import java.nio.file.Path;

/** config.json as the graph builders read it: every missing or malformed field is refused by name. */
public record ModelConfig(JsonNode json, Path file) {

    public int integer(String field) {
        JsonNode v = json.path(field);
        if (!v.canConvertToInt() || !v.isNumber()) throw missing(field, "an integer");
        return v.asInt();
    }

    public int integer(String field, int fallback) {
        JsonNode v = json.path(field);
        if (v.isMissingNode() || v.isNull()) return fallback;
        if (!v.isNumber() || !v.canConvertToInt()) throw missing(field, "an integer");
        return v.asInt();
    }

    public double number(String field, double fallback) {
        JsonNode v = json.path(field);
        if (v.isMissingNode() || v.isNull()) return fallback;
        if (!v.isNumber()) throw missing(field, "a number");
        return v.asDouble();
    }

    public String text(String field, String fallback) {
        JsonNode v = json.path(field);
        if (v.isMissingNode() || v.isNull()) return fallback;
        if (!v.isTextual()) throw missing(field, "a string");
        return v.asText();
    }

    public boolean flag(String field, boolean fallback) {
        JsonNode v = json.path(field);
        if (v.isMissingNode() || v.isNull()) return fallback;
        if (!v.isBoolean()) throw missing(field, "true or false");
        return v.asBoolean();
    }

    public JsonNode node(String field) {
        return json.path(field);
    }

    /** The number of heads divides the hidden size, as every architecture here requires. */
    public int headDim(int hidden, int heads) {
        if (heads <= 0 || hidden % heads != 0) {
            throw new ModelException(file + ": hidden size " + hidden + " is not a multiple of num_attention_heads " + heads);
        }
        return hidden / heads;
    }

    public ModelException unsupported(String field, Object value, String supported) {
        return new ModelException(file + ": " + field + " " + value + " is not supported by Sift's graph builder ("
                + supported + ")");
    }

    private ModelException missing(String field, String what) {
        return new ModelException(file + ": field " + field + " must be " + what + ", found "
                + (json.path(field).isMissingNode() ? "nothing" : json.path(field).toString()));
    }
}
