-- What each call cost as the gateway priced it for its answer (optional fields of usage events v1), for the request
-- log. Invoices never read it: they price the tokens themselves. Nullable without a default: no partition is rewritten.
ALTER TABLE usage_event
    ADD COLUMN cost numeric CHECK (cost >= 0),
    ADD COLUMN cost_currency text CHECK (cost_currency ~ '^[A-Z]{3}$');
