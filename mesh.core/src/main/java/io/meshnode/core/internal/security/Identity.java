package io.meshnode.core.internal.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

import io.meshnode.core.internal.config.SafeFiles;

/**
 * The node's key pair and the id derived from its public key: the first 20 bytes of SHA-256 over the
 * X.509 encoding, in hex. Deriving the id from the key lets a later TLS layer authenticate ids without
 * changing them.
 */
public final class Identity {
    public static final String KEY_FILE = "node.key";
    public static final String PUB_FILE = "node.pub";

    private final KeyPair keys;
    private final String id;

    private Identity(KeyPair keys) {
        this.keys = keys;
        this.id = idOf(keys.getPublic());
    }

    public String id() {
        return id;
    }

    public PublicKey publicKey() {
        return keys.getPublic();
    }

    public PrivateKey privateKey() {
        return keys.getPrivate();
    }

    public KeyPair keyPair() {
        return keys;
    }

    /** @return {@code SHA256:} and the unpadded base64 of the SHA-256 of the key's X.509 encoding, as ssh prints it */
    public static String fingerprint(PublicKey key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String idOf(PublicKey key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
            return HexFormat.of().formatHex(digest, 0, 20);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Loads the key pair from {@code dir}, creating and saving a new one on first start. */
    public static Identity loadOrCreate(Path dir) throws IOException {
        Path priv = dir.resolve(KEY_FILE);
        Path pub = dir.resolve(PUB_FILE);
        try {
            KeyFactory kf = KeyFactory.getInstance("Ed25519");
            if (Files.exists(priv) && Files.exists(pub)) {
                PrivateKey p = kf.generatePrivate(new PKCS8EncodedKeySpec(readPem(priv)));
                PublicKey q = kf.generatePublic(new X509EncodedKeySpec(readPem(pub)));
                return new Identity(new KeyPair(q, p));
            }
            KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            Files.createDirectories(dir);
            // The private key is readable by the owner only from its first byte, never for a moment by others.
            writePem(priv, "PRIVATE KEY", kp.getPrivate().getEncoded(), true);
            writePem(pub, "PUBLIC KEY", kp.getPublic().getEncoded(), false);
            return new Identity(kp);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException("cannot read the node key in " + dir + ": " + e.getMessage()
                + " (move the damaged " + KEY_FILE + "/" + PUB_FILE + " away to generate a new identity)", e);
        }
    }

    private static byte[] readPem(Path file) throws IOException {
        StringBuilder b64 = new StringBuilder();
        List<String> lines = Files.readAllLines(file);
        for (String line : lines) {
            if (!line.startsWith("-----")) {
                b64.append(line.trim());
            }
        }
        return Base64.getDecoder().decode(b64.toString());
    }

    private static void writePem(Path file, String type, byte[] der, boolean secret) throws IOException {
        String pem = "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
            + "\n-----END " + type + "-----\n";
        SafeFiles.write(file, pem.getBytes(java.nio.charset.StandardCharsets.US_ASCII), secret);
    }
}
