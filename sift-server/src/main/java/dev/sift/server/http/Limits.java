package dev.sift.server.http;

/**
 * Bounds on what one request may ask for, each refused with a clear 4xx in the caller's API shape. The defaults
 * are far above what Milvus (32 documents a call), LangChain or LlamaIndex send.
 *
 * @param maxRequestBytes largest request body (413 beyond)
 * @param maxDocuments    most documents (or texts, or inputs) in one request
 * @param maxTextChars    most characters in one query, document or input text
 */
public record Limits(long maxRequestBytes, int maxDocuments, int maxTextChars) {

    public static final Limits DEFAULT = new Limits(32L * 1024 * 1024, 10_000, 100_000);

    public Limits {
        if (maxRequestBytes < 1 || maxDocuments < 1 || maxTextChars < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }

    /** Checks the number of texts; {@code what} names them in the message ("documents", "texts", "inputs"). */
    public void checkCount(int count, String what) {
        if (count > maxDocuments) {
            throw ApiException.invalidValue("too many " + what + ": " + count + ", the server accepts at most "
                    + maxDocuments + " in one request (--max-documents)", what);
        }
    }

    public void checkText(String text, String what) {
        if (text.length() > maxTextChars) {
            throw ApiException.invalidValue(what + " has " + text.length() + " characters, more than the "
                    + maxTextChars + " the server accepts (--max-text-chars)", what);
        }
    }
}
