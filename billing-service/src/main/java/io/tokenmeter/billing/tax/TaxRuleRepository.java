package io.tokenmeter.billing.tax;

import io.tokenmeter.billing.BillingErrors;
import io.tokenmeter.starter.web.ApiException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

/** The tax rules, and the one that applies to a sale. */
@Repository
public class TaxRuleRepository {

    private final JdbcClient jdbc;

    TaxRuleRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * The most specific rule for a sale from {@code issuerCountry} to a buyer in {@code buyerCountry}: a rule naming
     * the country beats one naming a group it belongs to, which beats {@code *}; then a rule for the buyer's type
     * beats one for any type. No rule is an error naming the sale, never a silent zero tax.
     */
    public TaxRule applicable(String issuerCountry, String buyerCountry, boolean business) {
        return jdbc.sql("""
                        SELECT r.id, r.issuer_country, r.buyer_country, r.buyer_type, r.name, r.rate_percent,
                            r.legal_note, r.treatment
                        FROM tax_rule r
                        WHERE r.issuer_country = :issuer
                          AND (r.buyer_country = :buyer OR r.buyer_country = '*'
                               OR r.buyer_country IN (SELECT group_code FROM country_group WHERE country = :buyer))
                          AND r.buyer_type IN (:type, 'any')
                        ORDER BY CASE WHEN r.buyer_country = :buyer THEN 0 WHEN r.buyer_country = '*' THEN 2 ELSE 1 END,
                                 CASE WHEN r.buyer_type = 'any' THEN 1 ELSE 0 END
                        LIMIT 1""")
                .param("issuer", issuerCountry)
                .param("buyer", buyerCountry)
                .param("type", business ? "business" : "consumer")
                .query(TaxRuleRepository::row)
                .optional()
                .orElseThrow(() -> new ApiException(
                        BillingErrors.NO_TAX_RULE,
                        "no tax rule for a sale from " + issuerCountry + " to a " + (business ? "business" : "consumer")
                                + " in " + buyerCountry));
    }

    TaxRule add(
            String issuerCountry,
            String buyerCountry,
            String buyerType,
            String name,
            BigDecimal ratePercent,
            String legalNote,
            String treatment,
            String createdBy) {
        return jdbc.sql("""
                        INSERT INTO tax_rule (issuer_country, buyer_country, buyer_type, name, rate_percent, legal_note,
                            treatment, created_by)
                        VALUES (:issuer, :buyer, :type, :name, :rate, :note, :treatment, :by)
                        RETURNING id, issuer_country, buyer_country, buyer_type, name, rate_percent, legal_note,
                            treatment""")
                .param("issuer", issuerCountry)
                .param("buyer", buyerCountry)
                .param("type", buyerType)
                .param("name", name)
                .param("rate", ratePercent)
                .param("note", legalNote)
                .param("treatment", treatment)
                .param("by", createdBy)
                .query(TaxRuleRepository::row)
                .single();
    }

    Optional<TaxRule> find(String issuerCountry, String buyerCountry, String buyerType) {
        return jdbc.sql("""
                        SELECT id, issuer_country, buyer_country, buyer_type, name, rate_percent, legal_note,
                            treatment FROM tax_rule
                        WHERE issuer_country = :issuer AND buyer_country = :buyer AND buyer_type = :type""")
                .param("issuer", issuerCountry)
                .param("buyer", buyerCountry)
                .param("type", buyerType)
                .query(TaxRuleRepository::row)
                .optional();
    }

    List<TaxRule> all() {
        return jdbc.sql("""
                        SELECT id, issuer_country, buyer_country, buyer_type, name, rate_percent, legal_note, treatment
                        FROM tax_rule ORDER BY id""").query(TaxRuleRepository::row).list();
    }

    boolean isCountryGroup(String code) {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM country_group WHERE group_code = :code)")
                .param("code", code)
                .query(Boolean.class)
                .single();
    }

    private static TaxRule row(java.sql.ResultSet rs, int n) throws java.sql.SQLException {
        return new TaxRule(
                rs.getLong("id"),
                rs.getString("issuer_country"),
                rs.getString("buyer_country"),
                rs.getString("buyer_type"),
                rs.getString("name"),
                rs.getBigDecimal("rate_percent"),
                rs.getString("legal_note"),
                rs.getString("treatment"));
    }
}
