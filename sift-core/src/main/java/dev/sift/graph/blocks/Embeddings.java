package dev.sift.graph.blocks;

import dev.sift.graph.GraphBuilder;

/** Token, position and token-type lookups. */
public final class Embeddings {

    private Embeddings() {}

    /** Rows of the [rows, width] table {@code name} for int64 indices of any shape. */
    public static String lookup(GraphBuilder g, String name, long rows, long width, String indices) {
        return g.gather(g.weight(name, rows, width), indices, 0);
    }

    /** Positions 0 .. sequence-1 of {@code ids} [batch, sequence], as a [sequence] int64 vector. */
    public static String positions(GraphBuilder g, String ids) {
        return g.op("Range", g.scalarInt(0), g.dim(ids, 1), g.scalarInt(1));
    }

    /**
     * RoBERTa's positions ({@code create_position_ids_from_input_ids}): padding tokens sit at {@code paddingIdx},
     * real tokens count up from {@code paddingIdx + 1}. Shape [batch, sequence].
     */
    public static String paddingOffsetPositions(GraphBuilder g, String ids, long paddingIdx) {
        String notPad = g.castInt64(g.op("Not", g.op("Equal", ids, g.ints(paddingIdx))));
        String counted = g.mul(g.op("CumSum", notPad, g.scalarInt(1)), notPad);
        return g.add(counted, g.ints(paddingIdx));
    }

    /** The token-type row 0 alone, for models whose tokenizer gives no types (type_vocab_size 1). */
    public static String firstRow(GraphBuilder g, String name, long rows, long width) {
        return g.gather(g.weight(name, rows, width), g.scalarInt(0), 0);
    }
}
