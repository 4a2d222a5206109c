package io.tokenmeter.pricing.contract;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;

@Repository
public class ContractRepository {

    /** A tenant's terms: its own book ({@code priceBookId}) or a discount on the default book. */
    public record Contract(
            String id,
            String tenantId,
            String priceBookId,
            BigDecimal discountPercent,
            Instant validFrom,
            Instant validTo) {}

    private final JdbcClient jdbc;

    ContractRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void insert(Contract c, String createdBy, String backdateReason) {
        jdbc.sql("""
                        INSERT INTO tenant_contract (id, tenant_id, price_book_id, discount_percent, valid_from,
                            valid_to, created_by, backdate_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(
                        c.id(),
                        c.tenantId(),
                        c.priceBookId(),
                        c.discountPercent(),
                        Timestamp.from(c.validFrom()),
                        c.validTo() == null ? null : Timestamp.from(c.validTo()),
                        createdBy,
                        backdateReason)
                .update();
    }

    /**
     * The tenant's contracts that overlap [from, to), most recently started first: resolve in memory with {@link
     * #inForce(List, Instant)}.
     */
    public java.util.List<Contract> overlapping(String tenantId, Instant from, Instant to) {
        return jdbc.sql("""
                        SELECT * FROM tenant_contract WHERE tenant_id = ? AND valid_from < ? AND (valid_to IS NULL OR
                            valid_to > ?)
                        ORDER BY valid_from DESC, id DESC""")
                .params(tenantId, Timestamp.from(to), Timestamp.from(from))
                .query((rs, i) -> row(rs))
                .list();
    }

    /** All of a tenant's contracts, the latest to start first. */
    java.util.List<Contract> ofTenant(String tenantId) {
        return jdbc.sql("SELECT * FROM tenant_contract WHERE tenant_id = ? ORDER BY valid_from DESC, id DESC")
                .param(tenantId)
                .query((rs, i) -> row(rs))
                .list();
    }

    private static Contract row(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new Contract(
                rs.getString("id"),
                rs.getString("tenant_id"),
                rs.getString("price_book_id"),
                rs.getBigDecimal("discount_percent"),
                rs.getTimestamp("valid_from").toInstant(),
                rs.getTimestamp("valid_to") == null
                        ? null
                        : rs.getTimestamp("valid_to").toInstant());
    }

    /** Of contracts ordered as {@link #overlapping} returns them, the one in force at {@code at}. */
    public static Optional<Contract> inForce(java.util.List<Contract> contracts, Instant at) {
        return contracts.stream()
                .filter(c -> !c.validFrom().isAfter(at)
                        && (c.validTo() == null || c.validTo().isAfter(at)))
                .findFirst();
    }
}
