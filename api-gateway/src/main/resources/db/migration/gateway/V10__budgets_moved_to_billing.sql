-- Budgets are owned by billing-service now (its migration V6); the gateway only enforces them, from leases. Their
-- rows are not copied between the two databases by a migration: a deployment that has budgets here copies them to
-- billing first (docs/design/budget-leases.md, "Moving existing budgets"), and this migration refuses to run until
-- they are gone, so that none is lost.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM budget) OR EXISTS (SELECT 1 FROM budget_webhook) THEN
        RAISE EXCEPTION 'budgets exist in the gateway''s database: copy them to billing-service first '
            '(docs/design/budget-leases.md, "Moving existing budgets"), then delete them here';
    END IF;
END $$;
DROP TABLE budget_charge;
DROP TABLE budget_lease;
DROP TABLE webhook_delivery;
DROP TABLE budget_alert;
DROP TABLE budget_webhook;
DROP TABLE budget_window;
DROP TABLE budget;
