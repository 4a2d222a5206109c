package io.tokenmeter.console.session;

import java.io.Serializable;

/**
 * Who is signed in, as the gateway answered for the key: its id, role ({@code TENANT}, {@code FINANCE},
 * {@code ADMIN}) and, for a tenant key, the tenant and its currency. The key itself is not here: it stays in the
 * session under {@link ConsoleSession#KEY} and is read only to call the platform.
 */
public record SignedInUser(String keyId, String role, String tenantId, String currency) implements Serializable {

    public boolean tenant() {
        return "TENANT".equals(role);
    }

    public boolean finance() {
        return "FINANCE".equals(role) || admin();
    }

    public boolean admin() {
        return "ADMIN".equals(role);
    }

    /**
     * The tenant a page shows: a tenant key's own, whatever the page was asked for; for staff the one they named,
     * null until they name one.
     */
    public String tenantShown(String requested) {
        if (tenant()) {
            return tenantId;
        }
        return requested == null || requested.isBlank() ? null : requested;
    }

    /** The {@code tenant_id} to send the platform: none for a tenant key (the key scopes it), else the one named. */
    public String tenantParameter(String requested) {
        return tenant() ? null : tenantShown(requested);
    }

    /** Where a user lands after signing in: what their role does most. */
    public String home() {
        return switch (role) {
            case "ADMIN" -> "/console/admin/tenants";
            case "FINANCE" -> "/console/finance/runs";
            default -> "/console/usage";
        };
    }
}
