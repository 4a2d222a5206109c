package io.tokenmeter.billing.run;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * @param grace    how long after a period's end a run may start, so that late events still count on time
 * @param settle   how far behind now a run's ingest cut-off lies (metering refuses cut-offs nearer than its own
 *                 settle; keep this at least as long)
 * @param parallelism tenants drafted at once: each waits mostly on metering and pricing (with no database
 *                 connection held meanwhile: usage and quotes are fetched before the tenant's transaction opens)
 */
@ConfigurationProperties("tokenmeter.billing.runs")
record RunProperties(
        @DefaultValue("1h") Duration grace,
        @DefaultValue("5m") Duration settle,
        @DefaultValue("8") int parallelism) {}
