package io.tokenmeter.metering.rollups;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Seals whole UTC days into {@code usage_rollup_daily}, one day per transaction, oldest first. Each transaction holds
 * the watermark row FOR UPDATE while it reads the day's hours: a storing transaction that read the old watermark
 * (FOR SHARE) has committed by then, so its hours are summed; one that starts later sees the new watermark and adds
 * its late events to the daily row itself. Several metering instances may run this; the row lock takes them in turn.
 */
@Component
class RollupSealer {

    private static final Logger log = LoggerFactory.getLogger(RollupSealer.class);

    private static final String SEAL_DAY = """
            INSERT INTO usage_rollup_daily (tenant_id, day, model, region, input_tokens, cached_input_tokens,
                cache_write_tokens, output_tokens, reasoning_tokens, requests, estimated_requests)
            SELECT tenant_id, date_trunc('day', hour, 'UTC'), model, region, sum(input_tokens),
                sum(cached_input_tokens), sum(cache_write_tokens), sum(output_tokens), sum(reasoning_tokens),
                sum(requests), sum(estimated_requests)
            FROM usage_rollup_hourly
            WHERE hour >= ? AND hour < ?
            GROUP BY 1, 2, 3, 4
            """;

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final RollupProperties properties;
    /** Epoch seconds of the watermark as last seen; 0 until the first run. */
    private final AtomicLong sealedBefore = new AtomicLong();

    RollupSealer(
            JdbcTemplate jdbc,
            PlatformTransactionManager transactionManager,
            RollupProperties properties,
            MeterRegistry meters) {
        this.jdbc = jdbc;
        this.transactions = new TransactionTemplate(transactionManager);
        this.properties = properties;
        Gauge.builder("tokenmeter.metering.rollups.sealed.before", sealedBefore, AtomicLong::get)
                .baseUnit("seconds")
                .description("the UTC day before which usage is read from daily rollups, as epoch seconds")
                .register(meters);
    }

    @Scheduled(fixedDelayString = "${tokenmeter.metering.rollups.seal-every:1m}")
    void sealDueDays() {
        try {
            int sealed = sealDue();
            if (sealed > 0) {
                log.info(
                        "sealed {} day(s) into the daily rollups; days before {} are now read from them",
                        sealed,
                        Instant.ofEpochSecond(sealedBefore.get()));
            }
        } catch (RuntimeException e) {
            log.warn(
                    "could not seal the daily rollups, will try again in {}: {}", properties.sealEvery(), e.toString());
        }
    }

    /** Seals every day that is due, one transaction each; how many it sealed. */
    int sealDue() {
        return sealBefore(null);
    }

    /**
     * Seals the days before {@code until} (a UTC midnight), or before the due day when null; how many it sealed. Tests
     * seal days that are not due yet, to race the sealer against ingest.
     */
    int sealBefore(Instant until) {
        int sealed = 0;
        while (Boolean.TRUE.equals(transactions.execute(status -> sealOneDay(until)))) {
            sealed++;
        }
        return sealed;
    }

    private boolean sealOneDay(Instant until) {
        Step step = jdbc.queryForObject(
                """
                SELECT CASE WHEN isfinite(sealed_before) THEN sealed_before END AS sealed_before,
                       date_trunc('day', now() - ? * interval '1 second', 'UTC') AS target
                FROM usage_rollup_watermark FOR UPDATE
                """,
                (rs, i) -> new Step(
                        instant(rs.getTimestamp("sealed_before")),
                        until != null ? until : instant(rs.getTimestamp("target"))),
                properties.sealAfter().toSeconds());
        Instant day = step.sealedBefore();
        if (day == null) {
            // never sealed: start at the oldest hour there is, or, on an empty table, at the target at once
            Timestamp oldest = jdbc.queryForObject(
                    "SELECT date_trunc('day', min(hour), 'UTC') FROM usage_rollup_hourly", Timestamp.class);
            day = oldest == null ? step.target() : min(oldest.toInstant(), step.target());
            if (!day.isBefore(step.target())) {
                moveWatermark(step.target());
                return false;
            }
        }
        if (!day.isBefore(step.target())) {
            sealedBefore.set(day.getEpochSecond());
            return false;
        }
        Instant next = day.plus(Duration.ofDays(1));
        int rows = jdbc.update(SEAL_DAY, Timestamp.from(day), Timestamp.from(next));
        moveWatermark(next);
        log.debug("sealed {} into {} daily rollup rows", day, rows);
        return true;
    }

    private void moveWatermark(Instant to) {
        jdbc.update("UPDATE usage_rollup_watermark SET sealed_before = ?", Timestamp.from(to));
        sealedBefore.set(to.getEpochSecond());
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private record Step(Instant sealedBefore, Instant target) {}
}
