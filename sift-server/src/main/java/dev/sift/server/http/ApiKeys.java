package dev.sift.server.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The API keys a client may present as {@code Authorization: Bearer <key>}. Keys are kept only as SHA-256
 * digests and compared in constant time, so neither their text nor their timing leaks; they are never logged.
 */
public final class ApiKeys {
    private final List<byte[]> digests;

    private ApiKeys(List<byte[]> digests) {
        this.digests = digests;
    }

    /** No key configured: every route is open. */
    public static ApiKeys none() {
        return new ApiKeys(List.of());
    }

    public static ApiKeys of(List<String> keys) {
        List<byte[]> digests = new ArrayList<>();
        for (String key : keys) {
            if (key != null && !key.isEmpty()) digests.add(sha256(key));
        }
        return new ApiKeys(List.copyOf(digests));
    }

    public boolean required() {
        return !digests.isEmpty();
    }

    /** Whether an Authorization header carries one of the keys; the scheme is matched in any case. */
    public boolean allows(String authorization) {
        if (!required()) return true;
        if (authorization == null) return false;
        int space = authorization.indexOf(' ');
        if (space < 0 || !authorization.substring(0, space).toLowerCase(Locale.ROOT).equals("bearer")) return false;
        byte[] presented = sha256(authorization.substring(space + 1).trim());
        boolean match = false;
        // Every key is compared, so the time taken does not say which one (if any) matched.
        for (byte[] digest : digests) match |= MessageDigest.isEqual(digest, presented);
        return match;
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    @Override
    public String toString() {
        return "ApiKeys[" + digests.size() + " configured]";
    }
}
