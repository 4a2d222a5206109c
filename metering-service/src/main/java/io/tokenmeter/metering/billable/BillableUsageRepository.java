package io.tokenmeter.metering.billable;

import io.tokenmeter.contracts.usage.BillableUsage;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Billable usage from the raw events (the rollups do not know when an event was ingested). */
@Repository
class BillableUsageRepository {

    private static final String[] CLASSES = {"input", "cached_input", "cache_write", "output"};

    private final JdbcClient jdbc;

    BillableUsageRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** The database's clock: cut-offs are compared with the {@code ingested_at} it wrote. */
    Instant now() {
        return jdbc.sql("SELECT now()").query(Timestamp.class).single().toInstant();
    }

    /**
     * Buckets of {@code bucketMinutes} aligned on the epoch, clipped to the period where it cuts through one, and cut
     * again at each of {@code splitAt} (sorted, inside the period): a bucket is the part of a grid cell between two
     * consecutive cuts.
     */
    BillableUsage usage(
            String tenantId,
            Instant from,
            Instant to,
            Instant ingestedFrom,
            Instant ingestedBefore,
            int bucketMinutes,
            List<Instant> splitAt) {
        record Row(String model, String region, Instant bucket, int part, long[] tokens, long events) {}
        // width_bucket gives the number of cuts at or before the event: 0 before the first
        List<Row> rows = jdbc.sql("""
                        SELECT model, region, date_bin(make_interval(mins => :minutes), occurred_at, TIMESTAMPTZ
                            '2000-01-01 00:00:00Z') AS bucket,
                               %s AS part,
                               sum(input_tokens) AS input, sum(cached_input_tokens) AS cached_input,
                                   sum(cache_write_tokens) AS cache_write,
                               sum(output_tokens) AS output, count(*) AS events
                        FROM usage_event
                        WHERE tenant_id = :tenant AND occurred_at >= :from AND occurred_at < :to
                          AND ingested_at >= :since AND ingested_at < :cutoff
                        GROUP BY model, region, bucket, part
                        ORDER BY model, region, bucket, part""".formatted(
                                splitAt.isEmpty() ? "0" : "width_bucket(occurred_at, CAST(:splits AS timestamptz[]))"))
                .param("minutes", bucketMinutes)
                .param("tenant", tenantId)
                .param("from", Timestamp.from(from))
                .param("to", Timestamp.from(to))
                .param("since", Timestamp.from(ingestedFrom))
                .param("cutoff", Timestamp.from(ingestedBefore))
                .param("splits", splitAt.stream().map(Instant::toString).collect(Collectors.joining(",", "{", "}")))
                .query((rs, n) -> new Row(
                        rs.getString("model"),
                        rs.getString("region"),
                        rs.getTimestamp("bucket").toInstant(),
                        rs.getInt("part"),
                        new long[] {
                            rs.getLong("input"),
                            rs.getLong("cached_input"),
                            rs.getLong("cache_write"),
                            rs.getLong("output")
                        },
                        rs.getLong("events")))
                .list();
        Map<String, List<BillableUsage.Bucket>> buckets = new LinkedHashMap<>();
        long events = 0;
        Duration width = Duration.ofMinutes(bucketMinutes);
        for (Row row : rows) {
            events += row.events();
            Instant start = max(row.bucket(), row.part() == 0 ? from : max(from, splitAt.get(row.part() - 1)));
            Instant end =
                    min(row.bucket().plus(width), row.part() == splitAt.size() ? to : min(to, splitAt.get(row.part())));
            for (int c = 0; c < CLASSES.length; c++) {
                if (row.tokens()[c] > 0) {
                    buckets.computeIfAbsent(
                                    row.model() + "\u0000" + row.region() + "\u0000" + CLASSES[c],
                                    k -> new ArrayList<>())
                            .add(new BillableUsage.Bucket(start, end, row.tokens()[c]));
                }
            }
        }
        List<BillableUsage.Line> lines = new ArrayList<>();
        buckets.forEach((key, list) -> {
            String[] parts = key.split("\u0000");
            lines.add(new BillableUsage.Line(
                    parts[0],
                    parts[1],
                    parts[2],
                    list.stream().mapToLong(BillableUsage.Bucket::tokens).sum(),
                    list));
        });
        return new BillableUsage(
                tenantId, from, to, ingestedFrom, ingestedBefore, bucketMinutes, splitAt, events, lines);
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    List<String> tenants(Instant from, Instant to, Instant ingestedFrom, Instant ingestedBefore) {
        return jdbc.sql("""
                        SELECT DISTINCT tenant_id FROM usage_event
                        WHERE occurred_at >= :from AND occurred_at < :to AND ingested_at >= :since AND ingested_at <
                            :cutoff
                        ORDER BY tenant_id""")
                .param("from", Timestamp.from(from))
                .param("to", Timestamp.from(to))
                .param("since", Timestamp.from(ingestedFrom))
                .param("cutoff", Timestamp.from(ingestedBefore))
                .query(String.class)
                .list();
    }

    /**
     * One event behind an invoice line: its id, when it occurred and was ingested, and its tokens of the line's class.
     */
    record LineageEvent(
            @com.fasterxml.jackson.annotation.JsonProperty("event_id")
            java.util.UUID eventId,

            @com.fasterxml.jackson.annotation.JsonProperty("occurred_at")
            Instant occurredAt,

            @com.fasterxml.jackson.annotation.JsonProperty("ingested_at")
            Instant ingestedAt,

            long tokens) {}

    /**
     * The events of a tenant, model, region and token class (with tokens of that class) that occurred in [from, to)
     * and were ingested in [ingestedFrom, ingestedBefore), in occurrence order, after a keyset cursor.
     */
    List<LineageEvent> events(
            String tenantId,
            String model,
            String region,
            String tokenClass,
            Instant from,
            Instant to,
            Instant ingestedFrom,
            Instant ingestedBefore,
            Instant afterOccurred,
            java.util.UUID afterId,
            int limit) {
        String column = switch (tokenClass) {
            case "input" -> "input_tokens";
            case "cached_input" -> "cached_input_tokens";
            case "cache_write" -> "cache_write_tokens";
            case "output" -> "output_tokens";
            default ->
                throw new IllegalArgumentException(
                        "token_class is input, cached_input, cache_write or output: " + tokenClass);
        };
        return jdbc.sql("""
                        SELECT event_id, occurred_at, ingested_at, %s AS tokens FROM usage_event
                        WHERE tenant_id = :tenant AND occurred_at >= :from AND occurred_at < :to
                          AND ingested_at >= :since AND ingested_at < :cutoff AND model = :model AND region = :region
                              AND %s > 0
                          AND (occurred_at, event_id) > (:afterOccurred, :afterId)
                        ORDER BY occurred_at, event_id LIMIT :limit""".formatted(column, column))
                .param("tenant", tenantId)
                .param("from", Timestamp.from(from))
                .param("to", Timestamp.from(to))
                .param("since", Timestamp.from(ingestedFrom))
                .param("cutoff", Timestamp.from(ingestedBefore))
                .param("model", model)
                .param("region", region)
                .param("afterOccurred", Timestamp.from(afterOccurred))
                .param("afterId", afterId)
                .param("limit", limit)
                .query((rs, n) -> new LineageEvent(
                        rs.getObject("event_id", java.util.UUID.class),
                        rs.getTimestamp("occurred_at").toInstant(),
                        rs.getTimestamp("ingested_at").toInstant(),
                        rs.getLong("tokens")))
                .list();
    }
}
