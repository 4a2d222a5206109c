package io.tokenmeter.contracts.money;

import java.math.BigDecimal;
import java.util.Currency;
import java.util.Objects;

/**
 * An amount in a currency. Arithmetic keeps full precision; {@link #rounded()} applies the one rule of
 * {@link MinorUnits} (the currency's minor units, half to even), once, where an amount is stated. Adding amounts
 * of different currencies is an error, never a silent sum; a conversion says its rate and target.
 */
public record Money(BigDecimal amount, Currency currency) {

    private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

    public Money {
        Objects.requireNonNull(amount, "amount");
        Objects.requireNonNull(currency, "currency");
    }

    public static Money of(BigDecimal amount, String currency) {
        return new Money(amount, MinorUnits.currency(currency));
    }

    /** Zero, stated in the currency's minor units ({@code 0.00} USD, {@code 0} JPY). */
    public static Money zero(String currency) {
        Currency c = MinorUnits.currency(currency);
        return new Money(BigDecimal.ZERO.setScale(c.getDefaultFractionDigits()), c);
    }

    public String currencyCode() {
        return currency.getCurrencyCode();
    }

    public Money plus(Money other) {
        return new Money(amount.add(same(other).amount), currency);
    }

    public Money minus(Money other) {
        return new Money(amount.subtract(same(other).amount), currency);
    }

    /** {@code percent} per cent of this amount, exact (a tax rate on a subtotal, a discount). */
    public Money percent(BigDecimal percent) {
        return new Money(amount.multiply(percent).divide(HUNDRED), currency);
    }

    /** This amount at {@code rate} units of {@code target} per unit of this currency, exact. */
    public Money convert(BigDecimal rate, String target) {
        return new Money(amount.multiply(rate), MinorUnits.currency(target));
    }

    /** Rounded once to the currency's minor units, half to even. */
    public Money rounded() {
        return new Money(MinorUnits.round(amount, currency), currency);
    }

    /** Whether the amount is already stated in the currency's minor units (no more decimals than it has). */
    public boolean inMinorUnits() {
        return amount.stripTrailingZeros().scale() <= Math.max(currency.getDefaultFractionDigits(), 0);
    }

    public int signum() {
        return amount.signum();
    }

    public Money min(Money other) {
        return amount.compareTo(same(other).amount) <= 0 ? this : other;
    }

    public boolean exceeds(Money other) {
        return amount.compareTo(same(other).amount) > 0;
    }

    private Money same(Money other) {
        if (!currency.equals(other.currency)) {
            throw new IllegalArgumentException("cannot combine " + currency + " and " + other.currency + " amounts");
        }
        return other;
    }

    @Override
    public String toString() {
        return amount.toPlainString() + " " + currency.getCurrencyCode();
    }
}
