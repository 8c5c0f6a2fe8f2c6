package dev.sift.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sift.server.http.ApiKeys;
import dev.sift.server.http.ServerOptions;
import dev.sift.server.testing.RunningServer;
import dev.sift.testing.Fixtures;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The page to try rankings: served at / and /ui under every prefix, open, self-contained. */
class TryPageTest {
    /** A reference the browser would fetch from elsewhere: an absolute or protocol-relative src, href or url(). */
    private static final Pattern EXTERNAL = Pattern.compile(
            "(?:src|href|action)\\s*=\\s*[\"']?\\s*(?:[a-z]+:)?//|url\\(\\s*[\"']?\\s*(?:[a-z]+:)?//|@import",
            Pattern.CASE_INSENSITIVE);

    @Test
    void servesThePageAtRootAndUiUnderEveryPrefix() {
        try (RunningServer server = new RunningServer(Fixtures.model("bert-cross-encoder"), List.of("m"),
                ServerOptions.local().withRootPath("/sift"))) {
            String page = null;
            for (String path : List.of("/", "/ui", "/ui/", "/openai/", "/openai/ui", "/sift/", "/sift/ui")) {
                RunningServer.Response r = server.get(path);
                assertThat(r.status()).as(path).isEqualTo(200);
                // Jetty writes the type it is given without the space: text/html;charset=utf-8.
                assertThat(r.raw().headers().firstValue("Content-Type").orElse("").replace(" ", "")).as(path)
                        .isEqualToIgnoringCase("text/html;charset=utf-8");
                assertThat(r.raw().headers().firstValue("Content-Security-Policy").orElse("")).contains("default-src 'none'");
                if (page == null) page = r.raw().body();
                assertThat(r.raw().body()).as(path).isEqualTo(page);
            }
            assertThat(page).startsWith("<!doctype html>")
                    .contains("What is the capital of France?", "Paris is the capital and most populous city of France.",
                            "Berlin is the capital and largest city of Germany.",
                            "The Eiffel Tower is located in Paris, France.", "France is a country in Western Europe.",
                            "\"/rerank\"", "return_documents: true", "performance.now()", "Authorization");
            // No build step and no external assets: nothing the browser would fetch from anywhere but this server.
            assertThat(page).doesNotContain("http://", "https://");
            assertThat(EXTERNAL.matcher(page).find()).as("external reference").isFalse();
            // HEAD answers as GET does, with no body.
            RunningServer.Response head = server.send(HttpRequest.newBuilder(URI.create(server.url("/ui")))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.raw().body()).isEmpty();
        }
    }

    @Test
    void pageIsOpenWhileTheApiNeedsTheKey() {
        try (RunningServer server = new RunningServer(Fixtures.model("bert-cross-encoder"), List.of("m"),
                ServerOptions.local().withApiKeys(ApiKeys.of(List.of("page-key"))))) {
            assertThat(server.get("/").status()).isEqualTo(200);
            assertThat(server.get("/ui").status()).isEqualTo(200);
            assertThat(server.post("/rerank", Map.of("query", "a", "documents", List.of("b"))).status()).isEqualTo(401);
        }
    }
}
