-- The issuing entity the tenant's source of truth names for it; null: the default issuer.
ALTER TABLE billing_profile ADD COLUMN issuer_id text;
