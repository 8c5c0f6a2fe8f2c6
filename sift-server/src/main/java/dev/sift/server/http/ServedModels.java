package dev.sift.server.http;

import dev.sift.model.ModelSpec;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The models one server serves, in the order given: a request names one by any of its served names in its
 * {@code model} field, and a request that names none goes to the first.
 */
public record ServedModels(List<ServedModel> all) {

    public ServedModels {
        all = List.copyOf(all);
        if (all.isEmpty()) throw new IllegalArgumentException("a server needs at least one model");
        Set<String> seen = new HashSet<>();
        for (ServedModel served : all) {
            for (String name : served.names()) {
                if (!seen.add(name)) {
                    throw new IllegalArgumentException("the served name '" + name + "' is given to two models; each"
                            + " name must call one model");
                }
            }
        }
    }

    public static ServedModels of(ServedModel... models) {
        return new ServedModels(List.of(models));
    }

    public ServedModel first() {
        return all.get(0);
    }

    /** The model a request names; null or empty names the first. */
    public Optional<ServedModel> named(String requested) {
        if (requested == null || requested.isEmpty()) return Optional.of(first());
        for (ServedModel served : all) if (served.answersTo(requested)) return Optional.of(served);
        return Optional.empty();
    }

    /** Whether any model can do what {@code can} asks, so that the route belongs on the server at all. */
    public boolean any(Predicate<ModelSpec> can) {
        for (ServedModel served : all) if (can.test(served.model().spec())) return true;
        return false;
    }

    /** Closes every model. */
    public void close() {
        for (ServedModel served : all) served.model().close();
    }
}
