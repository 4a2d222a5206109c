package io.tokenmeter.metering.usage;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.starter.access.Access;
import io.tokenmeter.starter.web.ApiException;
import io.tokenmeter.starter.web.InvalidField;
import io.tokenmeter.starter.web.QueryParams;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;

@RestController
class UsageController {

    /** Hour rows for more than a year would be a download, not a query. */
    static final Duration MAX_RANGE = Duration.ofDays(400);

    private final UsageRepository usage;

    UsageController(UsageRepository usage) {
        this.usage = usage;
    }

    @GetMapping("/api/v1/usage")
    @Operation(
            summary = "Token usage of the calling tenant",
            description =
                    "Answered from rollups kept per hour (and per day for days sealed a few hours after they end), so from"
                            + " and to must be whole UTC hours. Times are UTC ISO-8601.")
    UsageReport usage(
            Caller caller,
            @Parameter(description = "inclusive, whole hour; default: start of the current UTC month")
                    @RequestParam(required = false)
                    String from,
            @Parameter(description = "exclusive, whole hour; default: the end of the current hour")
                    @RequestParam(required = false)
                    String to,
            @RequestParam(defaultValue = "day") String granularity,
            @Parameter(description = "model, region or both, comma-separated")
                    @RequestParam(name = "group_by", required = false)
                    List<String> groupBy,
            @RequestParam(name = "model", required = false) List<String> models,
            @RequestParam(name = "region", required = false) List<String> regions,
            @Parameter(description = "finance and admin only: whose usage; a tenant always reads its own")
                    @RequestParam(name = "tenant_id", required = false)
                    String tenantId) {
        String tenant = tenantOf(caller, tenantId);
        Instant now = Instant.now();
        Instant start = from == null ? QueryParams.startOfMonth(now) : wholeHour("from", from);
        Instant end = to == null ? now.truncatedTo(ChronoUnit.HOURS).plus(1, ChronoUnit.HOURS) : wholeHour("to", to);
        QueryParams.checkPeriod(start, end, MAX_RANGE);
        Granularity g = parseGranularity(granularity);
        List<String> groups = QueryParams.values(groupBy);
        for (String group : groups) {
            if (!group.equals("model") && !group.equals("region")) {
                throw ApiException.invalid(InvalidField.parameter(
                        "group_by", "enum", "group_by takes model and/or region, not '" + group + "'"));
            }
        }
        UsageQuery query = new UsageQuery(
                tenant,
                start,
                end,
                g,
                groups.contains("model"),
                groups.contains("region"),
                QueryParams.values(models),
                QueryParams.values(regions));
        return new UsageReport(tenant, start, end, g, groups, usage.find(query));
    }

    /** A tenant key reads its own tenant, whatever the request says; staff must name one. */
    private static String tenantOf(Caller caller, String requested) {
        return Access.tenantOf(caller, requested, "a tenant key can read only its own tenant's usage");
    }

    private static Instant wholeHour(String name, String value) {
        Instant instant = QueryParams.instant(name, value);
        if (!instant.truncatedTo(ChronoUnit.HOURS).equals(instant)) {
            throw ApiException.invalid(InvalidField.parameter(
                    name, "whole-hour", "'" + name + "' must be a whole UTC hour (usage is kept per hour): " + value));
        }
        return instant;
    }

    private static Granularity parseGranularity(String value) {
        try {
            return Granularity.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(InvalidField.parameter(
                    "granularity", "enum", "granularity is hour, day or month, not '" + value + "'"));
        }
    }
}
