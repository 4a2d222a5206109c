package io.tokenmeter.billing.run;

import io.tokenmeter.billing.calls.ServiceCalls;
import io.tokenmeter.billing.invoice.InvoiceLine;
import io.tokenmeter.billing.invoice.LineKind;
import io.tokenmeter.contracts.money.Money;
import io.tokenmeter.contracts.rating.FxRate;
import io.tokenmeter.contracts.rating.RatingApi.Converted;
import io.tokenmeter.contracts.rating.RatingApi.PricedLine;
import io.tokenmeter.contracts.rating.RatingApi.Quote;
import io.tokenmeter.contracts.rating.TierCharge;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns a rating quote into invoice lines: one per model x region x token class x tier x off-peak, with the tier's
 * tokens, its rate per 1M and amount in the price book's currency, the FX rate the quote used (its date, and the
 * sources of the published rates behind it) and the amount in the invoice currency, rounded once to its minor
 * units, half to even. Usage the quote could not price blocks the invoice: never billed at zero.
 */
final class QuotedLines {

    private QuotedLines() {}

    static List<InvoiceLine> of(
            Quote quote, String invoiceCurrency, LineKind kind, Instant usageFrom, Instant usageTo, String prefix) {
        List<String> unpriced = new ArrayList<>();
        List<InvoiceLine> lines = new ArrayList<>();
        for (PricedLine line : quote.lines()) {
            ServiceCalls.QuotedLine quoted = ServiceCalls.QuotedLine.of(line);
            if (quoted.unpriced() != null) {
                unpriced.add(quoted.unpriced());
                continue;
            }
            String model = quoted.model();
            String region = quoted.region();
            String tokenClass = quoted.tokenClass();
            String bookCurrency = line.currency();
            Converted converted = line.converted();
            BigDecimal fxRate = converted == null ? null : converted.rate();
            LocalDate fxDate = fxRate == null ? null : converted.fxDate();
            String fxSource = fxRate == null ? null : sources(converted.ratesUsed());
            List<TierCharge> tiers = line.tiers();
            for (TierCharge tier : tiers) {
                BigDecimal inBook = tier.amount();
                // unconverted, the line is in the currency asked for: the book's is the invoice's
                Money inInvoiceCurrency = fxRate == null
                        ? Money.of(inBook, invoiceCurrency)
                        : Money.of(inBook, bookCurrency).convert(fxRate, invoiceCurrency);
                BigDecimal amount = inInvoiceCurrency.rounded().amount();
                String description = prefix + model + " " + tokenClass.replace('_', ' ') + " tokens, " + region
                        + (tiers.size() > 1 ? ", tier " + tier.tier() : "") + (tier.offPeak() ? ", off-peak" : "");
                lines.add(InvoiceLine.draft(
                        kind,
                        description,
                        model,
                        region,
                        tokenClass,
                        usageFrom,
                        usageTo,
                        tier.tokens(),
                        tier.ratePerMillion(),
                        bookCurrency,
                        inBook,
                        fxRate,
                        fxDate,
                        fxSource,
                        amount));
            }
        }
        if (!unpriced.isEmpty()) {
            throw new RunFailure(
                    "unpriced usage, so no invoice rather than one at zero: " + String.join("; ", unpriced));
        }
        return lines;
    }

    private static String sources(List<FxRate> ratesUsed) {
        Set<String> sources = new LinkedHashSet<>();
        (ratesUsed == null ? List.<FxRate>of() : ratesUsed)
                .forEach(rate -> sources.add(rate.source() == null ? "" : rate.source()));
        sources.remove("");
        return String.join(", ", sources);
    }
}
