package io.tokenmeter.metering.billable;

import io.swagger.v3.oas.annotations.Operation;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.usage.BillableUsage;
import io.tokenmeter.starter.access.Access;
import io.tokenmeter.starter.web.ApiException;
import io.tokenmeter.starter.web.InvalidField;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Set;

/**
 * Usage as of an ingest cut-off, for invoicing (finance and admin keys): what an invoice for a period counts is
 * exactly the events that occurred in it and were ingested before the run's cut-off; events ingested later are
 * late, and are found by the same query with {@code ingested_from} at that cut-off and a later {@code ingested_before}.
 */
@RestController
class BillableUsageController {

    private static final Set<Integer> BUCKETS = Set.of(1, 5, 10, 15, 30, 60);

    private final BillableUsageRepository usage;
    private final BillableProperties properties;

    BillableUsageController(BillableUsageRepository usage, BillableProperties properties) {
        this.usage = usage;
        this.properties = properties;
    }

    @GetMapping(BillableUsage.PATH)
    @Operation(
            summary =
                    "A tenant's usage that occurred in [from, to) and was ingested before a cut-off, per model, region, "
                            + "token class and time bucket (finance, admin). Without ingested_before: everything ingested so far, for live spend "
                            + "(it may still grow by events committing now, so never for an invoice)")
    BillableUsage billable(
            Caller caller,
            @RequestParam("tenant_id") String tenantId,
            @RequestParam String from,
            @RequestParam String to,
            @RequestParam(name = "ingested_from", required = false) String ingestedFrom,
            @RequestParam(name = "ingested_before", required = false) String ingestedBefore,
            @RequestParam(name = "bucket_minutes", defaultValue = "30") int bucketMinutes,
            @RequestParam(name = "split_at", required = false) List<String> splitAt) {
        staff(caller);
        if (!BUCKETS.contains(bucketMinutes)) {
            throw ApiException.invalid(InvalidField.parameter(
                    "bucket_minutes",
                    "enum",
                    "bucket_minutes is one of " + BUCKETS.stream().sorted().toList()));
        }
        Instant start = instant("from", from);
        Instant end = checkedRange(start, instant("to", to));
        Instant cutoff = ingestedBefore == null
                ? usage.now().plusSeconds(1)
                : settled(instant("ingested_before", ingestedBefore));
        Instant since = ingestedFrom == null ? Instant.EPOCH : instant("ingested_from", ingestedFrom);
        if (!since.isBefore(cutoff)) {
            throw ApiException.invalid(
                    InvalidField.parameter("ingested_from", "order", "ingested_from must be before ingested_before"));
        }
        return usage.usage(tenantId, start, end, since, cutoff, bucketMinutes, splits(splitAt, start, end));
    }

    @GetMapping(BillableUsage.TENANTS_PATH)
    @Operation(
            summary =
                    "The tenants with usage that occurred in [from, to) and was ingested before a cut-off (finance, admin); "
                            + "without ingested_before: as of now, for live reports")
    List<String> tenants(
            Caller caller,
            @RequestParam String from,
            @RequestParam String to,
            @RequestParam(name = "ingested_from", required = false) String ingestedFrom,
            @RequestParam(name = "ingested_before", required = false) String ingestedBefore) {
        staff(caller);
        Instant start = instant("from", from);
        return usage.tenants(
                start,
                checkedRange(start, instant("to", to)),
                ingestedFrom == null ? Instant.EPOCH : instant("ingested_from", ingestedFrom),
                ingestedBefore == null
                        ? usage.now().plusSeconds(1)
                        : settled(instant("ingested_before", ingestedBefore)));
    }

    /** A page of lineage, and the cursor of the next page ({@code null} on the last). */
    record EventPage(List<BillableUsageRepository.LineageEvent> events, String next) {}

    @GetMapping(BillableUsage.EVENTS_PATH)
    @Operation(
            summary =
                    "The events behind a billable line, in occurrence order, paged by the cursor 'after' (finance, admin)")
    EventPage events(
            Caller caller,
            @RequestParam("tenant_id") String tenantId,
            @RequestParam String model,
            @RequestParam String region,
            @RequestParam("token_class") String tokenClass,
            @RequestParam String from,
            @RequestParam String to,
            @RequestParam(name = "ingested_from", required = false) String ingestedFrom,
            @RequestParam("ingested_before") String ingestedBefore,
            @RequestParam(required = false) String after,
            @RequestParam(defaultValue = "1000") int limit) {
        staff(caller);
        if (limit < 1 || limit > 10_000) {
            throw ApiException.invalid(InvalidField.parameter("limit", "range", "limit is 1 to 10000"));
        }
        Instant start = instant("from", from);
        Instant afterOccurred = Instant.EPOCH;
        java.util.UUID afterId = new java.util.UUID(0, 0);
        if (after != null) { // the cursor: <occurred_at>_<event_id> of the last event of the previous page
            String[] parts = after.split("_", 2);
            try {
                afterOccurred = Instant.parse(parts[0]);
                afterId = java.util.UUID.fromString(parts[1]);
            } catch (RuntimeException e) {
                throw ApiException.invalid(InvalidField.parameter(
                        "after", "format", "'after' is the 'next' cursor of the previous page: " + after));
            }
        }
        List<BillableUsageRepository.LineageEvent> events;
        try {
            events = usage.events(
                    tenantId,
                    model,
                    region,
                    tokenClass,
                    start,
                    checkedRange(start, instant("to", to)),
                    ingestedFrom == null ? Instant.EPOCH : instant("ingested_from", ingestedFrom),
                    settled(instant("ingested_before", ingestedBefore)),
                    afterOccurred,
                    afterId,
                    limit);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(InvalidField.parameter("token_class", "enum", e.getMessage()));
        }
        BillableUsageRepository.LineageEvent last = events.size() == limit ? events.getLast() : null;
        return new EventPage(events, last == null ? null : last.occurredAt() + "_" + last.eventId());
    }

    /** At most this many cuts: a year of daily windows' edges, far more than a month's price changes. */
    static final int MAX_SPLITS = 1_000;

    /** The instants to cut buckets at, sorted, strictly inside the period; those on the bucket grid change nothing. */
    private static List<Instant> splits(List<String> values, Instant from, Instant to) {
        if (values == null) {
            return List.of();
        }
        List<String> instants = io.tokenmeter.starter.web.QueryParams.values(values); // repeated or comma-separated
        if (instants.size() > MAX_SPLITS) {
            throw ApiException.invalid(
                    InvalidField.parameter("split_at", "size", "split_at has at most " + MAX_SPLITS + " instants"));
        }
        return instants.stream()
                .map(v -> instant("split_at", v))
                .filter(at -> at.isAfter(from) && at.isBefore(to))
                .distinct()
                .sorted()
                .toList();
    }

    private static void staff(Caller caller) {
        Access.staff(caller, "billable usage is for finance and admin keys; tenants read /api/v1/usage");
    }

    private static Instant checkedRange(Instant start, Instant end) {
        if (!end.isAfter(start) || Duration.between(start, end).toDays() > 400) {
            throw ApiException.invalid(
                    InvalidField.parameter("to", "range", "'to' must be after 'from', at most 400 days later"));
        }
        return end;
    }

    /** A cut-off must be settled: no transaction that could still commit events ingested before it may be open. */
    private Instant settled(Instant cutoff) {
        Instant latest = usage.now().minus(properties.settle());
        if (cutoff.isAfter(latest)) {
            throw ApiException.invalid(InvalidField.parameter(
                    "ingested_before",
                    "settled",
                    "ingested_before must be at least " + properties.settle().toSeconds()
                            + " s in the past (events ingested before a more recent instant may still be committing); latest now: "
                            + latest));
        }
        return cutoff;
    }

    private static Instant instant(String name, String value) {
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            throw ApiException.invalid(InvalidField.parameter(
                    name, "format", "'" + name + "' is not an ISO-8601 date-time with offset: " + value));
        }
    }
}
