package io.tokenmeter.metering.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Folds the rollup deltas that each stored batch appends into {@code usage_rollup_hourly}: in one transaction the
 * deltas are deleted and their sums added to the hours, so a reader of {@code usage_rollup} (both tables) sees the
 * same totals before and after. A second often, so the deltas stay few; one instance at a time (an advisory lock: the
 * others skip the round). The upserts the batches no longer do are done here, once per tenant, hour, model and region
 * a round rather than once per batch.
 */
@Component
class RollupCompactor {

    private static final Logger log = LoggerFactory.getLogger(RollupCompactor.class);

    private static final String FOLD = """
            WITH moved AS (
                DELETE FROM usage_rollup_delta RETURNING *
            )
            INSERT INTO usage_rollup_hourly AS r (tenant_id, hour, model, region, input_tokens, cached_input_tokens,
                cache_write_tokens, output_tokens, reasoning_tokens, requests, estimated_requests)
            SELECT tenant_id, hour, model, region, sum(input_tokens), sum(cached_input_tokens),
                sum(cache_write_tokens), sum(output_tokens), sum(reasoning_tokens), sum(requests),
                sum(estimated_requests)
            FROM moved
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
            """;

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final Timer rounds;
    private final Counter folded;

    RollupCompactor(JdbcTemplate jdbc, PlatformTransactionManager transactionManager, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.transactions = new TransactionTemplate(transactionManager);
        this.rounds = Timer.builder("tokenmeter.metering.rollup_compaction")
                .description("rounds folding rollup deltas into the hourly rollups")
                .register(meters);
        this.folded = Counter.builder("tokenmeter.metering.rollup_hours_folded")
                .description("hourly rollup rows written by compaction rounds")
                .register(meters);
    }

    @Scheduled(fixedDelayString = "${tokenmeter.metering.rollups.compact-every:1s}")
    void compact() {
        try {
            Integer rows = rounds.record(() -> transactions.execute(status -> {
                Boolean mine = jdbc.queryForObject(
                        "SELECT pg_try_advisory_xact_lock(hashtext('usage_rollup_compaction'))", Boolean.class);
                return Boolean.TRUE.equals(mine) ? jdbc.update(FOLD) : 0;
            }));
            folded.increment(rows == null ? 0 : rows);
        } catch (RuntimeException e) {
            // the deltas stay and are still read; the next round folds them
            log.warn("rollup deltas not folded this round, waiting for the database: {}", e.toString());
        }
    }
}
