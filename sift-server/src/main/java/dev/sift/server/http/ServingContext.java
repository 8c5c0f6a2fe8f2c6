package dev.sift.server.http;

import dev.sift.SiftModel;

/**
 * What every API handler needs: the model it serves and the server's options.
 *
 * @param served  the model and its names
 * @param options limits, keys, defaults
 */
public record ServingContext(ServedModel served, ServerOptions options) {

    public SiftModel model() {
        return served.model();
    }

    public Limits limits() {
        return options.limits();
    }
}
