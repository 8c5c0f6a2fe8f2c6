package dev.sift.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.javalin.config.Key;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;
import java.util.regex.Pattern;

/** JSON in and out: snake_case field names, as every API Sift speaks uses them. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * Deepest nesting a request body may have. Every API's body is a few levels deep (a document object with its
     * metadata); a limit well below Jackson's default of 1000 refuses a hostile 100,000-level array after a few
     * hundred bytes.
     */
    static final int MAX_NESTING_DEPTH = 64;

    /**
     * Request bodies only: a key given twice is refused rather than silently resolved to its last value, so that a
     * proxy or validator that reads the first and Sift, which would read the last, cannot disagree about a request.
     * NaN and Infinity stay refused, as strict JSON has them.
     */
    private static final ObjectReader REQUESTS = MAPPER.copyWith(MAPPER.getFactory().copy()
                    .setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build()))
            .reader()
            .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .without(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS);

    /** Jackson's messages may name where in the source an error was, and which of its own settings refused it. */
    private static final Pattern SOURCE = Pattern.compile("\\s*\\(?(start marker at )?\\[Source: [^\\]]*\\]\\)?"
            + "|[:;,]?\\s*\\(?(enable|consider|use|set)\\b[^`]*`[^`]*`[^)]*\\)?");

    /** The configured body limit, for the 413 message. */
    public static final Key<Long> MAX_BYTES = new Key<>("sift.maxRequestBytes");

    private Json() {}

    /** Parses the request body; a body over the size limit is a 413, anything but a JSON object a 400. */
    public static JsonNode readObject(Context ctx) {
        JsonNode body;
        byte[] bytes;
        // Javalin would read an announced body until it passes the limit, so a client that announces 40 MB and sends
        // a few bytes would hold the request open; a Content-Length over the limit is refused before any byte is read
        // (and before a 100 Continue invites them).
        if (ctx.req().getContentLengthLong() > ctx.appData(MAX_BYTES)) throw tooLarge(ctx);
        try {
            // bodyAsBytes enforces Javalin's maxRequestSize, chunked bodies included; a stream would not.
            bytes = ctx.bodyAsBytes();
        } catch (HttpResponseException e) {
            if (e.getStatus() == 413) throw tooLarge(ctx);
            throw e;
        } catch (Exception e) {
            // Javalin rethrows the connection's IOException undeclared: the body ended early (the client hung up, or
            // was cut for sending it too slowly: --request-read-timeout), or its chunked encoding is malformed, which
            // Jetty reports the same way. Either is the client's fault, and no stack trace is logged for it.
            throw ApiException.badRequest("Cannot read the request body: it ended early or its chunked encoding is malformed");
        }
        body = parse(bytes);
        if (body == null || !body.isObject()) {
            throw ApiException.badRequest("The request body must be a JSON object");
        }
        return body;
    }

    private static ApiException tooLarge(Context ctx) {
        return new ApiException(413, "RequestTooLarge", "Request body too large: the server accepts at most "
                + ctx.appData(MAX_BYTES) + " bytes (--max-request-bytes)", null);
    }

    /** Strict JSON (see {@link #REQUESTS}), every string a valid Unicode text; null for an empty body. */
    static JsonNode parse(byte[] bytes) {
        checkUtf8(bytes);
        JsonNode body;
        try {
            body = REQUESTS.readTree(bytes);
        } catch (StreamConstraintsException e) {
            throw ApiException.badRequest("Invalid JSON body: " + constraint(e));
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("Invalid JSON body: " + SOURCE.matcher(e.getOriginalMessage()).replaceAll(""));
        } catch (IOException e) {
            throw ApiException.badRequest("Cannot read the request body");
        }
        if (body != null && !body.isMissingNode()) checkUnicode(body);
        return body != null && body.isMissingNode() ? null : body;
    }

    /**
     * Jackson decodes UTF-8 leniently: an overlong form such as {@code C0 AF} becomes "/", the classic way past a
     * filter that looks for the plain character. Java's decoder refuses overlong forms, encoded surrogates and stray
     * bytes. A body that starts like UTF-16 or UTF-32 (a NUL in its first two bytes, or their byte-order mark) is
     * left to Jackson, which reads those as JSON's RFC 4627 allowed.
     */
    private static void checkUtf8(byte[] bytes) {
        if (bytes.length >= 2 && (bytes[0] == 0 || bytes[1] == 0 || (bytes[0] & 0xFE) == 0xFE)) return;
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(8192);
        while (true) {
            CoderResult result = decoder.decode(in, out, true);
            if (result.isError()) {
                throw ApiException.badRequest("Invalid JSON body: invalid UTF-8 at byte " + in.position());
            }
            if (result.isUnderflow()) return;
            out.clear();
        }
    }

    /** Which bound a body broke, in words of the API rather than of Jackson's settings. */
    private static String constraint(StreamConstraintsException e) {
        String message = e.getOriginalMessage();
        if (message.contains("nesting depth")) return "nested more than " + MAX_NESTING_DEPTH + " levels deep";
        if (message.startsWith("Number value length") || message.startsWith("Number length")) {
            return "a number has more digits than the " + StreamReadConstraints.DEFAULT_MAX_NUM_LEN + " accepted";
        }
        if (message.startsWith("String value length")) return "a string is longer than the parser accepts";
        if (message.startsWith("Name length")) return "a field name is longer than the parser accepts";
        return "the body exceeds the parser's limits";
    }

    /**
     * JSON's {@code \\uD800} escapes can spell a lone surrogate, which is not a Unicode character: the tokenizer could
     * not read it and the reply could not be written as UTF-8. Refused here, once, for every route.
     */
    private static void checkUnicode(JsonNode root) {
        ArrayDeque<JsonNode> pending = new ArrayDeque<>();
        pending.push(root);
        while (!pending.isEmpty()) {
            JsonNode node = pending.pop();
            if (node.isTextual()) {
                checkText(node.textValue());
            } else if (node.isObject()) {
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = it.next();
                    checkText(field.getKey());
                    pending.push(field.getValue());
                }
            } else if (node.isArray()) {
                node.forEach(pending::push);
            }
        }
    }

    private static void checkText(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw ApiException.badRequest(String.format("Invalid JSON body: a string holds the unpaired surrogate"
                        + " \\u%04X, which is not a Unicode character", (int) c));
            }
        }
    }

    public static void write(Context ctx, int status, Object body) {
        try {
            ctx.status(status).contentType("application/json").result(MAPPER.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise a response", e);
        }
    }
}
