package dev.sift.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Request bodies are strict JSON, and every refusal is a 400 whose message names the problem, not the parser. */
class JsonBodyTest {

    private static JsonNode parse(String json) {
        return Json.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String refusal(byte[] body) {
        try {
            Json.parse(body);
        } catch (ApiException e) {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.getMessage()).doesNotContain("Source", "StreamReadConstraints", "Feature", "jackson", "Exception");
            return e.getMessage();
        }
        throw new AssertionError("accepted: " + new String(body, StandardCharsets.UTF_8));
    }

    private static String refusal(String body) {
        return refusal(body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void validBodiesParse() {
        assertThat(parse("{\"query\": \"caf\\u00e9 \\ud83d\\ude00\", \"documents\": [\"a\\u0000b\"]}").get("query").asText())
                .isEqualTo("café \uD83D\uDE00");
        assertThat(Json.parse(new byte[0])).isNull();
    }

    @Test
    void aRepeatedKeyIsRefused() {
        assertThat(refusal("{\"top_n\": 1, \"top_n\": 2}")).contains("Duplicate field 'top_n'");
    }

    @Test
    void deepNestingIsRefusedByName() {
        assertThat(refusal("[".repeat(100_000) + "]".repeat(100_000))).isEqualTo("Invalid JSON body: nested more than 64 levels deep");
        assertThat(parse("{\"a\": " + "[".repeat(60) + "]".repeat(60) + "}")).isNotNull();
    }

    @Test
    void nonNumbersAndHugeNumbersAreRefused() {
        assertThat(refusal("{\"top_n\": NaN}")).isEqualTo("Invalid JSON body: Non-standard token 'NaN'");
        assertThat(refusal("{\"top_n\": -Infinity}")).startsWith("Invalid JSON body");
        assertThat(refusal("{\"top_n\": " + "9".repeat(2000) + "}")).contains("more digits than the 1000 accepted");
    }

    @Test
    void invalidUtf8AndLoneSurrogatesAreRefused() {
        assertThat(refusal(new byte[] {'{', '"', 'q', '"', ':', '"', (byte) 0xff, '"', '}'})).contains("invalid UTF-8 at byte 6");
        // An overlong "/" (C0 AF), and a surrogate encoded in UTF-8 (ED A0 80): Jackson alone would take both.
        assertThat(refusal(new byte[] {'{', '"', 'q', '"', ':', '"', (byte) 0xc0, (byte) 0xaf, '"', '}'})).contains("invalid UTF-8");
        assertThat(refusal(new byte[] {'{', '"', 'q', '"', ':', '"', (byte) 0xed, (byte) 0xa0, (byte) 0x80, '"', '}'}))
                .contains("invalid UTF-8");
        assertThat(refusal("{\"q\": \"a\\ud800\"}")).contains("unpaired surrogate \\uD800");
        assertThat(refusal("{\"\\udc00\": 1}")).contains("surrogate");
        assertThat(refusal("{\"q\": [\"\\ude00\\ud83d\"]}")).contains("unpaired surrogate \\uDE00");
    }

    @Test
    void truncatedBodiesSayWhatIsMissingWithoutTheSource() {
        assertThat(refusal("{\"query\": [\"a\"")).startsWith("Invalid JSON body: Unexpected end-of-input");
        assertThat(refusal("{\"query\": \"a\u0001\"}")).contains("Illegal unquoted character");
    }
}
