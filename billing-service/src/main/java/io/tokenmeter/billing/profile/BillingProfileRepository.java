package io.tokenmeter.billing.profile;

import io.tokenmeter.contracts.tenants.TenantProfileChanged;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import java.sql.Timestamp;
import java.util.Optional;

/** The billing profiles learned from tenants.v1; the newest {@code changed_at} wins. */
@Repository
public class BillingProfileRepository {

    private final JdbcClient jdbc;

    BillingProfileRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Keeps the profile unless a newer one is already here; true when it was kept. */
    boolean apply(TenantProfileChanged p) {
        return jdbc.sql("""
                        INSERT INTO billing_profile (tenant_id, name, legal_name, billing_country, tax_id, currency,
                            issuer_id, status, changed_at)
                        VALUES (:tenant, :name, :legal, :country, :tax, :currency, :issuer, :status, :changed)
                        ON CONFLICT (tenant_id) DO UPDATE SET name = excluded.name, legal_name = excluded.legal_name,
                            billing_country = excluded.billing_country, tax_id = excluded.tax_id, currency =
                                excluded.currency,
                            issuer_id = excluded.issuer_id,
                            status = excluded.status, changed_at = excluded.changed_at, received_at = now()
                        WHERE billing_profile.changed_at <= excluded.changed_at""")
                        .param("tenant", p.tenantId())
                        .param("name", p.name())
                        .param("legal", p.legalName() != null ? p.legalName() : p.name())
                        .param("country", p.billingCountry())
                        .param("tax", p.taxId())
                        .param("currency", p.currency())
                        .param("issuer", p.issuerId())
                        .param("status", p.status())
                        .param("changed", Timestamp.from(p.changedAt()))
                        .update()
                == 1;
    }

    public Optional<BillingProfile> find(String tenantId) {
        return jdbc.sql("""
                        SELECT tenant_id, name, legal_name, billing_country, tax_id, currency, issuer_id, status,
                            changed_at
                        FROM billing_profile WHERE tenant_id = :tenant""")
                .param("tenant", tenantId)
                .query((rs, n) -> new BillingProfile(
                        rs.getString("tenant_id"),
                        rs.getString("name"),
                        rs.getString("legal_name"),
                        rs.getString("billing_country"),
                        rs.getString("tax_id"),
                        rs.getString("currency"),
                        rs.getString("issuer_id"),
                        rs.getString("status"),
                        rs.getTimestamp("changed_at").toInstant()))
                .optional();
    }
}
