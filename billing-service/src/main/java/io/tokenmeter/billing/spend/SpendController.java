package io.tokenmeter.billing.spend;

import io.swagger.v3.oas.annotations.Operation;
import io.tokenmeter.billing.calls.ServiceCalls;
import io.tokenmeter.billing.profile.BillingProfileRepository;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.money.Money;
import io.tokenmeter.contracts.rating.RatingApi.PricedLine;
import io.tokenmeter.contracts.rating.RatingApi.Quote;
import io.tokenmeter.contracts.usage.BillableUsage;
import io.tokenmeter.starter.access.Access;
import io.tokenmeter.starter.web.ApiException;
import io.tokenmeter.starter.web.CommonErrors;
import io.tokenmeter.starter.web.InvalidField;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/v1/spend}: what a tenant has spent in a period (by default this calendar month, UTC, until now),
 * in its invoice currency: its usage as metering has it now (a live cut-off, seconds behind the calls), priced by
 * the rating API exactly as an invoice run would (version in force at each half hour, tiers, off-peak, contract,
 * FX), each line rounded once. Tax is not included. Budgets enforce a bound of this figure at the gateway.
 */
@RestController
class SpendController {

    record Period(Instant from, Instant to) {}

    record Line(String model, String region, String tokenClass, long tokens, BigDecimal amount) {}

    record Spend(
            String tenantId,
            Period period,
            String currency,
            BigDecimal total,
            List<Line> lines,
            List<String> unpriced,
            Instant asOf,
            String note) {}

    private final ServiceCalls calls;
    private final BillingProfileRepository profiles;

    SpendController(ServiceCalls calls, BillingProfileRepository profiles) {
        this.calls = calls;
        this.profiles = profiles;
    }

    @GetMapping("/api/v1/spend")
    @Operation(
            summary =
                    "Live spend in a period (default: this month so far) in the tenant's currency, priced as the invoice would be")
    Spend spend(
            Caller caller,
            @RequestParam(name = "tenant_id", required = false) String tenantId,
            @RequestParam(required = false) Instant from,
            @RequestParam(required = false) Instant to) {
        String tenant = Access.tenantOf(caller, tenantId, "a tenant key can only see its own tenant's billing");
        String currency = profiles.find(tenant)
                .orElseThrow(() -> new ApiException(CommonErrors.NOT_FOUND, "no tenant " + tenant))
                .currency();
        Instant now = Instant.now();
        Instant start = from != null
                ? from
                : now.atOffset(ZoneOffset.UTC)
                        .toLocalDate()
                        .withDayOfMonth(1)
                        .atStartOfDay()
                        .toInstant(ZoneOffset.UTC);
        Instant end = to != null ? to : now;
        if (!end.isAfter(start)) {
            throw ApiException.invalid(InvalidField.parameter("to", "order", "from must be before to"));
        }
        BillableUsage usage = calls.usageToQuote(tenant, start, end, null, null);
        List<Line> lines = new ArrayList<>();
        List<String> unpriced = new ArrayList<>();
        Money total = Money.zero(currency);
        if (!usage.lines().isEmpty()) {
            Quote quote = calls.quoteUsage(tenant, start, end, currency, usage.lines(), Map.of());
            for (PricedLine line : quote.lines()) {
                ServiceCalls.QuotedLine quoted = ServiceCalls.QuotedLine.of(line);
                if (quoted.unpriced() != null) {
                    unpriced.add(quoted.unpriced());
                    continue;
                }
                BigDecimal amount = line.converted() == null
                        ? line.amount()
                        : line.converted().amount();
                lines.add(new Line(quoted.model(), quoted.region(), quoted.tokenClass(), line.tokens(), amount));
                total = total.plus(Money.of(amount, currency));
            }
        }
        return new Spend(
                tenant,
                new Period(start, end),
                currency,
                total.amount(),
                lines,
                unpriced,
                now,
                "usage ingested so far (seconds behind the calls), priced as an invoice run would price it; before tax");
    }

    record Series(
            String tenantId,
            Period period,
            String granularity,
            String currency,
            BigDecimal total,
            List<SpendSeries.Period> periods,
            List<String> unpriced,
            Instant asOf,
            String note) {}

    private static final Map<String, ChronoUnit> GRAINS = Map.of("hour", ChronoUnit.HOURS, "day", ChronoUnit.DAYS);
    private static final Map<String, Duration> LONGEST =
            Map.of("hour", Duration.ofDays(31), "day", Duration.ofDays(366));

    @GetMapping("/api/v1/spend/series")
    @Operation(
            summary = "Spend per hour or day in the tenant's currency, exact (the invoice rounds its lines once);"
                    + " periods without usage are left out")
    Series series(
            Caller caller,
            @RequestParam(name = "tenant_id", required = false) String tenantId,
            @RequestParam Instant from,
            @RequestParam Instant to,
            @RequestParam(defaultValue = "day") String granularity) {
        String tenant = Access.tenantOf(caller, tenantId, "a tenant key can only see its own tenant's billing");
        ChronoUnit unit = GRAINS.get(granularity);
        if (unit == null) {
            throw ApiException.invalid(InvalidField.parameter("granularity", "one-of", "hour or day"));
        }
        if (!to.isAfter(from)) {
            throw ApiException.invalid(InvalidField.parameter("to", "order", "from must be before to"));
        }
        if (Duration.between(from, to).compareTo(LONGEST.get(granularity)) > 0) {
            throw ApiException.invalid(InvalidField.parameter(
                    "to",
                    "range",
                    "per " + granularity + ", a series spans at most "
                            + LONGEST.get(granularity).toDays() + " days"));
        }
        String currency = profiles.find(tenant)
                .orElseThrow(() -> new ApiException(CommonErrors.NOT_FOUND, "no tenant " + tenant))
                .currency();
        Instant now = Instant.now();
        BillableUsage usage = calls.usageToQuote(tenant, from, to, null, null);
        SpendSeries.Priced priced = SpendSeries.price(
                SpendSeries.byPeriod(usage.lines(), unit),
                unit,
                (lines, counted) -> calls.quoteUsage(tenant, from, to, currency, lines, counted)
                        .lines());
        return new Series(
                tenant,
                new Period(from, to),
                granularity,
                currency,
                priced.total(),
                priced.periods(),
                priced.unpriced(),
                now,
                "usage ingested so far per UTC " + granularity + ", priced as an invoice run would price it (tiers"
                        + " counted from the series' start, in time order); exact amounts: the invoice rounds each"
                        + " of its lines once; before tax");
    }
}
