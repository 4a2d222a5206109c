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
}
