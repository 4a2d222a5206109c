-- What a tax rule means for trade reporting: a domestic sale, a zero-rated export, an EU-style reverse charge (the
-- buyer accounts for the tax), or tax charged on a sale abroad. Existing rules get the treatment their data implies;
-- new rules may state it (the API derives it the same way when they do not).
ALTER TABLE tax_rule ADD COLUMN treatment text
    CHECK (treatment IN ('domestic', 'zero_rated_export', 'reverse_charge', 'foreign_tax'));
UPDATE tax_rule SET treatment = CASE
    WHEN buyer_country = issuer_country THEN 'domestic'
    WHEN rate_percent = 0 AND legal_note ILIKE '%reverse charge%' THEN 'reverse_charge'
    WHEN rate_percent = 0 THEN 'zero_rated_export'
    ELSE 'foreign_tax' END;
ALTER TABLE tax_rule ALTER COLUMN treatment SET NOT NULL;
