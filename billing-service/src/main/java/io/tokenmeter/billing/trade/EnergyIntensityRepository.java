package io.tokenmeter.billing.trade;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import java.util.List;
import java.util.Optional;

@Repository
class EnergyIntensityRepository {

    private static final String COLUMNS =
            "model, region, wh_per_1k_input, wh_per_1k_output, pue, source, changed_at, changed_by";

    private final JdbcClient jdbc;

    EnergyIntensityRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    List<EnergyIntensity> all() {
        return jdbc.sql("SELECT " + COLUMNS + " FROM energy_intensity ORDER BY model, region")
                .query(EnergyIntensityRepository::row)
                .list();
    }

    Optional<EnergyIntensity> find(String model, String region) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM energy_intensity WHERE model = :model AND region = :region")
                .param("model", model)
                .param("region", region)
                .query(EnergyIntensityRepository::row)
                .optional();
    }

    EnergyIntensity put(EnergyIntensity e) {
        return jdbc.sql("""
                        INSERT INTO energy_intensity (model, region, wh_per_1k_input, wh_per_1k_output, pue, source,
                            changed_by)
                        VALUES (:model, :region, :in, :out, :pue, :source, :by)
                        ON CONFLICT (model, region) DO UPDATE SET wh_per_1k_input = EXCLUDED.wh_per_1k_input,
                            wh_per_1k_output = EXCLUDED.wh_per_1k_output, pue = EXCLUDED.pue,
                            source = EXCLUDED.source, changed_at = now(), changed_by = EXCLUDED.changed_by
                        RETURNING\s""" + COLUMNS)
                .param("model", e.model())
                .param("region", e.region())
                .param("in", e.whPer1kInput())
                .param("out", e.whPer1kOutput())
                .param("pue", e.pue())
                .param("source", e.source())
                .param("by", e.changedBy())
                .query(EnergyIntensityRepository::row)
                .single();
    }

    private static EnergyIntensity row(java.sql.ResultSet rs, int n) throws java.sql.SQLException {
        return new EnergyIntensity(
                rs.getString("model"),
                rs.getString("region"),
                rs.getBigDecimal("wh_per_1k_input"),
                rs.getBigDecimal("wh_per_1k_output"),
                rs.getBigDecimal("pue"),
                rs.getString("source"),
                rs.getTimestamp("changed_at").toInstant(),
                rs.getString("changed_by"));
    }
}
