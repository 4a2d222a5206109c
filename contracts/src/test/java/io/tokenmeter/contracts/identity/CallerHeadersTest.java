package io.tokenmeter.contracts.identity;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CallerHeadersTest {

    private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final String[] GATEWAY = CallerHeaders.newKeyPair();
    private static final String[] BILLING = CallerHeaders.newKeyPair();
    private static final byte[] BODY = "{\"amount\":1}".getBytes(StandardCharsets.UTF_8);

    private final CallerHeaders gateway =
            new CallerHeaders("gateway", CallerHeaders.privateKey(GATEWAY[0]), Map.of(), CLOCK);
    private final CallerHeaders billing =
            new CallerHeaders("billing", CallerHeaders.privateKey(BILLING[0]), Map.of(), CLOCK);
    /** A service that takes any role from the gateway and only FINANCE from billing. */
    private final CallerHeaders service = service(CLOCK);

    private static CallerHeaders service(Clock clock) {
        return new CallerHeaders(
                null,
                null,
                Map.of(
                        "gateway",
                                new CallerHeaders.Trusted(CallerHeaders.publicKey(GATEWAY[1]), Set.of(Role.values())),
                        "billing",
                                new CallerHeaders.Trusted(CallerHeaders.publicKey(BILLING[1]), Set.of(Role.FINANCE))),
                clock);
    }

    /** Bouncy Castle signs for speed; the signatures must stay the standard Ed25519 ones the JDK makes and checks. */
    @Test
    void signaturesAreTheJdksEd25519BothWays() throws Exception {
        Caller caller = new Caller("key-1", Role.FINANCE, null);
        CallerHeaders.Signed signed = gateway.sign(caller, "GET", "/api/v1/usage", null);
        byte[] message = (signed.caller() + "\nGET\n/api/v1/usage\n" + CallerHeaders.bodyHash(null))
                .getBytes(StandardCharsets.UTF_8);

        java.security.Signature jdk = java.security.Signature.getInstance("Ed25519");
        jdk.initVerify(CallerHeaders.publicKey(GATEWAY[1]));
        jdk.update(message);
        assertThat(jdk.verify(java.util.Base64.getUrlDecoder().decode(signed.signature())))
                .isTrue();

        jdk.initSign(CallerHeaders.privateKey(GATEWAY[0]));
        jdk.update(message);
        String byJdk = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(jdk.sign());
        assertThat(byJdk).isEqualTo(signed.signature()); // Ed25519 is deterministic
        assertThat(service.verify(signed.caller(), byJdk, "GET", "/api/v1/usage", null))
                .contains(caller);
    }

    @Test
    void aSignedCallerVerifiesForThatRequestOnly() {
        Caller caller = new Caller("key-1", Role.TENANT, "tenant-a");
        CallerHeaders.Signed signed = gateway.sign(caller, "POST", "/api/v1/budgets", BODY);
        assertThat(service.verify(signed.caller(), signed.signature(), "POST", "/api/v1/budgets", BODY))
                .contains(caller);
        assertThat(service.verify(signed.caller(), signed.signature(), "DELETE", "/api/v1/budgets", BODY))
                .as("another method")
                .isEmpty();
        assertThat(service.verify(signed.caller(), signed.signature(), "POST", "/api/v1/admin/tenants", BODY))
                .as("another path")
                .isEmpty();
        assertThat(service.verify(
                        signed.caller(),
                        signed.signature(),
                        "POST",
                        "/api/v1/budgets",
                        "{\"amount\":9}".getBytes(StandardCharsets.UTF_8)))
                .as("another body")
                .isEmpty();
    }

    @Test
    void aTamperedCallerIsRefused() {
        CallerHeaders.Signed signed =
                gateway.sign(new Caller("key-1", Role.TENANT, "tenant-a"), "GET", "/api/v1/usage", null);
        assertThat(service.verify(
                        signed.caller().replace("tenant-a", "tenant-b"),
                        signed.signature(),
                        "GET",
                        "/api/v1/usage",
                        null))
                .isEmpty();
        assertThat(service.verify(
                        signed.caller().replace("TENANT", "ADMIN"), signed.signature(), "GET", "/api/v1/usage", null))
                .isEmpty();
        assertThat(service.verify(
                        signed.caller().replace("gateway", "billing"),
                        signed.signature(),
                        "GET",
                        "/api/v1/usage",
                        null))
                .isEmpty();
        assertThat(service.verify(signed.caller(), null, "GET", "/api/v1/usage", null))
                .isEmpty();
    }

    /** With one shared secret any service could sign as an admin for all; a caller now claims only its own roles. */
    @Test
    void aCallerCannotClaimARoleItIsNotTrustedWith() {
        CallerHeaders.Signed asAdmin =
                billing.sign(new Caller("service:billing", Role.ADMIN, null), "GET", "/api/v1/usage", null);
        assertThat(service.verify(asAdmin.caller(), asAdmin.signature(), "GET", "/api/v1/usage", null))
                .isEmpty();
        CallerHeaders.Signed asFinance =
                billing.sign(new Caller("service:billing", Role.FINANCE, null), "GET", "/api/v1/usage", null);
        assertThat(service.verify(asFinance.caller(), asFinance.signature(), "GET", "/api/v1/usage", null))
                .isPresent();
    }

    @Test
    void aCallerNobodyTrustsOrAnotherKeyDoesNotVerify() {
        CallerHeaders stranger =
                new CallerHeaders("gateway", CallerHeaders.privateKey(CallerHeaders.newKeyPair()[0]), Map.of(), CLOCK);
        CallerHeaders.Signed forged =
                stranger.sign(new Caller("key-1", Role.ADMIN, null), "GET", "/api/v1/usage", null);
        assertThat(service.verify(forged.caller(), forged.signature(), "GET", "/api/v1/usage", null))
                .isEmpty();
        CallerHeaders unknown = new CallerHeaders("metering", CallerHeaders.privateKey(GATEWAY[0]), Map.of(), CLOCK);
        CallerHeaders.Signed named = unknown.sign(new Caller("key-1", Role.ADMIN, null), "GET", "/api/v1/usage", null);
        assertThat(service.verify(named.caller(), named.signature(), "GET", "/api/v1/usage", null))
                .isEmpty();
    }

    @Test
    void aStaleCallerIsRefused() {
        CallerHeaders.Signed signed =
                gateway.sign(new Caller("key-1", Role.FINANCE, null), "GET", "/api/v1/usage", null);
        CallerHeaders later =
                service(Clock.fixed(NOW.plus(CallerHeaders.MAX_AGE).plusSeconds(1), ZoneOffset.UTC));
        assertThat(later.verify(signed.caller(), signed.signature(), "GET", "/api/v1/usage", null))
                .isEmpty();
    }

    @Test
    void tenantIdGoesWithTenantKeysOnly() {
        assertThatThrownBy(() -> new Caller("k", Role.ADMIN, "tenant-a")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Caller("k", Role.TENANT, null)).isInstanceOf(IllegalArgumentException.class);
    }
}
