package io.tokenmeter.billing.profile;

import java.time.Instant;

/** Who is invoiced. A buyer with a tax id is a business for tax purposes; without one, a consumer. */
public record BillingProfile(
        String tenantId,
        String name,
        String legalName,
        String billingCountry,
        String taxId,
        String currency,
        String issuerId,
        String status,
        Instant changedAt) {

    public boolean business() {
        return taxId != null && !taxId.isBlank();
    }
}
