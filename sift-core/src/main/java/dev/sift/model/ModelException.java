package dev.sift.model;

/** A model folder that Sift cannot serve; the message names the file or setting at fault. */
public final class ModelException extends RuntimeException {
    public ModelException(String message) {
        super(message);
    }

    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
