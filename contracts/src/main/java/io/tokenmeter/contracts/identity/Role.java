package io.tokenmeter.contracts.identity;

/** What an API key may do. */
public enum Role {
    /** Scoped to one tenant: calls models and reads that tenant's own usage and invoices. */
    TENANT,
    /** Runs billing and exports across tenants. */
    FINANCE,
    /** Manages tenants, keys, price books and FX. */
    ADMIN
}
