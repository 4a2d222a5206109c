-- Budgets enforced from leases instead of per-call reservations: a gateway instance is granted a slice of a budget
-- window's remaining amount and admits calls against it in memory. Calls in flight under the old scheme are not
-- carried over: their reservations are dropped with the table (an upgrade is done with no budgeted calls in flight,
-- or accepts that their settlements are lost).
DROP TABLE budget_reservation;
UPDATE budget_window SET reserved = 0;
COMMENT ON COLUMN budget_window.reserved IS 'what open leases hold and have not spent: the sum of their held';
COMMENT ON COLUMN budget_window.spent IS 'the sum over the window''s leases of greatest(reported, charged)';

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
