package io.tokenmeter.console.web;

import io.tokenmeter.contracts.money.MinorUnits;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Currency;
import java.util.Locale;

/**
 * How pages show values, as {@code ${@fmt...}} in templates: money with its currency in its minor units (the
 * platform's one rounding rule), a call's cost with four more digits (a call costs fractions of a cent), times in
 * UTC (the page's script adds the reader's own zone beside them), token counts grouped.
 */
@Component("fmt")
public class Formats {

    private static final DateTimeFormatter UTC =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DAY =
            DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter HOUR =
            DateTimeFormatter.ofPattern("MM-dd HH:00").withZone(ZoneOffset.UTC);

    public String money(Object amount, String currency) {
        BigDecimal value = decimal(amount);
        if (value == null || currency == null || currency.isBlank()) {
            return value == null ? "" : value.toPlainString();
        }
        Currency c = MinorUnits.currency(currency);
        return grouped(MinorUnits.round(value, c), Math.max(0, c.getDefaultFractionDigits())) + " " + currency;
    }

    /** A single call's cost: four digits past the currency's minor unit, so a call of 0.00003 EUR is not "0.00". */
    public String cost(Object amount, String currency) {
        BigDecimal value = decimal(amount);
        if (value == null || currency == null || currency.isBlank()) {
            return "";
        }
        int digits = Math.max(0, MinorUnits.currency(currency).getDefaultFractionDigits()) + 4;
        return grouped(value.setScale(digits, MinorUnits.ROUNDING), digits) + " " + currency;
    }

    public String tokens(Object count) {
        BigDecimal value = decimal(count);
        return value == null ? "" : grouped(value, 0);
    }

    public String utc(Object instant) {
        Instant at = instant(instant);
        return at == null ? "" : UTC.format(at);
    }

    public String day(Object instant) {
        Instant at = instant(instant);
        return at == null ? "" : DAY.format(at);
    }

    public String hour(Object instant) {
        Instant at = instant(instant);
        return at == null ? "" : HOUR.format(at);
    }

    /** The ISO instant, for {@code <time datetime>}. */
    public String iso(Object instant) {
        Instant at = instant(instant);
        return at == null ? "" : at.toString();
    }

    static Instant instant(Object value) {
        if (value instanceof JsonNode node) {
            value = node.isNull() || node.isMissingNode() ? null : node.asString();
        }
        if (value == null || value.toString().isBlank()) {
            return null;
        }
        return value instanceof Instant i ? i : Instant.parse(value.toString());
    }

    static BigDecimal decimal(Object value) {
        if (value instanceof JsonNode node) {
            if (node.isNull() || node.isMissingNode()) {
                return null;
            }
            return node.isNumber() ? node.decimalValue() : new BigDecimal(node.asString());
        }
        if (value == null || value.toString().isBlank()) {
            return null;
        }
        return value instanceof BigDecimal d ? d : new BigDecimal(value.toString());
    }

    private static String grouped(BigDecimal value, int digits) {
        DecimalFormat format = new DecimalFormat(
                digits == 0 ? "#,##0" : "#,##0." + "0".repeat(digits), DecimalFormatSymbols.getInstance(Locale.ROOT));
        format.setRoundingMode(RoundingMode.HALF_EVEN);
        format.setParseBigDecimal(true);
        return format.format(value);
    }
}
