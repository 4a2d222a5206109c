package io.tokenmeter.pricing.pricebook;

import io.tokenmeter.contracts.usage.UsageEventValidator;
import io.tokenmeter.pricing.pricebook.PriceBookDtos.RateEntry;
import io.tokenmeter.pricing.pricebook.PriceBookDtos.VersionRequest;
import io.tokenmeter.pricing.rating.Tier;
import io.tokenmeter.pricing.rating.TierMode;
import io.tokenmeter.pricing.rating.TieredRate;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Every reason a version is not valid, all at once, so an admin fixes a rate card in one round. Model and region
 * names follow the usage event's identifier rule, so every metered model can be priced.
 */
final class PriceBookValidator {

    private PriceBookValidator() {
    }

    static List<String> problems(VersionRequest v, Instant now) {
        List<String> problems = new ArrayList<>();
        if (v.effectiveFrom() == null) {
            problems.add("effective_from is required");
        } else if (!v.effectiveFrom().isAfter(now)) {
            problems.add("effective_from " + v.effectiveFrom() + " is not in the future: history is never rewritten, a change is a new version");
        }
        if (v.rates() == null || v.rates().isEmpty()) {
            problems.add("rates must list at least one model, region and token class");
            return problems;
        }
        Set<String> seen = new HashSet<>();
        boolean anyVolume = false;
        for (int i = 0; i < v.rates().size(); i++) {
            RateEntry r = v.rates().get(i);
            String at = "rates[" + i + "]";
            if (r == null) {
                problems.add(at + " is empty");
                continue;
            }
            if (r.model() == null || !UsageEventValidator.isIdentifier(r.model())) {
                problems.add(at + ".model is missing or not an identifier");
            }
            if (r.region() == null || !UsageEventValidator.isIdentifier(r.region())) {
                problems.add(at + ".region is missing or not an identifier");
            }
            if (r.tokenClass() == null) {
                problems.add(at + ".token_class is required (input, cached_input, cache_write or output)");
            }
            if (!seen.add(r.model() + "|" + r.region() + "|" + r.tokenClass())) {
                problems.add(at + ": " + r.model() + " / " + r.region() + " / " + name(r) + " is listed twice");
            }
            boolean flat = r.ratePerMillion() != null;
            boolean tiered = r.tiers() != null;
            if (flat == tiered) {
                problems.add(at + " needs either rate_per_million or tiers, not " + (flat ? "both" : "neither"));
            } else if (flat) {
                if (r.ratePerMillion().signum() < 0) {
                    problems.add(at + ".rate_per_million is negative");
                }
                if (r.mode() != null) {
                    problems.add(at + ".mode goes with tiers only");
                }
            } else {
                List<Tier> tiers = r.tiers().stream().map(t -> t == null ? new Tier(-1, null) : new Tier(t.fromTokens(), t.ratePerMillion())).toList();
                TieredRate.problems(r.mode(), tiers).forEach(p -> problems.add(at + ": " + p));
                anyVolume |= r.mode() == TierMode.VOLUME;
            }
        }
        if (v.offPeak() != null) {
            var o = v.offPeak();
            if (o.start() == null || o.end() == null || o.start().equals(o.end())) {
                problems.add("off_peak needs a start and a different end (UTC, HH:mm)");
            }
            if ((o.discountPercent() == null) == (o.rates() == null)) {
                problems.add("off_peak needs either discount_percent or its own rates, not " + (o.rates() == null ? "neither" : "both"));
            } else if (o.discountPercent() != null
                    && (o.discountPercent().signum() < 0 || o.discountPercent().compareTo(BigDecimal.valueOf(100)) > 0)) {
                problems.add("off_peak.discount_percent must be between 0 and 100");
            } else if (o.rates() != null) {
                Set<String> offPeakSeen = new HashSet<>();
                for (int i = 0; i < o.rates().size(); i++) {
                    var r = o.rates().get(i);
                    String key = r.model() + "|" + r.region() + "|" + r.tokenClass();
                    if (!seen.contains(key)) {
                        problems.add("off_peak.rates[" + i + "]: " + r.model() + " / " + r.region() + " / " + r.tokenClass()
                                + " has no regular rate in this version");
                    }
                    if (!offPeakSeen.add(key)) {
                        problems.add("off_peak.rates[" + i + "] is listed twice");
                    }
                    if (r.ratePerMillion() == null || r.ratePerMillion().signum() < 0) {
                        problems.add("off_peak.rates[" + i + "].rate_per_million is missing or negative");
                    }
                }
            }
            if (anyVolume) {
                problems.add("off_peak cannot be combined with volume tiers yet");
            }
        }
        return problems;
    }

    private static String name(RateEntry r) {
        return r.tokenClass() == null ? "?" : r.tokenClass().name().toLowerCase();
    }
}
