package dev.sift.engine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;

/**
 * Direct input buffers owned by one inference thread and reused from batch to batch, so that ONNX Runtime reads
 * the ids in place and no per-batch native allocation is made. They only ever grow.
 */
final class InputBuffers {
    private LongBuffer ids = allocate(0);
    private LongBuffer mask = allocate(0);
    private LongBuffer types = allocate(0);
    private LongBuffer positions = allocate(0);

    /**
     * Lays the rows out as a [rows, width] batch, right-padded. Positions, when asked for, count from 0 in every
     * row; right padding leaves a decoder's real tokens where they would be alone.
     */
    void fill(long[][] rowIds, long[][] rowTypes, int width, long padId, boolean withPositions) {
        int size = rowIds.length * width;
        if (ids.capacity() < size) {
            int capacity = Math.max(size, ids.capacity() * 2);
            ids = allocate(capacity);
            mask = allocate(capacity);
            types = allocate(capacity);
        }
        // Only decoder graphs take positions; encoders never pay for the buffer.
        if (withPositions && positions.capacity() < size) positions = allocate(Math.max(size, positions.capacity() * 2));
        ids.clear();
        mask.clear();
        types.clear();
        positions.clear();
        for (int r = 0; r < rowIds.length; r++) {
            long[] row = rowIds[r];
            long[] rowType = rowTypes == null ? null : rowTypes[r];
            for (int c = 0; c < width; c++) {
                boolean real = c < row.length;
                ids.put(real ? row[c] : padId);
                mask.put(real ? 1L : 0L);
                types.put(real && rowType != null ? rowType[c] : 0L);
                if (withPositions) positions.put(c);
            }
        }
        ids.flip();
        mask.flip();
        types.flip();
        positions.flip();
    }

    LongBuffer ids() {
        return ids;
    }

    LongBuffer mask() {
        return mask;
    }

    LongBuffer types() {
        return types;
    }

    LongBuffer positions() {
        return positions;
    }

    private static LongBuffer allocate(int longs) {
        return ByteBuffer.allocateDirect(longs * Long.BYTES).order(ByteOrder.nativeOrder()).asLongBuffer();
    }
}
