package io.meshnode.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The node key for {@code --id}, before the framework runs: the same files, format and derivations as mesh.core's
 * {@code Identity} (which this jar cannot load: it sits inside an embedded bundle). {@code data/node.key} is the
 * Ed25519 private key (PKCS#8, PEM), {@code data/node.pub} the public key (X.509, PEM); the id is the hex of the
 * first 20 bytes of SHA-256 over the X.509 encoding, the fingerprint {@code SHA256:} and its unpadded base64.
 * dist-test.sh checks that the first start then prints the id {@code --id} printed.
 */
record NodeKey(PublicKey publicKey) {
    static final String KEY_FILE = "node.key";
    static final String PUB_FILE = "node.pub";

    String id() {
        return HexFormat.of().formatHex(sha256(), 0, 20);
    }

    String fingerprint() {
        return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(sha256());
    }

    private byte[] sha256() {
        try {
            return MessageDigest.getInstance("SHA-256").digest(publicKey.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads the key pair in {@code data}, or creates it as the node's first start would. */
    static NodeKey loadOrCreate(Path data) throws IOException {
        Path priv = data.resolve(KEY_FILE);
        Path pub = data.resolve(PUB_FILE);
        try {
            KeyFactory kf = KeyFactory.getInstance("Ed25519");
            if (Files.exists(priv) && Files.exists(pub)) {
                kf.generatePrivate(new PKCS8EncodedKeySpec(readPem(priv))); // damaged keys fail here, as at a start
                return new NodeKey(kf.generatePublic(new X509EncodedKeySpec(readPem(pub))));
            }
            KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            Files.createDirectories(data);
            writePem(priv, "PRIVATE KEY", kp.getPrivate().getEncoded(), "rw-------");
            writePem(pub, "PUBLIC KEY", kp.getPublic().getEncoded(), "rw-r--r--");
            return new NodeKey(kp.getPublic());
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException("cannot read the node key in " + data + ": " + e.getMessage()
                + " (move the damaged " + KEY_FILE + "/" + PUB_FILE + " away to generate a new identity)", e);
        }
    }

    private static byte[] readPem(Path file) throws IOException {
        StringBuilder b64 = new StringBuilder();
        for (String line : Files.readAllLines(file)) {
            if (!line.startsWith("-----")) {
                b64.append(line.trim());
            }
        }
        return Base64.getDecoder().decode(b64.toString());
    }

    /** Written to a temporary file that has its final permissions from its creation on, then moved into place. */
    private static void writePem(Path file, String type, byte[] der, String perms) throws IOException {
        String pem = "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
            + "\n-----END " + type + "-----\n";
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            FileAttribute<?> mode = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(perms));
            Files.createFile(tmp, mode);
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp); // not a POSIX file system
        }
        Files.write(tmp, pem.getBytes(StandardCharsets.US_ASCII), StandardOpenOption.TRUNCATE_EXISTING);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
