package io.tokenmeter.metering.requests;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.usage.UsageStatus;
import io.tokenmeter.starter.access.Access;
import io.tokenmeter.starter.web.ApiException;
import io.tokenmeter.starter.web.InvalidField;
import io.tokenmeter.starter.web.QueryParams;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

@RestController
class RequestLogController {

    static final Duration MAX_RANGE = Duration.ofDays(400);
    static final int MAX_LIMIT = 1_000;
    private static final List<String> STATUSES =
            Arrays.stream(UsageStatus.values()).map(UsageStatus::wireName).toList();

    /** A page of the log and the cursor of the next one ({@code null} on the last). */
    record RequestPage(String tenantId, Instant from, Instant to, List<RequestRow> data, String next) {}

    private final RequestLogRepository log;

    RequestLogController(RequestLogRepository log) {
        this.log = log;
    }

    @GetMapping("/api/v1/requests")
    @Operation(
            summary = "The request log: one row per metered call, newest first",
            description = "A tenant key reads its own calls; finance and admin name the tenant. Paged by the cursor"
                    + " 'after' (the 'next' of the previous page). format=csv streams every call of the range instead.")
    RequestPage requests(
            Caller caller,
            @Parameter(description = "inclusive, ISO-8601; default: the start of the current UTC month")
                    @RequestParam(required = false)
                    String from,
            @Parameter(description = "exclusive, ISO-8601; default: now") @RequestParam(required = false) String to,
            @RequestParam(name = "key", required = false) List<String> keys,
            @RequestParam(name = "model", required = false) List<String> models,
            @RequestParam(name = "region", required = false) List<String> regions,
            @Parameter(description = "succeeded, failed or cancelled") @RequestParam(required = false)
                    List<String> status,
            @RequestParam(required = false) String after,
            @RequestParam(defaultValue = "100") int limit,
            @Parameter(description = "json (default) or csv") @RequestParam(defaultValue = "json") String format,
            @Parameter(description = "finance and admin only: whose calls; a tenant always reads its own")
                    @RequestParam(name = "tenant_id", required = false)
                    String tenantId) {
        if (!format.equals("json")) { // csv is the handler below
            throw ApiException.invalid(
                    InvalidField.parameter("format", "enum", "format is json or csv, not '" + format + "'"));
        }
        RequestFilter filter = filter(caller, tenantId, from, to, keys, models, regions, status);
        if (limit < 1 || limit > MAX_LIMIT) {
            throw ApiException.invalid(InvalidField.parameter("limit", "range", "limit is 1 to " + MAX_LIMIT));
        }
        List<RequestRow> rows = log.page(filter, cursor(after), limit);
        RequestRow last = rows.size() == limit ? rows.getLast() : null;
        return new RequestPage(
                filter.tenantId(),
                filter.from(),
                filter.to(),
                rows,
                last == null ? null : last.occurredAt() + "_" + last.eventId());
    }

    @GetMapping(path = "/api/v1/requests", params = "format=csv", produces = "text/csv")
    @Operation(hidden = true) // the same operation as above, with format=csv
    ResponseEntity<StreamingResponseBody> requestsAsCsv(
            Caller caller,
            @RequestParam(required = false) String from,
            @RequestParam(required = false) String to,
            @RequestParam(name = "key", required = false) List<String> keys,
            @RequestParam(name = "model", required = false) List<String> models,
            @RequestParam(name = "region", required = false) List<String> regions,
            @RequestParam(required = false) List<String> status,
            @RequestParam(name = "tenant_id", required = false) String tenantId) {
        RequestFilter filter = filter(caller, tenantId, from, to, keys, models, regions, status);
        StreamingResponseBody body = out -> {
            Writer writer = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            try (CSVPrinter printer = CSVFormat.DEFAULT
                    .builder()
                    .setHeader(RequestRow.CSV_HEADER)
                    .get()
                    .print(writer)) {
                log.each(filter, row -> {
                    try {
                        printer.printRecord(row.csvValues());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e); // the client went away: stop reading
                    }
                });
            }
        };
        return ResponseEntity.ok()
                .contentType(new MediaType("text", "csv", StandardCharsets.UTF_8))
                .header(
                        HttpHeaders.CONTENT_DISPOSITION,
                        ContentDisposition.attachment()
                                .filename("requests-" + filter.tenantId() + ".csv")
                                .build()
                                .toString())
                .body(body);
    }

    /** The caller's tenant (or the one staff name), the range with its defaults and bounds, and the filters. */
    private static RequestFilter filter(
            Caller caller,
            String tenantId,
            String from,
            String to,
            List<String> keys,
            List<String> models,
            List<String> regions,
            List<String> status) {
        String tenant = Access.tenantOf(caller, tenantId, "a tenant key can read only its own tenant's requests");
        Instant now = Instant.now();
        Instant start = from == null ? QueryParams.startOfMonth(now) : QueryParams.instant("from", from);
        Instant end = to == null ? now : QueryParams.instant("to", to);
        QueryParams.checkPeriod(start, end, MAX_RANGE);
        List<String> statuses = QueryParams.values(status);
        for (String s : statuses) {
            if (!STATUSES.contains(s)) {
                throw ApiException.invalid(
                        InvalidField.parameter("status", "enum", "status is one of " + STATUSES + ", not '" + s + "'"));
            }
        }
        return new RequestFilter(
                tenant,
                start,
                end,
                QueryParams.values(keys),
                QueryParams.values(models),
                QueryParams.values(regions),
                statuses);
    }

    private static RequestLogRepository.Cursor cursor(String after) {
        if (after == null) {
            return null;
        }
        String[] parts = after.split("_", 2);
        try {
            return new RequestLogRepository.Cursor(Instant.parse(parts[0]), UUID.fromString(parts[1]));
        } catch (DateTimeParseException | IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            throw ApiException.invalid(InvalidField.parameter(
                    "after", "format", "'after' is the 'next' cursor of the previous page: " + after));
        }
    }
}
