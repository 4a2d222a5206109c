package io.tokenmeter.gateway.tenants;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.swagger.v3.oas.annotations.Operation;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.Role;
import io.tokenmeter.contracts.usage.EventIds;
import io.tokenmeter.contracts.web.ApiException;
import io.tokenmeter.contracts.web.InvalidField;
import io.tokenmeter.contracts.web.CommonErrors;
import io.tokenmeter.gateway.audit.AdminAudit;
import io.tokenmeter.gateway.auth.ApiKeyAuthenticationFilter;
import io.tokenmeter.gateway.keys.ApiKeys;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.springframework.http.HttpStatus;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
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
import java.util.Map;
import java.util.Set;

/** Admin API for tenants and their keys: create, list, suspend and restore, issue and revoke keys, and the audit log. */
@RestController
class TenantAdminController {

    private static final Set<String> COUNTRIES = Set.of(Locale.getISOCountries());

    /**
     * {@code allowed_regions}: the serving regions this tenant's calls may use; absent or null allows all.
     * {@code legal_name} (the name when absent) and {@code tax_id} (absent: a buyer without one) are what billing
     * invoices.
     */
    record CreateTenant(@NotBlank @Size(max = 200) String name,
                        @JsonProperty("billing_country") @NotBlank @Pattern(regexp = "[A-Z]{2}") String billingCountry,
                        @NotBlank @Pattern(regexp = "[A-Z]{3}") String currency,
                        @JsonProperty("allowed_regions") List<@Pattern(regexp = "[A-Za-z0-9._-]+") String> allowedRegions,
                        @JsonProperty("legal_name") @Size(max = 300) String legalName,
                        @JsonProperty("tax_id") @Size(max = 64) String taxId,
                        @JsonProperty("issuer_id") @Pattern(regexp = "[A-Z0-9]{2,10}") String issuerId) {
    }

    /** The tenant's identity for invoices; takes effect for invoices drafted after the change. */
    record BillingIdentity(@JsonProperty("legal_name") @NotBlank @Size(max = 300) String legalName,
                           @JsonProperty("billing_country") @NotBlank @Pattern(regexp = "[A-Z]{2}") String billingCountry,
                           @JsonProperty("tax_id") @Size(max = 64) String taxId,
                           @NotBlank @Pattern(regexp = "[A-Z]{3}") String currency,
                           @JsonProperty("issuer_id") @Pattern(regexp = "[A-Z0-9]{2,10}") String issuerId) {
    }

    record RegionsRequest(@JsonProperty("allowed_regions") List<@Pattern(regexp = "[A-Za-z0-9._-]+") String> allowedRegions) {
    }

    record TenantView(String id, String name, @JsonProperty("legal_name") String legalName,
                      @JsonProperty("billing_country") String billingCountry, @JsonProperty("tax_id") String taxId, String currency,
                      @JsonProperty("issuer_id") String issuerId, TenantStatus status, @JsonProperty("allowed_regions") List<String> allowedRegions,
                      @JsonProperty("created_at") Instant createdAt) {
        static TenantView of(Tenant t) {
            return new TenantView(t.getId(), t.getName(), t.getLegalName(), t.getBillingCountry(), t.getTaxId(), t.getCurrency(),
                    t.getIssuerId(), t.getStatus(), t.getAllowedRegions(), t.getCreatedAt());
        }
    }

    record CreateKey(@NotBlank @Size(max = 200) String name, Role role,
                     @JsonProperty("requests_per_minute") @jakarta.validation.constraints.Positive Integer requestsPerMinute) {
    }

    /** The clear key appears here once and nowhere else. */
    record IssuedKeyView(String id, String key, String prefix, Role role, @JsonProperty("tenant_id") String tenantId, String name) {
        static IssuedKeyView of(ApiKeys.IssuedKey k) {
            return new IssuedKeyView(k.id(), k.key(), k.prefix(), k.role(), k.tenantId(), k.name());
        }

        @Override
        public String toString() {
            return "IssuedKeyView[id=" + id + ", prefix=" + prefix + "]";
        }
    }

    /** A key as admins see it: never the hash or the clear value. */
    record KeyView(String id, String prefix, String name, Role role, @JsonProperty("created_at") Instant createdAt,
                   @JsonProperty("revoked_at") Instant revokedAt) {
        static KeyView of(io.tokenmeter.gateway.keys.ApiKey k) {
            return new KeyView(k.getId(), k.getKeyPrefix(), k.getName(), k.getRole(), k.getCreatedAt(), k.getRevokedAt());
        }
    }

    private final TenantRepository tenants;
    private final ApiKeys keys;
    private final AdminAudit audit;
    private final TenantProfiles profiles;

    TenantAdminController(TenantRepository tenants, ApiKeys keys, AdminAudit audit, TenantProfiles profiles) {
        this.tenants = tenants;
        this.keys = keys;
        this.audit = audit;
        this.profiles = profiles;
    }

    @PostMapping("/api/v1/admin/tenants")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Create a tenant (admin)")
    @Transactional
    TenantView create(@Valid @RequestBody CreateTenant body, HttpServletRequest request) {
        Caller admin = admin(request);
        checkCountryAndCurrency(body.billingCountry(), body.currency());
        Tenant tenant = new Tenant("ten_" + EventIds.newEventId(), body.name(), body.billingCountry(), body.currency(), admin.keyId());
        tenant.setBillingIdentity(blankToNull(body.legalName()), body.billingCountry(), blankToNull(body.taxId()), body.currency(),
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
    TenantView setBillingIdentity(@PathVariable String tenantId, @Valid @RequestBody BillingIdentity body, HttpServletRequest request) {
        Caller admin = admin(request);
        checkCountryAndCurrency(body.billingCountry(), body.currency());
        Tenant tenant = existing(tenantId);
        TenantView before = TenantView.of(tenant);
        tenant.setBillingIdentity(body.legalName(), body.billingCountry(), blankToNull(body.taxId()), body.currency(), body.issuerId());
        return saveChange(admin, tenant, "set_billing_identity", before);
    }

    private static void checkCountryAndCurrency(String country, String currency) {
        if (!COUNTRIES.contains(country)) {
            throw ApiException.invalid(InvalidField.body("/billing_country", "iso-3166", "billing_country is not an ISO 3166 country: " + country));
        }
        try {
            Currency.getInstance(currency);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(InvalidField.body("/currency", "iso-4217", "currency is not an ISO 4217 currency: " + currency));
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
        keys.forgetCachedKeys();
        audit.record(admin, action, "tenant", saved.getId(), before, after);
        profiles.changed(saved);
        return after;
    }

    @GetMapping("/api/v1/admin/tenants")
    @Operation(summary = "List tenants (admin)")
    List<TenantView> list(HttpServletRequest request) {
        admin(request);
        return tenants.findAllByOrderByCreatedAtAsc().stream().map(TenantView::of).toList();
    }

    @PostMapping("/api/v1/admin/tenants/{tenantId}/api-keys")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Issue a tenant API key (admin); the key is shown only in this answer")
    IssuedKeyView issueTenantKey(@PathVariable String tenantId, @Valid @RequestBody CreateKey body, HttpServletRequest request) {
        Caller admin = admin(request);
        if (!tenants.existsById(tenantId)) {
            throw new ApiException(CommonErrors.NOT_FOUND, "no tenant " + tenantId);
        }
        if (body.role() != null && body.role() != Role.TENANT) {
            throw ApiException.invalid(InvalidField.body("/role", "enum", "keys under a tenant have the tenant role"));
        }
        IssuedKeyView issued = IssuedKeyView.of(keys.issue(Role.TENANT, tenantId, body.name(), admin.keyId(), body.requestsPerMinute()));
        audit.record(admin, "create", "api_key", issued.id(), null, Map.of("tenant_id", tenantId, "prefix", issued.prefix(), "name", issued.name()));
        return issued;
    }

    @GetMapping("/api/v1/admin/tenants/{tenantId}/api-keys")
    @Operation(summary = "List a tenant's keys by prefix (admin); hashes and clear keys are never shown")
    List<KeyView> listKeys(@PathVariable String tenantId, HttpServletRequest request) {
        admin(request);
        existing(tenantId);
        return keys.ofTenant(tenantId).stream().map(KeyView::of).toList();
    }

    @DeleteMapping("/api/v1/admin/tenants/{tenantId}/api-keys/{keyId}")
    @Operation(summary = "Revoke a key (admin): the next call with it is refused")
    @Transactional
    KeyView revoke(@PathVariable String tenantId, @PathVariable String keyId, HttpServletRequest request) {
        Caller admin = admin(request);
        var key = keys.revoke(tenantId, keyId)
                .orElseThrow(() -> new ApiException(CommonErrors.NOT_FOUND, "tenant " + tenantId + " has no key " + keyId));
        KeyView revoked = KeyView.of(key);
        audit.record(admin, "revoke", "api_key", keyId, null, revoked);
        return revoked;
    }

    @PostMapping("/api/v1/admin/tenants/{tenantId}/suspend")
    @Operation(summary = "Suspend a tenant (admin): its calls get 403 from the next one on")
    @Transactional
    TenantView suspend(@PathVariable String tenantId, HttpServletRequest request) {
        return setStatus(tenantId, TenantStatus.SUSPENDED, "suspend", request);
    }

    @PostMapping("/api/v1/admin/tenants/{tenantId}/activate")
    @Operation(summary = "Lift a suspension (admin)")
    @Transactional
    TenantView activate(@PathVariable String tenantId, HttpServletRequest request) {
        return setStatus(tenantId, TenantStatus.ACTIVE, "activate", request);
    }

    @PutMapping("/api/v1/admin/tenants/{tenantId}/regions")
    @Operation(summary = "Restrict the serving regions of a tenant's calls, or lift the restriction with null (admin)")
    @Transactional
    TenantView setRegions(@PathVariable String tenantId, @Valid @RequestBody RegionsRequest body, HttpServletRequest request) {
        Caller admin = admin(request);
        Tenant tenant = existing(tenantId);
        TenantView before = TenantView.of(tenant);
        tenant.setAllowedRegions(regions(body.allowedRegions()));
        return saveChange(admin, tenant, "set_regions", before);
    }

    private static List<String> regions(List<String> requested) {
        if (requested != null && requested.isEmpty()) {
            throw ApiException.invalid(InvalidField.body("/allowed_regions", "not-empty", "allowed_regions cannot be empty (that would allow nothing); use null to allow all"));
        }
        return requested == null ? null : requested.stream().distinct().toList();
    }

    @GetMapping("/api/v1/admin/audit")
    @Operation(summary = "The audit log of tenant and key changes, newest first (admin)")
    List<AdminAudit.Entry> auditLog(@RequestParam(required = false) String entity, @RequestParam(name = "entity_id", required = false) String entityId,
                                    @RequestParam(defaultValue = "100") int limit, HttpServletRequest request) {
        admin(request);
        return audit.find(entity, entityId, Math.max(1, Math.min(limit, 1000)));
    }

    private TenantView setStatus(String tenantId, TenantStatus status, String action, HttpServletRequest request) {
        Caller admin = admin(request);
        Tenant tenant = existing(tenantId);
        TenantView before = TenantView.of(tenant);
        tenant.setStatus(status);
        return saveChange(admin, tenant, action, before);
    }

    private Tenant existing(String tenantId) {
        return tenants.findById(tenantId).orElseThrow(() -> new ApiException(CommonErrors.NOT_FOUND, "no tenant " + tenantId));
    }

    @PostMapping("/api/v1/admin/api-keys")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Issue a finance or admin API key (admin); the key is shown only in this answer")
    IssuedKeyView issueStaffKey(@Valid @RequestBody CreateKey body, HttpServletRequest request) {
        Caller admin = admin(request);
        if (body.role() != Role.FINANCE && body.role() != Role.ADMIN) {
            throw ApiException.invalid(InvalidField.body("/role", "enum", "role must be FINANCE or ADMIN; tenant keys are issued under a tenant"));
        }
        IssuedKeyView issued = IssuedKeyView.of(keys.issue(body.role(), null, body.name(), admin.keyId(), body.requestsPerMinute()));
        audit.record(admin, "create", "api_key", issued.id(), null, Map.of("role", issued.role().name(), "prefix", issued.prefix(), "name", issued.name()));
        return issued;
    }

    @GetMapping("/api/v1/admin/api-keys")
    @Operation(summary = "List the finance and admin keys by prefix (admin); hashes and clear keys are never shown")
    List<KeyView> listStaffKeys(HttpServletRequest request) {
        admin(request);
        return keys.staffKeys().stream().map(KeyView::of).toList();
    }

    @DeleteMapping("/api/v1/admin/api-keys/{keyId}")
    @Operation(summary = "Revoke a finance or admin key (admin): refused from the next call here, within the cache TTL elsewhere")
    @Transactional
    KeyView revokeStaffKey(@PathVariable String keyId, HttpServletRequest request) {
        Caller admin = admin(request);
        io.tokenmeter.gateway.keys.ApiKey key;
        try {
            key = keys.revokeStaffKey(keyId).orElseThrow(() -> new ApiException(CommonErrors.NOT_FOUND, "no finance or admin key " + keyId));
        } catch (ApiKeys.LastAdminKey last) {
            throw new ApiException(CommonErrors.CONFLICT, last.getMessage());
        }
        KeyView revoked = KeyView.of(key);
        audit.record(admin, "revoke", "api_key", keyId, null, revoked);
        return revoked;
    }

    private static Caller admin(HttpServletRequest request) {
        Caller caller = ApiKeyAuthenticationFilter.callerOf(request);
        if (!caller.is(Role.ADMIN)) {
            throw new ApiException(CommonErrors.FORBIDDEN, "this needs an admin key");
        }
        return caller;
    }
}
