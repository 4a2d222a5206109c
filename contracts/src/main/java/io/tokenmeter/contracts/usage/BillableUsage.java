package io.tokenmeter.contracts.usage;

import java.time.Instant;
import java.util.List;

/**
 * A tenant's usage as an invoice sees it: the events that occurred in [{@code from}, {@code to}) and were ingested
 * before {@code ingestedBefore}, per model, serving region and token class, in time buckets (so off-peak windows
 * and price versions can be applied by event time). Shaped like the lines of a rating quote. Reasoning tokens are
 * part of output and not listed apart. Buckets are {@code bucketMinutes} wide on the epoch's grid, clipped to the
 * period, and also cut at each instant of {@code splitAt} (the price edges the caller asked for), so no bucket crosses
 * a price change.
 */
public record BillableUsage(
        String tenantId,
        Instant from,
        Instant to,
        Instant ingestedFrom,
        Instant ingestedBefore,
        int bucketMinutes,
        List<Instant> splitAt,
        long events,
        List<Line> lines) {

    /**
     * Where metering answers, {@code GET ?tenant_id=&from=&to=[&ingested_from=][&ingested_before=][&split_at=,...]}.
     */
    public static final String PATH = "/api/v1/usage/billable";

    /** The tenants with billable usage in a period: a JSON array of tenant ids. */
    public static final String TENANTS_PATH = PATH + "/tenants";

    /** The events behind one line, a page at a time. */
    public static final String EVENTS_PATH = PATH + "/events";

    public record Line(String model, String region, String tokenClass, long tokens, List<Bucket> buckets) {}

    public record Bucket(Instant from, Instant to, long tokens) {}
}
