package io.tokenmeter.metering.usage;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Reads the rollups. A query by hour reads the hourly rollups; one by day or month reads the daily rollups for the
 * whole days that are sealed and the hourly ones for the rest (the hours before the first whole day, and from the
 * watermark on). The watermark and both tables are read by one statement, so from one snapshot: ingest and the sealer
 * change them together, and a day is never counted from both or from neither. The tenant is always a bound parameter
 * of the WHERE clause.
 */
@Repository
class UsageRepository {

    private static final String SUMS = """
            sum(input_tokens) AS input_tokens, sum(cached_input_tokens) AS cached_input_tokens,
            sum(cache_write_tokens) AS cache_write_tokens, sum(output_tokens) AS output_tokens,
            sum(reasoning_tokens) AS reasoning_tokens, sum(requests) AS requests,
            sum(estimated_requests) AS estimated_requests""";
    private static final String COLUMNS = """
            model, region, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
            requests, estimated_requests""";

    private final NamedParameterJdbcTemplate jdbc;

    UsageRepository(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    List<UsageRow> find(UsageQuery q) {
        MapSqlParameterSource params = new MapSqlParameterSource()
                .addValue("tenant", q.tenantId())
                .addValue("from", Timestamp.from(q.from()))
                .addValue("to", Timestamp.from(q.to()));
        StringBuilder filters = new StringBuilder();
        if (!q.models().isEmpty()) {
            filters.append(" AND model IN (:models)");
            params.addValue("models", q.models());
        }
        if (!q.regions().isEmpty()) {
            filters.append(" AND region IN (:regions)");
            params.addValue("regions", q.regions());
        }
        Instant firstDay = q.from().truncatedTo(ChronoUnit.DAYS);
        if (firstDay.isBefore(q.from())) {
            firstDay = firstDay.plus(1, ChronoUnit.DAYS);
        }
        Instant endOfDays = q.to().truncatedTo(ChronoUnit.DAYS);
        String source;
        if (q.granularity() == Granularity.HOUR || !firstDay.isBefore(endOfDays)) {
            source = "SELECT hour AS t, " + COLUMNS
                    + " FROM usage_rollup_hourly WHERE tenant_id = :tenant AND hour >= :from AND hour < :to" + filters;
        } else {
            params.addValue("first_day", Timestamp.from(firstDay)).addValue("end_of_days", Timestamp.from(endOfDays));
            // the sealed whole days: [first_day, sealed_to); hours before and after them come from the hourly rows
            String sealedTo = "(SELECT greatest(:first_day, least(:end_of_days, sealed_before))"
                    + " FROM usage_rollup_watermark)";
            source = "SELECT hour AS t, " + COLUMNS + " FROM usage_rollup_hourly"
                    + " WHERE tenant_id = :tenant AND hour >= :from AND hour < :first_day" + filters
                    + " UNION ALL SELECT day, " + COLUMNS + " FROM usage_rollup_daily"
                    + " WHERE tenant_id = :tenant AND day >= :first_day AND day < " + sealedTo + filters
                    + " UNION ALL SELECT hour, " + COLUMNS + " FROM usage_rollup_hourly"
                    + " WHERE tenant_id = :tenant AND hour >= " + sealedTo + " AND hour < :to" + filters;
        }
        String groups = (q.byModel() ? ", model" : "") + (q.byRegion() ? ", region" : "");
        String sql = "SELECT date_trunc('" + q.granularity().sqlUnit() + "', t, 'UTC') AS period_start"
                + (q.byModel() ? ", model" : ", NULL AS model")
                + (q.byRegion() ? ", region" : ", NULL AS region")
                + ", " + SUMS
                + " FROM (" + source + ") AS rollups"
                + " GROUP BY 1" + groups + " ORDER BY 1" + groups;
        return jdbc.query(sql, params, (rs, i) -> {
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
