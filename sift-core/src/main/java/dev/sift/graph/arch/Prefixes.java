package dev.sift.graph.arch;

import dev.sift.graph.GraphBuilder;
import dev.sift.model.ModelException;
import java.util.List;

/**
 * Where the encoder's tensors sit: a {@code *ForSequenceClassification} checkpoint nests them under the base
 * model's name ({@code bert.}), a bare encoder saved by sentence-transformers does not.
 */
final class Prefixes {

    private Prefixes() {}

    static String of(GraphBuilder g, String probe, List<String> candidates) {
        for (String prefix : candidates) {
            if (g.has(prefix + probe)) return prefix;
        }
        throw new ModelException("the checkpoint in " + g.checkpoint().directory() + " has no tensor "
                + candidates.stream().map(pfx -> pfx + probe).toList()
                + ": it is not laid out as config.json's architecture expects (first tensors: "
                + g.checkpoint().names().stream().limit(3).toList() + ")");
    }
}
