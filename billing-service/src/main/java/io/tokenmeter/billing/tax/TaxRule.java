package io.tokenmeter.billing.tax;

import java.math.BigDecimal;
import java.util.List;

/**
 * One tax treatment: for an issuer country, a buyer country ({@code DE}), group ({@code EU}) or anywhere
 * ({@code *}), and a buyer type (business: has a tax id; consumer; any): a rate and the legal note the invoice
 * must carry, and its {@code treatment} for trade reporting ({@link #TREATMENTS}). Stored as data; an invoice keeps a
 * copy of the rule it used.
 */
public record TaxRule(
        long id,
        String issuerCountry,
        String buyerCountry,
        String buyerType,
        String name,
        BigDecimal ratePercent,
        String legalNote,
        String treatment) {

    public static final String ANY_COUNTRY = "*";
    public static final String ANY_TYPE = "any";

    /** The treatments a trade statement reports; the first matching one is what a rule that names none gets. */
    public static final List<String> TREATMENTS =
            List.of("domestic", "reverse_charge", "zero_rated_export", "foreign_tax");

    /**
     * The treatment a rule's data implies, as migration V7 derived it: a sale within the issuer's country is domestic;
     * a zero rate with a reverse-charge note is a reverse charge; another zero rate a zero-rated export; tax charged
     * on a sale abroad is foreign tax.
     */
    public static String implied(String issuerCountry, String buyerCountry, BigDecimal ratePercent, String legalNote) {
        if (issuerCountry.equals(buyerCountry)) {
            return "domestic";
        }
        if (ratePercent.signum() == 0) {
            return legalNote != null
                            && legalNote.toLowerCase(java.util.Locale.ROOT).contains("reverse charge")
                    ? "reverse_charge"
                    : "zero_rated_export";
        }
        return "foreign_tax";
    }
}
