package io.tokenmeter.gateway.budgets;

import io.tokenmeter.contracts.budgets.BudgetLeaseApi.ApplicableBudget;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.LeaseGrant;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.LeaseRelease;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.LeaseRequest;

import java.util.List;

/**
 * The budgets' owner, billing-service, as the enforcing side sees it: which budgets a key is held to, and the leases
 * on them. Each method is one round trip to billing; none is on the per-call path while a lease has room.
 */
public interface BudgetBook {

    /** The live budgets of the tenant and of the key, ordered by id. */
    List<ApplicableBudget> applicableTo(String tenantId, String keyId);

    /** Opens or renews a lease: reports its spend and asks for room, in one step. */
    LeaseGrant renew(LeaseRequest request);

    /** Closes a lease with its final spend; its unspent slice is free again. */
    void release(LeaseRelease release);
}
