package io.tokenmeter.starter.web;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
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
