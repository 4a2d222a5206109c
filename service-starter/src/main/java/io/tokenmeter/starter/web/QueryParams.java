package io.tokenmeter.starter.web;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/** Query parameters read the same way by every list endpoint; bad ones are refused naming the parameter. */
public final class QueryParams {

    private QueryParams() {}

    /** A repeated and/or comma-separated parameter ({@code model=a,b&model=c}) as one list, blanks dropped. */
    public static List<String> values(List<String> raw) {
        List<String> out = new ArrayList<>();
        if (raw != null) {
            for (String v : raw) {
                for (String part : v.split(",")) {
                    if (!part.isBlank()) {
                        out.add(part.strip());
                    }
                }
            }
        }
        return out;
    }

    /** The first instant of the UTC month of {@code now}: where a period defaults to start. */
    public static Instant startOfMonth(Instant now) {
        return now.atOffset(ZoneOffset.UTC)
                .withDayOfMonth(1)
                .truncatedTo(ChronoUnit.DAYS)
                .toInstant();
    }

    /** Refuses a period whose {@code to} is not after its {@code from}, or that spans more than {@code max}. */
    public static void checkPeriod(Instant from, Instant to, Duration max) {
        if (!to.isAfter(from)) {
            throw ApiException.invalid(InvalidField.parameter("to", "order", "'to' must be after 'from'"));
        }
        if (Duration.between(from, to).compareTo(max) > 0) {
            throw ApiException.invalid(
                    InvalidField.parameter("to", "range", "the range may span at most " + max.toDays() + " days"));
        }
    }

    /** An ISO-8601 date-time with an offset ({@code 2026-11-01T00:00:00Z}), or a 400 naming {@code name}. */
    public static Instant instant(String name, String value) {
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            throw ApiException.invalid(InvalidField.parameter(
                    name, "format", "'" + name + "' is not an ISO-8601 date-time with offset: " + value));
        }
    }
}
