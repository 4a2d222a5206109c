-- The audit trail is written by the service starter, one table name in every service: admin_audit.
-- Its triggers follow the table; the append-only rule stays as it was.
ALTER TABLE audit_log RENAME TO admin_audit;
ALTER INDEX audit_log_entity RENAME TO admin_audit_entity;
ALTER TRIGGER audit_log_no_change ON admin_audit RENAME TO admin_audit_no_change;
ALTER TRIGGER audit_log_no_truncate ON admin_audit RENAME TO admin_audit_no_truncate;
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'admin_audit is append-only: % refused', TG_OP;
END $$;
ALTER FUNCTION audit_log_append_only() RENAME TO admin_audit_append_only;
