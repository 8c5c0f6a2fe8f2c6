package dev.sift.graph.blocks;

import dev.sift.graph.GraphBuilder;

/** Token, position and token-type lookups. */
public final class Embeddings {

    private Embeddings() {}

    /** Rows of the [rows, width] table {@code name} for int64 indices of any shape. */
    public static String lookup(GraphBuilder g, String name, long rows, long width, String indices) {
        return g.rows(name, rows, width, indices);
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

    /**
     * x plus its token-type embeddings from table {@code name}: looked up from a {@code token_type_ids} input when
     * the model has two or more types, row 0 for every token when it has one (the reference's default types are
     * zeros), nothing when it has none.
     */
    public static String addTokenTypes(GraphBuilder g, String x, String name, long types, long width) {
        if (types > 1) return g.add(x, lookup(g, name, types, width, g.tokenInput("token_type_ids")));
        if (types == 1) return g.add(x, g.gather(g.weight(name, types, width), g.scalarInt(0), 0));
        return x;
    }
}
