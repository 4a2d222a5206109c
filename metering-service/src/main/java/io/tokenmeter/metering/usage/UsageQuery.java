package io.tokenmeter.metering.usage;

import java.time.Instant;
import java.util.List;

/** A validated usage query, always for exactly one tenant. */
record UsageQuery(
        String tenantId,
        Instant from,
        Instant to,
        Granularity granularity,
        boolean byModel,
        boolean byRegion,
        List<String> models,
        List<String> regions) {}
