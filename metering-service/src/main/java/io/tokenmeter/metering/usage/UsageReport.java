package io.tokenmeter.metering.usage;

import java.time.Instant;
import java.util.List;

/** The answer to a usage query: what was asked, then one row per period and group, oldest first. */
public record UsageReport(
        String tenantId,
        Instant from,
        Instant to,
        Granularity granularity,
        List<String> groupBy,
        List<UsageRow> data) {}
