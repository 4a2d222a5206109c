package io.tokenmeter.gateway.budgets;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/**
 * A spend cap of a tenant ({@code apiKeyId} null) or of one of its keys, in {@code currency}.
 *
 * @param amount     the cap per period; for a prepaid budget, everything topped up so far
 * @param thresholds percentages of the amount whose crossing raises an alert
 * @param topUps     how many top-ups a prepaid budget has had: alerts start afresh after each
 */
record Budget(
        String id,
        String tenantId,
        String apiKeyId,
        Kind kind,
        BigDecimal amount,
        String currency,
        Instant startsAt,
        Instant endsAt,
        List<Integer> thresholds,
        int topUps,
        Instant createdAt,
        String createdBy) {

    enum Kind {
        MONTHLY,
        CUSTOM,
        PREPAID
    }

    /** The period a budget's spend is counted in. */
    record Window(Instant start, Instant end) {}

    /** A prepaid balance is one window for ever. */
    static final Window FOREVER =
            new Window(Instant.parse("2000-01-01T00:00:00Z"), Instant.parse("9999-01-01T00:00:00Z"));

    /**
     * The window containing {@code at}, or {@code null} when the budget does not apply then (outside a custom period).
     */
    Window windowAt(Instant at) {
        return switch (kind) {
            case MONTHLY -> {
                var month = at.atOffset(ZoneOffset.UTC)
                        .toLocalDate()
                        .withDayOfMonth(1)
                        .atStartOfDay()
                        .atOffset(ZoneOffset.UTC);
                yield new Window(month.toInstant(), month.plusMonths(1).toInstant());
            }
            case CUSTOM -> !at.isBefore(startsAt) && at.isBefore(endsAt) ? new Window(startsAt, endsAt) : null;
            case PREPAID -> FOREVER;
        };
    }

    /** Which top-up generation an alert belongs to; periods other than prepaid have only one. */
    int generation() {
        return kind == Kind.PREPAID ? topUps : 0;
    }

    String describe() {
        return (apiKeyId == null ? "tenant budget " : "key budget ") + id + " ("
                + kind.name().toLowerCase() + ", " + amount.stripTrailingZeros().toPlainString() + " " + currency + ")";
    }
}
