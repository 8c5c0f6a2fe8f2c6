package dev.sift.server.http;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PEM private key and certificate chain, as uvicorn's (and so vLLM's) {@code --ssl-keyfile} and
 * {@code --ssl-certfile} take them, turned into the in-memory key store Jetty serves TLS from. Every way the
 * files can be wrong (missing, unreadable, not PEM, encrypted, a key that does not match the certificate) is an
 * {@link IllegalArgumentException} that names the file, so that start-up stops with a message, not a stack trace.
 *
 * @param keyFile  the private key: PKCS#8 ({@code BEGIN PRIVATE KEY}) or PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY})
 * @param certFile the certificate, then any intermediates
 */
public record TlsFiles(Path keyFile, Path certFile) {
    private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");
    /** The key store's password: it never leaves this process, so it protects nothing and need not be secret. */
    static final char[] PASSWORD = "sift".toCharArray();

    /** Reads and checks both files; the key store holds one entry, the key with its chain. */
    public KeyStore load() {
        List<Certificate> chain = certificates();
        PrivateKey key = privateKey();
        checkPair(key, (X509Certificate) chain.get(0));
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("sift", key, PASSWORD, chain.toArray(Certificate[]::new));
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("cannot use the key in --ssl-keyfile " + keyFile + " with the certificate in"
                    + " --ssl-certfile " + certFile + ": " + e.getMessage());
        }
    }

    private List<Certificate> certificates() {
        List<Certificate> chain = new ArrayList<>();
        try {
            CertificateFactory x509 = CertificateFactory.getInstance("X.509");
            for (Block block : blocks(certFile, "--ssl-certfile")) {
                if (block.type().equals("CERTIFICATE")) chain.add(x509.generateCertificate(new ByteArrayInputStream(block.der())));
            }
        } catch (CertificateException e) {
            throw new IllegalArgumentException("--ssl-certfile " + certFile + " holds a certificate that cannot be read: "
                    + e.getMessage());
        }
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("--ssl-certfile " + certFile + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        return chain;
    }

    private PrivateKey privateKey() {
        for (Block block : blocks(keyFile, "--ssl-keyfile")) {
            switch (block.type()) {
                case "PRIVATE KEY":
                    return pkcs8(block.der());
                case "RSA PRIVATE KEY":
                    return pkcs8(rsaPkcs1ToPkcs8(block.der()));
                case "ENCRYPTED PRIVATE KEY":
                    throw new IllegalArgumentException("--ssl-keyfile " + keyFile + " is encrypted; give the key unencrypted"
                            + " (openssl pkcs8 -topk8 -nocrypt -in KEY -out key.pem) and protect the file instead");
                case "EC PRIVATE KEY":
                    throw new IllegalArgumentException("--ssl-keyfile " + keyFile + " is an EC key in SEC1 form; convert it to"
                            + " PKCS#8 with: openssl pkcs8 -topk8 -nocrypt -in KEY -out key.pem");
                default:
                    break;
            }
        }
        throw new IllegalArgumentException("--ssl-keyfile " + keyFile + " holds no PEM private key"
                + " (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)");
    }

    private PrivateKey pkcs8(byte[] der) {
        for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // Not this algorithm: try the next.
            }
        }
        throw new IllegalArgumentException("--ssl-keyfile " + keyFile + " holds a private key of a kind Java cannot read"
                + " (RSA, EC and EdDSA keys are supported)");
    }

    /** The key must be the certificate's: a signature made with the one verifies with the other. */
    private void checkPair(PrivateKey key, X509Certificate certificate) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm().equals("EdDSA") ? "EdDSA" : key.getAlgorithm();
            default -> null;
        };
        if (algorithm == null) return; // RSASSA-PSS needs parameters; the TLS handshake itself would tell
        boolean matches;
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(challenge);
            matches = verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            matches = false;
        }
        if (!matches) {
            throw new IllegalArgumentException("the private key in --ssl-keyfile " + keyFile + " does not match the"
                    + " certificate in --ssl-certfile " + certFile + " (" + certificate.getSubjectX500Principal().getName() + ")");
        }
    }

    private record Block(String type, byte[] der) {}

    private static List<Block> blocks(Path file, String option) {
        String text;
        try {
            // Latin-1 reads any bytes: a binary (DER) file is then refused below for having no PEM block.
            text = Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(option + " " + file + ": no such file");
        } catch (IOException e) {
            throw new IllegalArgumentException(option + " " + file + " cannot be read: "
                    + (Files.isDirectory(file) ? "it is a folder" : e.getMessage()));
        }
        List<Block> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String body = m.group(2);
            if (body.contains(":")) {
                // "Proc-Type: 4,ENCRYPTED": OpenSSL's legacy encrypted PEM.
                throw new IllegalArgumentException(option + " " + file + " is encrypted; give the key unencrypted");
            }
            try {
                blocks.add(new Block(m.group(1), Base64.getMimeDecoder().decode(body.strip())));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(option + " " + file + " holds a PEM block that is not valid base64");
            }
        }
        if (blocks.isEmpty()) throw new IllegalArgumentException(option + " " + file + " is not a PEM file (no -----BEGIN ...----- block)");
        return blocks;
    }

    /** PKCS#1's RSAPrivateKey inside PKCS#8's PrivateKeyInfo: {version 0, rsaEncryption with NULL parameters, the key}. */
    static byte[] rsaPkcs1ToPkcs8(byte[] pkcs1) {
        byte[] versionAndAlgorithm = HexFormat.of().parseHex("020100300d06092a864886f70d0101010500");
        ByteArrayOutputStream inner = new ByteArrayOutputStream();
        inner.writeBytes(versionAndAlgorithm);
        inner.write(0x04);
        inner.writeBytes(derLength(pkcs1.length));
        inner.writeBytes(pkcs1);
        ByteArrayOutputStream outer = new ByteArrayOutputStream();
        outer.write(0x30);
        outer.writeBytes(derLength(inner.size()));
        outer.writeBytes(inner.toByteArray());
        return outer.toByteArray();
    }

    private static byte[] derLength(int length) {
        if (length < 0x80) return new byte[] {(byte) length};
        if (length < 0x100) return new byte[] {(byte) 0x81, (byte) length};
        if (length < 0x10000) return new byte[] {(byte) 0x82, (byte) (length >> 8), (byte) length};
        return new byte[] {(byte) 0x83, (byte) (length >> 16), (byte) (length >> 8), (byte) length};
    }
}
