-- Every admin change at the gateway (tenants, keys): who, when, what, before and after. Keys appear only as
-- id and prefix, never their hash or clear value.
CREATE TABLE admin_audit (
    id         bigserial   PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    actor      text        NOT NULL,
    action     text        NOT NULL,
    entity     text        NOT NULL,
    entity_id  text        NOT NULL,
    before     jsonb,
    after      jsonb
);
CREATE INDEX admin_audit_entity ON admin_audit (entity, entity_id, at);
