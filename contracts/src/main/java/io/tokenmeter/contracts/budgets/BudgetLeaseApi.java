package io.tokenmeter.contracts.budgets;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;

/**
 * What the gateway, which enforces budgets, and the budgets' owner, which keeps their ledger, say to each other: the
 * budgets a call is held to, and the leases the gateway holds on them. Today both sides live in the gateway (packages
 * {@code budgets} and {@code budgetledger}); the design moves the owner to billing-service behind these same shapes
 * ({@code docs/design/budget-leases.md}). The window rule is here so that both sides always agree on a window's
 * start, which keys the ledger.
 */
public final class BudgetLeaseApi {

    private BudgetLeaseApi() {}

    public enum Kind {
        MONTHLY,
        CUSTOM,
        PREPAID
    }

    /** The period a budget's spend is counted in. */
    public record Window(Instant start, Instant end) {}

    /** A prepaid balance is one window for ever. */
    public static final Window FOREVER =
            new Window(Instant.parse("2000-01-01T00:00:00Z"), Instant.parse("9999-01-01T00:00:00Z"));

    /**
     * A budget a call may be held to: its tenant's ({@code apiKeyId} null) or its key's, in {@code currency}.
     *
     * @param amount the cap per period; for a prepaid budget, everything topped up so far
     */
    public record ApplicableBudget(
            String id,
            String tenantId,
            String apiKeyId,
            Kind kind,
            BigDecimal amount,
            String currency,
            Instant startsAt,
            Instant endsAt) {

        /** The window containing {@code at}, or null when the budget does not apply then (outside a custom period). */
        public Window windowAt(Instant at) {
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

        public String describe() {
            return (apiKeyId == null ? "tenant budget " : "key budget ") + id + " ("
                    + kind.name().toLowerCase() + ", "
                    + amount.stripTrailingZeros().toPlainString() + " " + currency
                    + ")";
        }
    }

    /**
     * What a gateway instance asks for a lease on one budget window: open one ({@code leaseId} null) or renew it.
     *
     * @param reported  everything the instance spent under the lease so far (cumulative; never lower than before)
     * @param committed reported plus what the calls in flight under it hold: the least the lease must keep
     * @param need      the call at hand, which must fit or be refused (0 for a renewal in the background)
     * @param unit      the instance's typical call: the room granted is a whole multiple of it
     * @param want      the room the instance would like beyond {@code committed} (its recent spend over a slice)
     * @param ttlMillis how long the lease lives unless renewed again
     */
    public record LeaseRequest(
            UUID leaseId,
            String budgetId,
            Window window,
            String instanceId,
            BigDecimal reported,
            BigDecimal committed,
            BigDecimal need,
            BigDecimal unit,
            BigDecimal want,
            long ttlMillis) {}

    /**
     * The answer: the lease's total {@code granted} (the instance admits while its committed amount stays within it),
     * the most that could have been given beyond committed ({@code free}), whether the call at hand was refused, and
     * {@code gone} when the lease had already been closed (expired): the instance then asks for a new one.
     */
    public record LeaseGrant(UUID leaseId, BigDecimal granted, BigDecimal free, boolean refused, boolean gone) {}

    /** A lease its instance no longer needs, with its final spend. */
    public record LeaseRelease(UUID leaseId, BigDecimal reported) {}
}
