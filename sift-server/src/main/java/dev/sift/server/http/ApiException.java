package dev.sift.server.http;

/**
 * A request the server refuses, with what each API flavour needs to report it in its own error shape.
 *
 * @see dev.sift.server.api.vllm.VllmErrors
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;
    private final Integer retryAfterSeconds;

    public ApiException(int status, String type, String message, String param) {
        this(status, type, message, param, null);
    }

    public ApiException(int status, String type, String message, String param, Integer retryAfterSeconds) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** Seconds a refused client should wait, sent as Retry-After; null when not a refusal. */
    public Integer retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** A malformed request: a missing field, a wrong type, unparseable JSON. */
    public static ApiException badRequest(String message) {
        return new ApiException(400, "Bad Request", message, null);
    }

    /** A well-formed request whose values cannot be served. */
    public static ApiException invalidValue(String message, String param) {
        return new ApiException(400, "BadRequestError", message, param);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, "NotFoundError", message, null);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }
}
