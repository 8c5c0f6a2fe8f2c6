package dev.sift.server.http;

import dev.sift.SiftModel;
import java.util.List;

/**
 * A loaded model and the names clients may call it by.
 *
 * @param model         the model
 * @param names         served names; the first is reported in responses
 * @param root          where it was loaded from, as /v1/models reports it
 * @param residentBytes the resident memory its loading added to the process (ONNX Runtime's session and weights, the
 *                      tokenizer, the warm-up), or -1 when not measured
 */
public record ServedModel(SiftModel model, List<String> names, String root, long residentBytes) {

    public ServedModel {
        names = List.copyOf(names);
        if (names.isEmpty()) throw new IllegalArgumentException("a served model needs at least one name");
    }

    public ServedModel(SiftModel model, List<String> names, String root) {
        this(model, names, root, -1);
    }

    public String name() {
        return names.get(0);
    }

    /** Whether a request naming {@code requested} means this model. */
    public boolean answersTo(String requested) {
        return names.contains(requested);
    }
}
