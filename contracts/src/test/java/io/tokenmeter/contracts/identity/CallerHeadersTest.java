package io.tokenmeter.contracts.identity;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CallerHeadersTest {

    private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
    private final CallerHeaders headers = new CallerHeaders("0123456789abcdef-secret", Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void aSignedCallerVerifies() {
        Caller caller = new Caller("key-1", Role.TENANT, "tenant-a");
        String value = headers.encode(caller);
        assertThat(headers.verify(value, headers.sign(value))).contains(caller);
    }

    @Test
    void aTamperedCallerIsRefused() {
        String value = headers.encode(new Caller("key-1", Role.TENANT, "tenant-a"));
        String signature = headers.sign(value);
        assertThat(headers.verify(value.replace("tenant-a", "tenant-b"), signature)).isEmpty();
        assertThat(headers.verify(value.replace("TENANT", "ADMIN"), signature)).isEmpty();
        assertThat(headers.verify(value, null)).isEmpty();
    }

    @Test
    void anotherSecretDoesNotVerify() {
        String value = headers.encode(new Caller("key-1", Role.ADMIN, null));
        CallerHeaders other = new CallerHeaders("another-secret-of-16+", Clock.fixed(NOW, ZoneOffset.UTC));
        assertThat(other.verify(value, headers.sign(value))).isEmpty();
    }

    @Test
    void aStaleCallerIsRefused() {
        String value = headers.encode(new Caller("key-1", Role.FINANCE, null));
        CallerHeaders later = new CallerHeaders("0123456789abcdef-secret",
                Clock.fixed(NOW.plus(CallerHeaders.MAX_AGE).plusSeconds(1), ZoneOffset.UTC));
        assertThat(later.verify(value, headers.sign(value))).isEmpty();
    }

    @Test
    void tenantIdGoesWithTenantKeysOnly() {
        assertThatThrownBy(() -> new Caller("k", Role.ADMIN, "tenant-a")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Caller("k", Role.TENANT, null)).isInstanceOf(IllegalArgumentException.class);
    }
}
