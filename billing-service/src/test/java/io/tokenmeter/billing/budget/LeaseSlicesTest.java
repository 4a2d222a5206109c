package io.tokenmeter.billing.budget;

import io.tokenmeter.contracts.budgets.BudgetLeaseApi.LeaseRequest;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;

/** How big a slice the ledger grants a lease. */
class LeaseSlicesTest {

    private static BigDecimal room(String free, String need, String unit, String want) {
        LeaseRequest request = new LeaseRequest(
                null,
                "bud_1",
                null,
                "gw",
                BigDecimal.ZERO,
                BigDecimal.ZERO,
                new BigDecimal(need),
                new BigDecimal(unit),
                new BigDecimal(want),
                30_000);
        return BudgetLedger.room(request, new BigDecimal(free));
    }

    @Test
    void aLeaseGetsWhatItAsksAtMostHalfOfWhatIsFreeInWholeCallsAndNearTheEndOneCallAtATime() {
        assertThat(room("1.00", "0.01", "0.01", "0.08")).isEqualByComparingTo("0.08");
        assertThat(room("1.00", "0.01", "0.01", "5.00"))
                .as("half of what is free")
                .isEqualByComparingTo("0.50");
        assertThat(room("0.333", "0.01", "0.01", "5.00"))
                .as("in whole calls: no fraction of a call stranded on an instance")
                .isEqualByComparingTo("0.16");
        assertThat(room("0.04", "0.01", "0.01", "0.08"))
                .as("four calls left: only the call at hand")
                .isEqualByComparingTo("0.01");
        assertThat(room("0.03", "0", "0.01", "0.08"))
                .as("near the end a renewal in the background keeps no room")
                .isEqualByComparingTo("0");
        assertThat(room("0.015", "0.015", "0.01", "0.08"))
                .as("a call larger than the usual still fits exactly")
                .isEqualByComparingTo("0.015");
        assertThat(room("0", "0", "0.01", "0.08")).isEqualByComparingTo("0");
    }
}
