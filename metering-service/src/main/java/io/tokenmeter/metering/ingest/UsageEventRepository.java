package io.tokenmeter.metering.ingest;

import io.tokenmeter.contracts.json.WireJson;
import io.tokenmeter.contracts.usage.UsageEvent;
import org.postgresql.jdbc.PgConnection;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stores usage events exactly once. One statement per batch: the event ids are claimed in
 * {@code usage_event_id} (its primary key refuses ids seen before), and only the claimed events are appended
 * to {@code usage_event} and added to {@code usage_rollup_hourly}, and, when they are late for a day already
 * sealed into the daily rollups, to {@code usage_rollup_daily} too. All of it happens in one transaction, so
 * the rollups always equal the sum of the raw events. The watermark row is held FOR SHARE until the commit,
 * so the sealer cannot sum a day's hours while a batch that saw the day unsealed is still open.
 */
@Repository
public class UsageEventRepository {

    /** How an event reached us; kept on the raw row for audit. */
    public enum Source {
        KAFKA,
        INGEST_API;

        String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private static final String STORE = """
            WITH incoming AS (
                SELECT event_id, tenant_id, api_key_id, model, provider, region,
                    input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, estimated,
                    request_id, status, latency_ms,
                    timestamptz 'epoch' + occurred_micros * interval '1 microsecond' AS occurred_at,
                    streamed, first_token_ms, attempts::jsonb AS attempts, cost, cost_currency
                FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
                            ?::int8[], ?::int8[], ?::int8[], ?::int8[], ?::int8[], ?::bool[],
                            ?::text[], ?::text[], ?::int8[], ?::int8[], ?::bool[], ?::int8[], ?::text[],
                            ?::numeric[], ?::text[])
                     AS t(event_id, tenant_id, api_key_id, model, provider, region,
                          input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
                              estimated,
                          request_id, status, latency_ms, occurred_micros, streamed, first_token_ms, attempts,
                          cost, cost_currency)
            ),
            claimed AS (
                INSERT INTO usage_event_id (event_id)
                SELECT event_id FROM incoming
                ON CONFLICT (event_id) DO NOTHING
                RETURNING event_id
            ),
            stored AS (
                INSERT INTO usage_event (event_id, tenant_id, api_key_id, model, provider, region,
                    input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, estimated,
                    request_id, status, latency_ms, occurred_at, ingested_at, source, streamed, first_token_ms,
                    attempts, cost, cost_currency)
                SELECT i.event_id, i.tenant_id, i.api_key_id, i.model, i.provider, i.region,
                    i.input_tokens, i.cached_input_tokens, i.cache_write_tokens, i.output_tokens, i.reasoning_tokens,
                        i.estimated,
                    i.request_id, i.status, i.latency_ms, i.occurred_at, now(), ?, i.streamed, i.first_token_ms,
                    i.attempts, i.cost, i.cost_currency
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
            ),
            watermark AS (
                SELECT sealed_before FROM usage_rollup_watermark FOR SHARE
            ),
            late AS (
                INSERT INTO usage_rollup_daily AS d (tenant_id, day, model, region, input_tokens, cached_input_tokens,
                    cache_write_tokens, output_tokens, reasoning_tokens, requests, estimated_requests)
                SELECT tenant_id, date_trunc('day', occurred_at, 'UTC'), model, region, sum(input_tokens),
                    sum(cached_input_tokens), sum(cache_write_tokens), sum(output_tokens), sum(reasoning_tokens),
                    count(*), count(*) FILTER (WHERE estimated)
                FROM stored
                WHERE occurred_at < (SELECT sealed_before FROM watermark)
                GROUP BY 1, 2, 3, 4
                ORDER BY 1, 2, 3, 4
                ON CONFLICT (tenant_id, day, model, region) DO UPDATE SET
                    input_tokens = d.input_tokens + EXCLUDED.input_tokens,
                    cached_input_tokens = d.cached_input_tokens + EXCLUDED.cached_input_tokens,
                    cache_write_tokens = d.cache_write_tokens + EXCLUDED.cache_write_tokens,
                    output_tokens = d.output_tokens + EXCLUDED.output_tokens,
                    reasoning_tokens = d.reasoning_tokens + EXCLUDED.reasoning_tokens,
                    requests = d.requests + EXCLUDED.requests,
                    estimated_requests = d.estimated_requests + EXCLUDED.estimated_requests
            )
            SELECT event_id FROM claimed
            """;

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final Set<YearMonth> partitions = ConcurrentHashMap.newKeySet();

    UsageEventRepository(JdbcTemplate jdbc, PlatformTransactionManager transactionManager) {
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
        // one copy per id: PostgreSQL's ON CONFLICT cannot see a duplicate inside the same statement
        Map<UUID, UsageEvent> unique = new LinkedHashMap<>(events.size() * 2);
        for (UsageEvent e : events) {
            unique.putIfAbsent(e.eventId(), e);
        }
        ensurePartitions(unique.values());
        return transactions.execute(status -> insert(unique.values(), source));
    }

    /** What {@link #storeIsolating} stored and what the database refused, with its reason. */
    public record Stored(Set<UUID> fresh, Map<UUID, String> refused) {}

    /**
     * As {@link #store}, except that a batch the database refuses for its data is stored one event at a time, so the
     * good events are kept and each refused one comes back with the database's reason (the CloudEvents ingest API
     * answers per event). Platform failures are thrown, as by {@link #store}.
     */
    public Stored storeIsolating(Collection<UsageEvent> events, Source source) {
        try {
            return new Stored(new HashSet<>(store(events, source)), Map.of());
        } catch (RuntimeException e) {
            if (!DataErrors.isDataError(e)) {
                throw e;
            }
        }
        Set<UUID> fresh = new HashSet<>();
        Map<UUID, String> refused = new LinkedHashMap<>();
        for (UsageEvent event : events) {
            try {
                fresh.addAll(store(List.of(event), source));
            } catch (RuntimeException e) {
                if (!DataErrors.isDataError(e)) {
                    throw e;
                }
                refused.put(event.eventId(), DataErrors.reason(e));
            }
        }
        return new Stored(fresh, refused);
    }

    private Set<UUID> insert(Collection<UsageEvent> events, Source source) {
        int n = events.size();
        UUID[] ids = new UUID[n];
        String[] tenants = new String[n];
        String[] keys = new String[n];
        String[] models = new String[n];
        String[] providers = new String[n];
        String[] regions = new String[n];
        long[] input = new long[n];
        long[] cached = new long[n];
        long[] cacheWrite = new long[n];
        long[] output = new long[n];
        long[] reasoning = new long[n];
        boolean[] estimated = new boolean[n];
        String[] requestIds = new String[n];
        String[] statuses = new String[n];
        long[] latency = new long[n];
        long[] occurredMicros = new long[n]; // microseconds, PostgreSQL's precision; sub-microsecond digits are dropped
        Boolean[] streamed = new Boolean[n]; // these three are optional: null where the event did not say
        Long[] firstTokenMs = new Long[n];
        String[] attempts = new String[n];
        BigDecimal[] costs = new BigDecimal[n];
        String[] costCurrencies = new String[n];
        int i = 0;
        for (UsageEvent e : events) {
            ids[i] = e.eventId();
            tenants[i] = e.tenantId();
            keys[i] = e.apiKeyId();
            models[i] = e.model();
            providers[i] = e.provider();
            regions[i] = e.region();
            input[i] = e.inputTokens();
            cached[i] = e.cachedInputTokens();
            cacheWrite[i] = e.cacheWriteTokens();
            output[i] = e.outputTokens();
            reasoning[i] = e.reasoningTokens();
            estimated[i] = e.estimated();
            requestIds[i] = e.requestId();
            statuses[i] = e.status().wireName();
            latency[i] = e.latencyMs();
            occurredMicros[i] = Math.addExact(
                    Math.multiplyExact(e.occurredAt().getEpochSecond(), 1_000_000L),
                    e.occurredAt().getNano() / 1_000);
            streamed[i] = e.streamed();
            firstTokenMs[i] = e.firstTokenMs();
            attempts[i] = e.attempts().isEmpty() ? null : WireJson.MAPPER.writeValueAsString(e.attempts());
            costs[i] = e.cost();
            costCurrencies[i] = e.costCurrency();
            i++;
        }
        // Typed (primitive) arrays: pgjdbc encodes them far cheaper than Object arrays of Timestamps and Longs.
        Object[] columns = {
            ids,
            tenants,
            keys,
            models,
            providers,
            regions,
            input,
            cached,
            cacheWrite,
            output,
            reasoning,
            estimated,
            requestIds,
            statuses,
            latency,
            occurredMicros,
            streamed,
            firstTokenMs,
            attempts,
            costs,
            costCurrencies
        };
        String[] types = {
            "uuid", "text", "text", "text", "text", "text", "int8", "int8", "int8", "int8", "int8", "bool", "text",
            "text", "int8", "int8", "bool", "int8", "text", "numeric", "text"
        };
        return jdbc.execute((Connection c) -> {
            PgConnection pg = c.unwrap(PgConnection.class);
            try (PreparedStatement ps = c.prepareStatement(STORE)) {
                List<Array> arrays = new ArrayList<>(columns.length);
                for (int col = 0; col < columns.length; col++) {
                    Array array = pg.createArrayOf(types[col], columns[col]);
                    arrays.add(array);
                    ps.setArray(col + 1, array);
                }
                ps.setString(columns.length + 1, source.wireName());
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
        long monthStart = 0;
        long monthEnd = 0;
        for (UsageEvent e : events) {
            long second = e.occurredAt().getEpochSecond();
            if (second >= monthStart && second < monthEnd) {
                continue; // the month of the previous event: most events of a batch share it
            }
            YearMonth month = YearMonth.from(e.occurredAt().atOffset(ZoneOffset.UTC));
            months.add(month);
            monthStart = month.atDay(1).toEpochSecond(java.time.LocalTime.MIDNIGHT, ZoneOffset.UTC);
            monthEnd = month.plusMonths(1).atDay(1).toEpochSecond(java.time.LocalTime.MIDNIGHT, ZoneOffset.UTC);
        }
        months.removeAll(partitions);
        for (YearMonth month : months) {
            // its own transaction, committed before the events go in: a failed batch must not undo it
            transactions.executeWithoutResult(status -> createPartition(month));
            partitions.add(month);
        }
    }

    /** Through the owner's function: the application's role may not create tables (see migration V2). */
    private void createPartition(YearMonth month) {
        jdbc.queryForObject(
                "SELECT create_usage_event_partition(?::date)::text",
                String.class,
                month.atDay(1).toString());
    }
}
