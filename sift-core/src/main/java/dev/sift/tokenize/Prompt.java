package dev.sift.tokenize;

/**
 * A prompt template filled with a (query, document) pair, and where the two texts lie in it, in Unicode code points
 * (the unit of the tokenizer's offsets). Truncation cuts only the tokens that start inside those ranges, so the
 * template's own tokens, its answer cue above all, always reach the model.
 *
 * @param text          the rendered prompt
 * @param queryStart    first code point of the query
 * @param queryEnd      one past the query's last code point
 * @param documentStart first code point of the document
 * @param documentEnd   one past the document's last code point
 */
public record Prompt(String text, int queryStart, int queryEnd, int documentStart, int documentEnd) {

    /**
     * Fills {@code {query}}, {@code {document}} and {@code {instruction}} in one pass over the template, so that
     * braces inside the user's texts are never taken for placeholders.
     */
    public static Prompt render(String template, String query, String document, String instruction) {
        StringBuilder out = new StringBuilder(template.length() + query.length() + document.length() + 64);
        int[] queryRange = {-1, -1};
        int[] documentRange = {-1, -1};
        int at = 0;
        while (at < template.length()) {
            int open = template.indexOf('{', at);
            int close = open < 0 ? -1 : template.indexOf('}', open);
            if (close < 0) break;
            out.append(template, at, open);
            String name = template.substring(open + 1, close);
            String value = switch (name) {
                case "query" -> query;
                case "document" -> document;
                case "instruction" -> instruction == null ? "" : instruction;
                default -> null;
            };
            if (value == null) {
                out.append(template, open, close + 1);
            } else {
                int start = out.codePointCount(0, out.length());
                out.append(value);
                int[] range = name.equals("query") ? queryRange : name.equals("document") ? documentRange : null;
                if (range != null) {
                    range[0] = start;
                    range[1] = start + value.codePointCount(0, value.length());
                }
            }
            at = close + 1;
        }
        out.append(template, at, template.length());
        return new Prompt(out.toString(), queryRange[0], queryRange[1], documentRange[0], documentRange[1]);
    }

    /** Which text a token starting at {@code start} (a code point offset) and ending at {@code end} belongs to. */
    int sequenceOf(int start, int end) {
        if (end <= start) return -1;
        if (start >= queryStart && start < queryEnd) return 0;
        if (start >= documentStart && start < documentEnd) return 1;
        return -1;
    }
}
