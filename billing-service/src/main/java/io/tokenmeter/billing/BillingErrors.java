package io.tokenmeter.billing;

import io.tokenmeter.starter.web.ApiError;
import org.springframework.http.HttpStatus;

/** The refusals of billing-service; each code is the problem's stable type. */
public enum BillingErrors implements ApiError {
    NO_TAX_RULE(HttpStatus.UNPROCESSABLE_CONTENT, "no-tax-rule", "No tax rule applies to the sale"),
    CONFLICT(HttpStatus.CONFLICT, "conflict", "The change conflicts with what exists"),
    PERIOD_OPEN(
            HttpStatus.UNPROCESSABLE_CONTENT, "period-open", "The period has not closed yet (grace window included)"),
    SERVICE_CALL_FAILED(
            HttpStatus.BAD_GATEWAY, "service-call-failed", "Metering or pricing did not give what the answer needs");

    private final Kind kind;

    BillingErrors(HttpStatus status, String code, String title) {
        this.kind = new Kind(status, code, title);
    }

    @Override
    public Kind kind() {
        return kind;
    }
}
