-- Which of our issuing entities invoices the tenant (billing's issuer id); null: billing's default issuer.
ALTER TABLE tenant ADD COLUMN issuer_id text;
