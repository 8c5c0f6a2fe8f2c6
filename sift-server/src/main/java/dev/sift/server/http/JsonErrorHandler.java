package dev.sift.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * What Jetty answers itself, before any route sees the request (a malformed request line or header, an ambiguous
 * path such as {@code %2F}, headers too large): {@code {"detail": "..."}}, the shape of every answer that is not a
 * route's, instead of Jetty's HTML page. The message is Jetty's short reason, never an exception's text.
 */
final class JsonErrorHandler extends ErrorHandler {
    private static final HttpField JSON = new HttpField(HttpHeader.CONTENT_TYPE, "application/json");

    @Override
    protected boolean generateAcceptableResponse(Request request, Response response, Callback callback, String contentType,
                                                 List<Charset> charsets, int code, String message, Throwable cause) {
        response.getHeaders().put(JSON);
        response.write(true, ByteBuffer.wrap(body(code, message)), callback);
        return true;
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(JSON);
        return ByteBuffer.wrap(body(status, reason));
    }

    static byte[] body(int status, String message) {
        try {
            return Json.MAPPER.writeValueAsBytes(Map.of("detail", detail(status, message)));
        } catch (JsonProcessingException e) {
            return "{\"detail\": \"Bad Request\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** Jetty's reason ("Ambiguous URI path separator") when it is one, else the status's own name. */
    static String detail(int status, String message) {
        String name = HttpStatus.getMessage(status);
        if (message == null || message.isBlank() || message.length() > 200 || message.contains("Exception")
                || message.contains("java.") || message.contains("org.")) {
            return name;
        }
        return message;
    }
}
