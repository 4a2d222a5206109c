package io.tokenmeter.metering.billable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * @param settle how far behind the database's clock an ingest cut-off must lie. {@code ingested_at} is the time
 *               a storing transaction began, and it becomes visible only when it commits: a cut-off closer to now
 *               than the longest such transaction could miss events that later appear with an earlier
 *               {@code ingested_at}, billed neither before nor after it. The storing transactions are bounded by
 *               the statement timeout, far below the default.
 */
@ConfigurationProperties("tokenmeter.metering.billing")
record BillableProperties(@DefaultValue("5m") Duration settle) {}
