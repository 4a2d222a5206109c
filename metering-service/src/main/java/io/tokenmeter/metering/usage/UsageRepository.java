package io.tokenmeter.metering.usage;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/** Reads the hourly rollups. The tenant is always a bound parameter of the WHERE clause. */
@Repository
class UsageRepository {

    private final NamedParameterJdbcTemplate jdbc;

    UsageRepository(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    List<UsageRow> find(UsageQuery q) {
        String unit = q.granularity().sqlUnit();
        String groups = (q.byModel() ? ", model" : "") + (q.byRegion() ? ", region" : "");
        StringBuilder sql = new StringBuilder()
                .append("SELECT date_trunc('")
                .append(unit)
                .append("', hour, 'UTC') AS period_start")
                .append(q.byModel() ? ", model" : ", NULL AS model")
                .append(q.byRegion() ? ", region" : ", NULL AS region")
                .append("""
                        , sum(input_tokens) AS input_tokens, sum(cached_input_tokens) AS cached_input_tokens,
                          sum(cache_write_tokens) AS cache_write_tokens, sum(output_tokens) AS output_tokens,
                          sum(reasoning_tokens) AS reasoning_tokens, sum(requests) AS requests,
                          sum(estimated_requests) AS estimated_requests
                        FROM usage_rollup_hourly
                        WHERE tenant_id = :tenant AND hour >= :from AND hour < :to
                        """);
        MapSqlParameterSource params = new MapSqlParameterSource()
                .addValue("tenant", q.tenantId())
                .addValue("from", Timestamp.from(q.from()))
                .addValue("to", Timestamp.from(q.to()));
        if (!q.models().isEmpty()) {
            sql.append(" AND model IN (:models)");
            params.addValue("models", q.models());
        }
        if (!q.regions().isEmpty()) {
            sql.append(" AND region IN (:regions)");
            params.addValue("regions", q.regions());
        }
        sql.append(" GROUP BY 1").append(groups).append(" ORDER BY 1").append(groups);
        return jdbc.query(sql.toString(), params, (rs, i) -> {
            Instant start = rs.getTimestamp("period_start").toInstant();
            return new UsageRow(
                    start,
                    end(start, q.granularity()),
                    rs.getString("model"),
                    rs.getString("region"),
                    rs.getLong("input_tokens"),
                    rs.getLong("cached_input_tokens"),
                    rs.getLong("cache_write_tokens"),
                    rs.getLong("output_tokens"),
                    rs.getLong("reasoning_tokens"),
                    rs.getLong("requests"),
                    rs.getLong("estimated_requests"));
        });
    }

    private static Instant end(Instant start, Granularity g) {
        var t = start.atOffset(ZoneOffset.UTC);
        return switch (g) {
            case HOUR -> t.plusHours(1).toInstant();
            case DAY -> t.plusDays(1).toInstant();
            case MONTH -> t.plusMonths(1).toInstant();
        };
    }
}
