package io.tokenmeter.billing.tax;

import java.math.BigDecimal;

/**
 * One tax treatment: for an issuer country, a buyer country ({@code DE}), group ({@code EU}) or anywhere
 * ({@code *}), and a buyer type (business: has a tax id; consumer; any): a rate and the legal note the invoice
 * must carry. Stored as data; an invoice keeps a copy of the rule it used.
 */
public record TaxRule(
        long id,
        String issuerCountry,
        String buyerCountry,
        String buyerType,
        String name,
        BigDecimal ratePercent,
        String legalNote) {

    public static final String ANY_COUNTRY = "*";
    public static final String ANY_TYPE = "any";
}
