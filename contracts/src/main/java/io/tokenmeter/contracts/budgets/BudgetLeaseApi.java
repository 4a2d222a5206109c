package io.tokenmeter.contracts.budgets;

import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.Role;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;

/**
 * What the gateway, which enforces budgets, and billing-service, which owns them and keeps their ledger, say to each
 * other over HTTP: the budgets a call is held to, and the leases the gateway holds on them
 * ({@code docs/design/budget-leases.md}). The window rule is here so that both sides always agree on a window's start,
 * which keys the ledger.
 * <p>
 * The paths are under {@code /api/internal/}, which the gateway never routes: only the gateway itself calls them,
 * signed as {@link #GATEWAY_ITSELF}, a caller no API key can be (key ids are {@code key_...}).
 */
public final class BudgetLeaseApi {

    private BudgetLeaseApi() {}

    /** {@code GET ?tenant_id=&key_id=}: the {@link ApplicableBudget}s of a key (its tenant's and its own). */
    public static final String APPLICABLE_PATH = "/api/internal/budgets/applicable";
    /** {@code POST} a {@link LeaseRequest}, answered with a {@link LeaseGrant}. */
    public static final String LEASES_PATH = "/api/internal/budget-leases";
    /** {@code POST} a {@link LeaseRelease}; 204. */
    public static final String RELEASE_PATH = "/api/internal/budget-leases/release";

    /** Who the gateway signs its own lease calls as (they act for no API key). */
    public static final Caller GATEWAY_ITSELF = new Caller("service:api-gateway", Role.ADMIN, null);

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
