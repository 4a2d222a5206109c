package io.tokenmeter.metering.ingest;

import io.tokenmeter.contracts.usage.UsageEvent;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stores usage events exactly once. One statement per batch: the event ids are claimed in
 * {@code usage_event_id} (its primary key refuses ids seen before), and only the claimed events are appended
 * to {@code usage_event} and added to {@code usage_rollup_hourly}. All three happen in one transaction, so
 * the rollups always equal the sum of the raw events.
 */
@Repository
public class UsageEventStore {

    /** How an event reached us; kept on the raw row for audit. */
    public enum Source { KAFKA, INGEST_API }

    private static final String STORE = """
            WITH incoming AS (
                SELECT DISTINCT ON (event_id) *
                FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
                            ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::boolean[],
                            ?::text[], ?::text[], ?::bigint[], ?::timestamptz[])
                     AS t(event_id, tenant_id, api_key_id, model, provider, region,
                          input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, estimated,
                          request_id, status, latency_ms, occurred_at)
            ),
            claimed AS (
                INSERT INTO usage_event_id (event_id, tenant_id, occurred_at)
                SELECT event_id, tenant_id, occurred_at FROM incoming
                ON CONFLICT (event_id) DO NOTHING
                RETURNING event_id
            ),
            stored AS (
                INSERT INTO usage_event (event_id, tenant_id, api_key_id, model, provider, region,
                    input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, estimated,
                    request_id, status, latency_ms, occurred_at, ingested_at, source)
                SELECT i.event_id, i.tenant_id, i.api_key_id, i.model, i.provider, i.region,
                    i.input_tokens, i.cached_input_tokens, i.cache_write_tokens, i.output_tokens, i.reasoning_tokens, i.estimated,
                    i.request_id, i.status, i.latency_ms, i.occurred_at, now(), ?
                FROM incoming i JOIN claimed USING (event_id)
                RETURNING tenant_id, model, region, occurred_at, input_tokens, cached_input_tokens, cache_write_tokens,
                          output_tokens, reasoning_tokens, estimated
            ),
            rolled AS (
                INSERT INTO usage_rollup_hourly AS r (tenant_id, hour, model, region, input_tokens, cached_input_tokens,
                    cache_write_tokens, output_tokens, reasoning_tokens, requests, estimated_requests)
                SELECT tenant_id, date_trunc('hour', occurred_at, 'UTC'), model, region, sum(input_tokens),
                    sum(cached_input_tokens), sum(cache_write_tokens), sum(output_tokens), sum(reasoning_tokens),
                    count(*), count(*) FILTER (WHERE estimated)
                FROM stored
                GROUP BY 1, 2, 3, 4
                ORDER BY 1, 2, 3, 4
                ON CONFLICT (tenant_id, hour, model, region) DO UPDATE SET
                    input_tokens = r.input_tokens + EXCLUDED.input_tokens,
                    cached_input_tokens = r.cached_input_tokens + EXCLUDED.cached_input_tokens,
                    cache_write_tokens = r.cache_write_tokens + EXCLUDED.cache_write_tokens,
                    output_tokens = r.output_tokens + EXCLUDED.output_tokens,
                    reasoning_tokens = r.reasoning_tokens + EXCLUDED.reasoning_tokens,
                    requests = r.requests + EXCLUDED.requests,
                    estimated_requests = r.estimated_requests + EXCLUDED.estimated_requests
            )
            SELECT event_id FROM claimed
            """;

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final Set<YearMonth> partitions = ConcurrentHashMap.newKeySet();

    UsageEventStore(JdbcTemplate jdbc, PlatformTransactionManager transactionManager) {
        this.jdbc = jdbc;
        this.transactions = new TransactionTemplate(transactionManager);
    }

    /**
     * Stores what is new, in one transaction, and returns the ids that were new; the others had been stored
     * before. When it returns, the events are committed.
     */
    public Set<UUID> store(Collection<UsageEvent> events, Source source) {
        if (events.isEmpty()) {
            return Set.of();
        }
        ensurePartitions(events);
        return transactions.execute(status -> insert(events, source));
    }

    private Set<UUID> insert(Collection<UsageEvent> events, Source source) {
        return jdbc.execute((Connection c) -> {
            try (PreparedStatement ps = c.prepareStatement(STORE)) {
                int n = events.size();
                Object[][] columns = new Object[16][n];
                int row = 0;
                for (UsageEvent e : events) {
                    columns[0][row] = e.eventId();
                    columns[1][row] = e.tenantId();
                    columns[2][row] = e.apiKeyId();
                    columns[3][row] = e.model();
                    columns[4][row] = e.provider();
                    columns[5][row] = e.region();
                    columns[6][row] = e.inputTokens();
                    columns[7][row] = e.cachedInputTokens();
                    columns[8][row] = e.cacheWriteTokens();
                    columns[9][row] = e.outputTokens();
                    columns[10][row] = e.reasoningTokens();
                    columns[11][row] = e.estimated();
                    columns[12][row] = e.requestId();
                    columns[13][row] = e.status().name().toLowerCase();
                    columns[14][row] = e.latencyMs();
                    columns[15][row] = Timestamp.from(e.occurredAt());
                    row++;
                }
                String[] types = {"uuid", "text", "text", "text", "text", "text", "int8", "int8", "int8", "int8", "int8",
                        "bool", "text", "text", "int8", "timestamptz"};
                List<Array> arrays = new ArrayList<>(16);
                for (int i = 0; i < 16; i++) {
                    Array array = c.createArrayOf(types[i], columns[i]);
                    arrays.add(array);
                    ps.setArray(i + 1, array);
                }
                ps.setString(17, source.name().toLowerCase());
                Set<UUID> claimed = new HashSet<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        claimed.add(rs.getObject(1, UUID.class));
                    }
                }
                for (Array a : arrays) {
                    a.free();
                }
                return claimed;
            }
        });
    }

    private void ensurePartitions(Collection<UsageEvent> events) {
        Set<YearMonth> months = new HashSet<>();
        for (UsageEvent e : events) {
            months.add(YearMonth.from(e.occurredAt().atOffset(ZoneOffset.UTC)));
        }
        months.removeAll(partitions);
        for (YearMonth month : months) {
            // its own transaction, committed before the events go in: a failed batch must not undo it
            transactions.executeWithoutResult(status -> createPartition(month));
            partitions.add(month);
        }
    }

    private void createPartition(YearMonth month) {
        LocalDate from = month.atDay(1);
        LocalDate to = month.plusMonths(1).atDay(1);
        String name = "usage_event_y%04dm%02d".formatted(month.getYear(), month.getMonthValue());
        // The advisory lock makes concurrent consumers take turns; IF NOT EXISTS makes the loser a no-op.
        jdbc.execute("SELECT pg_advisory_xact_lock(hashtext('usage_event_partitions'))");
        jdbc.execute("CREATE TABLE IF NOT EXISTS " + name + " PARTITION OF usage_event FOR VALUES FROM ('"
                + from + " 00:00:00+00') TO ('" + to + " 00:00:00+00')");
    }
}
