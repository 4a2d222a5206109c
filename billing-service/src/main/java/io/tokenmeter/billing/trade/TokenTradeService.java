package io.tokenmeter.billing.trade;

import io.tokenmeter.billing.BillingErrors;
import io.tokenmeter.billing.calls.ServiceCalls;
import io.tokenmeter.billing.issuer.Issuer;
import io.tokenmeter.billing.issuer.IssuerRepository;
import io.tokenmeter.billing.profile.BillingProfile;
import io.tokenmeter.billing.profile.BillingProfileRepository;
import io.tokenmeter.billing.tax.TaxRule;
import io.tokenmeter.billing.tax.TaxRuleRepository;
import io.tokenmeter.billing.trade.TokenTradeStatement.Figures;
import io.tokenmeter.billing.trade.TokenTradeStatement.Row;
import io.tokenmeter.billing.trade.TokenTradeStatement.Tokens;
import io.tokenmeter.billing.trade.TokenTradeStatement.Total;
import io.tokenmeter.contracts.money.MinorUnits;
import io.tokenmeter.contracts.rating.RatingApi;
import io.tokenmeter.contracts.rating.TokenClass;
import io.tokenmeter.contracts.usage.BillableUsage;
import io.tokenmeter.starter.web.ApiException;
import org.springframework.stereotype.Service;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Builds the token-trade statement. Invoiced figures come from the issued and paid invoices as they were issued;
 * usage no such invoice covers yet is read from metering as of now and priced as the next invoice would price it; the
 * provider cost of both comes from pricing's default cost book.
 */
@Service
class TokenTradeService {

    static final List<String> METHOD = List.of(
            "invoiced: lines of issued and paid invoices whose usage began in the period (an adjustment's own usage "
                    + "period counts), with the buyer country, issuer and tax treatment their invoice copied; revenue "
                    + "net of the invoice's credit notes, shared over its lines in proportion to their amounts",
            "not invoiced: usage in the period outside every issued or paid invoice's period, ingested so far, priced "
                    + "in the buyer's currency as an invoice run would price it (its tiers start at zero)",
            "revenue in the reporting currency: each line's amount at pricing's published rate of the line's FX date "
                    + "(the invoice's; for usage not invoiced, the last day priced), added up exactly and rounded once "
                    + "per row, half to even",
            "provider cost: pricing's default cost book, the version in force when each invoice's (or span's) usage "
                    + "began, tiers counted across the month's tokens of a model and class, converted at the month's "
                    + "last priced day; a cost version that changes inside an invoice period is not split there");

    private static final String UNKNOWN = "unknown";

    /** A statement row's identity. */
    record Key(String month, String buyerCountry, String region, String model, String currency, String treatment) {
        static final Comparator<Key> ORDER = Comparator.comparing(Key::month)
                .thenComparing(Key::buyerCountry)
                .thenComparing(Key::region)
                .thenComparing(Key::model)
                .thenComparing(Key::currency)
                .thenComparing(Key::treatment);
    }

    /** One side of a row (invoiced or not) as it adds up: revenue in reporting currency exact until the end. */
    private static final class Side {
        Tokens tokens = Tokens.NONE;
        BigDecimal revenue = BigDecimal.ZERO;
        BigDecimal revenueReporting = BigDecimal.ZERO;
        String costCurrency;
        BigDecimal cost = BigDecimal.ZERO;
        BigDecimal costReporting = BigDecimal.ZERO;
        boolean costMissing;
        boolean used;

        Figures figures(java.util.Currency reporting, EnergyIntensity energy) {
            if (!used) {
                return null;
            }
            return Figures.of(
                    tokens,
                    revenue,
                    MinorUnits.round(revenueReporting, reporting),
                    costMissing ? null : costCurrency,
                    costMissing ? null : cost,
                    costMissing ? null : costReporting,
                    energy == null
                            ? null
                            : energy.kwh(tokens.input(), tokens.output()).setScale(3, RoundingMode.HALF_EVEN));
        }
    }

    /** Usage to be costed: its row, side, class and tokens, and when it began (the cost version then applies). */
    private record CostLine(
            Key key, boolean invoiced, String model, String region, String tokenClass, long tokens, Instant at) {}

    private final TokenTradeRepository invoices;
    private final ServiceCalls calls;
    private final BillingProfileRepository profiles;
    private final IssuerRepository issuers;
    private final TaxRuleRepository taxRules;
    private final EnergyIntensityRepository intensities;

    TokenTradeService(
            TokenTradeRepository invoices,
            ServiceCalls calls,
            BillingProfileRepository profiles,
            IssuerRepository issuers,
            TaxRuleRepository taxRules,
            EnergyIntensityRepository intensities) {
        this.intensities = intensities;
        this.invoices = invoices;
        this.calls = calls;
        this.profiles = profiles;
        this.issuers = issuers;
        this.taxRules = taxRules;
    }

    TokenTradeStatement statement(Instant from, Instant to, String reportingCurrency, Instant now) {
        java.util.Currency reporting = MinorUnits.currency(reportingCurrency);
        Map<Key, Side[]> rows = new TreeMap<>(Key.ORDER);
        List<CostLine> costLines = new ArrayList<>();
        List<String> unpriced = new ArrayList<>();
        Map<String, BigDecimal> fx = new HashMap<>();
        try {
            List<TokenTradeRepository.InvoicedLine> invoiced = invoices.invoicedLines(from, to);
            Map<TokenTradeRepository.InvoicedLine, BigDecimal> net = netOfCredits(invoiced);
            for (TokenTradeRepository.InvoicedLine line : invoiced) {
                String treatment = line.treatment() != null
                        ? line.treatment()
                        : TaxRule.implied(line.issuerCountry(), line.buyerCountry(), line.taxRate(), line.legalNote());
                Key key = new Key(
                        month(line.usedFrom()),
                        line.buyerCountry(),
                        line.region(),
                        line.model(),
                        line.currency(),
                        treatment);
                LocalDate fxDate = line.fxDate() != null ? line.fxDate() : lastDay(line.periodEnd());
                add(
                        side(rows, key, true),
                        line.tokenClass(),
                        line.tokens(),
                        net.get(line),
                        line.currency(),
                        fxDate,
                        reportingCurrency,
                        fx);
                costLines.add(new CostLine(
                        key, true, line.model(), line.region(), line.tokenClass(), line.tokens(), line.usedFrom()));
            }
            notInvoiced(from, to, now, reportingCurrency, rows, costLines, unpriced, fx);
            cost(costLines, reportingCurrency, rows, unpriced);
        } catch (ServiceCalls.ServiceCallException e) {
            throw new ApiException(BillingErrors.SERVICE_CALL_FAILED, "the statement needs " + e.getMessage());
        }
        Map<String, EnergyIntensity> energy = new HashMap<>();
        intensities.all().forEach(e -> energy.put(e.model() + "/" + e.region(), e));
        List<Row> out = new ArrayList<>();
        rows.forEach((key, sides) -> out.add(new Row(
                key.month(),
                key.buyerCountry(),
                key.region(),
                key.model(),
                key.currency(),
                key.treatment(),
                sides[0].figures(reporting, energy.get(key.model() + "/" + key.region())),
                sides[1].figures(reporting, energy.get(key.model() + "/" + key.region())))));
        return new TokenTradeStatement(
                from,
                to,
                reportingCurrency,
                out,
                totals(out, Row::buyerCountry),
                totals(out, Row::servingRegion),
                totals(out, r -> "all").stream().findFirst().orElse(new Total("all", null, null)),
                exported(out, energy),
                unpriced,
                METHOD);
    }

    /**
     * Each invoiced line's revenue net of its invoice's credit notes: the credited subtotal is shared over the
     * invoice's lines in proportion to their amounts, each share in whole minor units (largest remainder, so the shares
     * add up to the credit exactly when every line of the invoice is in the statement). Tokens stay: they were served.
     */
    static Map<TokenTradeRepository.InvoicedLine, BigDecimal> netOfCredits(
            List<TokenTradeRepository.InvoicedLine> lines) {
        Map<TokenTradeRepository.InvoicedLine, BigDecimal> net = new java.util.IdentityHashMap<>();
        Map<java.util.UUID, List<TokenTradeRepository.InvoicedLine>> byInvoice = new java.util.LinkedHashMap<>();
        for (TokenTradeRepository.InvoicedLine line : lines) {
            net.put(line, line.amount());
            if (line.credited().signum() > 0 && line.invoiceSubtotal().signum() > 0) {
                byInvoice
                        .computeIfAbsent(line.invoiceId(), i -> new ArrayList<>())
                        .add(line);
            }
        }
        byInvoice.forEach((invoice, credited) -> {
            TokenTradeRepository.InvoicedLine first = credited.getFirst();
            int digits = MinorUnits.currency(first.currency()).getDefaultFractionDigits();
            BigDecimal share = first.credited().divide(first.invoiceSubtotal(), java.math.MathContext.DECIMAL128);
            BigDecimal[] exact =
                    credited.stream().map(l -> l.amount().multiply(share)).toArray(BigDecimal[]::new);
            BigDecimal target = java.util.Arrays.stream(exact)
                    .reduce(BigDecimal.ZERO, BigDecimal::add)
                    .setScale(digits, RoundingMode.HALF_EVEN);
            BigDecimal[] down = java.util.Arrays.stream(exact)
                    .map(e -> e.setScale(digits, RoundingMode.FLOOR))
                    .toArray(BigDecimal[]::new);
            BigDecimal unit = BigDecimal.ONE.movePointLeft(digits);
            BigDecimal left = target.subtract(java.util.Arrays.stream(down).reduce(BigDecimal.ZERO, BigDecimal::add));
            Integer[] order =
                    java.util.stream.IntStream.range(0, exact.length).boxed().toArray(Integer[]::new);
            java.util.Arrays.sort(
                    order,
                    Comparator.comparing((Integer i) -> exact[i].subtract(down[i]))
                            .reversed());
            for (int k = 0; left.signum() > 0; k = (k + 1) % order.length) {
                down[order[k]] = down[order[k]].add(unit);
                left = left.subtract(unit);
            }
            for (int i = 0; i < credited.size(); i++) {
                net.put(credited.get(i), credited.get(i).amount().subtract(down[i]));
            }
        });
        return net;
    }

    /** Usage in [from, min(to, now)) outside every issued or paid invoice of its tenant, a month at a time. */
    private void notInvoiced(
            Instant from,
            Instant to,
            Instant now,
            String reportingCurrency,
            Map<Key, Side[]> rows,
            List<CostLine> costLines,
            List<String> unpriced,
            Map<String, BigDecimal> fx) {
        Instant end = to.isBefore(now) ? to : now;
        if (!end.isAfter(from)) {
            return;
        }
        Map<String, List<TokenTradeRepository.InvoicedPeriod>> covered = new HashMap<>();
        invoices.invoicedPeriods(from, end)
                .forEach(p -> covered.computeIfAbsent(p.tenantId(), t -> new ArrayList<>())
                        .add(p));
        for (String tenant : calls.tenantsWithUsage(from, end, null, null)) {
            Optional<BillingProfile> profile = profiles.find(tenant);
            if (profile.isEmpty()) {
                unpriced.add("tenant " + tenant + ": no billing profile, its usage not yet invoiced is left out");
                continue;
            }
            BillingProfile buyer = profile.get();
            String treatment = treatment(buyer, unpriced);
            for (Instant[] gap : gaps(from, end, covered.getOrDefault(tenant, List.of()))) {
                BillableUsage usage = calls.usageToQuote(tenant, gap[0], gap[1], null, null);
                if (usage.lines().isEmpty()) {
                    continue;
                }
                RatingApi.Quote quote =
                        calls.quoteUsage(tenant, gap[0], gap[1], buyer.currency(), usage.lines(), Map.of());
                for (RatingApi.PricedLine line : quote.lines()) {
                    ServiceCalls.QuotedLine quoted = ServiceCalls.QuotedLine.of(line);
                    if (quoted.unpriced() != null) {
                        unpriced.add("tenant " + tenant + ", not invoiced: " + quoted.unpriced());
                        continue;
                    }
                    BigDecimal amount = line.converted() == null
                            ? line.amount()
                            : line.converted().amount();
                    Key key = new Key(
                            month(gap[0]),
                            buyer.billingCountry(),
                            line.region(),
                            line.model(),
                            buyer.currency(),
                            treatment);
                    add(
                            side(rows, key, false),
                            quoted.tokenClass(),
                            line.tokens(),
                            amount,
                            buyer.currency(),
                            lastDay(gap[1]),
                            reportingCurrency,
                            fx);
                    costLines.add(new CostLine(
                            key, false, line.model(), line.region(), quoted.tokenClass(), line.tokens(), gap[0]));
                }
            }
        }
    }

    private String treatment(BillingProfile buyer, List<String> unpriced) {
        Optional<Issuer> issuer = buyer.issuerId() != null ? issuers.find(buyer.issuerId()) : issuers.defaultIssuer();
        if (issuer.isEmpty()) {
            unpriced.add("tenant " + buyer.tenantId() + ": no issuer, so no tax treatment");
            return UNKNOWN;
        }
        try {
            return taxRules.applicable(issuer.get().country(), buyer.billingCountry(), buyer.business())
                    .treatment();
        } catch (ApiException noRule) {
            unpriced.add("tenant " + buyer.tenantId() + ": " + noRule.getMessage());
            return UNKNOWN;
        }
    }

    /**
     * The provider cost of every costed line, one cost quote per month: each line a bucket of one nanosecond at its
     * start, so the cost version then in force prices it and the month's lines of a model and class fill its tiers.
     */
    private void cost(List<CostLine> lines, String reportingCurrency, Map<Key, Side[]> rows, List<String> unpriced) {
        Map<String, List<CostLine>> byMonth = new TreeMap<>();
        lines.forEach(l ->
                byMonth.computeIfAbsent(l.key().month(), m -> new ArrayList<>()).add(l));
        for (Map.Entry<String, List<CostLine>> month : byMonth.entrySet()) {
            YearMonth ym = YearMonth.parse(month.getKey());
            Instant monthStart = ym.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
            Instant last = month.getValue().stream()
                    .map(CostLine::at)
                    .max(Comparator.naturalOrder())
                    .orElse(monthStart);
            List<RatingApi.QuoteLine> request = month.getValue().stream()
                    .map(l -> new RatingApi.QuoteLine(
                            l.model(),
                            l.region(),
                            TokenClass.fromWire(l.tokenClass()),
                            null,
                            null,
                            List.of(new RatingApi.Bucket(l.at(), l.at().plusNanos(1), l.tokens())),
                            null))
                    .toList();
            // converted at the last day with costed usage, not the month's end, which may lie ahead
            RatingApi.Quote quote = calls.costQuote(monthStart, last.plusNanos(1), reportingCurrency, request);
            if (quote.lines().size() != request.size()) {
                throw new IllegalStateException("a cost quote of " + request.size() + " one-bucket lines answered "
                        + quote.lines().size() + " lines");
            }
            for (int i = 0; i < request.size(); i++) {
                CostLine line = month.getValue().get(i);
                RatingApi.PricedLine priced = quote.lines().get(i);
                Side side = side(rows, line.key(), line.invoiced());
                ServiceCalls.QuotedLine quoted = ServiceCalls.QuotedLine.of(priced);
                if (quoted.unpriced() != null) {
                    side.costMissing = true;
                    unpriced.add("cost, " + line.key().month() + ": " + quoted.unpriced());
                    continue;
                }
                if (side.costCurrency != null && !side.costCurrency.equals(priced.currency())) {
                    side.costMissing = true; // two cost books' currencies in one row cannot be added up
                    unpriced.add("cost, " + line.key().month() + ": " + line.model() + " in " + line.region()
                            + " is costed in " + side.costCurrency + " and " + priced.currency());
                    continue;
                }
                side.costCurrency = priced.currency();
                side.cost = side.cost.add(priced.amount());
                side.costReporting = side.costReporting.add(
                        priced.converted() == null
                                ? priced.amount()
                                : priced.converted().amount());
            }
        }
    }

    private void add(
            Side side,
            String tokenClass,
            long tokens,
            BigDecimal amount,
            String currency,
            LocalDate fxDate,
            String reportingCurrency,
            Map<String, BigDecimal> fx) {
        BigDecimal rate =
                fx.computeIfAbsent(currency + "|" + fxDate, k -> calls.fxRate(currency, reportingCurrency, fxDate));
        side.used = true;
        side.tokens = side.tokens.plus(tokenClass, tokens);
        side.revenue = side.revenue.add(amount);
        side.revenueReporting = side.revenueReporting.add(amount.multiply(rate));
    }

    private static Side side(Map<Key, Side[]> rows, Key key, boolean invoiced) {
        return rows.computeIfAbsent(key, k -> new Side[] {new Side(), new Side()})[invoiced ? 0 : 1];
    }

    /** [from, to) minus the periods given, in order, cut at month edges. */
    static List<Instant[]> gaps(Instant from, Instant to, List<TokenTradeRepository.InvoicedPeriod> covered) {
        List<Instant[]> gaps = new ArrayList<>();
        Instant cursor = from;
        for (TokenTradeRepository.InvoicedPeriod p : covered.stream()
                .sorted(Comparator.comparing(TokenTradeRepository.InvoicedPeriod::from))
                .toList()) {
            if (!p.to().isAfter(cursor) || !p.from().isBefore(to)) {
                continue;
            }
            if (p.from().isAfter(cursor)) {
                gaps.add(new Instant[] {cursor, p.from()});
            }
            cursor = p.to().isAfter(cursor) ? p.to() : cursor;
        }
        if (cursor.isBefore(to)) {
            gaps.add(new Instant[] {cursor, to});
        }
        List<Instant[]> byMonth = new ArrayList<>();
        for (Instant[] gap : gaps) {
            Instant start = gap[0];
            while (start.isBefore(gap[1])) {
                Instant nextMonth = YearMonth.from(start.atOffset(ZoneOffset.UTC))
                        .plusMonths(1)
                        .atDay(1)
                        .atStartOfDay()
                        .toInstant(ZoneOffset.UTC);
                Instant end = nextMonth.isBefore(gap[1]) ? nextMonth : gap[1];
                byMonth.add(new Instant[] {start, end});
                start = end;
            }
        }
        return byMonth;
    }

    /** The energy estimate of the rows sold abroad, and the models and regions sold abroad without an intensity. */
    private static TokenTradeStatement.Energy exported(List<Row> rows, Map<String, EnergyIntensity> energy) {
        BigDecimal invoiced = BigDecimal.ZERO;
        BigDecimal notInvoiced = BigDecimal.ZERO;
        java.util.Set<String> without = new java.util.TreeSet<>();
        for (Row row : rows) {
            if ("domestic".equals(row.taxTreatment())) {
                continue;
            }
            if (!energy.containsKey(row.model() + "/" + row.servingRegion())) {
                without.add(row.model() + " in " + row.servingRegion());
                continue;
            }
            invoiced = invoiced.add(
                    row.invoiced() == null ? BigDecimal.ZERO : row.invoiced().energyKwhEstimate());
            notInvoiced = notInvoiced.add(
                    row.notInvoiced() == null
                            ? BigDecimal.ZERO
                            : row.notInvoiced().energyKwhEstimate());
        }
        return new TokenTradeStatement.Energy(
                invoiced,
                notInvoiced,
                List.copyOf(without),
                "ESTIMATE: kWh = (input tokens x Wh per 1,000 input + output tokens x Wh per 1,000 output) / 1,000 x PUE "
                        + "/ 1,000, from the intensities entered at " + EnergyIntensityController.PATH
                        + " (each with its source); cached input and cache writes are not counted");
    }

    /** The rows added up by a key, in the reporting currency (revenue in invoice currencies is not added up). */
    private static List<Total> totals(List<Row> rows, Function<Row, String> by) {
        Map<String, Figures[]> sums = new TreeMap<>();
        for (Row row : rows) {
            Figures[] sum = sums.computeIfAbsent(by.apply(row), k -> new Figures[2]);
            sum[0] = plus(sum[0], row.invoiced());
            sum[1] = plus(sum[1], row.notInvoiced());
        }
        List<Total> totals = new ArrayList<>();
        sums.forEach((key, sum) -> totals.add(new Total(key, sum[0], sum[1])));
        return totals;
    }

    private static Figures plus(Figures sum, Figures row) {
        if (row == null) {
            return sum;
        }
        if (sum == null) {
            return Figures.of(
                    row.tokens(),
                    null,
                    row.revenueReporting(),
                    row.costCurrency(),
                    row.cost(),
                    row.costReporting(),
                    row.energyKwhEstimate());
        }
        boolean costKnown = sum.costReporting() != null && row.costReporting() != null;
        boolean sameCostCurrency = costKnown && java.util.Objects.equals(sum.costCurrency(), row.costCurrency());
        return Figures.of(
                sum.tokens().plus(row.tokens()),
                null,
                sum.revenueReporting().add(row.revenueReporting()),
                sameCostCurrency ? sum.costCurrency() : null,
                sameCostCurrency ? sum.cost().add(row.cost()) : null,
                costKnown ? sum.costReporting().add(row.costReporting()) : null,
                sum.energyKwhEstimate() != null && row.energyKwhEstimate() != null
                        ? sum.energyKwhEstimate().add(row.energyKwhEstimate())
                        : null);
    }

    private static String month(Instant at) {
        return YearMonth.from(at.atOffset(ZoneOffset.UTC)).toString();
    }

    private static LocalDate lastDay(Instant periodEnd) {
        return periodEnd.minusNanos(1).atOffset(ZoneOffset.UTC).toLocalDate();
    }
}
