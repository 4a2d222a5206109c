package io.tokenmeter.contracts.identity;

import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PublicKeyFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * How one platform process tells another who is calling. The services never see API keys: the gateway authenticates
 * the key and forwards the caller in {@link #CALLER}; billing calls metering and pricing as itself.
 * <p>
 * Each calling process has its own Ed25519 key pair ({@code name}: {@code gateway}, {@code billing}); it alone holds
 * the private key, and a service holds the public keys of the callers it accepts and the roles each may claim (billing
 * only {@code FINANCE}), so no service can sign for another and a captured header proves nothing elsewhere. The
 * signature covers the caller, the time, the HTTP method, the path and a SHA-256 of the body, and is valid for
 * {@link #MAX_AGE}: a captured header cannot be replayed on another endpoint or with another body, and not for long.
 * <p>
 * Value: {@code v2;<caller name>;<epoch-seconds>;<role>;<key-id>;<tenant-id or empty>}; signature: base64url Ed25519
 * over
 * {@code <value>\n<METHOD>\n<path>\n<base64url SHA-256 of the body>}.
 * <p>
 * Signing and verifying use Bouncy Castle's Ed25519 (the same deterministic signatures as the JDK's): the JDK's takes
 * about 600 us to verify and as long to sign on the machines here, and every call between services pays both; Bouncy
 * Castle's takes 75 and 31 us. Keys stay the JDK's types and encodings.
 */
public final class CallerHeaders {

    public static final String CALLER = "X-TokenMeter-Caller";
    public static final String SIGNATURE = "X-TokenMeter-Caller-Signature";
    /** A signed header older (or further ahead) than this is refused. */
    public static final Duration MAX_AGE = Duration.ofSeconds(60);

    /** A caller a service accepts: its public key and the roles it may claim. */
    public record Trusted(PublicKey key, Set<Role> roles) {}

    /** The two headers of one signed request. */
    public record Signed(String caller, String signature) {}

    private final String name;
    private final Ed25519PrivateKeyParameters signingKey;
    private final Map<String, Trusted> trusted;
    private final Map<String, Ed25519PublicKeyParameters> verifyingKeys;
    private final Clock clock;

    /**
     * @param name       who this process signs as; null when it calls no other service
     * @param signingKey its private key (null likewise)
     * @param trusted    the callers this process accepts, by name
     */
    public CallerHeaders(String name, PrivateKey signingKey, Map<String, Trusted> trusted, Clock clock) {
        this.name = name;
        this.signingKey = signingKey == null ? null : (Ed25519PrivateKeyParameters) ed25519(signingKey, true);
        this.trusted = Map.copyOf(trusted);
        Map<String, Ed25519PublicKeyParameters> keys = new HashMap<>();
        trusted.forEach((caller, t) -> keys.put(caller, (Ed25519PublicKeyParameters) ed25519(t.key(), false)));
        this.verifyingKeys = Map.copyOf(keys);
        this.clock = clock;
    }

    public Signed sign(Caller caller, String method, String path, byte[] body) {
        if (signingKey == null) {
            throw new IllegalStateException("this process has no key to sign calls to other services with");
        }
        String value = String.join(
                ";",
                "v2",
                name,
                Long.toString(clock.instant().getEpochSecond()),
                caller.role().name(),
                caller.keyId(),
                caller.tenantId() == null ? "" : caller.tenantId());
        Ed25519Signer ed25519 = new Ed25519Signer();
        ed25519.init(true, signingKey);
        byte[] signed = signedBytes(value, method, path, body);
        ed25519.update(signed, 0, signed.length);
        return new Signed(value, Base64.getUrlEncoder().withoutPadding().encodeToString(ed25519.generateSignature()));
    }

    /**
     * The caller, if the value is well formed, signed by a caller this process trusts for that role, for this request,
     * and fresh.
     */
    public Optional<Caller> verify(String value, String signature, String method, String path, byte[] body) {
        if (value == null || signature == null) {
            return Optional.empty();
        }
        String[] parts = value.split(";", -1);
        if (parts.length != 6 || !"v2".equals(parts[0])) {
            return Optional.empty();
        }
        Trusted caller = trusted.get(parts[1]);
        if (caller == null) {
            return Optional.empty();
        }
        try {
            Ed25519Signer ed25519 = new Ed25519Signer();
            ed25519.init(false, verifyingKeys.get(parts[1]));
            byte[] signed = signedBytes(value, method, path, body);
            ed25519.update(signed, 0, signed.length);
            if (!ed25519.verifySignature(Base64.getUrlDecoder().decode(signature))) {
                return Optional.empty();
            }
            long age = clock.instant().getEpochSecond() - Long.parseLong(parts[2]);
            if (age > MAX_AGE.toSeconds() || age < -MAX_AGE.toSeconds()) {
                return Optional.empty();
            }
            Role role = Role.valueOf(parts[3]);
            if (!caller.roles().contains(role)) {
                return Optional.empty();
            }
            return Optional.of(new Caller(parts[4], role, parts[5].isEmpty() ? null : parts[5]));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The JDK key as Bouncy Castle's parameters, from its standard encoding (PKCS#8 or X.509). */
    private static AsymmetricKeyParameter ed25519(java.security.Key key, boolean isPrivate) {
        try {
            AsymmetricKeyParameter parameters = isPrivate
                    ? PrivateKeyFactory.createKey(key.getEncoded())
                    : PublicKeyFactory.createKey(key.getEncoded());
            if (!(parameters instanceof Ed25519PrivateKeyParameters)
                    && !(parameters instanceof Ed25519PublicKeyParameters)) {
                throw new IllegalArgumentException("not an Ed25519 key: " + key.getAlgorithm());
            }
            return parameters;
        } catch (IOException e) {
            throw new IllegalArgumentException("not an Ed25519 key", e);
        }
    }

    private static byte[] signedBytes(String value, String method, String path, byte[] body) {
        return (value + "\n" + method.toUpperCase(java.util.Locale.ROOT) + "\n" + path + "\n" + bodyHash(body))
                .getBytes(StandardCharsets.UTF_8);
    }

    /** base64url SHA-256 of the body; an absent body hashes as an empty one. */
    public static String bodyHash(byte[] body) {
        try {
            return Base64.getUrlEncoder()
                    .withoutPadding()
                    .encodeToString(MessageDigest.getInstance("SHA-256").digest(body == null ? new byte[0] : body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A new key pair, as the local stack makes one per calling process: private key PKCS#8, public X.509, both base64.
     */
    public static String[] newKeyPair() {
        try {
            KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            return new String[] {
                Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()),
                Base64.getEncoder().encodeToString(pair.getPublic().getEncoded())
            };
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static PrivateKey privateKey(String base64) {
        try {
            return KeyFactory.getInstance("Ed25519")
                    .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64.strip())));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not an Ed25519 private key (PKCS#8, base64)", e);
        }
    }

    public static PublicKey publicKey(String base64) {
        try {
            return KeyFactory.getInstance("Ed25519")
                    .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64.strip())));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not an Ed25519 public key (X.509, base64)", e);
        }
    }
}
