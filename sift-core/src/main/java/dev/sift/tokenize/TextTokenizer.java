package dev.sift.tokenize;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import dev.sift.model.ModelException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A model's Hugging Face tokenizer (tokenizer.json, run by the Rust tokenizers library through DJL).
 *
 * <p>Texts are tokenized whole, with the model's special tokens, and then cut here, on the token arrays: each
 * text to its own cap, then the input to the total limit with {@code longest_first}, from the right or the
 * left. That reproduces transformers' {@code tokenizer(q, d, truncation=True, max_length=n)} exactly while
 * letting every request choose its own limits and side with one tokenizer, and it keeps untrusted input away
 * from the native truncation code (DJL's batch call with {@code only_second} aborts the JVM on a long query).
 *
 * <p>Thread-safe: the native tokenizer is configured once and never changed.
 */
public final class TextTokenizer implements AutoCloseable {

    static {
        // DJL otherwise probes the EC2 metadata endpoint and a telemetry URL on first use.
        System.setProperty("OPT_OUT_TRACKING", "true");
        System.setProperty("ai.djl.offline", "true");
    }

    /**
     * Sequence id the tokenizer gives to tokens its post-processor adds ([CLS], [SEP], <s>, </s>); also marks a
     * prompt template's own tokens.
     */
    private static final long ADDED = -1;

    private final HuggingFaceTokenizer tokenizer;

    private TextTokenizer(HuggingFaceTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    public static TextTokenizer open(Path tokenizerJson) {
        // An InputStream (not the folder) keeps DJL from applying tokenizer_config.json preprocessing of its own:
        // tokenizer.json alone defines normalisation, as it does for transformers' fast tokenizers.
        Map<String, String> options = Map.of(
                "addSpecialTokens", "true",
                "truncation", "DO_NOT_TRUNCATE",
                "padding", "false");
        try (InputStream in = Files.newInputStream(tokenizerJson)) {
            return new TextTokenizer(HuggingFaceTokenizer.newInstance(in, options));
        } catch (IOException | RuntimeException e) {
            throw new ModelException("cannot load tokenizer " + tokenizerJson + ": " + e.getMessage(), e);
        }
    }

    /** Encodes a (query, document) pair as the model's post-processor joins them, then truncates it. */
    public Encoded encodePair(String first, String second, Truncation truncation) {
        return truncate(tokenizer.encode(first, second, true, false), truncation);
    }

    /**
     * Encodes a filled prompt template whole (so that tokens merge across the template's text and the user's as
     * they would for the plain string), then truncates the query's and the document's tokens as for a pair. Type
     * ids are all zero.
     */
    public Encoded encodePrompt(Prompt prompt, Truncation truncation) {
        Encoding encoding = tokenizer.encode(prompt.text(), true, false);
        long[] ids = encoding.getIds();
        return truncate(ids, new long[ids.length], promptSequences(prompt, encoding), truncation);
    }

    /** Which text each token of a filled prompt belongs to: 0 the query, 1 the document, {@link #ADDED} the template. */
    private static long[] promptSequences(Prompt prompt, Encoding encoding) {
        CharSpan[] spans = encoding.getCharTokenSpans();
        long[] sequences = new long[spans.length];
        for (int i = 0; i < spans.length; i++) {
            CharSpan span = spans[i];
            sequences[i] = span == null ? ADDED : prompt.sequenceOf(span.getStart(), span.getEnd());
        }
        return sequences;
    }

    /**
     * A pair as {@link #encodePair}, or, when it would be cut and {@code maxWindows > 0}, as up to {@code maxWindows}
     * overlapping windows of the document ({@link #windows}).
     */
    public List<Encoded> encodePairWindows(String first, String second, Truncation truncation, int maxWindows) {
        Encoding e = tokenizer.encode(first, second, true, false);
        return windows(e.getIds(), e.getTypeIds(), e.getSequenceIds(), truncation, maxWindows);
    }

    /** A prompt as {@link #encodePrompt}, or its document in windows as {@link #encodePairWindows}. */
    public List<Encoded> encodePromptWindows(Prompt prompt, Truncation truncation, int maxWindows) {
        Encoding encoding = tokenizer.encode(prompt.text(), true, false);
        long[] ids = encoding.getIds();
        return windows(ids, new long[ids.length], promptSequences(prompt, encoding), truncation, maxWindows);
    }

    /** Encodes one text with the model's special tokens, then truncates it. */
    public Encoded encode(String text, Truncation truncation) {
        return truncate(tokenizer.encode(text, true, false), truncation);
    }

    /** Token ids of a text, untruncated, with or without the special tokens. */
    public long[] ids(String text, boolean addSpecialTokens) {
        return tokenizer.encode(text, addSpecialTokens, false).getIds();
    }

    /** Token ids and their strings, untruncated. */
    public Tokens tokens(String text, boolean addSpecialTokens) {
        Encoding encoding = tokenizer.encode(text, addSpecialTokens, false);
        return new Tokens(encoding.getIds(), List.of(encoding.getTokens()));
    }

    /** A text's token ids and the tokens' strings. */
    public record Tokens(long[] ids, List<String> strings) {}

    /** The text of token ids, special tokens included. */
    public String decode(long[] ids) {
        return tokenizer.decode(ids, false);
    }

    private static Encoded truncate(Encoding encoding, Truncation truncation) {
        return truncate(encoding.getIds(), encoding.getTypeIds(), encoding.getSequenceIds(), truncation);
    }

    /**
     * Cuts the tokens of sequence 0 and 1 ({@code sequences[i]}; {@link #ADDED} marks tokens that always stay) to
     * the truncation's caps and total.
     */
    private static Encoded truncate(long[] ids, long[] types, long[] sequences, Truncation truncation) {
        int first = 0;
        int second = 0;
        for (long s : sequences) {
            if (s == 0) first++;
            else if (s == 1) second++;
        }
        int added = ids.length - first - second;
        int capFirst = cap(first, truncation.maxFirstTokens());
        int capSecond = cap(second, truncation.maxSecondTokens());
        int fullLength = capFirst + capSecond + added;
        int[] keep = Truncation.longestFirst(capFirst, capSecond, truncation.maxTokens() - added);
        if (keep[0] == first && keep[1] == second) return new Encoded(ids, types, fullLength);

        // Keep a window of each text's tokens: its start (cutting from the right) or its end (from the left).
        boolean fromLeft = truncation.side() == Truncation.Side.LEFT;
        int[] seen = new int[2];
        int[] total = {first, second};
        int length = added + keep[0] + keep[1];
        long[] keptIds = new long[length];
        long[] keptTypes = new long[length];
        int out = 0;
        for (int i = 0; i < ids.length; i++) {
            long s = sequences[i];
            if (s != ADDED) {
                int seq = (int) s;
                int position = seen[seq]++;
                boolean kept = fromLeft ? position >= total[seq] - keep[seq] : position < keep[seq];
                if (!kept) continue;
            }
            keptIds[out] = ids[i];
            keptTypes[out] = types[i];
            out++;
        }
        return new Encoded(keptIds, keptTypes, fullLength);
    }

    /**
     * The input cut as {@link #truncate} would, if it fits or {@code maxWindows} is 0; otherwise the document's tokens
     * (sequence 1, after its own cap) in overlapping windows, each with every added token and the query's tokens as
     * {@code longest_first} keeps them against the whole document (the query is cut only when it alone is longer
     * than half the room). A window holds {@code w} document tokens, all the room the query leaves; window
     * {@code k} starts at {@code k * (w - w / 4)}, so neighbours share a quarter of a window; windows stop at the
     * one that reaches the document's end, or at {@code maxWindows}, and the tokens beyond are dropped. Windows run
     * from the document's start whatever the side ({@link Truncation#side()} chooses which end of the query is cut,
     * and which end a document's own cap keeps). A window's
     * {@link Encoded#fullLength()} counts the query uncut, so an input whose query had to be cut is still refused
     * when truncation is off.
     */
    static List<Encoded> windows(long[] ids, long[] types, long[] sequences, Truncation truncation, int maxWindows) {
        int first = 0;
        int second = 0;
        for (long s : sequences) {
            if (s == 0) first++;
            else if (s == 1) second++;
        }
        int added = ids.length - first - second;
        int capFirst = cap(first, truncation.maxFirstTokens());
        int capSecond = cap(second, truncation.maxSecondTokens());
        int room = truncation.maxTokens() - added;
        int[] keep = Truncation.longestFirst(capFirst, capSecond, room);
        int width = room - keep[0];
        if (maxWindows <= 0 || capFirst + capSecond <= room || width <= 0) {
            return List.of(truncate(ids, types, sequences, truncation));
        }
        int stride = width - width / 4;
        boolean queryFromLeft = truncation.side() == Truncation.Side.LEFT;
        // The document's own cap keeps its end when cutting from the left, as truncate does.
        int docFrom = queryFromLeft ? second - capSecond : 0;
        List<Encoded> windows = new ArrayList<>();
        for (int start = 0; windows.size() < maxWindows; start += stride) {
            int end = Math.min(capSecond, start + width);
            int length = added + keep[0] + (end - start);
            long[] keptIds = new long[length];
            long[] keptTypes = new long[length];
            int out = 0;
            int query = 0;
            int doc = 0;
            for (int i = 0; i < ids.length; i++) {
                long s = sequences[i];
                if (s == 0) {
                    int position = query++;
                    if (queryFromLeft ? position < first - keep[0] : position >= keep[0]) continue;
                } else if (s == 1) {
                    int position = doc++ - docFrom;
                    if (position < start || position >= end) continue;
                }
                keptIds[out] = ids[i];
                keptTypes[out] = types[i];
                out++;
            }
            windows.add(new Encoded(keptIds, keptTypes, added + capFirst + (end - start)));
            if (end == capSecond) break;
        }
        return windows;
    }

    private static int cap(int tokens, int max) {
        return max > 0 ? Math.min(tokens, max) : tokens;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
