package dev.sift.graph.arch;

import dev.sift.graph.GraphBuilder;
import dev.sift.graph.Head;
import dev.sift.graph.ModelConfig;
import dev.sift.model.ModelException;

/** What the encoders' heads share, and the output names of optimum's exports that everything downstream reads. */
final class Heads {

    private Heads() {}

    /**
     * Writes the encoder's final states x [batch, sequence, hidden] as the graph's {@code last_hidden_state} when
     * {@code head} asks for them (an embedding model); returns whether it did, so that the caller writes no classifier.
     */
    static boolean hiddenStates(Head head, GraphBuilder g, String x, long hidden) {
        if (head != Head.HIDDEN_STATES) return false;
        g.output("last_hidden_state", x, "batch", "sequence", hidden);
        return true;
    }

    /** Writes the classifier's {@code logits} [batch, labels]. */
    static void logits(GraphBuilder g, String logits, long labels) {
        g.output("logits", logits, "batch", labels);
    }

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
