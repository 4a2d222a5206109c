package io.tokenmeter.metering.requests;

import java.time.Instant;
import java.util.List;

/** A validated request-log query: always one tenant, a bounded range, and optional filters (any of the listed). */
record RequestFilter(
        String tenantId,
        Instant from,
        Instant to,
        List<String> keys,
        List<String> models,
        List<String> regions,
        List<String> statuses) {}
