package io.tokenmeter.starter.secrets;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Secrets at rest: AES-256-GCM under a key from configuration (32 bytes, base64), a random 96-bit nonce per secret
 * and the owner's id (a tenant, a credential's name) as associated data, so a sealed secret copied to another row
 * does not open. Stored as {@code enc:v1:<base64 nonce|ciphertext|tag>}; a value stored in clear by an earlier
 * version is read as it is.
 */
public final class SealedSecrets {

    public static final String PREFIX = "enc:v1:";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;
    private final String keyName;

    /**
     * @param base64Key the 32-byte key, base64; blank when none is configured (then nothing can be sealed)
     * @param keyName   where the key is configured (an environment variable), for the errors
     */
    public SealedSecrets(String base64Key, String keyName) {
        this.keyName = keyName;
        if (base64Key == null || base64Key.isBlank()) {
            this.key = null;
            return;
        }
        byte[] bytes = Base64.getDecoder().decode(base64Key.strip());
        if (bytes.length != 32) {
            throw new IllegalArgumentException(keyName + " must be 32 bytes (base64), not " + bytes.length);
        }
        this.key = new SecretKeySpec(bytes, "AES");
    }

    public boolean configured() {
        return key != null;
    }

    public String seal(String owner, String secret) {
        if (key == null) {
            throw new IllegalStateException("no key to seal secrets with is configured (" + keyName + ")");
        }
        try {
            byte[] nonce = new byte[12];
            RANDOM.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            cipher.updateAAD(owner.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            return PREFIX
                    + Base64.getEncoder()
                            .encodeToString(ByteBuffer.allocate(nonce.length + sealed.length)
                                    .put(nonce)
                                    .put(sealed)
                                    .array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public String open(String owner, String stored) {
        if (!stored.startsWith(PREFIX)) {
            return stored; // stored in clear before secrets were sealed
        }
        if (key == null) {
            throw new IllegalStateException("a sealed secret, and no key to open it (" + keyName + ")");
        }
        try {
            byte[] data = Base64.getDecoder().decode(stored.substring(PREFIX.length()));
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, data, 0, 12));
            cipher.updateAAD(owner.getBytes(StandardCharsets.UTF_8));
            return new String(cipher.doFinal(data, 12, data.length - 12), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(
                    "a sealed secret does not open with the configured key (" + keyName + ")", e);
        }
    }
}
