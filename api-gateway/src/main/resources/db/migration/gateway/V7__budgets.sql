-- Spend caps, enforced at the gateway by reserve-and-settle. Amounts are exact decimals in the budget's currency.
-- api_key_id null: the tenant's budget; else a cap on one key, inside the tenant's.
-- MONTHLY: `amount` per calendar month (UTC); CUSTOM: `amount` for [starts_at, ends_at); PREPAID: `amount` is
-- everything topped up, never reset, and `top_ups` counts the top-ups (alerts start afresh after each).
CREATE TABLE budget (
    id          text        PRIMARY KEY,
    tenant_id   text        NOT NULL REFERENCES tenant (id),
    api_key_id  text        REFERENCES api_key (id),
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

-- One row per budget and period: what was spent (settled calls) and what is held by calls in flight. A call is
-- admitted only if spent + reserved + its maximum cost stays within the budget, checked and added in one UPDATE,
-- which PostgreSQL serialises on the row: the guarantee holds across any number of gateway instances.
CREATE TABLE budget_window (
    budget_id    text        NOT NULL REFERENCES budget (id),
    window_start timestamptz NOT NULL,
    window_end   timestamptz NOT NULL,
    spent        numeric     NOT NULL DEFAULT 0 CHECK (spent >= 0),
    reserved     numeric     NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    PRIMARY KEY (budget_id, window_start)
);

-- What each call in flight holds on each budget. Settling deletes it; so does expiry, for calls whose gateway died,
-- and whichever deletes the row first releases the amount, exactly once.
CREATE TABLE budget_reservation (
    id           uuid        NOT NULL,
    budget_id    text        NOT NULL,
    window_start timestamptz NOT NULL,
    amount       numeric     NOT NULL CHECK (amount >= 0),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (id, budget_id),
    FOREIGN KEY (budget_id, window_start) REFERENCES budget_window (budget_id, window_start)
);
CREATE INDEX budget_reservation_expiry ON budget_reservation (expires_at);

-- A threshold crossed, at most once per budget, period, top-up generation and threshold (the unique key is the
-- guarantee, whichever instance settles the crossing call). It is also the outbox: the event is published to Kafka
-- and the webhook called from here, with retries, until both are done.
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

-- A tenant's webhook for budget alerts. The secret signs each body (HMAC-SHA256); it is kept in clear because
-- signing needs it, and shown to the tenant only when set.
CREATE TABLE budget_webhook (
    tenant_id  text        PRIMARY KEY REFERENCES tenant (id),
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
