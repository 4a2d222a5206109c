package io.tokenmeter.console.pricebooks;

import tools.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The form of a new price version, bound from the page field by field ({@code rates[2].tiers[1].rate}): a mutable
 * bean because Spring binds indexed nested lists into beans. {@link #toRequest} checks that numbers are numbers
 * (keyed by the same JSON pointers the pricing service names, so both kinds of error sit beside their field) and
 * builds the API's body; the pricing service checks every rule of prices.
 */
public class VersionForm {

    public static class Tier {
        private String fromTokens = "";
        private String rate = "";

        public String getFromTokens() {
            return fromTokens;
        }

        public void setFromTokens(String fromTokens) {
            this.fromTokens = fromTokens;
        }

        public String getRate() {
            return rate;
        }

        public void setRate(String rate) {
            this.rate = rate;
        }
    }

    public static class Rate {
        private String model = "";
        private String region = "";
        private String tokenClass = "input";
        private String mode = "flat";
        private String rate = "";
        private List<Tier> tiers = new ArrayList<>();

        public String getModel() {
            return model;
        }

        public void setModel(String model) {
            this.model = model;
        }

        public String getRegion() {
            return region;
        }

        public void setRegion(String region) {
            this.region = region;
        }

        public String getTokenClass() {
            return tokenClass;
        }

        public void setTokenClass(String tokenClass) {
            this.tokenClass = tokenClass;
        }

        public String getMode() {
            return mode;
        }

        public void setMode(String mode) {
            this.mode = mode;
        }

        public String getRate() {
            return rate;
        }

        public void setRate(String rate) {
            this.rate = rate;
        }

        public List<Tier> getTiers() {
            return tiers;
        }

        public void setTiers(List<Tier> tiers) {
            this.tiers = tiers;
        }
    }

    /** The body and the console's own findings, by JSON pointer. */
    record Request(Map<String, Object> body, Map<String, String> errors) {}

    private String effectiveFrom = "";
    private String backdateReason = "";
    private String offPeakStart = "";
    private String offPeakEnd = "";
    private String offPeakDiscount = "";
    private String offPeakCalendar = "";
    private List<Rate> rates = new ArrayList<>();

    /** A form that starts from a version: its rates and off-peak schedule, effective at the next whole hour. */
    static VersionForm from(JsonNode version) {
        VersionForm form = new VersionForm();
        form.effectiveFrom = LocalDateTime.ofInstant(
                        Instant.now().truncatedTo(ChronoUnit.HOURS).plus(1, ChronoUnit.HOURS), ZoneOffset.UTC)
                .toString();
        if (version != null) {
            JsonNode offPeak = version.path("off_peak");
            if (offPeak.has("windows") || offPeak.has("rates") || offPeak.has("exceptions")) {
                form.offPeakCalendar = offPeak.toString(); // a calendar: kept as it is
            } else if (offPeak.isObject()) {
                form.offPeakStart = offPeak.path("start").asString("").replaceAll(":00$", "");
                form.offPeakEnd = offPeak.path("end").asString("").replaceAll(":00$", "");
                form.offPeakDiscount = offPeak.path("discount_percent").asString("");
            }
            for (JsonNode r : version.path("rates")) {
                Rate rate = new Rate();
                rate.model = r.path("model").asString("");
                rate.region = r.path("region").asString("");
                rate.tokenClass = r.path("token_class").asString("input");
                rate.mode = r.path("mode").asString("flat");
                rate.rate = r.path("rate_per_million").isMissingNode()
                        ? ""
                        : r.path("rate_per_million").asString();
                for (JsonNode t : r.path("tiers")) {
                    Tier tier = new Tier();
                    tier.fromTokens = t.path("from_tokens").asString();
                    tier.rate = t.path("rate_per_million").asString();
                    rate.tiers.add(tier);
                }
                form.rates.add(rate);
            }
        }
        return form;
    }

    Request toRequest(JsonNode calendar) {
        Map<String, String> errors = new LinkedHashMap<>();
        Map<String, Object> body = new LinkedHashMap<>();
        try {
            body.put(
                    "effective_from",
                    LocalDateTime.parse(effectiveFrom.strip())
                            .toInstant(ZoneOffset.UTC)
                            .toString());
        } catch (DateTimeParseException e) {
            errors.put("/effective_from", "A date and time in UTC, such as 2027-01-01T00:00.");
        }
        if (!backdateReason.isBlank()) {
            body.put("backdate_reason", backdateReason.strip());
        }
        if (calendar != null) {
            body.put("off_peak", calendar);
        } else if (!offPeakStart.isBlank() || !offPeakEnd.isBlank() || !offPeakDiscount.isBlank()) {
            Map<String, Object> offPeak = new LinkedHashMap<>();
            offPeak.put("start", offPeakStart.strip());
            offPeak.put("end", offPeakEnd.strip());
            offPeak.put("discount_percent", number(offPeakDiscount, "/off_peak/discount_percent", errors));
            body.put("off_peak", offPeak);
        }
        List<Map<String, Object>> lines = new ArrayList<>();
        for (int i = 0; i < rates.size(); i++) {
            Rate r = rates.get(i);
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("model", r.model.strip());
            line.put("region", r.region.strip());
            line.put("token_class", r.tokenClass);
            if (r.mode.equals("flat")) {
                line.put("rate_per_million", number(r.rate, "/rates/" + i + "/rate_per_million", errors));
            } else {
                line.put("mode", r.mode);
                List<Map<String, Object>> tiers = new ArrayList<>();
                for (int j = 0; j < r.tiers.size(); j++) {
                    Tier t = r.tiers.get(j);
                    if (t.fromTokens.isBlank() && t.rate.isBlank()) {
                        continue; // an unused tier row
                    }
                    String at = "/rates/" + i + "/tiers/" + j;
                    Map<String, Object> tier = new LinkedHashMap<>();
                    tier.put("from_tokens", number(t.fromTokens, at + "/from_tokens", errors));
                    tier.put("rate_per_million", number(t.rate, at + "/rate_per_million", errors));
                    tiers.add(tier);
                }
                line.put("tiers", tiers);
            }
            lines.add(line);
        }
        body.put("rates", lines);
        return new Request(body, errors);
    }

    private static BigDecimal number(String value, String pointer, Map<String, String> errors) {
        try {
            return new BigDecimal(value.strip());
        } catch (NumberFormatException e) {
            errors.put(pointer, value.isBlank() ? "Required: a number." : "\"" + value + "\" is not a number.");
            return null;
        }
    }

    public String getEffectiveFrom() {
        return effectiveFrom;
    }

    public void setEffectiveFrom(String effectiveFrom) {
        this.effectiveFrom = effectiveFrom;
    }

    public String getBackdateReason() {
        return backdateReason;
    }

    public void setBackdateReason(String backdateReason) {
        this.backdateReason = backdateReason;
    }

    public String getOffPeakStart() {
        return offPeakStart;
    }

    public void setOffPeakStart(String offPeakStart) {
        this.offPeakStart = offPeakStart;
    }

    public String getOffPeakEnd() {
        return offPeakEnd;
    }

    public void setOffPeakEnd(String offPeakEnd) {
        this.offPeakEnd = offPeakEnd;
    }

    public String getOffPeakDiscount() {
        return offPeakDiscount;
    }

    public void setOffPeakDiscount(String offPeakDiscount) {
        this.offPeakDiscount = offPeakDiscount;
    }

    public String getOffPeakCalendar() {
        return offPeakCalendar;
    }

    public void setOffPeakCalendar(String offPeakCalendar) {
        this.offPeakCalendar = offPeakCalendar;
    }

    public List<Rate> getRates() {
        return rates;
    }

    public void setRates(List<Rate> rates) {
        this.rates = rates;
    }
}
