package io.tokenmeter.pricing.quote;

import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.money.MinorUnits;
import io.tokenmeter.contracts.money.Money;
import io.tokenmeter.contracts.rating.RatingApi;
import io.tokenmeter.contracts.rating.RatingApi.Converted;
import io.tokenmeter.contracts.rating.RatingApi.PricedLine;
import io.tokenmeter.contracts.rating.RatingApi.Quote;
import io.tokenmeter.contracts.rating.RatingApi.QuoteLine;
import io.tokenmeter.contracts.rating.RatingApi.QuoteRequest;
import io.tokenmeter.contracts.rating.TierCharge;
import io.tokenmeter.pricing.PricingErrors;
import io.tokenmeter.pricing.contract.ContractRepository;
import io.tokenmeter.pricing.contract.ContractRepository.Contract;
import io.tokenmeter.pricing.fx.FxConversion;
import io.tokenmeter.pricing.fx.FxRates;
import io.tokenmeter.pricing.fx.MissingFxRateException;
import io.tokenmeter.pricing.pricebook.PriceCatalog;
import io.tokenmeter.pricing.pricebook.PriceCatalog.CompiledVersion;
import io.tokenmeter.pricing.pricebook.PriceCatalog.RateKey;
import io.tokenmeter.pricing.rating.LineRater;
import io.tokenmeter.pricing.rating.TieredRate;
import io.tokenmeter.pricing.rating.UsageBucket;
import io.tokenmeter.starter.access.Access;
import io.tokenmeter.starter.web.ApiException;
import io.tokenmeter.starter.web.CommonErrors;
import io.tokenmeter.starter.web.InvalidField;
import org.springframework.stereotype.Service;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Prices quantities for a tenant and a period. The most specific price applies: a contract's own book, else a
 * contract's discount on the default sell book, else the default sell book; the version is the one in force
 * at each bucket's time. Each line's amount is exact until it is rounded once, in the currency asked for
 * (or the book's), half to even; totals add rounded lines. Unpriced quantities are reported, never zero.
 */
@Service
class QuoteService {

    static final String SELL = "sell";
    static final String COST = "cost";

    static final String ROUNDING =
            "each line is computed exactly and rounded once, to the minor units of the currency it is stated in "
                    + "(the invoice currency when one is asked for), half to even; totals are sums of rounded lines";

    private record Price(CompiledVersion version, Contract contract, BigDecimal discountPercent, String source) {}

    private final PriceCatalog catalog;
    private final ContractRepository contracts;
    private final FxRates fx;

    QuoteService(PriceCatalog catalog, ContractRepository contracts, FxRates fx) {
        this.catalog = catalog;
        this.contracts = contracts;
        this.fx = fx;
    }

    Quote quote(Caller caller, QuoteRequest request) {
        validate(request);
        boolean cost = COST.equals(request.purpose());
        if (cost) {
            Access.staff(caller, "cost prices are for finance and admin keys");
        } else {
            Access.ownTenant(caller, request.tenantId(), "a tenant key can only see its own tenant\'s prices");
        }
        LocalDate fxDate =
                request.period().to().minusNanos(1).atOffset(ZoneOffset.UTC).toLocalDate();
        Map<String, Long> counted = new HashMap<>();
        Map<String, FxConversion> conversions = new HashMap<>(); // one database lookup per currency pair and quote
        Resolver prices = cost
                ? new Resolver(catalog.defaultCostBook())
                : new Resolver(request.tenantId(), earliest(request), latest(request));
        List<java.time.Instant> edges = request.lines().stream().anyMatch(l -> l.buckets() != null)
                ? prices.edges(earliest(request), latest(request)).stream()
                        .map(RatingApi.PriceEdge::at)
                        .toList()
                : List.of();
        refuseBucketsAcross(request, edges);
        List<PricedLine> lines = new ArrayList<>();
        for (QuoteLine line : request.lines()) {
            List<UsageBucket> buckets = line.buckets() != null
                    ? line.buckets().stream()
                            .map(b -> new UsageBucket(b.from(), b.to(), b.tokens()))
                            .toList()
                    : List.of(new UsageBucket(
                            request.period().from(), request.period().from().plusSeconds(1), line.tokens()));
            String counterKey = line.model() + "|" + line.tokenClass();
            long already = line.alreadyCounted() != null ? line.alreadyCounted() : counted.getOrDefault(counterKey, 0L);
            // consecutive buckets priced by the same version and terms form one priced line
            List<UsageBucket> segment = new ArrayList<>();
            Price segmentPrice = null;
            for (UsageBucket bucket : buckets.stream()
                    .sorted(java.util.Comparator.comparing(UsageBucket::from))
                    .toList()) {
                Price price = prices.at(bucket.from());
                if (segmentPrice != null && !samePrice(segmentPrice, price)) {
                    lines.add(rate(
                            line,
                            segment,
                            segmentPrice,
                            already,
                            request.currency(),
                            fxDate,
                            line.buckets() != null,
                            conversions));
                    already += segment.stream().mapToLong(UsageBucket::tokens).sum();
                    segment = new ArrayList<>();
                }
                segmentPrice = price;
                segment.add(bucket);
            }
            lines.add(rate(
                    line,
                    segment,
                    segmentPrice,
                    already,
                    request.currency(),
                    fxDate,
                    line.buckets() != null,
                    conversions));
            already += segment.stream().mapToLong(UsageBucket::tokens).sum();
            counted.put(counterKey, already);
        }
        Map<String, BigDecimal> totals = new TreeMap<>();
        for (PricedLine l : lines) {
            if (l.priced()) {
                String currency = l.converted() != null ? l.converted().currency() : l.currency();
                BigDecimal amount = l.converted() != null ? l.converted().amount() : l.amount();
                totals.merge(currency, amount, BigDecimal::add);
            }
        }
        return new Quote(request.tenantId(), request.period(), lines, totals, ROUNDING);
    }

    /** The instants inside [from, to) where the tenant's price may change, and why. */
    RatingApi.PriceEdges priceEdges(Caller caller, String tenantId, java.time.Instant from, java.time.Instant to) {
        String tenant = tenantOf(caller, tenantId);
        if (!to.isAfter(from)) {
            throw ApiException.invalid(InvalidField.parameter("to", "order", "to must be after from"));
        }
        if (java.time.Duration.between(from, to).compareTo(MAX_PERIOD) > 0) {
            throw ApiException.invalid(
                    InvalidField.parameter("to", "range", "a period spans at most " + MAX_PERIOD.toDays() + " days"));
        }
        return new RatingApi.PriceEdges(tenant, from, to, new Resolver(tenant, from, to).edges(from, to));
    }

    /**
     * A bucket is priced by its start, so one that crosses a price edge would price the tokens after the edge by the
     * terms before it: refused, naming the bucket and the edge, rather than priced wrong.
     */
    private static void refuseBucketsAcross(QuoteRequest request, List<java.time.Instant> edges) {
        if (edges.isEmpty()) {
            return;
        }
        for (int i = 0; i < request.lines().size(); i++) {
            List<RatingApi.Bucket> buckets = request.lines().get(i).buckets();
            for (int b = 0; buckets != null && b < buckets.size(); b++) {
                RatingApi.Bucket bucket = buckets.get(b);
                int next = java.util.Collections.binarySearch(edges, bucket.from());
                next = next >= 0 ? next + 1 : -next - 1; // the first edge after the bucket's start
                if (next < edges.size() && edges.get(next).isBefore(bucket.to())) {
                    throw ApiException.invalid(InvalidField.body(
                            "/lines/" + i + "/buckets/" + b,
                            "price-edge",
                            "lines[" + i + "].buckets[" + b + "] (" + bucket.from() + " to " + bucket.to()
                                    + ") crosses a price edge at " + edges.get(next) + "; split it there ("
                                    + RatingApi.PRICE_EDGES_PATH + " lists them)"));
                }
            }
        }
    }

    QuoteDtos.TenantPrices prices(Caller caller, String tenantId, java.time.Instant at) {
        String tenant = tenantOf(caller, tenantId);
        Price price = new Resolver(tenant, at, at.plusNanos(1)).at(at);
        CompiledVersion v = inForce(price, tenant, at);
        BigDecimal factor = discountFactor(price);
        var rates = v.content().rates().stream()
                .map(r -> new io.tokenmeter.pricing.pricebook.PriceBookDtos.RateEntry(
                        r.model(),
                        r.region(),
                        r.tokenClass(),
                        r.ratePerMillion() == null ? null : r.ratePerMillion().multiply(factor),
                        r.mode(),
                        r.tiers() == null
                                ? null
                                : r.tiers().stream()
                                        .map(t -> new io.tokenmeter.pricing.pricebook.PriceBookDtos.TierEntry(
                                                t.fromTokens(),
                                                t.ratePerMillion().multiply(factor)))
                                        .toList()))
                .toList();
        return new QuoteDtos.TenantPrices(
                tenant,
                at,
                price.source(),
                v.bookId(),
                v.version(),
                v.effectiveFrom(),
                price.contract() == null ? null : price.contract().id(),
                price.discountPercent(),
                v.currency(),
                v.content().offPeak(),
                rates,
                v.content().note());
    }

    RatingApi.RateCard rateCard(Caller caller, String tenantId, String currency, java.time.Instant at) {
        String tenant = tenantOf(caller, tenantId);
        Resolver resolver = new Resolver(tenant, at, at.plus(java.time.Duration.ofDays(3660)));
        Price price = resolver.at(at);
        CompiledVersion v = inForce(price, tenant, at);
        BigDecimal factor = discountFactor(price);
        String target = currency == null ? v.currency() : currency;
        BigDecimal fxRate = BigDecimal.ONE;
        java.time.Instant validUntil = resolver.nextChangeAfter(at, v.bookId());
        if (!target.equals(v.currency())) {
            LocalDate day = at.atOffset(ZoneOffset.UTC).toLocalDate();
            try {
                MinorUnits.currency(target);
                fxRate = fx.conversion(v.currency(), target, day).rate();
            } catch (IllegalArgumentException e) {
                throw new ApiException(PricingErrors.UNKNOWN_CURRENCY, e.getMessage());
            } catch (MissingFxRateException e) {
                throw new ApiException(
                        PricingErrors.FX_RATE_MISSING,
                        e.getMessage(),
                        Map.of("pair", v.currency() + "/" + target, "date", day.toString()));
            }
            java.time.Instant nextDay = day.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC);
            validUntil = validUntil == null || nextDay.isBefore(validUntil) ? nextDay : validUntil;
        }
        // the rate now changes at the window's next edge too: the card is not valid past it
        boolean offPeakNow = v.offPeak() != null && v.offPeak().contains(at);
        if (v.offPeak() != null) {
            java.time.Instant edge = v.offPeak().nextEdgeAfter(at); // null: no edge within the year ahead
            validUntil =
                    edge == null ? validUntil : validUntil == null || edge.isBefore(validUntil) ? edge : validUntil;
        }
        List<RatingApi.MaxRate> rates = new ArrayList<>();
        for (Map.Entry<RateKey, TieredRate> e : v.rates().entrySet()) {
            BigDecimal max = e.getValue().maxRatePerMillion();
            BigDecimal offPeak = v.offPeakRates().get(e.getKey());
            if (offPeak != null && offPeak.compareTo(max) > 0) {
                max = offPeak;
            }
            // what the first token of a call costs now: the first tier (the month's position is not known here),
            // at the window's rate inside it
            BigDecimal now = e.getValue().tiers().getFirst().ratePerMillion();
            if (offPeakNow) {
                now = offPeak != null ? offPeak : now.multiply(v.offPeak().factor());
            }
            rates.add(new RatingApi.MaxRate(
                    e.getKey().model(),
                    e.getKey().region(),
                    e.getKey().tokenClass(),
                    max.multiply(factor).multiply(fxRate).stripTrailingZeros(),
                    now.multiply(factor).multiply(fxRate).stripTrailingZeros()));
        }
        rates.sort(java.util.Comparator.comparing(RatingApi.MaxRate::model)
                .thenComparing(RatingApi.MaxRate::region)
                .thenComparing(RatingApi.MaxRate::tokenClass));
        return new RatingApi.RateCard(
                tenant, at, target, validUntil, v.bookId(), v.version(), fxRate, offPeakNow, rates);
    }

    private static String tenantOf(Caller caller, String tenantId) {
        String tenant = tenantId != null ? tenantId : caller.tenantId();
        if (tenant == null) {
            throw ApiException.invalid(
                    InvalidField.parameter("tenant_id", "required", "tenant_id is required for staff keys"));
        }
        Access.ownTenant(caller, tenant, "a tenant key can only see its own tenant\'s prices");
        return tenant;
    }

    private static CompiledVersion inForce(Price price, String tenant, java.time.Instant at) {
        if (price.version() == null) {
            throw new ApiException(
                    CommonErrors.NOT_FOUND, "no price book is in force for tenant " + tenant + " at " + at);
        }
        return price.version();
    }

    private static BigDecimal discountFactor(Price price) {
        return price.discountPercent() == null
                ? BigDecimal.ONE
                : BigDecimal.ONE.subtract(price.discountPercent().movePointLeft(2));
    }

    private PricedLine rate(
            QuoteLine line,
            List<UsageBucket> buckets,
            Price price,
            long already,
            String currency,
            LocalDate fxDate,
            boolean timed,
            Map<String, FxConversion> conversions) {
        long tokens = buckets.stream().mapToLong(UsageBucket::tokens).sum();
        if (price.version() == null) {
            return unpriced(
                    line,
                    tokens,
                    "no price book is in force for this tenant at "
                            + buckets.getFirst().from()
                            + (price.contract() != null
                                    ? " (contract " + price.contract().id() + ")"
                                    : ""));
        }
        CompiledVersion v = price.version();
        TieredRate rate = v.rates().get(new RateKey(line.model(), line.region(), line.tokenClass()));
        if (rate == null) {
            return unpriced(
                    line,
                    tokens,
                    "price book " + v.bookId() + " version " + v.version() + " has no "
                            + line.tokenClass().name().toLowerCase() + " rate for " + line.model() + " in "
                            + line.region());
        }
        BigDecimal offPeakRate = v.offPeakRates().get(new RateKey(line.model(), line.region(), line.tokenClass()));
        LineRater.RatedLine rated = timed
                ? LineRater.rate(rate, v.offPeak(), offPeakRate, already, buckets)
                : LineRater.rateShare(
                        rate,
                        v.offPeak(),
                        offPeakRate,
                        already,
                        tokens,
                        line.offPeakTokens() == null ? 0 : line.offPeakTokens());
        BigDecimal exact = rated.amount();
        List<TierCharge> charges = rated.charges();
        if (price.discountPercent() != null) {
            BigDecimal factor = BigDecimal.ONE.subtract(price.discountPercent().movePointLeft(2));
            exact = exact.multiply(factor);
            charges = charges.stream()
                    .map(c -> new TierCharge(
                            c.tier(),
                            c.tokens(),
                            c.ratePerMillion().multiply(factor),
                            c.offPeak(),
                            c.amount().multiply(factor)))
                    .toList();
        }
        Converted converted = null;
        if (currency != null && !currency.equals(v.currency())) {
            try {
                FxConversion c = conversions.get(v.currency());
                if (c == null) {
                    c = fx.conversion(v.currency(), currency, fxDate);
                    conversions.put(v.currency(), c);
                }
                converted = new Converted(
                        currency,
                        Money.of(exact, v.currency())
                                .convert(c.rate(), currency)
                                .rounded()
                                .amount(),
                        c.rate(),
                        fxDate,
                        c.ratesUsed());
            } catch (MissingFxRateException e) {
                throw new ApiException(
                        PricingErrors.FX_RATE_MISSING,
                        e.getMessage(),
                        Map.of("pair", v.currency() + "/" + currency, "date", fxDate.toString()));
            }
        }
        return new PricedLine(
                line.model(),
                line.region(),
                line.tokenClass(),
                tokens,
                true,
                null,
                v.bookId(),
                v.version(),
                price.contract() == null ? null : price.contract().id(),
                price.source(),
                price.discountPercent(),
                v.currency(),
                exact,
                converted == null ? Money.of(exact, v.currency()).rounded().amount() : null,
                charges,
                converted);
    }

    /**
     * The prices of one tenant over one span of time, read once per request (its contracts, the default book,
     * each book's version history) and then resolved in memory for every bucket.
     */
    private final class Resolver {
        private final List<Contract> tenantContracts;
        private final Optional<String> defaultBook;
        private final Map<String, List<PriceCatalog.VersionRef>> timelines = new HashMap<>();
        private final Map<String, CompiledVersion> compiled = new HashMap<>();

        Resolver(String tenantId, java.time.Instant from, java.time.Instant to) {
            this.tenantContracts = contracts.overlapping(tenantId, from, to);
            this.defaultBook = catalog.defaultSellBook();
        }

        /** What a provider charges us: one book for everyone, no contracts. */
        Resolver(Optional<String> costBook) {
            this.tenantContracts = List.of();
            this.defaultBook = costBook;
        }

        Price at(java.time.Instant at) {
            Optional<Contract> contract = ContractRepository.inForce(tenantContracts, at);
            if (contract.isPresent() && contract.get().priceBookId() != null) {
                return new Price(
                        versionAt(contract.get().priceBookId(), at).orElse(null),
                        contract.get(),
                        null,
                        "contract_book");
            }
            Optional<CompiledVersion> standard = defaultBook.flatMap(book -> versionAt(book, at));
            if (contract.isPresent()) {
                return new Price(
                        standard.orElse(null), contract.get(), contract.get().discountPercent(), "contract_discount");
            }
            return new Price(standard.orElse(null), null, null, "default_book");
        }

        /**
         * The first instant after {@code at} when the price could change: a contract's edge or the book's next
         * version.
         */
        java.time.Instant nextChangeAfter(java.time.Instant at, String bookId) {
            java.util.stream.Stream<java.time.Instant> edges = java.util.stream.Stream.concat(
                    tenantContracts.stream().flatMap(c -> java.util.stream.Stream.of(c.validFrom(), c.validTo())),
                    java.util.stream.Stream.concat(
                            timelines.computeIfAbsent(bookId, catalog::timeline).stream()
                                    .map(PriceCatalog.VersionRef::effectiveFrom),
                            defaultBook.stream()
                                    .flatMap(book -> timelines.computeIfAbsent(book, catalog::timeline).stream())
                                    .map(PriceCatalog.VersionRef::effectiveFrom)));
            return edges.filter(java.util.Objects::nonNull)
                    .filter(t -> t.isAfter(at))
                    .min(java.util.Comparator.naturalOrder())
                    .orElse(null);
        }

        /**
         * Every instant strictly inside (from, to) where the price may change, oldest first: contract starts and ends,
         * versions of every book the tenant's prices can come from, and the off-peak edges of the version in force
         * between them. An edge that changes nothing (a version of a book not in use then) only splits more finely.
         */
        List<RatingApi.PriceEdge> edges(java.time.Instant from, java.time.Instant to) {
            java.util.TreeMap<java.time.Instant, RatingApi.PriceEdge> edges = new java.util.TreeMap<>();
            java.util.function.BiConsumer<java.time.Instant, RatingApi.PriceEdge> add = (at, edge) -> {
                if (at != null && at.isAfter(from) && at.isBefore(to)) {
                    edges.putIfAbsent(at, edge);
                }
            };
            java.util.Set<String> books = new java.util.TreeSet<>();
            defaultBook.ifPresent(books::add);
            for (Contract c : tenantContracts) {
                add.accept(c.validFrom(), new RatingApi.PriceEdge(c.validFrom(), "contract", c.id() + " starts"));
                if (c.validTo() != null) {
                    add.accept(c.validTo(), new RatingApi.PriceEdge(c.validTo(), "contract", c.id() + " ends"));
                }
                if (c.priceBookId() != null) {
                    books.add(c.priceBookId());
                }
            }
            for (String book : books) {
                for (PriceCatalog.VersionRef ref : timelines.computeIfAbsent(book, catalog::timeline)) {
                    add.accept(
                            ref.effectiveFrom(),
                            new RatingApi.PriceEdge(
                                    ref.effectiveFrom(),
                                    "version",
                                    "version " + ref.version() + " of " + book + " takes effect"));
                }
            }
            List<java.time.Instant> cuts = new ArrayList<>();
            cuts.add(from);
            cuts.addAll(edges.keySet());
            cuts.add(to);
            for (int i = 0; i + 1 < cuts.size(); i++) {
                CompiledVersion v = at(cuts.get(i)).version();
                if (v != null && v.offPeak() != null) {
                    for (java.time.Instant edge : v.offPeak().edgesBetween(cuts.get(i), cuts.get(i + 1))) {
                        add.accept(
                                edge,
                                new RatingApi.PriceEdge(
                                        edge,
                                        "off_peak",
                                        "the off-peak window of " + v.bookId() + " v" + v.version()
                                                + (v.offPeak().contains(edge) ? " opens" : " closes")));
                    }
                }
            }
            return List.copyOf(edges.values());
        }

        private Optional<CompiledVersion> versionAt(String bookId, java.time.Instant at) {
            PriceCatalog.VersionRef inForce = null;
            for (PriceCatalog.VersionRef ref : timelines.computeIfAbsent(bookId, catalog::timeline)) {
                if (ref.effectiveFrom().isAfter(at)) {
                    break;
                }
                inForce = ref;
            }
            if (inForce == null) {
                return Optional.empty();
            }
            int version = inForce.version();
            return Optional.of(
                    compiled.computeIfAbsent(bookId + "/" + version, k -> catalog.compiled(bookId, version)));
        }
    }

    private static boolean samePrice(Price a, Price b) {
        return java.util.Objects.equals(
                        a.version() == null
                                ? null
                                : a.version().bookId() + "/" + a.version().version(),
                        b.version() == null
                                ? null
                                : b.version().bookId() + "/" + b.version().version())
                && java.util.Objects.equals(a.contract(), b.contract());
    }

    private static PricedLine unpriced(QuoteLine line, long tokens, String reason) {
        return new PricedLine(
                line.model(),
                line.region(),
                line.tokenClass(),
                tokens,
                false,
                reason,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null);
    }

    private static java.time.Instant earliest(QuoteRequest r) {
        return r.lines().stream()
                .filter(l -> l.buckets() != null)
                .flatMap(l -> l.buckets().stream())
                .map(RatingApi.Bucket::from)
                .reduce(r.period().from(), (a, b) -> a.isBefore(b) ? a : b);
    }

    private static java.time.Instant latest(QuoteRequest r) {
        return r.lines().stream()
                .filter(l -> l.buckets() != null)
                .flatMap(l -> l.buckets().stream())
                .map(RatingApi.Bucket::to)
                .reduce(r.period().to(), (a, b) -> a.isAfter(b) ? a : b);
    }

    /** Bounds of one quote: a year and a month of half-hour buckets per line, and far more lines than a tenant has. */
    static final int MAX_LINES = 1_000;

    static final int MAX_BUCKETS_PER_LINE = 20_000;
    static final int MAX_BUCKETS = 200_000;
    static final java.time.Duration MAX_PERIOD = java.time.Duration.ofDays(400);

    private static void validate(QuoteRequest r) {
        List<InvalidField> problems = new ArrayList<>();
        if (r.purpose() != null && !r.purpose().equals(SELL) && !r.purpose().equals(COST)) {
            problems.add(
                    InvalidField.body("/purpose", "enum", "purpose is sell (the default) or cost: " + r.purpose()));
        }
        if ((r.tenantId() == null || r.tenantId().isBlank()) && !COST.equals(r.purpose())) {
            problems.add(InvalidField.body("/tenant_id", "required", "tenant_id is required"));
        }
        if (r.period() == null
                || r.period().from() == null
                || r.period().to() == null
                || !r.period().to().isAfter(r.period().from())) {
            problems.add(InvalidField.body("/period", "order", "period needs from < to"));
        } else if (java.time.Duration.between(r.period().from(), r.period().to())
                        .compareTo(MAX_PERIOD)
                > 0) {
            problems.add(InvalidField.body(
                    "/period/to", "range", "a quote's period spans at most " + MAX_PERIOD.toDays() + " days"));
        }
        if (r.currency() != null) {
            try {
                MinorUnits.currency(r.currency());
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid(
                        PricingErrors.UNKNOWN_CURRENCY,
                        List.of(InvalidField.body("/currency", "iso-4217", e.getMessage())));
            }
        }
        if (r.lines() == null || r.lines().isEmpty()) {
            problems.add(InvalidField.body("/lines", "not-empty", "lines must not be empty"));
        } else if (r.lines().size() > MAX_LINES) {
            problems.add(InvalidField.body(
                    "/lines",
                    "size",
                    "a quote has at most " + MAX_LINES + " lines, not "
                            + r.lines().size()));
        } else {
            long buckets = 0;
            for (int i = 0; i < r.lines().size() && problems.size() < 100; i++) {
                QuoteLine l = r.lines().get(i);
                String at = "/lines/" + i;
                if (l == null) {
                    problems.add(InvalidField.body(at, "required", "lines[" + i + "] is null"));
                    continue;
                }
                if (l.model() == null) {
                    problems.add(InvalidField.body(at + "/model", "required", "lines[" + i + "] needs a model"));
                }
                if (l.region() == null) {
                    problems.add(InvalidField.body(at + "/region", "required", "lines[" + i + "] needs a region"));
                }
                if (l.tokenClass() == null) {
                    problems.add(
                            InvalidField.body(at + "/token_class", "required", "lines[" + i + "] needs a token_class"));
                }
                buckets += l.buckets() == null ? 0 : l.buckets().size();
                if ((l.tokens() == null) == (l.buckets() == null || l.buckets().isEmpty())) {
                    problems.add(
                            InvalidField.body(at, "one-of", "lines[" + i + "] needs tokens or buckets, one of them"));
                } else if (l.tokens() != null && l.tokens() < 0) {
                    problems.add(InvalidField.body(at + "/tokens", "range", "lines[" + i + "].tokens is negative"));
                } else if (l.offPeakTokens() != null
                        && (l.tokens() == null || l.offPeakTokens() < 0 || l.offPeakTokens() > l.tokens())) {
                    problems.add(InvalidField.body(
                            at + "/off_peak_tokens",
                            "range",
                            "lines[" + i + "].off_peak_tokens must be a share of tokens (0 to tokens)"));
                } else if (l.buckets() != null && l.buckets().size() > MAX_BUCKETS_PER_LINE) {
                    problems.add(InvalidField.body(
                            at + "/buckets",
                            "size",
                            "lines[" + i + "] has more than " + MAX_BUCKETS_PER_LINE + " buckets"));
                } else if (l.buckets() != null) {
                    for (int b = 0; b < l.buckets().size(); b++) {
                        RatingApi.Bucket bucket = l.buckets().get(b);
                        if (bucket == null
                                || bucket.tokens() < 0
                                || bucket.from() == null
                                || bucket.to() == null
                                || !bucket.to().isAfter(bucket.from())) {
                            problems.add(InvalidField.body(
                                    at + "/buckets/" + b,
                                    "order",
                                    "lines[" + i + "].buckets[" + b + "] needs from < to and tokens >= 0"));
                            break;
                        }
                    }
                }
            }
            if (buckets > MAX_BUCKETS) {
                problems.add(InvalidField.body(
                        "/lines", "size", "a quote has at most " + MAX_BUCKETS + " buckets in all, not " + buckets));
            }
        }
        if (!problems.isEmpty()) {
            throw ApiException.invalid(CommonErrors.INVALID_REQUEST, problems);
        }
    }
}
