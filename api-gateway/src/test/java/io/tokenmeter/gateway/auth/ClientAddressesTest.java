package io.tokenmeter.gateway.auth;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

class ClientAddressesTest {

    private static final byte[] KEY = "a key of thirty-two bytes, fixed".getBytes(StandardCharsets.US_ASCII);
    private static final Instant NOW = Instant.parse("2026-12-05T18:00:00Z");

    private static ClientAddresses at(Instant now, byte[] key) {
        return new ClientAddresses(key, Clock.fixed(now, ZoneOffset.UTC));
    }

    @Test
    void aFreshStampNamesItsAddressIpv6Too() {
        ClientAddresses addresses = at(NOW, KEY);
        assertThat(addresses.verified(addresses.stamp("203.0.113.7"))).contains("203.0.113.7");
        assertThat(addresses.verified(addresses.stamp("2001:db8::1"))).contains("2001:db8::1");
        assertThat(at(NOW.plusSeconds(60), KEY).verified(addresses.stamp("203.0.113.7")))
                .as("a minute old")
                .contains("203.0.113.7");
    }

    @Test
    void aForgedTamperedStaleOrMalformedStampNamesNothing() {
        ClientAddresses addresses = at(NOW, KEY);
        String stamp = addresses.stamp("203.0.113.7");
        assertThat(addresses.verified(stamp.replace("203.0.113.7", "203.0.113.8")))
                .as("another address under the same MAC")
                .isEmpty();
        assertThat(addresses.verified(
                        stamp.replace(";" + NOW.getEpochSecond() + ";", ";" + (NOW.getEpochSecond() + 1) + ";")))
                .as("another time")
                .isEmpty();
        assertThat(at(NOW, "another key, thirty-two bytes too".getBytes(StandardCharsets.US_ASCII))
                        .verified(stamp))
                .as("made with another key")
                .isEmpty();
        assertThat(at(NOW.plusSeconds(61), KEY).verified(stamp)).as("stale").isEmpty();
        assertThat(at(NOW.minusSeconds(61), KEY).verified(stamp))
                .as("from the future")
                .isEmpty();
        for (String malformed : new String[] {null, "", "203.0.113.7", ";;", "203.0.113.7;x;y", ";1;abc"}) {
            assertThat(addresses.verified(malformed))
                    .as(String.valueOf(malformed))
                    .isEmpty();
        }
    }
}
