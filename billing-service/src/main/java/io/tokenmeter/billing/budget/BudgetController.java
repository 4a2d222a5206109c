package io.tokenmeter.billing.budget;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.swagger.v3.oas.annotations.Operation;
import io.tokenmeter.billing.profile.BillingProfile;
import io.tokenmeter.billing.profile.BillingProfileRepository;
import io.tokenmeter.billing.tenantkeys.TenantKeys;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.Kind;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.Window;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.Role;
import io.tokenmeter.contracts.money.MinorUnits;
import io.tokenmeter.contracts.money.Money;
import io.tokenmeter.starter.access.Access;
import io.tokenmeter.starter.audit.AdminAudit;
import io.tokenmeter.starter.secrets.SealedSecrets;
import io.tokenmeter.starter.web.ApiError;
import io.tokenmeter.starter.web.ApiException;
import io.tokenmeter.starter.web.CommonErrors;
import io.tokenmeter.starter.web.InvalidField;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import java.math.BigDecimal;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Budgets: a tenant's own cap is set by finance or admin; a tenant may cap each of its keys itself (both apply
 * to a call). Tenants read their own budgets, alerts and webhook; staff name the tenant. Every change is audited.
 */
@RestController
class BudgetController {

    private static final List<Integer> DEFAULT_THRESHOLDS = List.of(50, 80, 100);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Logger log = LoggerFactory.getLogger(BudgetController.class);

    /**
     * {@code api_key_id}: absent for the tenant's budget. {@code kind}: monthly (calendar month, UTC), custom
     * ({@code starts_at} to {@code ends_at}) or prepaid ({@code amount} is the opening balance; top-ups add to it).
     */
    record CreateBudget(
            String tenantId,
            String apiKeyId,
            @NotNull String kind,
            @NotNull BigDecimal amount,
            String currency,
            Instant startsAt,
            Instant endsAt,
            List<Integer> thresholds) {}

    record ChangeBudget(BigDecimal amount, List<Integer> thresholds) {}

    record TopUp(@NotNull @Positive BigDecimal amount) {}

    record WebhookRequest(String tenantId, @NotNull String url) {}

    /** The secret appears here, when set, and nowhere else. */
    record WebhookView(
            String tenantId,
            String url,
            String secret,
            String signatureHeader,
            @JsonProperty("signature_scheme") String scheme) {
        @Override
        public String toString() {
            return "WebhookView[tenant=" + tenantId + ", url=" + url + "]";
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record BudgetView(
            String id,
            String tenantId,
            String apiKeyId,
            String kind,
            BigDecimal amount,
            String currency,
            Instant startsAt,
            Instant endsAt,
            List<Integer> thresholds,
            Period period,
            BigDecimal spent,
            BigDecimal reserved,
            BigDecimal remaining,
            BigDecimal percentUsed,
            List<Integer> thresholdsCrossed,
            Instant createdAt) {}

    record Period(Instant start, Instant end) {}

    /**
     * One attempt, as its tenant may see it: the class of the answer ({@code 2xx} ... {@code 5xx}) and an outcome
     * word, never the exact status or the exception's text (which made the webhook a scanner with an oracle).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Delivery(int attempt, Instant at, String statusClass, String outcome) {}

    record AlertView(
            UUID alertId,
            String budgetId,
            @JsonProperty("threshold_percent") int threshold,
            BigDecimal amount,
            BigDecimal spent,
            String currency,
            Instant periodStart,
            Instant crossedAt,
            Instant publishedAt,
            String webhookState,
            List<Delivery> deliveries) {}

    private final BudgetRepository budgets;
    private final BillingProfileRepository tenants;
    private final TenantKeys keys;
    private final AdminAudit audit;
    private final WebhookTargets targets;
    private final SealedSecrets secrets;
    private final Duration arrivalWait;
    private final TransactionTemplate transactions;

    private static final ApiError WEBHOOKS_UNAVAILABLE = () ->
            new ApiError.Kind(HttpStatus.SERVICE_UNAVAILABLE, "webhooks-unavailable", "Webhooks cannot be set here");

    BudgetController(
            BudgetRepository budgets,
            BillingProfileRepository tenants,
            TenantKeys keys,
            AdminAudit audit,
            BudgetProperties properties,
            PlatformTransactionManager transactionManager) {
        this.budgets = budgets;
        this.tenants = tenants;
        this.keys = keys;
        this.audit = audit;
        this.targets = new WebhookTargets(properties.alerts().allowedHosts());
        this.secrets = new SealedSecrets(properties.alerts().secretKey(), "TOKENMETER_WEBHOOK_SECRET_KEY");
        this.arrivalWait = properties.arrivalWait();
        this.transactions = new TransactionTemplate(transactionManager);
    }

    @PostMapping("/api/v1/budgets")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(
            summary = "Create a budget: the tenant's (finance, admin) or a key's (the tenant itself, finance, admin)")
    BudgetView create(@Valid @RequestBody CreateBudget body, Caller caller) {
        String tenantId = tenantOf(caller, body.tenantId());
        mayChange(caller, body.apiKeyId());
        String tenantCurrency = arrived("tenant " + tenantId, () -> tenants.find(tenantId))
                .map(BillingProfile::currency)
                .orElseThrow(() -> new ApiException(CommonErrors.NOT_FOUND, "no tenant " + tenantId));
        if (body.apiKeyId() != null
                && arrived(
                                "key " + body.apiKeyId() + " of tenant " + tenantId,
                                () -> Optional.of(body.apiKeyId()).filter(key -> keys.belongsTo(key, tenantId)))
                        .isEmpty()) {
            throw new ApiException(CommonErrors.NOT_FOUND, "tenant " + tenantId + " has no key " + body.apiKeyId());
        }
        String currency = body.currency() == null ? tenantCurrency : body.currency();
        if (!currency.equals(tenantCurrency)) {
            throw ApiException.invalid(InvalidField.body(
                    "/currency", "tenant-currency", "a budget is in the tenant's currency, " + tenantCurrency));
        }
        Kind kind = kind(body.kind());
        amount(body.amount(), currency, false);
        if ((kind == Kind.CUSTOM) != (body.startsAt() != null || body.endsAt() != null)) {
            throw ApiException.invalid(InvalidField.body(
                    "/starts_at",
                    "custom-period",
                    "starts_at and ends_at are for a custom period, and a custom period needs both"));
        }
        if (kind == Kind.CUSTOM
                && (body.startsAt() == null
                        || body.endsAt() == null
                        || !body.endsAt().isAfter(body.startsAt()))) {
            throw ApiException.invalid(
                    InvalidField.body("/ends_at", "order", "a custom period needs starts_at before ends_at"));
        }
        List<Integer> thresholds = thresholds(body.thresholds() == null ? DEFAULT_THRESHOLDS : body.thresholds());
        // the writes in a transaction of their own: the waits above hold no database connection
        return transactions.execute(status -> {
            Budget created = budgets.create(
                    tenantId,
                    body.apiKeyId(),
                    kind,
                    body.amount(),
                    currency,
                    body.startsAt(),
                    body.endsAt(),
                    thresholds,
                    caller.keyId());
            BudgetView view = view(created);
            audit.record(caller, "create", "budget", created.id(), null, view);
            return view;
        });
    }

    @GetMapping("/api/v1/budgets")
    @Operation(
            summary =
                    "BudgetRepository with this period's spend, holds and crossed thresholds (a tenant its own; staff name tenant_id)")
    List<BudgetView> list(@RequestParam(name = "tenant_id", required = false) String tenantId, Caller caller) {
        String tenant = tenantOf(caller, tenantId);
        return budgets.ofTenant(tenant).stream().map(this::view).toList();
    }

    @GetMapping("/api/v1/budgets/{id}")
    @Operation(summary = "One budget with this period's spend")
    BudgetView get(@PathVariable String id, Caller caller) {
        return view(readable(caller, id));
    }

    @PatchMapping("/api/v1/budgets/{id}")
    @Operation(
            summary =
                    "Change a budget's amount or thresholds (a tenant only its keys' budgets); takes effect on the next call")
    @Transactional
    BudgetView change(@PathVariable String id, @RequestBody ChangeBudget body, Caller caller) {
        Budget budget = readable(caller, id);
        mayChange(caller, budget.apiKeyId());
        if (body.amount() != null) {
            if (budget.kind() == Kind.PREPAID) {
                throw ApiException.invalid(
                        InvalidField.body("/amount", "prepaid", "a prepaid balance changes by top-ups"));
            }
            amount(body.amount(), budget.currency(), false);
        }
        BudgetView before = view(budget);
        budgets.change(id, body.amount(), body.thresholds() == null ? null : thresholds(body.thresholds()));
        BudgetView after = view(budgets.find(id).orElseThrow());
        audit.record(caller, "change", "budget", id, before, after);
        return after;
    }

    @DeleteMapping("/api/v1/budgets/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(summary = "Remove a budget (a tenant only its keys' budgets)")
    @Transactional
    void delete(@PathVariable String id, Caller caller) {
        Budget budget = readable(caller, id);
        mayChange(caller, budget.apiKeyId());
        BudgetView before = view(budget);
        budgets.delete(id);
        audit.record(caller, "delete", "budget", id, before, null);
    }

    @PostMapping("/api/v1/budgets/{id}/top-ups")
    @Operation(summary = "Add to a prepaid balance (finance, admin); its alerts start afresh")
    @Transactional
    BudgetView topUp(@PathVariable String id, @Valid @RequestBody TopUp body, Caller caller) {
        Access.staff(caller, "only finance and admin keys top up a prepaid balance");
        Budget budget = readable(caller, id);
        if (budget.kind() != Kind.PREPAID) {
            throw ApiException.invalid(InvalidField.body(
                    "",
                    "prepaid",
                    "only a prepaid budget is topped up; change the amount of a "
                            + budget.kind().name().toLowerCase() + " one"));
        }
        amount(body.amount(), budget.currency(), true);
        BudgetView before = view(budget);
        budgets.topUp(id, body.amount());
        BudgetView after = view(budgets.find(id).orElseThrow());
        audit.record(caller, "top_up", "budget", id, before, after);
        return after;
    }

    @PutMapping("/api/v1/budgets/webhook")
    @Operation(summary = "Set the tenant's webhook for budget alerts; the answer shows the signing secret, once")
    @Transactional
    WebhookView setWebhook(@Valid @RequestBody WebhookRequest body, Caller caller) {
        String tenantId = tenantOf(caller, body.tenantId());
        Access.require(caller, "the tenant itself or an admin sets its webhook", Role.TENANT, Role.ADMIN);
        URI url;
        try {
            url = URI.create(body.url());
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(InvalidField.body("/url", "format", "url is not a URL: " + body.url()));
        }
        if (url.getScheme() == null
                || !List.of("http", "https").contains(url.getScheme().toLowerCase(Locale.ROOT))
                || url.getHost() == null) {
            throw ApiException.invalid(
                    InvalidField.body("/url", "http-url", "the webhook must be an http or https URL with a host"));
        }
        targets.refusal(url).ifPresent(why -> {
            throw ApiException.invalid(InvalidField.body(
                    "/url", "public-address", "the webhook must be reachable on the internet: " + why));
        });
        if (!secrets.configured()) {
            throw new ApiException(
                    WEBHOOKS_UNAVAILABLE,
                    "webhook signing secrets cannot be stored: billing-service has no TOKENMETER_WEBHOOK_SECRET_KEY");
        }
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String secret = "whsec_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        budgets.setWebhook(tenantId, url.toString(), secrets.seal(tenantId, secret), caller.keyId());
        audit.record(caller, "set_webhook", "budget_webhook", tenantId, null, Map.of("url", url.toString()));
        return new WebhookView(
                tenantId,
                url.toString(),
                secret,
                BudgetAlerts.SIGNATURE_HEADER,
                "t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<body>\" with the secret>");
    }

    @GetMapping("/api/v1/budgets/alerts")
    @Operation(summary = "Thresholds crossed, newest first, with each webhook delivery attempt")
    List<AlertView> alerts(@RequestParam(name = "tenant_id", required = false) String tenantId, Caller caller) {
        String tenant = tenantOf(caller, tenantId);
        return budgets.alerts(tenant, 200).stream()
                .map(a -> new AlertView(
                        a.alertId(),
                        a.budgetId(),
                        a.threshold(),
                        a.amount(),
                        a.spent(),
                        a.currency(),
                        a.periodStart(),
                        a.crossedAt(),
                        a.publishedAt(),
                        a.webhookState(),
                        a.deliveries().stream()
                                .map(d -> new Delivery(
                                        d.attempt(),
                                        d.at(),
                                        d.statusCode() == null ? null : d.statusCode() / 100 + "xx",
                                        d.error()))
                                .toList()))
                .toList();
    }

    /**
     * What the gateway publishes reaches billing a moment after the gateway answered: a tenant or key created just now
     * may not be here yet. Waits for it, boundedly, before saying it does not exist.
     */
    private <T> Optional<T> arrived(String what, Supplier<Optional<T>> lookup) {
        long deadline = System.nanoTime() + arrivalWait.toNanos();
        Optional<T> found = lookup.get();
        boolean logged = false;
        while (found.isEmpty() && System.nanoTime() < deadline) {
            if (!logged) {
                log.info("waiting up to {} for {} to arrive from the gateway", arrivalWait, what);
                logged = true;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            found = lookup.get();
        }
        return found;
    }

    private BudgetView view(Budget b) {
        Window window = b.windowAt(Instant.now());
        BudgetRepository.WindowState state =
                window == null ? BudgetRepository.WindowState.EMPTY : budgets.state(b, window);
        BigDecimal remaining = window == null
                ? null
                : b.amount().subtract(state.spent()).subtract(state.reserved()).max(BigDecimal.ZERO);
        BigDecimal percent = window == null || b.amount().signum() == 0
                ? null
                : state.spent().movePointRight(2).divide(b.amount(), 2, MinorUnits.ROUNDING);
        return new BudgetView(
                b.id(),
                b.tenantId(),
                b.apiKeyId(),
                b.kind().name().toLowerCase(),
                b.amount(),
                b.currency(),
                b.startsAt(),
                b.endsAt(),
                b.thresholds(),
                window == null ? null : new Period(window.start(), b.kind() == Kind.PREPAID ? null : window.end()),
                window == null ? null : state.spent(),
                window == null ? null : state.reserved(),
                remaining,
                percent,
                window == null ? List.of() : budgets.crossed(b, window),
                b.createdAt());
    }

    /** The tenant a caller acts for: a tenant key its own (naming another is refused), staff the one they name. */
    private static String tenantOf(Caller caller, String tenantId) {
        return Access.tenantOf(caller, tenantId, "a tenant key can only see and change its own tenant's budgets");
    }

    /** The budget, if the caller may see it; another tenant's budget is simply not found. */
    private Budget readable(Caller caller, String id) {
        return budgets.find(id)
                .filter(b -> Access.mayRead(caller, b.tenantId()))
                .orElseThrow(() -> new ApiException(CommonErrors.NOT_FOUND, "no budget " + id));
    }

    /** A tenant changes only its keys' caps, never its own: only finance and admin set what a tenant may spend. */
    private static void mayChange(Caller caller, String apiKeyId) {
        if (apiKeyId == null) {
            Access.staff(caller, "a tenant's own budget is set by finance or admin; a tenant key may cap its keys");
        }
    }

    private static Kind kind(String kind) {
        try {
            return Kind.valueOf(kind.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(InvalidField.body("/kind", "enum", "kind is monthly, custom or prepaid"));
        }
    }

    private static void amount(BigDecimal amount, String currency, boolean positive) {
        if (amount.signum() < 0 || (positive && amount.signum() == 0)) {
            throw ApiException.invalid(InvalidField.body(
                    "/amount", "range", "the amount must be " + (positive ? "positive" : "zero or more")));
        }
        Money money = Money.of(amount, currency);
        if (!money.inMinorUnits()) {
            throw ApiException.invalid(InvalidField.body(
                    "/amount",
                    "minor-units",
                    "an amount in " + currency + " has at most "
                            + money.currency().getDefaultFractionDigits() + " decimals"));
        }
    }

    private static List<Integer> thresholds(List<Integer> thresholds) {
        if (thresholds.stream().anyMatch(t -> t == null || t < 1 || t > 100)) {
            throw ApiException.invalid(
                    InvalidField.body("/thresholds", "range", "thresholds are whole percentages from 1 to 100"));
        }
        return thresholds.stream().distinct().sorted().toList();
    }
}
