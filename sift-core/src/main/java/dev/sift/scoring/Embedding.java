package dev.sift.scoring;

/**
 * A text's cached embedding and the tokens its input had. The vector is shared by the cache and never handed out:
 * callers get a copy, so that nothing they do to it changes a later answer.
 */
record Embedding(float[] vector, int tokens) {

    /** The record (header, reference, int) and the array (header and floats). */
    static int bytes(Embedding e) {
        return 24 + 16 + 4 * e.vector.length;
    }
}
