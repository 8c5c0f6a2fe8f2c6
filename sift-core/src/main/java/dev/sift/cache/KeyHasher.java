package dev.sift.cache;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Builds {@link CacheKey}s: the first 128 bits of SHA-256 over an unambiguous encoding of the fields that decide a
 * result. Every field is fixed-width or length-prefixed, so ("ab", "c") and ("a", "bc") are different inputs, and
 * strings are hashed as their UTF-16 code units, so that texts a UTF-8 encoder would map to the same bytes (lone
 * surrogates) stay apart.
 *
 * <p>Two different inputs share a key only by chance: among {@code n} entries the odds that any two collide are
 * about n² / 2¹²⁹, under 10⁻²⁰ for a billion entries. SHA-256 rather than a fast non-cryptographic hash because
 * a client could craft a document whose fast hash matched another's, and so plant its score on another tenant's
 * document; finding a 128-bit collision of SHA-256 takes about 2⁶⁴ hashes, and matching a given key 2¹²⁸. The cost
 * is a few microseconds per kilobyte of text, far below tokenizing it.
 *
 * <p>Not thread-safe: one per request.
 */
public final class KeyHasher {
    private final MessageDigest digest;
    private final byte[] buffer = new byte[4096];
    private int used;

    public KeyHasher() {
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    public KeyHasher putByte(int value) {
        room(1);
        buffer[used++] = (byte) value;
        return this;
    }

    public KeyHasher putBoolean(boolean value) {
        return putByte(value ? 1 : 0);
    }

    public KeyHasher putInt(int value) {
        room(4);
        buffer[used++] = (byte) (value >>> 24);
        buffer[used++] = (byte) (value >>> 16);
        buffer[used++] = (byte) (value >>> 8);
        buffer[used++] = (byte) value;
        return this;
    }

    public KeyHasher putLong(long value) {
        return putInt((int) (value >>> 32)).putInt((int) value);
    }

    /** A string's length, then its UTF-16 code units; null is length -1, apart from "". */
    public KeyHasher putString(String value) {
        if (value == null) return putInt(-1);
        putInt(value.length());
        for (int i = 0; i < value.length(); i++) {
            room(2);
            char c = value.charAt(i);
            buffer[used++] = (byte) (c >>> 8);
            buffer[used++] = (byte) c;
        }
        return this;
    }

    /** An array's length, then its values. */
    public KeyHasher putLongs(long[] values) {
        putInt(values.length);
        for (long v : values) putLong(v);
        return this;
    }

    /** The key of everything put since the last one; the hasher is then empty again. */
    public CacheKey finish() {
        flush();
        ByteBuffer hash = ByteBuffer.wrap(digest.digest());
        return new CacheKey(hash.getLong(), hash.getLong());
    }

    private void room(int bytes) {
        if (used + bytes > buffer.length) flush();
    }

    private void flush() {
        digest.update(buffer, 0, used);
        used = 0;
    }
}
