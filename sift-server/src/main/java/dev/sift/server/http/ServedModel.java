package dev.sift.server.http;

import dev.sift.SiftModel;
import java.util.List;

/**
 * A loaded model and the names clients may call it by.
 *
 * @param model the model
 * @param names served names; the first is reported in responses
 * @param root  where it was loaded from, as /v1/models reports it
 */
public record ServedModel(SiftModel model, List<String> names, String root) {

    public ServedModel {
        names = List.copyOf(names);
        if (names.isEmpty()) throw new IllegalArgumentException("a served model needs at least one name");
    }

    public String name() {
        return names.get(0);
    }

    /** A request may omit the model (null or empty) or name it by any served name. */
    public boolean answersTo(String requested) {
        return requested == null || requested.isEmpty() || names.contains(requested);
    }
}
