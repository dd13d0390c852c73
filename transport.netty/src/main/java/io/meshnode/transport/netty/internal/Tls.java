package io.meshnode.transport.netty.internal;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.interfaces.EdECPublicKey;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS 1.3 with mutual authentication on the JDK provider. Each side presents a self-signed certificate
 * for its node key; any single Ed25519 certificate is accepted here (and only Ed25519: Ed448 is refused), because trust is not decided by
 * certificates: the TLS handshake proves that the peer holds the private key of the certificate it
 * presented (CertificateVerify), and the mesh then checks that this key derives to the node id the
 * peer claims and that the id is admitted. There is no hostname verification: nodes are addressed by
 * IP and the key is the identity.
 */
final class Tls {
    static final String PROTOCOL = "TLSv1.3";
    private static final String ALIAS = "node";

    private final PublicKey publicKey;
    private final SSLContext context;

    private Tls(KeyPair keys) throws GeneralSecurityException {
        this.publicKey = keys.getPublic();
        X509Certificate certificate = NodeCertificate.create(keys);
        this.context = SSLContext.getInstance(PROTOCOL);
        context.init(new KeyManager[] {new NodeKeyManager(keys.getPrivate(), certificate)},
            new TrustManager[] {new AnyNodeTrustManager()}, null);
    }

    static Tls of(KeyPair keys) throws GeneralSecurityException {
        return new Tls(keys);
    }

    boolean isFor(KeyPair keys) {
        return publicKey.equals(keys.getPublic());
    }

    SSLEngine engine(boolean client) {
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(client);
        engine.setNeedClientAuth(true);
        engine.setEnabledProtocols(new String[] {PROTOCOL});
        return engine;
    }

    /**
     * Runs one complete handshake between two in-memory engines with a throwaway key, so that the JSSE and
     * EdDSA code is loaded and compiled before the first peer connects: a cold JVM otherwise spends seconds
     * on its first handshake, and the peer's handshake timeout and the first pings pay for it.
     *
     * @return whether the handshake completed with the server's certificate verified
     */
    static boolean warmUp() throws GeneralSecurityException, javax.net.ssl.SSLException {
        Tls tls = of(java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair());
        SSLEngine client = tls.engine(true);
        SSLEngine server = tls.engine(false);
        int size = client.getSession().getPacketBufferSize() * 4;
        java.nio.ByteBuffer toServer = java.nio.ByteBuffer.allocate(size);
        java.nio.ByteBuffer toClient = java.nio.ByteBuffer.allocate(size);
        java.nio.ByteBuffer app = java.nio.ByteBuffer.allocate(size);
        java.nio.ByteBuffer empty = java.nio.ByteBuffer.allocate(0);
        client.beginHandshake();
        server.beginHandshake();
        for (int round = 0; round < 50 && !(done(client) && done(server)); round++) {
            client.wrap(empty, toServer);
            toServer.flip();
            server.unwrap(toServer, app);
            toServer.compact();
            app.clear();
            runTasks(server);
            server.wrap(empty, toClient);
            toClient.flip();
            client.unwrap(toClient, app);
            toClient.compact();
            app.clear();
            runTasks(client);
        }
        return done(client) && done(server) && client.getSession().getPeerCertificates().length == 1;
    }

    private static boolean done(SSLEngine e) {
        var status = e.getHandshakeStatus();
        return status == javax.net.ssl.SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING
            || status == javax.net.ssl.SSLEngineResult.HandshakeStatus.FINISHED;
    }

    private static void runTasks(SSLEngine e) {
        for (Runnable task; (task = e.getDelegatedTask()) != null;) {
            task.run();
        }
    }

    /** @return the key the peer proved during the completed handshake */
    static PublicKey peerKey(SSLSession session) throws SSLPeerUnverifiedException {
        return session.getPeerCertificates()[0].getPublicKey();
    }

    /** @return whether {@code key} is an Ed25519 key (not merely EdDSA: Ed448 is EdDSA too) */
    static boolean isEd25519(PublicKey key) {
        return key instanceof EdECPublicKey ed && "Ed25519".equalsIgnoreCase(ed.getParams().getName());
    }

    static boolean isNodeKey(String algorithm) {
        return "EdDSA".equalsIgnoreCase(algorithm) || "Ed25519".equalsIgnoreCase(algorithm);
    }

    /** Presents the node certificate for EdDSA key types and nothing else. */
    private static final class NodeKeyManager extends X509ExtendedKeyManager {
        private final PrivateKey key;
        private final X509Certificate[] chain;

        NodeKeyManager(PrivateKey key, X509Certificate certificate) {
            this.key = key;
            this.chain = new X509Certificate[] {certificate};
        }

        private static String alias(String... keyTypes) {
            if (keyTypes != null) {
                for (String t : keyTypes) {
                    if (isNodeKey(t)) {
                        return ALIAS;
                    }
                }
            }
            return null;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return isNodeKey(keyType) ? new String[] {ALIAS} : null;
        }

        @Override
        public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
            return alias(keyTypes);
        }

        @Override
        public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
            return alias(keyTypes);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return getClientAliases(keyType, issuers);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return alias(keyType);
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return alias(keyType);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return ALIAS.equals(alias) ? chain.clone() : null;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return ALIAS.equals(alias) ? key : null;
        }
    }

    /**
     * Accepts exactly one Ed25519 certificate. Implemented as an extended trust manager so that the JDK
     * does not add its own endpoint identification.
     */
    private static final class AnyNodeTrustManager extends X509ExtendedTrustManager {
        private static void check(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length != 1) {
                throw new CertificateException("expected one self-signed node certificate, got "
                    + (chain == null ? 0 : chain.length));
            }
            PublicKey key = chain[0].getPublicKey();
            if (!isEd25519(key)) {
                // EdDSA covers Ed448 too, but node ids derive from Ed25519 keys only.
                throw new CertificateException("node keys are Ed25519, not " + (key instanceof EdECPublicKey ed
                    ? ed.getParams().getName() : key.getAlgorithm()));
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
            check(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
            check(chain);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
