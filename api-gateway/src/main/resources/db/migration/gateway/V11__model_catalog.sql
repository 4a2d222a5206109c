-- The live model catalog: upstreams, their credentials (sealed, never in clear), the public models and their routes.
-- Rows from the configuration (managed_by 'config') are brought in line with it at each start; a row an admin writes
-- through the API is 'admin', and the configuration no longer touches it.
CREATE TABLE upstream_credential (
    name       text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
    sealed     text NOT NULL CHECK (sealed LIKE 'enc:v1:%'),
    managed_by text NOT NULL CHECK (managed_by IN ('config', 'admin')),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE upstream (
    name               text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
    base_url           text NOT NULL,
    anthropic_base_url text,
    credential         text REFERENCES upstream_credential (name),
    connect_timeout_ms integer NOT NULL CHECK (connect_timeout_ms > 0),
    timeout_ms         integer NOT NULL CHECK (timeout_ms > 0),
    managed_by         text NOT NULL CHECK (managed_by IN ('config', 'admin')),
    updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE catalog_model (
    name              text PRIMARY KEY,
    max_output_tokens bigint CHECK (max_output_tokens > 0),
    managed_by        text NOT NULL CHECK (managed_by IN ('config', 'admin')),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- a model's routes in priority order (0 first)
CREATE TABLE model_route (
    model          text NOT NULL REFERENCES catalog_model (name) ON DELETE CASCADE,
    priority       integer NOT NULL CHECK (priority >= 0),
    upstream       text NOT NULL REFERENCES upstream (name),
    provider       text NOT NULL,
    region         text NOT NULL,
    upstream_model text,
    PRIMARY KEY (model, priority)
);
CREATE INDEX model_route_upstream ON model_route (upstream);

-- raised by every change, so each gateway instance notices one by reading a single row
CREATE TABLE catalog_revision (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    revision bigint NOT NULL
);
INSERT INTO catalog_revision VALUES (true, 0);
