package io.meshnode.itest.mesh;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.HexFormat;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A key pair of the test's own, made with the JDK's keytool (a self-signed Ed25519 certificate), and TLS
 * 1.3 sockets that present it: the test poses as a node, an impostor or a man in the middle.
 */
final class TestKey {
    private static final char[] PASSWORD = "changeit".toCharArray();

    final String id;
    private final SSLContext context;

    private final X509Certificate certificate;

    private TestKey(PrivateKey privateKey, X509Certificate certificate) throws IOException, GeneralSecurityException {
        this.certificate = certificate;
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getPublicKey().getEncoded());
        id = HexFormat.of().formatHex(digest, 0, 20);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("node", privateKey, PASSWORD, new Certificate[] {certificate});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("NewSunX509");
        kmf.init(ks, PASSWORD);
        context = SSLContext.getInstance("TLSv1.3");
        context.init(kmf.getKeyManagers(), new TrustManager[] {new TrustAny()}, null);
    }

    /** @return the key {@link #create} stored in {@code store} (for another process) */
    static TestKey open(Path store) throws IOException, GeneralSecurityException {
        return load(store);
    }

    private static TestKey load(Path store) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, PASSWORD);
        }
        return new TestKey((PrivateKey) ks.getKey("node", PASSWORD), (X509Certificate) ks.getCertificate("node"));
    }

    /**
     * Another identity for the price of a key pair (keytool costs about half a second a key): this certificate with a
     * fresh Ed25519 public key in place of its own, signed again by the new key, so it is self-signed as a node's is.
     * Ed25519 public keys and signatures have fixed sizes, so every length in the DER stays as it was.
     */
    TestKey sibling() throws IOException, GeneralSecurityException {
        KeyPair keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] der = certificate.getEncoded();
        byte[] tbs = certificate.getTBSCertificate();
        int at = indexOf(tbs, certificate.getPublicKey().getEncoded());
        byte[] spki = keys.getPublic().getEncoded();
        System.arraycopy(spki, 0, tbs, at, spki.length);
        Signature signer = Signature.getInstance("Ed25519");
        signer.initSign(keys.getPrivate());
        signer.update(tbs);
        byte[] signature = signer.sign();
        // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }: the signature
        // is the last 64 bytes.
        System.arraycopy(tbs, 0, der, indexOf(der, certificate.getTBSCertificate()), tbs.length);
        System.arraycopy(signature, 0, der, der.length - signature.length, signature.length);
        X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(der));
        cert.verify(keys.getPublic());
        return new TestKey(keys.getPrivate(), cert);
    }

    private static int indexOf(byte[] in, byte[] part) {
        for (int i = 0; i + part.length <= in.length; i++) {
            if (Arrays.equals(in, i, i + part.length, part, 0, part.length)) {
                return i;
            }
        }
        throw new IllegalArgumentException("not found");
    }

    /** A TLS 1.3 engine that presents this key, as a node's does (mutual authentication). */
    SSLEngine engine(boolean client) {
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(client);
        engine.setNeedClientAuth(true);
        engine.setEnabledProtocols(new String[] {"TLSv1.3"});
        return engine;
    }

    static TestKey create(Path dir) throws IOException, InterruptedException, GeneralSecurityException {
        Path store = dir.resolve("test-key.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
            "-genkeypair", "-keyalg", "Ed25519", "-alias", "node", "-dname", "CN=test", "-validity", "3650",
            "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", new String(PASSWORD))
            .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("keytool failed: " + out);
        }
        return load(store);
    }

    /** A TLS connection to a node from {@code local} (port 0), handshake done. */
    SSLSocket connect(InetSocketAddress node, InetAddress local) throws IOException {
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket();
        s.bind(new InetSocketAddress(local, 0));
        s.connect(node, 5_000);
        s.setSoTimeout(10_000);
        s.setEnabledProtocols(new String[] {"TLSv1.3"});
        s.startHandshake();
        return s;
    }

    SSLServerSocket listen(InetSocketAddress address) throws IOException {
        SSLServerSocket s = (SSLServerSocket) context.getServerSocketFactory().createServerSocket();
        s.bind(address);
        s.setNeedClientAuth(true);
        s.setEnabledProtocols(new String[] {"TLSv1.3"});
        return s;
    }

    /**
     * A hello frame (without the length prefix) as a node sends it, protocol version 2: see mesh.core Protocol
     * ({@code 1 | u16 version | u16 minVersion | u8 role | str id | u8 addrLen | addr | u16 port | i32 frameMax
     * | i64 capabilities | str topology}).
     */
    static byte[] hello(String id, InetSocketAddress listen) {
        byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
        byte[] addr = listen.getAddress().getAddress();
        return ByteBuffer.allocate(1 + 2 + 2 + 1 + 2 + idBytes.length + 1 + addr.length + 2 + 4 + 8 + 2).put((byte) 1)
            .putShort((short) 2).putShort((short) 2).put((byte) 0).putShort((short) idBytes.length).put(idBytes)
            .put((byte) addr.length).put(addr).putShort((short) listen.getPort()).putInt(1 << 20).putLong(1L)
            .putShort((short) 0).array();
    }

    /** Trust is the mesh's business (key against id); the test accepts any certificate. */
    private static final class TrustAny extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
