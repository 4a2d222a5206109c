package io.tokenmeter.metering.requests;

import io.tokenmeter.contracts.json.WireJson;
import io.tokenmeter.contracts.usage.UpstreamAttempt;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import javax.sql.DataSource;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Reads the raw events newest first, through their (tenant, occurred_at) index. The tenant is always a bound
 * parameter of the WHERE clause.
 */
@Repository
class RequestLogRepository {

    /** Where the previous page ended: the next page starts strictly after it in (occurred_at, event_id) order. */
    record Cursor(Instant occurredAt, UUID eventId) {}

    private static final RowMapper<RequestRow> ROW = (rs, i) -> new RequestRow(
            rs.getTimestamp("occurred_at").toInstant(),
            rs.getObject("event_id", UUID.class),
            rs.getString("request_id"),
            rs.getString("api_key_id"),
            rs.getString("model"),
            rs.getString("provider"),
            rs.getString("region"),
            rs.getString("status"),
            rs.getLong("latency_ms"),
            rs.getBoolean("estimated"),
            rs.getLong("input_tokens"),
            rs.getLong("cached_input_tokens"),
            rs.getLong("cache_write_tokens"),
            rs.getLong("output_tokens"),
            rs.getLong("reasoning_tokens"),
            rs.getObject("streamed", Boolean.class),
            rs.getObject("first_token_ms", Long.class),
            attempts(rs.getString("attempts")),
            rs.getBigDecimal("cost"),
            rs.getString("cost_currency"));

    private static List<UpstreamAttempt> attempts(String json) {
        return json == null ? List.of() : List.of(WireJson.MAPPER.readValue(json, UpstreamAttempt[].class));
    }

    private final NamedParameterJdbcTemplate jdbc;
    /** Its own template: a fetch size makes pgjdbc read from a cursor (inside a transaction) instead of all at once. */
    private final NamedParameterJdbcTemplate streaming;

    private final TransactionTemplate readOnly;

    RequestLogRepository(
            NamedParameterJdbcTemplate jdbc, DataSource dataSource, PlatformTransactionManager transactions) {
        this.jdbc = jdbc;
        JdbcTemplate cursor = new JdbcTemplate(dataSource);
        cursor.setFetchSize(2_000);
        this.streaming = new NamedParameterJdbcTemplate(cursor);
        this.readOnly = new TransactionTemplate(transactions);
        this.readOnly.setReadOnly(true);
    }

    /** Up to {@code limit} calls, newest first, after the cursor (null: from the newest). */
    List<RequestRow> page(RequestFilter filter, Cursor after, int limit) {
        MapSqlParameterSource params = params(filter).addValue("limit", limit);
        StringBuilder sql = select(filter);
        if (after != null) {
            // written so that the index bounds occurred_at; the event id only breaks ties within one microsecond
            sql.append(" AND occurred_at <= :after_at AND (occurred_at < :after_at OR event_id < :after_id)");
            params.addValue("after_at", Timestamp.from(after.occurredAt())).addValue("after_id", after.eventId());
        }
        sql.append(" ORDER BY occurred_at DESC, event_id DESC LIMIT :limit");
        return jdbc.query(sql.toString(), params, ROW);
    }

    /** Every call the filter matches, newest first, fetched from a cursor a few thousand rows at a time. */
    void each(RequestFilter filter, Consumer<RequestRow> rows) {
        String sql = select(filter)
                .append(" ORDER BY occurred_at DESC, event_id DESC")
                .toString();
        readOnly.executeWithoutResult(status -> streaming.query(sql, params(filter), rs -> {
            rows.accept(ROW.mapRow(rs, 0));
        }));
    }

    private static StringBuilder select(RequestFilter filter) {
        StringBuilder sql = new StringBuilder("""
                SELECT occurred_at, event_id, request_id, api_key_id, model, provider, region, status, latency_ms,
                       estimated, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens,
                       reasoning_tokens,
                       streamed, first_token_ms, attempts, cost, cost_currency
                FROM usage_event
                WHERE tenant_id = :tenant AND occurred_at >= :from AND occurred_at < :to""");
        if (!filter.keys().isEmpty()) {
            sql.append(" AND api_key_id IN (:keys)");
        }
        if (!filter.models().isEmpty()) {
            sql.append(" AND model IN (:models)");
        }
        if (!filter.regions().isEmpty()) {
            sql.append(" AND region IN (:regions)");
        }
        if (!filter.statuses().isEmpty()) {
            sql.append(" AND status IN (:statuses)");
        }
        return sql;
    }

    private static MapSqlParameterSource params(RequestFilter filter) {
        return new MapSqlParameterSource()
                .addValue("tenant", filter.tenantId())
                .addValue("from", Timestamp.from(filter.from()))
                .addValue("to", Timestamp.from(filter.to()))
                .addValue("keys", filter.keys())
                .addValue("models", filter.models())
                .addValue("regions", filter.regions())
                .addValue("statuses", filter.statuses());
    }
}
