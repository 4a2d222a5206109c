package io.tokenmeter.gateway.budgets;

import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.Role;
import io.tokenmeter.starter.web.CallerFilter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;

/**
 * A budget created, changed or removed through this instance (the request routed to billing succeeded) applies here
 * from the next call: the instance forgets the budget lists it cached for that tenant (all of them when staff made
 * the change), and only those keys' next calls ask billing again. Other instances reload theirs within
 * {@code budgets-cache-ttl}.
 */
@Component
class BudgetChangesFilter extends OncePerRequestFilter {

    private final ApplicableBudgets applicable;

    BudgetChangesFilter(ApplicableBudgets applicable) {
        this.applicable = applicable;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return "GET".equals(request.getMethod()) || !request.getRequestURI().startsWith("/api/v1/budgets");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        chain.doFilter(request, response);
        if (response.getStatus() / 100 == 2) {
            // a tenant changes only its own budgets; staff may name any tenant (in the body), so all lists go
            Caller caller = CallerFilter.callerOf(request);
            applicable.forget(caller.is(Role.TENANT) ? caller.tenantId() : null);
        }
    }
}
