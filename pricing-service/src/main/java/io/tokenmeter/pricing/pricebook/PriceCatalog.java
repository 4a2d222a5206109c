package io.tokenmeter.pricing.pricebook;

import io.tokenmeter.contracts.rating.TokenClass;
import io.tokenmeter.pricing.pricebook.PriceBookDtos.RateEntry;
import io.tokenmeter.pricing.pricebook.PriceBookDtos.VersionContent;
import io.tokenmeter.pricing.rating.OffPeakSchedule;
import io.tokenmeter.pricing.rating.Tier;
import io.tokenmeter.pricing.rating.TieredRate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Price-book versions compiled for rating. A version that has taken effect never changes, so its compiled
 * form is cached for good; drafts are read fresh each time.
 */
@Component
public class PriceCatalog {

    public record RateKey(String model, String region, TokenClass tokenClass) {}

    /** {@code content} is the version as written, for showing; {@code rates} the same compiled for rating. */
    public record CompiledVersion(
            String bookId,
            int version,
            String currency,
            Instant effectiveFrom,
            OffPeakSchedule offPeak,
            Map<RateKey, TieredRate> rates,
            Map<RateKey, java.math.BigDecimal> offPeakRates,
            VersionContent content) {}

    private record VersionRow(int version, Instant effectiveFrom, boolean inEffect, String content, String currency) {}

    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final Map<String, CompiledVersion> inEffect = new ConcurrentHashMap<>();

    PriceCatalog(JdbcClient jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    public Optional<String> defaultSellBook() {
        return jdbc.sql("SELECT id FROM price_book WHERE purpose = 'SELL' AND is_default")
                .query(String.class)
                .optional();
    }

    /** The book of what providers charge us, for margins. */
    public Optional<String> defaultCostBook() {
        return jdbc.sql("SELECT id FROM price_book WHERE purpose = 'COST' AND is_default")
                .query(String.class)
                .optional();
    }

    /** A version's place in its book's history. */
    public record VersionRef(int version, Instant effectiveFrom) {}

    /** Every version of the book, oldest first: enough to find the one in force at any time without asking again. */
    public java.util.List<VersionRef> timeline(String bookId) {
        return jdbc.sql(
                        "SELECT version, effective_from FROM price_book_version WHERE price_book_id = ? ORDER BY effective_from")
                .param(bookId)
                .query((rs, i) -> new VersionRef(
                        rs.getInt("version"), rs.getTimestamp("effective_from").toInstant()))
                .list();
    }

    /** The version compiled for rating; cached for good once it has taken effect. */
    public CompiledVersion compiled(String bookId, int version) {
        CompiledVersion cached = inEffect.get(bookId + "/" + version);
        if (cached != null) {
            return cached;
        }
        VersionRow row = jdbc.sql("""
                        SELECT v.version, v.effective_from, v.effective_from <= now() AS in_effect, v.content::text AS
                            content, b.currency
                        FROM price_book_version v JOIN price_book b ON b.id = v.price_book_id WHERE v.price_book_id = ? AND v.version = ?""")
                .params(bookId, version)
                .query((rs, i) -> new VersionRow(
                        rs.getInt("version"),
                        rs.getTimestamp("effective_from").toInstant(),
                        rs.getBoolean("in_effect"),
                        rs.getString("content"),
                        rs.getString("currency")))
                .single();
        CompiledVersion compiled = compile(bookId, row);
        if (row.inEffect()) {
            inEffect.put(bookId + "/" + version, compiled);
        }
        return compiled;
    }

    private CompiledVersion compile(String bookId, VersionRow row) {
        VersionContent content = json.readValue(row.content(), VersionContent.class);
        Map<RateKey, TieredRate> rates = new HashMap<>();
        for (RateEntry r : content.rates()) {
            TieredRate rate = r.ratePerMillion() != null
                    ? TieredRate.flat(r.ratePerMillion())
                    : new TieredRate(
                            r.mode(),
                            r.tiers().stream()
                                    .map(t -> new Tier(t.fromTokens(), t.ratePerMillion()))
                                    .toList());
            rates.put(new RateKey(r.model(), r.region(), r.tokenClass()), rate);
        }
        var o = content.offPeak();
        OffPeakSchedule offPeak = o == null ? null : OffPeakCalendar.schedule(o);
        Map<RateKey, java.math.BigDecimal> offPeakRates = new HashMap<>();
        if (o != null && o.rates() != null) {
            o.rates()
                    .forEach(r ->
                            offPeakRates.put(new RateKey(r.model(), r.region(), r.tokenClass()), r.ratePerMillion()));
        }
        return new CompiledVersion(
                bookId,
                row.version(),
                row.currency(),
                row.effectiveFrom(),
                offPeak,
                Map.copyOf(rates),
                Map.copyOf(offPeakRates),
                content);
    }
}
