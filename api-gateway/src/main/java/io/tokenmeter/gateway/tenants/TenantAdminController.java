package io.tokenmeter.gateway.tenants;

import io.swagger.v3.oas.annotations.Operation;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.usage.EventIds;
import io.tokenmeter.starter.access.Access;
import io.tokenmeter.starter.audit.AdminAudit;
import io.tokenmeter.starter.web.ApiException;
import io.tokenmeter.starter.web.CommonErrors;
import io.tokenmeter.starter.web.InvalidField;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.springframework.http.HttpStatus;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import java.time.Instant;
import java.util.Currency;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Admin API for tenants: create, list, suspend and restore, regions and billing identity, and the audit log (keys:
 * {@code keys}).
 */
@RestController
class TenantAdminController {

    private static final Set<String> COUNTRIES = Set.of(Locale.getISOCountries());

    /**
     * {@code allowed_regions}: the serving regions this tenant's calls may use; absent or null allows all.
     * {@code legal_name} (the name when absent) and {@code tax_id} (absent: a buyer without one) are what billing
     * invoices.
     */
    record CreateTenant(
            @NotBlank @Size(max = 200) String name,
            @NotBlank @Pattern(regexp = "[A-Z]{2}") String billingCountry,
            @NotBlank @Pattern(regexp = "[A-Z]{3}") String currency,
            List<@Pattern(regexp = "[A-Za-z0-9._-]+") String> allowedRegions,
            @Size(max = 300) String legalName,
            @Size(max = 64) String taxId,

            @Pattern(regexp = "[A-Z0-9]{2,10}") String issuerId) {}

    /** The tenant's identity for invoices; takes effect for invoices drafted after the change. */
    record BillingIdentity(
            @NotBlank @Size(max = 300) String legalName,
            @NotBlank @Pattern(regexp = "[A-Z]{2}") String billingCountry,
            @Size(max = 64) String taxId,
            @NotBlank @Pattern(regexp = "[A-Z]{3}") String currency,

            @Pattern(regexp = "[A-Z0-9]{2,10}") String issuerId) {}

    record RegionsRequest(List<@Pattern(regexp = "[A-Za-z0-9._-]+") String> allowedRegions) {}

    record TenantView(
            String id,
            String name,
            String legalName,
            String billingCountry,
            String taxId,
            String currency,
            String issuerId,
            TenantStatus status,
            List<String> allowedRegions,
            Instant createdAt) {
        static TenantView of(Tenant t) {
            return new TenantView(
                    t.getId(),
                    t.getName(),
                    t.getLegalName(),
                    t.getBillingCountry(),
                    t.getTaxId(),
                    t.getCurrency(),
                    t.getIssuerId(),
                    t.getStatus(),
                    t.getAllowedRegions(),
                    t.getCreatedAt());
        }
    }

    private final TenantRepository tenants;
    private final org.springframework.context.ApplicationEventPublisher events;
    private final AdminAudit audit;
    private final TenantProfiles profiles;

    TenantAdminController(
            TenantRepository tenants,
            org.springframework.context.ApplicationEventPublisher events,
            AdminAudit audit,
            TenantProfiles profiles) {
        this.tenants = tenants;
        this.events = events;
        this.audit = audit;
        this.profiles = profiles;
    }

    @PostMapping("/api/v1/admin/tenants")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Create a tenant (admin)")
    @Transactional
    TenantView create(@Valid @RequestBody CreateTenant body, Caller caller) {
        Caller admin = Access.admin(caller);
        checkCountryAndCurrency(body.billingCountry(), body.currency());
        Tenant tenant = new Tenant(
                "ten_" + EventIds.newEventId(), body.name(), body.billingCountry(), body.currency(), admin.keyId());
        tenant.setBillingIdentity(
                blankToNull(body.legalName()),
                body.billingCountry(),
                blankToNull(body.taxId()),
                body.currency(),
                body.issuerId());
        tenant.setAllowedRegions(regions(body.allowedRegions()));
        Tenant saved = tenants.save(tenant);
        TenantView created = TenantView.of(saved);
        audit.record(admin, "create", "tenant", created.id(), null, created);
        profiles.changed(saved);
        return created;
    }

    @PutMapping("/api/v1/admin/tenants/{tenantId}/billing-identity")
    @Operation(summary = "Set who is invoiced: legal name, billing country, tax id, invoice currency (admin)")
    @Transactional
    TenantView setBillingIdentity(
            @PathVariable String tenantId, @Valid @RequestBody BillingIdentity body, Caller caller) {
        Caller admin = Access.admin(caller);
        checkCountryAndCurrency(body.billingCountry(), body.currency());
        Tenant tenant = existing(tenantId);
        TenantView before = TenantView.of(tenant);
        tenant.setBillingIdentity(
                body.legalName(), body.billingCountry(), blankToNull(body.taxId()), body.currency(), body.issuerId());
        return saveChange(admin, tenant, "set_billing_identity", before);
    }

    private static void checkCountryAndCurrency(String country, String currency) {
        if (!COUNTRIES.contains(country)) {
            throw ApiException.invalid(InvalidField.body(
                    "/billing_country", "iso-3166", "billing_country is not an ISO 3166 country: " + country));
        }
        try {
            Currency.getInstance(currency);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(
                    InvalidField.body("/currency", "iso-4217", "currency is not an ISO 4217 currency: " + currency));
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }

    /** Saves a change to a tenant: audited, cached keys forgotten, the new profile published after commit. */
    private TenantView saveChange(Caller admin, Tenant tenant, String action, TenantView before) {
        tenant.touch();
        Tenant saved = tenants.save(tenant);
        TenantView after = TenantView.of(saved);
        events.publishEvent(new TenantStatusChanged(saved.getId())); // keys forget what they cached of it
        audit.record(admin, action, "tenant", saved.getId(), before, after);
        profiles.changed(saved);
        return after;
    }

    @GetMapping("/api/v1/admin/tenants")
    @Operation(summary = "List tenants (admin)")
    List<TenantView> list(Caller caller) {
        Access.admin(caller);
        return tenants.findAllByOrderByCreatedAtAsc().stream()
                .map(TenantView::of)
                .toList();
    }

    @PostMapping("/api/v1/admin/tenants/{tenantId}/suspend")
    @Operation(summary = "Suspend a tenant (admin): its calls get 403 from the next one on")
    @Transactional
    TenantView suspend(@PathVariable String tenantId, Caller caller) {
        return setStatus(tenantId, TenantStatus.SUSPENDED, "suspend", caller);
    }

    @PostMapping("/api/v1/admin/tenants/{tenantId}/activate")
    @Operation(summary = "Lift a suspension (admin)")
    @Transactional
    TenantView activate(@PathVariable String tenantId, Caller caller) {
        return setStatus(tenantId, TenantStatus.ACTIVE, "activate", caller);
    }

    @PutMapping("/api/v1/admin/tenants/{tenantId}/regions")
    @Operation(summary = "Restrict the serving regions of a tenant's calls, or lift the restriction with null (admin)")
    @Transactional
    TenantView setRegions(@PathVariable String tenantId, @Valid @RequestBody RegionsRequest body, Caller caller) {
        Caller admin = Access.admin(caller);
        Tenant tenant = existing(tenantId);
        TenantView before = TenantView.of(tenant);
        tenant.setAllowedRegions(regions(body.allowedRegions()));
        return saveChange(admin, tenant, "set_regions", before);
    }

    private static List<String> regions(List<String> requested) {
        if (requested != null && requested.isEmpty()) {
            throw ApiException.invalid(InvalidField.body(
                    "/allowed_regions",
                    "not-empty",
                    "allowed_regions cannot be empty (that would allow nothing); use null to allow all"));
        }
        return requested == null ? null : requested.stream().distinct().toList();
    }

    private TenantView setStatus(String tenantId, TenantStatus status, String action, Caller caller) {
        Caller admin = Access.admin(caller);
        Tenant tenant = existing(tenantId);
        TenantView before = TenantView.of(tenant);
        tenant.setStatus(status);
        return saveChange(admin, tenant, action, before);
    }

    private Tenant existing(String tenantId) {
        return tenants.findById(tenantId)
                .orElseThrow(() -> new ApiException(CommonErrors.NOT_FOUND, "no tenant " + tenantId));
    }
}
