package dev.sift.server.ui;

import dev.sift.server.http.Routes;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The page to try rankings in a browser, at {@code GET /} and {@code GET /ui} (under every prefix): one HTML file
 * with its CSS and script inline, read once at start. It is open, like /health: it holds no secret, and its API-key
 * field is sent by the browser to the API, which checks it. The Content-Security-Policy lets it load nothing but
 * itself and call nothing but this server.
 */
public final class TryPage implements Handler {
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'unsafe-inline'; "
            + "style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'";

    private final byte[] html;

    private TryPage(byte[] html) {
        this.html = html;
    }

    /** Reads the page from the class path and serves it at {@code /} and {@code /ui}. */
    public static void register(Routes routes) {
        TryPage page = new TryPage(load());
        routes.get("/", Routes.Access.OPEN, page);
        routes.get("/ui", Routes.Access.OPEN, page);
    }

    static byte[] load() {
        try (InputStream in = TryPage.class.getResourceAsStream("index.html")) {
            if (in == null) throw new IllegalStateException("ui/index.html is missing from the class path");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void handle(Context ctx) {
        ctx.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Cache-Control", "no-cache");
        ctx.contentType("text/html; charset=utf-8").result(html);
    }
}
