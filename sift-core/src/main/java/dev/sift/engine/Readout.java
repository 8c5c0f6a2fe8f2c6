package dev.sift.engine;

import java.util.Arrays;

/**
 * Which graph output a batch reads, and how much of it.
 *
 * <p>An LLM reranker's graph returns logits for every position and the whole vocabulary; only a few columns at each
 * row's last real token matter, so {@code lastTokenColumns} names them and the engine hands back {@code [rows, k]}
 * instead of {@code [rows, sequence, vocabulary]}.
 *
 * @param output           the output's name
 * @param lastTokenColumns vocabulary columns to take at each row's last real position, or null for the whole output
 */
public record Readout(String output, int[] lastTokenColumns) {

    public static Readout whole(String output) {
        return new Readout(output, null);
    }

    public static Readout lastToken(String output, int... columns) {
        return new Readout(output, columns.clone());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Readout r && output.equals(r.output) && Arrays.equals(lastTokenColumns, r.lastTokenColumns);
    }

    @Override
    public int hashCode() {
        return 31 * output.hashCode() + Arrays.hashCode(lastTokenColumns);
    }

    @Override
    public String toString() {
        return lastTokenColumns == null ? output : output + Arrays.toString(lastTokenColumns) + " at the last token";
    }
}
