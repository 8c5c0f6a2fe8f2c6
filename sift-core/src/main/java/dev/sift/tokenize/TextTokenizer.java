package dev.sift.tokenize;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.sift.model.ModelException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A model's Hugging Face tokenizer (tokenizer.json, run by the Rust tokenizers library through DJL), set up to
 * add the model's special tokens, never pad, and truncate {@code longest_first} to the maximum length: the way
 * transformers tokenizes {@code tokenizer(text, text_pair, truncation=True, max_length=n)}.
 *
 * <p>Pairs are encoded one at a time, never through DJL's batch call with {@code only_second} truncation,
 * which aborts the JVM when a query alone exceeds the limit. Encoding is thread-safe; the settings are fixed at
 * construction and never changed afterwards.
 */
public final class TextTokenizer implements AutoCloseable {

    static {
        // DJL otherwise probes the EC2 metadata endpoint and a telemetry URL on first use.
        System.setProperty("OPT_OUT_TRACKING", "true");
        System.setProperty("ai.djl.offline", "true");
    }

    /** Shorter truncation lengths requested by clients, each a tokenizer of its own; bounded so clients cannot grow it. */
    private static final int MAX_CACHED_LENGTHS = 16;

    private final Path tokenizerJson;
    private final HuggingFaceTokenizer tokenizer;
    private final int maxLength;
    private final Map<Integer, HuggingFaceTokenizer> shorter = new ConcurrentHashMap<>();

    private TextTokenizer(Path tokenizerJson, int maxLength) {
        this.tokenizerJson = tokenizerJson;
        this.maxLength = maxLength;
        this.tokenizer = load(tokenizerJson, maxLength);
    }

    public static TextTokenizer open(Path tokenizerJson, int maxLength) {
        return new TextTokenizer(tokenizerJson, maxLength);
    }

    private static HuggingFaceTokenizer load(Path tokenizerJson, int maxLength) {
        // An InputStream (not the folder) keeps DJL from applying tokenizer_config.json preprocessing of its own:
        // tokenizer.json alone defines normalisation, as it does for transformers' fast tokenizers.
        Map<String, String> options = Map.of(
                "addSpecialTokens", "true",
                "truncation", "LONGEST_FIRST",
                "padding", "false",
                "maxLength", Integer.toString(maxLength),
                "modelMaxLength", Integer.toString(maxLength));
        try (InputStream in = Files.newInputStream(tokenizerJson)) {
            return HuggingFaceTokenizer.newInstance(in, options);
        } catch (IOException | RuntimeException e) {
            throw new ModelException("cannot load tokenizer " + tokenizerJson + ": " + e.getMessage(), e);
        }
    }

    public int maxLength() {
        return maxLength;
    }

    /** Encodes a (query, document) pair as the model's post-processor joins them. */
    public Encoded encodePair(String first, String second) {
        return toEncoded(tokenizer.encode(first, second, true, false));
    }

    /** Encodes one text with the model's special tokens. */
    public Encoded encode(String text) {
        return toEncoded(tokenizer.encode(text, true, false));
    }

    /** Encodes a pair truncated to {@code length} tokens (at most the maximum length). */
    public Encoded encodePair(String first, String second, int length) {
        if (length >= maxLength) return encodePair(first, second);
        return withLength(length, t -> toEncoded(t.encode(first, second, true, false)));
    }

    /** Encodes one text truncated to {@code length} tokens (at most the maximum length). */
    public Encoded encode(String text, int length) {
        if (length >= maxLength) return encode(text);
        return withLength(length, t -> toEncoded(t.encode(text, true, false)));
    }

    private Encoded withLength(int length, java.util.function.Function<HuggingFaceTokenizer, Encoded> encoding) {
        HuggingFaceTokenizer cached = shorter.get(length);
        if (cached == null && shorter.size() < MAX_CACHED_LENGTHS) {
            cached = shorter.computeIfAbsent(length, l -> load(tokenizerJson, l));
        }
        if (cached != null) return encoding.apply(cached);
        try (HuggingFaceTokenizer once = load(tokenizerJson, length)) {
            return encoding.apply(once);
        }
    }

    private static Encoded toEncoded(Encoding encoding) {
        return new Encoded(encoding.getIds(), encoding.getTypeIds(), encoding.exceedMaxLength());
    }

    @Override
    public void close() {
        tokenizer.close();
        shorter.values().forEach(HuggingFaceTokenizer::close);
    }
}
