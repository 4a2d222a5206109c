-- The invoices billing issues, as billing reports each one inside its issuing transaction: a price may take effect in
-- the past only where none of these covers it (history that was invoiced is never rewritten).
CREATE TABLE invoiced_period (
    invoice_number text PRIMARY KEY,
    tenant_id      text        NOT NULL,
    period_start   timestamptz NOT NULL,
    period_end     timestamptz NOT NULL CHECK (period_end > period_start),
    recorded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invoiced_period_end ON invoiced_period (period_end);
CREATE INDEX invoiced_period_tenant ON invoiced_period (tenant_id, period_end);

-- why a version or contract was entered after the instant it takes effect (migrating in, a late agreement)
ALTER TABLE price_book_version ADD COLUMN backdate_reason text;
ALTER TABLE tenant_contract ADD COLUMN backdate_reason text;
