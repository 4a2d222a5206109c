package io.tokenmeter.contracts.usage;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class UsageEventValidatorTest {

    @Test
    void theFastIdentifierCheckAgreesWithThePattern() {
        String alphabet = "aZ09._:/@+- \t\"'#é$%\u0000";
        Random random = new Random(7);
        for (int i = 0; i < 200_000; i++) {
            StringBuilder s = new StringBuilder();
            int length = random.nextInt(6) == 0 ? 120 + random.nextInt(20) : random.nextInt(8);
            for (int j = 0; j < length; j++) {
                s.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String value = s.toString();
            assertThat(UsageEventValidator.isIdentifier(value))
                    .as("'%s'", value)
                    .isEqualTo(UsageEventValidator.IDENTIFIER.matcher(value).matches());
        }
    }

    @Test
    void budgetChargesAreReadBackAndABadOneIsNamed() {
        java.util.UUID lease = java.util.UUID.randomUUID();
        String good = """
                {"schema_version":1,"event_id":"0190a5f0-0000-7000-8000-000000000001","tenant_id":"t","model":"m",
                 "provider":"p","region":"r","input_tokens":1,"cached_input_tokens":0,"output_tokens":2,
                 "status":"succeeded","occurred_at":"2026-12-01T00:00:00Z",
                 "budget_charges":[{"lease_id":"%s","budget_id":"bud_1","amount":0.0125}]}""".formatted(lease);
        UsageEventCodec.Decoded decoded =
                UsageEventCodec.decode(good.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(decoded.accepted()).as(decoded.reason()).isTrue();
        assertThat(decoded.event().budgetCharges())
                .containsExactly(new BudgetCharge(lease, "bud_1", new java.math.BigDecimal("0.0125")));
        assertThat(new String(UsageEventCodec.toJson(decoded.event()), java.nio.charset.StandardCharsets.UTF_8))
                .contains("\"budget_charges\":[{\"lease_id\":\"" + lease
                        + "\",\"budget_id\":\"bud_1\",\"amount\":0.0125}]");
        UsageEventCodec.Decoded negative =
                UsageEventCodec.decode(good.replace("0.0125", "-1").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(negative.reason()).contains("budget_charges[0].amount is negative");
        UsageEventCodec.Decoded without = UsageEventCodec.decode(
                good.replace(",\n \"budget_charges\"", ",\"x\"").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(without.accepted()).isTrue();
    }

    @Test
    void anEventWithoutChargesWritesNoChargesField() {
        UsageEvent plain = new UsageEvent(
                1,
                java.util.UUID.randomUUID(),
                "t",
                null,
                "m",
                "p",
                "r",
                1,
                0,
                0,
                1,
                0,
                false,
                null,
                UsageStatus.SUCCEEDED,
                0,
                java.time.Instant.parse("2026-12-01T00:00:00Z"));
        assertThat(plain.budgetCharges()).isEmpty();
        assertThat(new String(UsageEventCodec.toJson(plain), java.nio.charset.StandardCharsets.UTF_8))
                .doesNotContain("budget_charges");
    }
}
