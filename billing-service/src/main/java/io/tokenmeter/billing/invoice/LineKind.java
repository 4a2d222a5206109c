package io.tokenmeter.billing.invoice;

/** What an invoice line is for: usage of the invoice's period, or late usage of an earlier one. */
public enum LineKind {
    USAGE,
    ADJUSTMENT
}
