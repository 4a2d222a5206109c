package io.tokenmeter.pricing;

import io.tokenmeter.starter.web.ApiError;
import org.springframework.http.HttpStatus;

/** The refusals of pricing-service; each code is the problem's stable type. */
public enum PricingErrors implements ApiError {
    INVALID_PRICE_BOOK(HttpStatus.BAD_REQUEST, "invalid-price-book", "The price book or version is not valid"),
    UNKNOWN_CURRENCY(HttpStatus.BAD_REQUEST, "unknown-currency", "Not an ISO 4217 currency"),
    VERSION_IN_EFFECT(HttpStatus.CONFLICT, "version-in-effect", "The version has taken effect and cannot change"),
    INVALID_FX_RATES(HttpStatus.BAD_REQUEST, "invalid-fx-rates", "The FX rates are not valid"),
    FX_RATE_MISSING(HttpStatus.UNPROCESSABLE_CONTENT, "fx-rate-missing", "No FX rate for the pair and date"),
    INVOICED_PERIOD(HttpStatus.CONFLICT, "invoiced-period", "The change would reprice a period already invoiced"),
    PRICES_CHANGED(HttpStatus.CONFLICT, "prices-changed", "The period's prices changed after the draft was made");

    private final Kind kind;

    PricingErrors(HttpStatus status, String code, String title) {
        this.kind = new Kind(status, code, title);
    }

    @Override
    public Kind kind() {
        return kind;
    }
}
