package dev.sift.batching;

import dev.sift.engine.Output;

/** Receives the output row of one input; called on an inference thread. */
@FunctionalInterface
public interface RowSink {
    void accept(int input, Output output, int row, int length);
}
