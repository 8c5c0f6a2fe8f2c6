package dev.sift.server.eval;

import java.nio.file.Path;

/** A file {@code sift eval} cannot read: missing, malformed (with its line number), or naming an unknown id. */
public final class EvalFormatException extends RuntimeException {
    public EvalFormatException(String message) {
        super(message);
    }

    static EvalFormatException at(Path file, int line, String problem) {
        return new EvalFormatException(file + " line " + line + ": " + problem);
    }
}
