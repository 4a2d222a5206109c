CREATE TABLE tenant (
    id              text        PRIMARY KEY,
    name            text        NOT NULL,
    billing_country text        NOT NULL CHECK (billing_country ~ '^[A-Z]{2}$'),
    currency        text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    status          text        NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'SUSPENDED')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      text        NOT NULL
);

-- Only a SHA-256 of each key is kept; the clear key is shown once, at creation. Keys are 256-bit random
-- values, so a fast hash is enough: there is nothing to brute-force the way a password would be.
CREATE TABLE api_key (
    id          text        PRIMARY KEY,
    tenant_id   text        REFERENCES tenant (id),
    role        text        NOT NULL CHECK (role IN ('TENANT', 'FINANCE', 'ADMIN')),
    name        text        NOT NULL,
    key_prefix  text        NOT NULL,
    key_hash    text        NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL,
    revoked_at  timestamptz,
    CHECK ((role = 'TENANT') = (tenant_id IS NOT NULL))
);
CREATE INDEX api_key_tenant ON api_key (tenant_id);
