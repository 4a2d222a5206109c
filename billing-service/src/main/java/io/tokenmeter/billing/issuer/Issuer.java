package io.tokenmeter.billing.issuer;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Our legal entity that issues invoices; its id prefixes its document numbers ({@code SG-2026-000123}). */
public record Issuer(String id, @JsonProperty("legal_name") String legalName, String country, @JsonProperty("tax_id") String taxId,
                     @JsonProperty("is_default") boolean isDefault) {
}
