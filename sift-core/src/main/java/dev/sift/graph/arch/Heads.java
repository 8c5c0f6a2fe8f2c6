package dev.sift.graph.arch;

import dev.sift.graph.GraphBuilder;
import dev.sift.graph.ModelConfig;
import dev.sift.model.ModelException;

/** What the classification heads share. */
final class Heads {

    private Heads() {}

    /** num_labels, else the size of id2label, as transformers' PretrainedConfig reads it. */
    static int labels(ModelConfig c) {
        int fromMap = c.node("id2label").size();
        int labels = c.integer("num_labels", fromMap > 0 ? fromMap : 2);
        if (labels < 1) throw new ModelException(c.file() + ": num_labels " + labels);
        return labels;
    }

    /** The first token's state ([CLS] or &lt;s&gt;), [batch, hidden]. */
    static String firstToken(GraphBuilder g, String x) {
        return g.gather(x, g.scalarInt(0), 1);
    }
}
