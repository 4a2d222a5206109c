package io.tokenmeter.gateway.budgets;

import io.tokenmeter.contracts.budgets.BudgetLeaseApi;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.ApplicableBudget;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.LeaseGrant;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.LeaseRelease;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.LeaseRequest;
import io.tokenmeter.contracts.identity.CallerHeaders;
import io.tokenmeter.contracts.json.WireJson;
import io.tokenmeter.gateway.proxy.ServiceProperties;
import io.tokenmeter.gateway.proxy.SignedCalls;
import org.springframework.core.retry.RetryException;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The budget book at its owner, billing-service: its internal lease API, signed as the gateway itself. None of these
 * calls is on a call's path while a lease has room. A failure is thrown (the call asking then gets a 503, a
 * background renewal tries again at the next tick).
 * <p>
 * Retries: a request billing never received (the connection was refused) is always sent again; any other I/O failure
 * only where a repeat changes nothing (reading the budgets, renewing or releasing a lease that exists), not where it
 * would open a second lease.
 */
@Component
class BillingBudgetBook implements BudgetBook {

    /** Billing did not answer, or answered with an error. */
    static final class BillingUnreachable extends RuntimeException {
        BillingUnreachable(String message) {
            super(message);
        }
    }

    private static final JsonMapper JSON = WireJson.MAPPER;
    private static final TypeReference<List<ApplicableBudget>> BUDGETS = new TypeReference<>() {};

    private final RetryTemplate anyFailure = SignedCalls.retrying(IOException.class);
    private final RetryTemplate refusedOnly = SignedCalls.retrying(ConnectException.class);
    private final SignedCalls billing;

    BillingBudgetBook(ServiceProperties services, CallerHeaders callers) {
        this.billing = new SignedCalls(services.billing(), callers);
    }

    @Override
    public List<ApplicableBudget> applicableTo(String tenantId, String keyId) {
        String query = "?tenant_id=" + URLEncoder.encode(tenantId, StandardCharsets.UTF_8) + "&key_id="
                + URLEncoder.encode(keyId, StandardCharsets.UTF_8);
        return JSON.readValue(send("GET", BudgetLeaseApi.APPLICABLE_PATH, query, null, anyFailure), BUDGETS);
    }

    @Override
    public LeaseGrant renew(LeaseRequest request) {
        byte[] body = JSON.writeValueAsBytes(request);
        RetryTemplate retry = request.leaseId() == null ? refusedOnly : anyFailure;
        return JSON.readValue(send("POST", BudgetLeaseApi.LEASES_PATH, "", body, retry), LeaseGrant.class);
    }

    @Override
    public void release(LeaseRelease release) {
        send("POST", BudgetLeaseApi.RELEASE_PATH, "", JSON.writeValueAsBytes(release), anyFailure);
    }

    private String send(String method, String path, String query, byte[] body, RetryTemplate retry) {
        HttpResponse<String> response;
        try {
            response = billing.send(BudgetLeaseApi.GATEWAY_ITSELF, method, path, query, body, retry);
        } catch (RetryException e) {
            throw new BillingUnreachable(
                    "billing-service could not be reached for budgets: " + (e.getCause() == null ? e : e.getCause()));
        }
        if (response.statusCode() / 100 != 2) {
            throw new BillingUnreachable("billing-service answered " + response.statusCode() + " to " + method + " "
                    + path + ": " + response.body());
        }
        return response.body();
    }
}
