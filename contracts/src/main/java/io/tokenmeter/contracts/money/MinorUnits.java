package io.tokenmeter.contracts.money;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Currency;

/**
 * The platform's one rounding rule: amounts are computed at full precision and rounded once, to the minor
 * units of the currency they are stated in (ISO 4217 via {@link Currency}: JPY 0 decimals, USD 2, KWD 3),
 * half to even. Where it happens: the rating API rounds each priced line's amount in the currency asked for
 * (nothing before it is rounded); an invoice adds its rounded lines into the subtotal, computes the tax on that
 * subtotal and rounds it once, and the total is subtotal plus tax (no rounding left to do).
 */
public final class MinorUnits {

    public static final RoundingMode ROUNDING = RoundingMode.HALF_EVEN;

    private MinorUnits() {}

    public static Currency currency(String code) {
        Currency currency;
        try {
            currency = Currency.getInstance(code);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("unknown ISO 4217 currency: " + code);
        }
        if (currency.getDefaultFractionDigits() < 0) {
            throw new IllegalArgumentException(code + " has no minor units (not a currency that can be invoiced)");
        }
        return currency;
    }

    public static BigDecimal round(BigDecimal amount, Currency currency) {
        return amount.setScale(currency.getDefaultFractionDigits(), ROUNDING);
    }
}
