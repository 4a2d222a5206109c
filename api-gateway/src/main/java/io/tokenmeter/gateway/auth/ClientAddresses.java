package io.tokenmeter.gateway.auth;

import io.tokenmeter.starter.web.InternalAuthProperties;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * Which client address a request's bad keys count against. The console calls the gateway back from its own address
 * with the keys its users type, so every console user's failures would land in one bucket of the failed-authentication
 * limiter and a few wrong keys would hold off sign-in for all of them. The gateway therefore stamps each request it
 * passes to the console with the browser's address, MACed and timed, and the console sends the stamp on with its
 * calls; a valid, fresh stamp names the address to count, anything else counts against the peer's own address.
 * <p>
 * Value: {@code <address>;<epoch seconds>;<base64url HMAC-SHA256>}. The MAC key is derived from the gateway's own
 * signing key, which every gateway instance shares (a console may call back any of them), under a label of its own;
 * a gateway without one makes a random key, good for itself only.
 */
@Component
public class ClientAddresses {

    public static final String HEADER = "X-TokenMeter-Client-Address";
    /** A stamp older (or further ahead) than this is ignored: it only has to outlive one console request. */
    static final Duration MAX_AGE = Duration.ofSeconds(60);

    private final SecretKeySpec key;
    private final Clock clock;

    @Autowired
    ClientAddresses(InternalAuthProperties internal) {
        this(derivedKey(internal.privateKey()), Clock.systemUTC());
    }

    ClientAddresses(byte[] key, Clock clock) {
        this.key = new SecretKeySpec(key, "HmacSHA256");
        this.clock = clock;
    }

    /** The stamp vouching that a request came from {@code address}, now. */
    public String stamp(String address) {
        String value = address + ";" + clock.instant().getEpochSecond();
        return value + ";" + mac(value);
    }

    /** The address a valid and fresh stamp names; empty for a missing, malformed, forged or stale one. */
    public Optional<String> verified(String stamp) {
        if (stamp == null) {
            return Optional.empty();
        }
        int last = stamp.lastIndexOf(';');
        int first = last < 0 ? -1 : stamp.lastIndexOf(';', last - 1);
        if (first <= 0) {
            return Optional.empty();
        }
        String value = stamp.substring(0, last);
        if (!MessageDigest.isEqual(
                mac(value).getBytes(StandardCharsets.US_ASCII),
                stamp.substring(last + 1).getBytes(StandardCharsets.US_ASCII))) {
            return Optional.empty();
        }
        long at;
        try {
            at = Long.parseLong(stamp.substring(first + 1, last));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        long age = Math.abs(clock.instant().getEpochSecond() - at);
        return age > MAX_AGE.toSeconds() ? Optional.empty() : Optional.of(stamp.substring(0, first));
    }

    /** The address whose failed authentications this request counts as: the stamped browser's, or the peer's. */
    public String of(HttpServletRequest request) {
        return verified(request.getHeader(HEADER)).orElse(request.getRemoteAddr());
    }

    private String mac(String value) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return Base64.getUrlEncoder()
                    .withoutPadding()
                    .encodeToString(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] derivedKey(String signingKey) {
        if (signingKey == null || signingKey.isBlank()) {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            return random;
        }
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update("tokenmeter client-address stamp v1\n".getBytes(StandardCharsets.US_ASCII));
            sha256.update(signingKey.strip().getBytes(StandardCharsets.US_ASCII));
            return sha256.digest();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
