package io.tokenmeter.contracts.identity;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * How the gateway tells a service who is calling. The services never see API keys: the gateway
 * authenticates the key and forwards the caller in {@link #CALLER}, signed with a secret only the platform's
 * own processes hold, so a request that reaches a service by another way cannot claim to be someone.
 * <p>
 * Value: {@code v1;<epoch-seconds>;<role>;<key-id>;<tenant-id or empty>}; signature: base64url HMAC-SHA256.
 */
public final class CallerHeaders {

    public static final String CALLER = "X-TokenMeter-Caller";
    public static final String SIGNATURE = "X-TokenMeter-Caller-Signature";
    /** A signed header older than this is refused, so a captured one is of little use. */
    public static final Duration MAX_AGE = Duration.ofMinutes(5);

    private final byte[] secret;
    private final Clock clock;

    public CallerHeaders(String secret, Clock clock) {
        if (secret == null || secret.length() < 16) {
            throw new IllegalArgumentException("the internal caller secret must have at least 16 characters");
        }
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
        this.clock = clock;
    }

    public String encode(Caller caller) {
        return String.join(";", "v1", Long.toString(clock.instant().getEpochSecond()), caller.role().name(),
                caller.keyId(), caller.tenantId() == null ? "" : caller.tenantId());
    }

    public String sign(String value) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** The caller, if the value is well formed, correctly signed and fresh. */
    public Optional<Caller> verify(String value, String signature) {
        if (value == null || signature == null) {
            return Optional.empty();
        }
        byte[] expected = sign(value).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.US_ASCII))) {
            return Optional.empty();
        }
        String[] parts = value.split(";", -1);
        if (parts.length != 5 || !"v1".equals(parts[0])) {
            return Optional.empty();
        }
        try {
            long issued = Long.parseLong(parts[1]);
            long age = clock.instant().getEpochSecond() - issued;
            if (age > MAX_AGE.toSeconds() || age < -MAX_AGE.toSeconds()) {
                return Optional.empty();
            }
            Role role = Role.valueOf(parts[2]);
            return Optional.of(new Caller(parts[3], role, parts[4].isEmpty() ? null : parts[4]));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
