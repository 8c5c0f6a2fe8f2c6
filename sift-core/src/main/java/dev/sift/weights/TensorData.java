package dev.sift.weights;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One tensor of a checkpoint: its bytes, a read-only little-endian view of the memory-mapped file (nothing is
 * copied), with its type and shape, and where those bytes lie in the file.
 *
 * @param file   the safetensors file's name within the model folder
 * @param offset the tensor's first byte within that file
 */
public record TensorData(String name, DType dtype, long[] shape, ByteBuffer bytes, String file, long offset) {

    public TensorData {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
