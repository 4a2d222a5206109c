package io.tokenmeter.billing.invoice;

import io.tokenmeter.contracts.money.Money;

import java.math.BigDecimal;
import java.util.List;

/**
 * An invoice's or a credit note's sums, by the one rounding rule: lines are already rounded to the currency's minor
 * units; their sum is the subtotal; the tax is the rule's percentage of the subtotal, rounded once; the total is
 * subtotal plus tax, with nothing left to round.
 */
public record InvoiceTotals(Money subtotal, Money tax, Money total) {

    /** The totals of rounded line amounts in {@code currency} at {@code taxPercent}. */
    public static InvoiceTotals of(List<InvoiceLine> lines, String currency, BigDecimal taxPercent) {
        Money subtotal = Money.zero(currency);
        for (InvoiceLine line : lines) {
            Money amount = Money.of(line.amount(), currency);
            if (!amount.inMinorUnits()) {
                throw new IllegalArgumentException("line '" + line.description() + "' is not rounded to " + currency
                        + "'s minor units: " + line.amount());
            }
            subtotal = subtotal.plus(amount);
        }
        if (subtotal.signum() < 0) {
            throw new IllegalArgumentException("an invoice cannot total less than zero; credits are credit notes");
        }
        return of(subtotal.rounded(), taxPercent, null);
    }

    /**
     * The totals of a subtotal already in minor units; the tax never more than {@code taxCap} where one is given (what
     * is
     * left to credit of an invoice's tax).
     */
    public static InvoiceTotals of(Money subtotal, BigDecimal taxPercent, Money taxCap) {
        Money tax = subtotal.percent(taxPercent).rounded();
        if (taxCap != null) {
            tax = tax.min(taxCap);
        }
        return new InvoiceTotals(subtotal, tax, subtotal.plus(tax));
    }
}
