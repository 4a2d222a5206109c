package io.tokenmeter.gateway.budgets;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;

/**
 * A budget created, changed or removed through this instance (the request routed to billing succeeded) applies here
 * from the next call: the instance forgets the budget lists it cached. Other instances reload theirs within
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
            applicable.forget();
        }
    }
}
