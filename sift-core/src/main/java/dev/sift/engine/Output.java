package dev.sift.engine;

/**
 * One output tensor of a batch, copied out of native memory, row-major.
 *
 * @param data  the values
 * @param shape the dimensions, batch first
 */
public record Output(float[] data, int[] shape) {

    /** Values per batch row. */
    public int rowSize() {
        int size = 1;
        for (int i = 1; i < shape.length; i++) size *= shape[i];
        return size;
    }
}
