package io.meshnode.transport.netty.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A self-signed X.509 v3 certificate for a node's Ed25519 key pair, built with the JDK alone. The
 * certificate carries no trust: the key is the identity, and the mesh checks that it derives to the
 * node id the peer claims. It is deterministic (serial and subject from the key, fixed validity), so a
 * node presents the same certificate after every restart.
 */
final class NodeCertificate {
    /** id-Ed25519 (RFC 8410): 1.3.101.112, no parameters. */
    private static final byte[] ED25519 = {0x06, 0x03, 0x2B, 0x65, 0x70};
    /** id-at-commonName: 2.5.4.3. */
    private static final byte[] COMMON_NAME = {0x06, 0x03, 0x55, 0x04, 0x03};
    /** 2000-01-01 (UTCTime) to 9999-12-31 (GeneralizedTime, "no well-defined expiration", RFC 5280 4.1.2.5). */
    private static final String NOT_BEFORE = "000101000000Z";
    private static final String NOT_AFTER = "99991231235959Z";

    private NodeCertificate() {}

    /** id-Ed448 (RFC 8410): 1.3.101.113; only for tests that present a key the mesh must refuse. */
    private static final byte[] ED448 = {0x06, 0x03, 0x2B, 0x65, 0x71};

    static X509Certificate create(KeyPair keys) throws GeneralSecurityException {
        byte[] spki = keys.getPublic().getEncoded();
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(spki);
        boolean ed448 = !Tls.isEd25519(keys.getPublic());
        byte[] algorithm = der(0x30, ed448 ? ED448 : ED25519);
        byte[] name = der(0x30, der(0x31, der(0x30, COMMON_NAME,
            der(0x0C, ("meshnode " + HexFormat.of().formatHex(hash, 0, 20)).getBytes(StandardCharsets.UTF_8)))));
        byte[] tbs = der(0x30,
            der(0xA0, der(0x02, new byte[] {2})), // [0] version v3
            der(0x02, new BigInteger(1, Arrays.copyOf(hash, 16)).toByteArray()), // positive serial
            algorithm,
            name,
            der(0x30, der(0x17, ascii(NOT_BEFORE)), der(0x18, ascii(NOT_AFTER))),
            name,
            spki);
        Signature signer = Signature.getInstance(ed448 ? "Ed448" : "Ed25519");
        signer.initSign(keys.getPrivate());
        signer.update(tbs);
        byte[] signature = signer.sign();
        byte[] bits = new byte[signature.length + 1]; // BIT STRING: no unused bits
        System.arraycopy(signature, 0, bits, 1, signature.length);
        byte[] certificate = der(0x30, tbs, algorithm, der(0x03, bits));
        return (X509Certificate) CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(certificate));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** One DER element: tag, definite length, the concatenated contents. */
    static byte[] der(int tag, byte[]... contents) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] c : contents) {
            body.writeBytes(c);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int n = body.size();
        if (n < 0x80) {
            out.write(n);
        } else {
            byte[] len = BigInteger.valueOf(n).toByteArray();
            int skip = len[0] == 0 ? 1 : 0;
            out.write(0x80 | (len.length - skip));
            out.write(len, skip, len.length - skip);
        }
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }
}
