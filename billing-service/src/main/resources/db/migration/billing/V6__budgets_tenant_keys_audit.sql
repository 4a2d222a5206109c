-- Budgets move here from the gateway (its migrations V7 and V9 made them; its V10 drops them): billing owns
-- budgets, the gateway enforces them from leases. Amounts are exact decimals in the budget's (the tenant's) currency.
-- api_key_id null: the tenant's budget; else a cap on one key, inside the tenant's.
-- MONTHLY: `amount` per calendar month (UTC); CUSTOM: `amount` for [starts_at, ends_at); PREPAID: `amount` is
-- everything topped up, never reset, and `top_ups` counts the top-ups (alerts start afresh after each).
CREATE TABLE budget (
    id          text        PRIMARY KEY,
    tenant_id   text        NOT NULL,
    api_key_id  text,
    kind        text        NOT NULL CHECK (kind IN ('MONTHLY', 'CUSTOM', 'PREPAID')),
    amount      numeric     NOT NULL CHECK (amount >= 0),
    currency    text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    starts_at   timestamptz,
    ends_at     timestamptz,
    thresholds  integer[]   NOT NULL,
    top_ups     integer     NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL,
    deleted_at  timestamptz,
    CHECK ((kind = 'CUSTOM') = (starts_at IS NOT NULL AND ends_at IS NOT NULL AND ends_at > starts_at))
);
CREATE INDEX budget_tenant ON budget (tenant_id) WHERE deleted_at IS NULL;

-- One row per budget and period. spent: the sum over the window's leases of greatest(reported, charged); reserved:
-- what open leases hold and have not spent. Every ledger step locks this row first: spent + reserved <= amount.
CREATE TABLE budget_window (
    budget_id    text        NOT NULL REFERENCES budget (id),
    window_start timestamptz NOT NULL,
    window_end   timestamptz NOT NULL,
    spent        numeric     NOT NULL DEFAULT 0 CHECK (spent >= 0),
    reserved     numeric     NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    PRIMARY KEY (budget_id, window_start)
);

-- One lease per gateway instance, budget and window. granted only grows while the lease is open; reported is what
-- the gateway said it spent under it (cumulative), charged what the usage events of its calls say (cumulative,
-- booked from Kafka); the lease's spend is the greater of the two, so neither a lagging consumer nor a gateway that
-- died before reporting loses any of it. held = granted - spend while open, 0 once closed (released or expired).
CREATE TABLE budget_lease (
    id           uuid        PRIMARY KEY,
    budget_id    text        NOT NULL,
    window_start timestamptz NOT NULL,
    instance_id  text        NOT NULL,
    granted      numeric     NOT NULL DEFAULT 0 CHECK (granted >= 0),
    reported     numeric     NOT NULL DEFAULT 0 CHECK (reported >= 0),
    charged      numeric     NOT NULL DEFAULT 0 CHECK (charged >= 0),
    held         numeric     NOT NULL DEFAULT 0 CHECK (held >= 0),
    granted_at   timestamptz NOT NULL DEFAULT now(),
    renewed_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    closed_at    timestamptz,
    closed_by    text        CHECK (closed_by IN ('RELEASED', 'EXPIRED')),
    FOREIGN KEY (budget_id, window_start) REFERENCES budget_window (budget_id, window_start)
);
CREATE INDEX budget_lease_open ON budget_lease (expires_at) WHERE closed_at IS NULL;

-- Each usage event's charge on a lease, once: the key makes booking a replayed event harmless.
CREATE TABLE budget_charge (
    event_id  uuid        NOT NULL,
    lease_id  uuid        NOT NULL REFERENCES budget_lease (id),
    amount    numeric     NOT NULL CHECK (amount >= 0),
    booked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, lease_id)
);
CREATE INDEX budget_charge_lease ON budget_charge (lease_id);

-- A threshold crossed, at most once per budget, period, top-up generation and threshold (the unique key is the
-- guarantee). It is also the outbox: the event is published to Kafka and the webhook called from here, with retries,
-- until both are done.
CREATE TABLE budget_alert (
    id              uuid        PRIMARY KEY,
    budget_id       text        NOT NULL REFERENCES budget (id),
    tenant_id       text        NOT NULL,
    window_start    timestamptz NOT NULL,
    generation      integer     NOT NULL,
    threshold       integer     NOT NULL,
    amount          numeric     NOT NULL,
    spent           numeric     NOT NULL,
    currency        text        NOT NULL,
    crossed_at      timestamptz NOT NULL DEFAULT now(),
    published_at    timestamptz,
    webhook_state   text        NOT NULL CHECK (webhook_state IN ('PENDING', 'DELIVERED', 'FAILED', 'NO_WEBHOOK')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (budget_id, window_start, generation, threshold)
);
CREATE INDEX budget_alert_due ON budget_alert (next_attempt_at) WHERE published_at IS NULL OR webhook_state = 'PENDING';

-- A tenant's webhook for budget alerts. The signing secret is sealed (AES-256-GCM with TOKENMETER_WEBHOOK_SECRET_KEY)
-- and shown to the tenant only when set.
CREATE TABLE budget_webhook (
    tenant_id  text        PRIMARY KEY,
    url        text        NOT NULL,
    secret     text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by text        NOT NULL
);

-- Every delivery attempt of an alert's webhook: when, the answer or the error.
CREATE TABLE webhook_delivery (
    id          bigserial   PRIMARY KEY,
    alert_id    uuid        NOT NULL REFERENCES budget_alert (id),
    attempt     integer     NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    url         text        NOT NULL,
    status_code integer,
    error       text
);
CREATE INDEX webhook_delivery_alert ON webhook_delivery (alert_id, attempt);

-- Tenants' API keys as tenant-keys.v1 carries them (ids and owners only): a key budget must name a key of its tenant.
CREATE TABLE tenant_key (
    key_id     text        PRIMARY KEY,
    tenant_id  text        NOT NULL,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
);

-- Every change by staff or a tenant (budgets, webhooks): who, when, what, before and after; written by the service
-- starter under the name every service uses, and append-only.
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
CREATE FUNCTION admin_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'admin_audit is append-only: % refused', TG_OP;
END $$;
CREATE TRIGGER admin_audit_no_change BEFORE UPDATE OR DELETE ON admin_audit
    FOR EACH ROW EXECUTE FUNCTION admin_audit_append_only();
CREATE TRIGGER admin_audit_no_truncate BEFORE TRUNCATE ON admin_audit
    FOR EACH STATEMENT EXECUTE FUNCTION admin_audit_append_only();
