package io.tokenmeter.billing.invoice;

/** Draft (editable, unnumbered) -> issued (numbered, immutable) -> paid; issued or paid -> void (fully credited). */
public enum InvoiceStatus {
    DRAFT,
    ISSUED,
    PAID,
    VOID
}
