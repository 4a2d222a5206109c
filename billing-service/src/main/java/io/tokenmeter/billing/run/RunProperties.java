package io.tokenmeter.billing.run;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.net.URI;
import java.time.Duration;

/**
 * @param grace    how long after a period's end a run may start, so that late events still count on time
 * @param settle   how far behind now a run's ingest cut-off lies (metering refuses cut-offs nearer than its own
 *                 settle; keep this at least as long)
 * @param metering metering-service, for billable usage
 * @param pricing  pricing-service, for quotes
 * @param parallelism tenants drafted at once: each waits mostly on metering and pricing (with no database
 *                 connection held meanwhile: usage and quotes are fetched before the tenant's transaction opens)
 * @param callTimeout how long one call to metering or pricing may take, connecting included; a stalled service fails
 *                 the tenant being drafted (retried alone later), not the run
 */
@ConfigurationProperties("tokenmeter.billing.runs")
record RunProperties(@DefaultValue("1h") Duration grace, @DefaultValue("5m") Duration settle,
                     @DefaultValue("http://127.0.0.1:8081") URI metering, @DefaultValue("http://127.0.0.1:8082") URI pricing,
                     @DefaultValue("8") int parallelism, @DefaultValue("30s") Duration callTimeout) {
}
