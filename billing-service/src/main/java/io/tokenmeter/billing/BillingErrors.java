package io.tokenmeter.billing;

import io.tokenmeter.contracts.web.ApiError;
import org.springframework.http.HttpStatus;

/** The refusals of billing-service; each code is the problem's stable type. */
public enum BillingErrors implements ApiError {
    NO_TAX_RULE(HttpStatus.UNPROCESSABLE_CONTENT, "no-tax-rule", "No tax rule applies to the sale"),
    NO_BILLING_PROFILE(HttpStatus.UNPROCESSABLE_CONTENT, "no-billing-profile", "The tenant has no billing profile yet"),
    CONFLICT(HttpStatus.CONFLICT, "conflict", "The change conflicts with what exists");

    private final HttpStatus status;
    private final String code;
    private final String title;

    BillingErrors(HttpStatus status, String code, String title) {
        this.status = status;
        this.code = code;
        this.title = title;
    }

    @Override
    public HttpStatus status() {
        return status;
    }

    @Override
    public String code() {
        return code;
    }

    @Override
    public String title() {
        return title;
    }
}
