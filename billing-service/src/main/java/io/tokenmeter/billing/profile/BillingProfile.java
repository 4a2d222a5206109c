package io.tokenmeter.billing.profile;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Instant;

/** Who is invoiced. A buyer with a tax id is a business for tax purposes; without one, a consumer. */
public record BillingProfile(@JsonProperty("tenant_id") String tenantId, String name, @JsonProperty("legal_name") String legalName,
                             @JsonProperty("billing_country") String billingCountry, @JsonProperty("tax_id") String taxId,
                             String currency, @JsonProperty("issuer_id") String issuerId, String status,
                             @JsonProperty("changed_at") Instant changedAt) {

    public boolean business() {
        return taxId != null && !taxId.isBlank();
    }
}
