package dev.sift.hub;

/** A model that cannot be had from the Hub: unknown, private or gated, unreachable, or without an ONNX graph. */
public final class HubException extends RuntimeException {
    public HubException(String message) {
        super(message);
    }

    public HubException(String message, Throwable cause) {
        super(message, cause);
    }
}
