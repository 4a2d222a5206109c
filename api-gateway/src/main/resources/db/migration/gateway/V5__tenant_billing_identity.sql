-- What billing needs to invoice a tenant, kept here with the tenant (the gateway is the tenants' source of
-- truth) and published on tenants.v1. A null tax id: a buyer without one (a consumer, for tax purposes).
ALTER TABLE tenant ADD COLUMN legal_name text;
ALTER TABLE tenant ADD COLUMN tax_id text;
ALTER TABLE tenant ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
