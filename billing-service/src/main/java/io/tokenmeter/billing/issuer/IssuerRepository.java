package io.tokenmeter.billing.issuer;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import java.util.List;
import java.util.Optional;

@Repository
public class IssuerRepository {

    private final JdbcClient jdbc;

    IssuerRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    Issuer add(Issuer issuer, String createdBy) {
        if (issuer.isDefault()) {
            jdbc.sql("UPDATE issuer SET is_default = false WHERE is_default").update();
        }
        jdbc.sql(
                        "INSERT INTO issuer (id, legal_name, country, tax_id, is_default, created_by) VALUES (:id, :name, :country, :tax, :def, :by)")
                .param("id", issuer.id())
                .param("name", issuer.legalName())
                .param("country", issuer.country())
                .param("tax", issuer.taxId())
                .param("def", issuer.isDefault())
                .param("by", createdBy)
                .update();
        return issuer;
    }

    public Optional<Issuer> find(String id) {
        return jdbc.sql("SELECT id, legal_name, country, tax_id, is_default FROM issuer WHERE id = :id")
                .param("id", id)
                .query(IssuerRepository::row)
                .optional();
    }

    /** The issuer of invoices that name none. */
    public Optional<Issuer> defaultIssuer() {
        return jdbc.sql("SELECT id, legal_name, country, tax_id, is_default FROM issuer WHERE is_default")
                .query(IssuerRepository::row)
                .optional();
    }

    List<Issuer> all() {
        return jdbc.sql("SELECT id, legal_name, country, tax_id, is_default FROM issuer ORDER BY id")
                .query(IssuerRepository::row)
                .list();
    }

    private static Issuer row(java.sql.ResultSet rs, int n) throws java.sql.SQLException {
        return new Issuer(
                rs.getString("id"),
                rs.getString("legal_name"),
                rs.getString("country"),
                rs.getString("tax_id"),
                rs.getBoolean("is_default"));
    }
}
