package io.meshnode.shell.ssh.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

import io.meshnode.api.config.ConfigValues;

/**
 * The console password as {@code etc/meshnode.ssh.cfg} holds it: a salted PBKDF2-HMAC-SHA256 hash,
 * {@code pbkdf2-sha256$<iterations>$<salt>$<hash>} (salt and hash in unpadded Base64), as {@code ssh:passwd} makes
 * it; or, still accepted with a warning, the password in clear text.
 */
final class Password {
    static final String SCHEME = "pbkdf2-sha256";
    /** OWASP's figure for PBKDF2-HMAC-SHA256 is higher; this keeps a check near 0.1 s on a small machine. */
    static final int ITERATIONS = 210_000;
    private static final int MIN_ITERATIONS = 1_000;
    private static final int SALT_BYTES = 16;
    private static final int HASH_BITS = 256;

    private final String stored;
    private final int iterations;
    private final byte[] salt;
    private final byte[] hash;

    private Password(String stored, int iterations, byte[] salt, byte[] hash) {
        this.stored = stored;
        this.iterations = iterations;
        this.salt = salt;
        this.hash = hash;
    }

    /**
     * @return {@code null} for an empty value (password login off)
     * @throws io.meshnode.api.config.ConfigException for a value that starts like a hash but is not one; the
     *         value itself is never echoed
     */
    static Password parse(ConfigValues v, String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        if (!value.startsWith(SCHEME + "$")) {
            return new Password(value, 0, null, null);
        }
        String[] parts = value.split("\\$", -1);
        try {
            int iterations = Integer.parseInt(parts[1]);
            byte[] salt = Base64.getDecoder().decode(parts[2]);
            byte[] hash = Base64.getDecoder().decode(parts[3]);
            if (parts.length == 4 && iterations >= MIN_ITERATIONS && salt.length >= 8 && hash.length == HASH_BITS / 8) {
                return new Password(value, iterations, salt, hash);
            }
        } catch (RuntimeException e) {
            // reported below
        }
        throw v.invalid("password", "(hidden)", SCHEME + "$<iterations, at least " + MIN_ITERATIONS
            + ">$<salt>$<hash> as ssh:passwd prints it, or a password in clear text");
    }

    /** @return a new hash of the password, with a fresh salt */
    static String hash(char[] password, SecureRandom random) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return SCHEME + "$" + ITERATIONS + "$" + b64.encodeToString(salt) + "$"
            + b64.encodeToString(pbkdf2(password, salt, ITERATIONS));
    }

    boolean hashed() {
        return hash != null;
    }

    boolean matches(String given) {
        if (given == null) {
            return false;
        }
        if (!hashed()) {
            return MessageDigest.isEqual(stored.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
        }
        char[] chars = given.toCharArray();
        try {
            return MessageDigest.isEqual(hash, pbkdf2(chars, salt, iterations));
        } finally {
            Arrays.fill(chars, '\0');
        }
    }

    private static byte[] pbkdf2(char[] password, byte[] salt, int iterations) {
        PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, HASH_BITS);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no PBKDF2WithHmacSHA256", e);
        } finally {
            spec.clearPassword();
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Password && ((Password) o).stored.equals(stored);
    }

    @Override
    public int hashCode() {
        return stored.hashCode();
    }

    @Override
    public String toString() {
        return hashed() ? SCHEME + " hash" : "clear text";
    }
}
