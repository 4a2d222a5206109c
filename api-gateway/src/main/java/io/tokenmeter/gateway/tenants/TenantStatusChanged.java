package io.tokenmeter.gateway.tenants;

/** A tenant was changed (suspended, restored, its regions): what was cached of its keys no longer holds. */
public record TenantStatusChanged(String tenantId) {}
