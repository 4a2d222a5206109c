package io.tokenmeter.console.contracts;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;

class ContractFormTest {

    @Test
    void aDiscountForAPeriodInUtcBecomesTheApisBody() {
        ContractForm.Request request = new ContractForm(
                        "discount", "pb_ignored", " 12.5 ", "2030-01-01T00:00", "2031-01-01T00:00", "")
                .toRequest("ten_a");

        assertThat(request.errors()).isEmpty();
        assertThat(request.body())
                .containsEntry("tenant_id", "ten_a")
                .containsEntry("discount_percent", new BigDecimal("12.5"))
                .containsEntry("valid_from", "2030-01-01T00:00:00Z")
                .containsEntry("valid_to", "2031-01-01T00:00:00Z")
                .doesNotContainKeys("price_book_id", "backdate_reason");
    }

    @Test
    void itsOwnBookWithAnOpenEndAndAReason() {
        ContractForm.Request request =
                new ContractForm("book", "pb_1", "", "2026-01-01T00:00", "", " signed late ").toRequest("ten_a");

        assertThat(request.errors()).isEmpty();
        assertThat(request.body())
                .containsEntry("price_book_id", "pb_1")
                .containsEntry("backdate_reason", "signed late")
                .doesNotContainKeys("discount_percent", "valid_to");
    }

    @Test
    void whatCannotBeSentIsSaidBesideItsField() {
        assertThat(new ContractForm("discount", "", "ten", "", "soon", "")
                        .toRequest("ten_a")
                        .errors())
                .containsOnlyKeys("/discount_percent", "/valid_from", "/valid_to");
        assertThat(new ContractForm("book", "", "", "2030-01-01T00:00", "", "")
                        .toRequest("ten_a")
                        .errors())
                .containsOnlyKeys("/price_book_id");
    }
}
