package io.tokenmeter.console.contracts;

import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A new contract as typed: the tenant's own sell book or a discount on the default book, for a period in UTC. What
 * cannot be sent is said beside its field here, by the JSON pointer pricing would use; pricing's own refusals come
 * back by the same pointers.
 */
public record ContractForm(
        String terms, String priceBookId, String discountPercent, String validFrom, String validTo, String reason) {

    /** The body to send, or the errors by field. */
    record Request(Map<String, Object> body, Map<String, String> errors) {}

    Request toRequest(String tenantId) {
        Map<String, String> errors = new LinkedHashMap<>();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("tenant_id", tenantId);
        if ("book".equals(terms)) {
            if (blank(priceBookId)) {
                errors.put("/price_book_id", "Choose the tenant's price book.");
            }
            body.put("price_book_id", strip(priceBookId));
        } else {
            try {
                body.put("discount_percent", new BigDecimal(strip(discountPercent)));
            } catch (NumberFormatException | NullPointerException e) {
                errors.put("/discount_percent", "A percentage, such as 10 or 12.5.");
            }
        }
        instant(validFrom, "/valid_from", true, body, errors);
        instant(validTo, "/valid_to", false, body, errors);
        if (!blank(reason)) {
            body.put("backdate_reason", reason.strip());
        }
        return new Request(body, errors);
    }

    private static void instant(
            String typed, String pointer, boolean required, Map<String, Object> body, Map<String, String> errors) {
        if (blank(typed)) {
            if (required) {
                errors.put(pointer, "When the contract starts, in UTC.");
            }
            return;
        }
        try {
            body.put(
                    pointer.substring(1),
                    LocalDateTime.parse(typed.strip()).toInstant(ZoneOffset.UTC).toString());
        } catch (DateTimeParseException e) {
            errors.put(pointer, "A date and time in UTC, such as 2027-01-01T00:00.");
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static String strip(String s) {
        return s == null ? null : s.strip();
    }
}
