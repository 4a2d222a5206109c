package io.tokenmeter.pricing.pricebook;

import io.tokenmeter.contracts.usage.UsageEventValidator;
import io.tokenmeter.pricing.pricebook.PriceBookDtos.RateEntry;
import io.tokenmeter.pricing.pricebook.PriceBookDtos.VersionRequest;
import io.tokenmeter.pricing.rating.Tier;
import io.tokenmeter.pricing.rating.TierMode;
import io.tokenmeter.pricing.rating.TieredRate;
import io.tokenmeter.starter.web.InvalidField;

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

    private PriceBookValidator() {}

    static final int MAX_WINDOWS = 50;
    static final int MAX_EXCEPTIONS = 1_000;

    /** When the window is: a daily start and end, or windows per weekday; a valid zone; one exception per date. */
    private static void calendarProblems(PriceBookDtos.OffPeakEntry o, List<InvalidField> problems) {
        boolean daily = o.start() != null || o.end() != null;
        if (daily == (o.windows() != null)) {
            problems.add(InvalidField.body(
                    "/off_peak",
                    "one-of",
                    "off_peak needs either start and end (every day) or windows (per day of week), "
                            + (daily ? "not both" : "one of them")));
        } else if (daily && (o.start() == null || o.end() == null || o.start().equals(o.end()))) {
            problems.add(
                    InvalidField.body("/off_peak", "window", "off_peak needs a start and a different end (HH:mm)"));
        } else if (!daily) {
            if (o.windows().isEmpty() || o.windows().size() > MAX_WINDOWS) {
                problems.add(InvalidField.body(
                        "/off_peak/windows", "size", "off_peak.windows lists 1 to " + MAX_WINDOWS + " windows"));
            }
            for (int i = 0; i < o.windows().size() && i < MAX_WINDOWS; i++) {
                var w = o.windows().get(i);
                String at = "/off_peak/windows/" + i;
                if (w == null) {
                    problems.add(InvalidField.body(at, "required", "off_peak.windows[" + i + "] is null"));
                    continue;
                }
                if (w.days() == null || w.days().isEmpty()) {
                    problems.add(InvalidField.body(
                            at + "/days", "required", "off_peak.windows[" + i + "].days lists MON to SUN"));
                } else {
                    for (int d = 0; d < w.days().size(); d++) {
                        if (OffPeakCalendar.day(w.days().get(d)) == null) {
                            problems.add(InvalidField.body(
                                    at + "/days/" + d,
                                    "weekday",
                                    "off_peak.windows[" + i + "].days[" + d + "] is not one of MON, TUE, WED, THU, "
                                            + "FRI, SAT, SUN: " + w.days().get(d)));
                        }
                    }
                }
                boolean allDay = Boolean.TRUE.equals(w.allDay());
                if (allDay == (w.start() != null || w.end() != null)) {
                    problems.add(InvalidField.body(
                            at,
                            "one-of",
                            "off_peak.windows[" + i + "] needs either start and end or all_day, "
                                    + (allDay ? "not both" : "one of them")));
                } else if (!allDay
                        && (w.start() == null || w.end() == null || w.start().equals(w.end()))) {
                    problems.add(InvalidField.body(
                            at, "window", "off_peak.windows[" + i + "] needs a start and a different end (HH:mm)"));
                }
            }
        }
        if (o.timeZone() != null && OffPeakCalendar.zone(o.timeZone()) == null) {
            problems.add(InvalidField.body(
                    "/off_peak/time_zone",
                    "time-zone",
                    "off_peak.time_zone is not a time zone id (such as Asia/Shanghai or UTC): " + o.timeZone()));
        }
        if (o.exceptions() != null) {
            if (o.exceptions().size() > MAX_EXCEPTIONS) {
                problems.add(InvalidField.body(
                        "/off_peak/exceptions",
                        "size",
                        "off_peak.exceptions has at most " + MAX_EXCEPTIONS + " dates"));
                return;
            }
            Set<java.time.LocalDate> dates = new HashSet<>();
            for (int i = 0; i < o.exceptions().size(); i++) {
                var e = o.exceptions().get(i);
                String at = "/off_peak/exceptions/" + i;
                if (e == null || e.date() == null) {
                    problems.add(
                            InvalidField.body(at + "/date", "required", "off_peak.exceptions[" + i + "] needs a date"));
                    continue;
                }
                if (!dates.add(e.date())) {
                    problems.add(InvalidField.body(
                            at + "/date",
                            "unique",
                            "off_peak.exceptions[" + i + "]: " + e.date() + " is listed twice"));
                }
                if (OffPeakCalendar.day(e.as()) == null) {
                    problems.add(InvalidField.body(
                            at + "/as",
                            "weekday",
                            "off_peak.exceptions[" + i + "].as names the weekday whose windows the date follows "
                                    + "(MON to SUN): " + e.as()));
                }
            }
        }
    }

    static final int MAX_REASON = 500;

    /**
     * @param newVersion a new version may take effect in the past with a {@code backdate_reason} (migrating in, a late
     *                   agreement); a draft being replaced may not move there
     */
    static List<InvalidField> problems(VersionRequest v, Instant now, boolean newVersion) {
        List<InvalidField> problems = new ArrayList<>();
        boolean reason = v.backdateReason() != null && !v.backdateReason().isBlank();
        if (v.effectiveFrom() == null) {
            problems.add(InvalidField.body("/effective_from", "required", "effective_from is required"));
        } else if (!v.effectiveFrom().isAfter(now) && !(newVersion && reason)) {
            problems.add(InvalidField.body(
                    "/effective_from",
                    "future",
                    "effective_from " + v.effectiveFrom() + " is not in the future: history is never rewritten, a"
                            + " change is a new version"
                            + (newVersion
                                    ? " (a new version may start in the past, over no invoiced period, with a"
                                            + " backdate_reason saying why)"
                                    : "")));
        }
        if (v.backdateReason() != null && v.backdateReason().length() > MAX_REASON) {
            problems.add(InvalidField.body(
                    "/backdate_reason", "max-length", "backdate_reason is at most " + MAX_REASON + " characters"));
        }
        if (v.rates() == null || v.rates().isEmpty()) {
            problems.add(InvalidField.body(
                    "/rates", "not-empty", "rates must list at least one model, region and token class"));
            return problems;
        }
        Set<String> seen = new HashSet<>();
        boolean anyVolume = false;
        for (int i = 0; i < v.rates().size(); i++) {
            RateEntry r = v.rates().get(i);
            String at = "rates[" + i + "]";
            String pointer = "/rates/" + i;
            if (r == null) {
                problems.add(InvalidField.body(pointer, "required", at + " is empty"));
                continue;
            }
            if (r.model() == null || !UsageEventValidator.isIdentifier(r.model())) {
                problems.add(InvalidField.body(
                        pointer + "/model", "identifier", at + ".model is missing or not an identifier"));
            }
            if (r.region() == null || !UsageEventValidator.isIdentifier(r.region())) {
                problems.add(InvalidField.body(
                        pointer + "/region", "identifier", at + ".region is missing or not an identifier"));
            }
            if (r.tokenClass() == null) {
                problems.add(InvalidField.body(
                        pointer + "/token_class",
                        "required",
                        at + ".token_class is required (input, cached_input, cache_write or output)"));
            }
            if (!seen.add(r.model() + "|" + r.region() + "|" + r.tokenClass())) {
                problems.add(InvalidField.body(
                        pointer,
                        "unique",
                        at + ": " + r.model() + " / " + r.region() + " / " + name(r) + " is listed twice"));
            }
            boolean flat = r.ratePerMillion() != null;
            boolean tiered = r.tiers() != null;
            if (flat == tiered) {
                problems.add(InvalidField.body(
                        pointer,
                        "one-of",
                        at + " needs either rate_per_million or tiers, not " + (flat ? "both" : "neither")));
            } else if (flat) {
                if (r.ratePerMillion().signum() < 0) {
                    problems.add(InvalidField.body(
                            pointer + "/rate_per_million", "range", at + ".rate_per_million is negative"));
                }
                if (r.mode() != null) {
                    problems.add(InvalidField.body(pointer + "/mode", "tiers-only", at + ".mode goes with tiers only"));
                }
            } else {
                List<Tier> tiers = r.tiers().stream()
                        .map(t -> t == null ? new Tier(-1, null) : new Tier(t.fromTokens(), t.ratePerMillion()))
                        .toList();
                TieredRate.problems(r.mode(), tiers)
                        .forEach(p -> problems.add(InvalidField.body(pointer + "/tiers", "tiers", at + ": " + p)));
                anyVolume |= r.mode() == TierMode.VOLUME;
            }
        }
        if (v.offPeak() != null) {
            var o = v.offPeak();
            calendarProblems(o, problems);
            if ((o.discountPercent() == null) == (o.rates() == null)) {
                problems.add(InvalidField.body(
                        "/off_peak",
                        "one-of",
                        "off_peak needs either discount_percent or its own rates, not "
                                + (o.rates() == null ? "neither" : "both")));
            } else if (o.discountPercent() != null
                    && (o.discountPercent().signum() < 0
                            || o.discountPercent().compareTo(BigDecimal.valueOf(100)) > 0)) {
                problems.add(InvalidField.body(
                        "/off_peak/discount_percent", "range", "off_peak.discount_percent must be between 0 and 100"));
            } else if (o.rates() != null) {
                Set<String> offPeakSeen = new HashSet<>();
                for (int i = 0; i < o.rates().size(); i++) {
                    var r = o.rates().get(i);
                    String key = r.model() + "|" + r.region() + "|" + r.tokenClass();
                    if (!seen.contains(key)) {
                        problems.add(InvalidField.body(
                                "/off_peak/rates/" + i,
                                "regular-rate",
                                "off_peak.rates[" + i + "]: " + r.model() + " / " + r.region() + " / " + r.tokenClass()
                                        + " has no regular rate in this version"));
                    }
                    if (!offPeakSeen.add(key)) {
                        problems.add(InvalidField.body(
                                "/off_peak/rates/" + i, "unique", "off_peak.rates[" + i + "] is listed twice"));
                    }
                    if (r.ratePerMillion() == null || r.ratePerMillion().signum() < 0) {
                        problems.add(InvalidField.body(
                                "/off_peak/rates/" + i + "/rate_per_million",
                                "range",
                                "off_peak.rates[" + i + "].rate_per_million is missing or negative"));
                    }
                }
            }
            if (anyVolume) {
                problems.add(InvalidField.body(
                        "/off_peak", "volume-tiers", "off_peak cannot be combined with volume tiers yet"));
            }
        }
        return problems;
    }

    private static String name(RateEntry r) {
        return r.tokenClass() == null ? "?" : r.tokenClass().name().toLowerCase();
    }
}
