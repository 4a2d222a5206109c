package io.tokenmeter.gateway.keys;

import io.swagger.v3.oas.annotations.Operation;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.Role;
import io.tokenmeter.gateway.tenants.TenantRepository;
import io.tokenmeter.starter.access.Access;
import io.tokenmeter.starter.audit.AdminAudit;
import io.tokenmeter.starter.web.ApiException;
import io.tokenmeter.starter.web.CommonErrors;
import io.tokenmeter.starter.web.InvalidField;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import org.springframework.http.HttpStatus;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Admin API for keys: a tenant's keys and the finance and admin keys: issue (shown once), list by prefix, revoke. */
@RestController
class KeyAdminController {

    record CreateKey(
            @NotBlank @Size(max = 200) String name,
            Role role,
            @jakarta.validation.constraints.Positive Integer requestsPerMinute) {}

    /** The clear key appears here once and nowhere else. */
    record IssuedKeyView(String id, String key, String prefix, Role role, String tenantId, String name) {
        static IssuedKeyView of(ApiKeys.IssuedKey k) {
            return new IssuedKeyView(k.id(), k.key(), k.prefix(), k.role(), k.tenantId(), k.name());
        }

        @Override
        public String toString() {
            return "IssuedKeyView[id=" + id + ", prefix=" + prefix + "]";
        }
    }

    /** A key as admins see it: never the hash or the clear value. */
    record KeyView(String id, String prefix, String name, Role role, Instant createdAt, Instant revokedAt) {
        static KeyView of(ApiKey k) {
            return new KeyView(
                    k.getId(), k.getKeyPrefix(), k.getName(), k.getRole(), k.getCreatedAt(), k.getRevokedAt());
        }
    }

    private final ApiKeys keys;
    private final TenantRepository tenants;
    private final AdminAudit audit;

    KeyAdminController(ApiKeys keys, TenantRepository tenants, AdminAudit audit) {
        this.keys = keys;
        this.tenants = tenants;
        this.audit = audit;
    }

    @PostMapping("/api/v1/admin/tenants/{tenantId}/api-keys")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Issue a tenant API key (admin); the key is shown only in this answer")
    IssuedKeyView issueTenantKey(@PathVariable String tenantId, @Valid @RequestBody CreateKey body, Caller caller) {
        Caller admin = Access.admin(caller);
        if (!tenants.existsById(tenantId)) {
            throw new ApiException(CommonErrors.NOT_FOUND, "no tenant " + tenantId);
        }
        if (body.role() != null && body.role() != Role.TENANT) {
            throw ApiException.invalid(InvalidField.body("/role", "enum", "keys under a tenant have the tenant role"));
        }
        IssuedKeyView issued = IssuedKeyView.of(
                keys.issue(Role.TENANT, tenantId, body.name(), admin.keyId(), body.requestsPerMinute()));
        audit.record(
                admin,
                "create",
                "api_key",
                issued.id(),
                null,
                Map.of("tenant_id", tenantId, "prefix", issued.prefix(), "name", issued.name()));
        return issued;
    }

    @GetMapping("/api/v1/admin/tenants/{tenantId}/api-keys")
    @Operation(summary = "List a tenant's keys by prefix (admin); hashes and clear keys are never shown")
    List<KeyView> listKeys(@PathVariable String tenantId, Caller caller) {
        Access.admin(caller);
        if (!tenants.existsById(tenantId)) {
            throw new ApiException(CommonErrors.NOT_FOUND, "no tenant " + tenantId);
        }
        return keys.ofTenant(tenantId).stream().map(KeyView::of).toList();
    }

    /** A tenant's own keys, for its console and scripts: the same view admins get, of its own tenant only. */
    @GetMapping("/api/v1/keys")
    @Operation(summary = "The calling tenant's own keys by prefix (tenant keys); hashes and clear keys never shown")
    List<KeyView> ownKeys(Caller caller) {
        if (!caller.is(Role.TENANT)) {
            throw new ApiException(
                    CommonErrors.FORBIDDEN,
                    "this lists a tenant's own keys; staff use /api/v1/admin/tenants/{id}/api-keys");
        }
        return keys.ofTenant(caller.tenantId()).stream().map(KeyView::of).toList();
    }

    @DeleteMapping("/api/v1/admin/tenants/{tenantId}/api-keys/{keyId}")
    @Operation(summary = "Revoke a key (admin): the next call with it is refused")
    @Transactional
    KeyView revoke(@PathVariable String tenantId, @PathVariable String keyId, Caller caller) {
        Caller admin = Access.admin(caller);
        var key = keys.revoke(tenantId, keyId)
                .orElseThrow(
                        () -> new ApiException(CommonErrors.NOT_FOUND, "tenant " + tenantId + " has no key " + keyId));
        KeyView revoked = KeyView.of(key);
        audit.record(admin, "revoke", "api_key", keyId, null, revoked);
        return revoked;
    }

    @PostMapping("/api/v1/admin/api-keys")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Issue a finance or admin API key (admin); the key is shown only in this answer")
    IssuedKeyView issueStaffKey(@Valid @RequestBody CreateKey body, Caller caller) {
        Caller admin = Access.admin(caller);
        if (body.role() != Role.FINANCE && body.role() != Role.ADMIN) {
            throw ApiException.invalid(InvalidField.body(
                    "/role", "enum", "role must be FINANCE or ADMIN; tenant keys are issued under a tenant"));
        }
        IssuedKeyView issued =
                IssuedKeyView.of(keys.issue(body.role(), null, body.name(), admin.keyId(), body.requestsPerMinute()));
        audit.record(
                admin,
                "create",
                "api_key",
                issued.id(),
                null,
                Map.of("role", issued.role().name(), "prefix", issued.prefix(), "name", issued.name()));
        return issued;
    }

    @GetMapping("/api/v1/admin/api-keys")
    @Operation(summary = "List the finance and admin keys by prefix (admin); hashes and clear keys are never shown")
    List<KeyView> listStaffKeys(Caller caller) {
        Access.admin(caller);
        return keys.staffKeys().stream().map(KeyView::of).toList();
    }

    @DeleteMapping("/api/v1/admin/api-keys/{keyId}")
    @Operation(
            summary =
                    "Revoke a finance or admin key (admin): refused from the next call here, within the cache TTL elsewhere")
    @Transactional
    KeyView revokeStaffKey(@PathVariable String keyId, Caller caller) {
        Caller admin = Access.admin(caller);
        ApiKey key;
        try {
            key = keys.revokeStaffKey(keyId)
                    .orElseThrow(() -> new ApiException(CommonErrors.NOT_FOUND, "no finance or admin key " + keyId));
        } catch (ApiKeys.LastAdminKey last) {
            throw new ApiException(CommonErrors.CONFLICT, last.getMessage());
        }
        KeyView revoked = KeyView.of(key);
        audit.record(admin, "revoke", "api_key", keyId, null, revoked);
        return revoked;
    }
}
