package io.tokenmeter.metering.usage;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Instant;
import java.util.List;

/** The answer to a usage query: what was asked, then one row per period and group, oldest first. */
public record UsageReport(
        @JsonProperty("tenant_id") String tenantId,
        @JsonProperty("from") Instant from,
        @JsonProperty("to") Instant to,
        @JsonProperty("granularity") Granularity granularity,
        @JsonProperty("group_by") List<String> groupBy,
        @JsonProperty("data") List<UsageRow> data) {
}
