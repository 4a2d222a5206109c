-- Deduplication: one row per event id ever accepted, whatever its time. The primary key is the guarantee
-- that a redelivered or replayed event never counts twice, across restarts and consumer instances.
-- Kept as small as it can be: it takes one index entry per event on the ingest path.
CREATE TABLE usage_event_id (
    event_id    uuid        PRIMARY KEY
);

-- The raw events, append-only, for audit and invoice lineage. Partitioned by month of occurred_at; the
-- partitions are created on demand by the ingestor. (A partitioned table cannot have a unique key without
-- the partition column, hence usage_event_id above.)
CREATE TABLE usage_event (
    event_id            uuid        NOT NULL,
    tenant_id           text        NOT NULL,
    api_key_id          text,
    model               text        NOT NULL,
    provider            text        NOT NULL,
    region              text        NOT NULL,
    input_tokens        bigint      NOT NULL CHECK (input_tokens >= 0),
    cached_input_tokens bigint      NOT NULL CHECK (cached_input_tokens >= 0),
    cache_write_tokens  bigint      NOT NULL CHECK (cache_write_tokens >= 0),
    output_tokens       bigint      NOT NULL CHECK (output_tokens >= 0),
    reasoning_tokens    bigint      NOT NULL CHECK (reasoning_tokens >= 0),
    estimated           boolean     NOT NULL,
    request_id          text,
    status              text        NOT NULL,
    latency_ms          bigint      NOT NULL,
    occurred_at         timestamptz NOT NULL,
    ingested_at         timestamptz NOT NULL,
    source              text        NOT NULL
) PARTITION BY RANGE (occurred_at);

CREATE INDEX usage_event_lineage ON usage_event (tenant_id, occurred_at);

-- Append-only: refuse changes even from a bug in our own code.
CREATE FUNCTION usage_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'usage events are append-only (% refused)', TG_OP;
END $$;
CREATE TRIGGER usage_event_no_update BEFORE UPDATE OR DELETE ON usage_event
    FOR EACH ROW EXECUTE FUNCTION usage_event_append_only();

-- Rollups by tenant x model x region x UTC hour, kept in the same transaction as the raw events.
CREATE TABLE usage_rollup_hourly (
    tenant_id             text        NOT NULL,
    hour                  timestamptz NOT NULL,
    model                 text        NOT NULL,
    region                text        NOT NULL,
    input_tokens          bigint      NOT NULL,
    cached_input_tokens   bigint      NOT NULL,
    cache_write_tokens    bigint      NOT NULL,
    output_tokens         bigint      NOT NULL,
    reasoning_tokens      bigint      NOT NULL,
    requests              bigint      NOT NULL,
    estimated_requests    bigint      NOT NULL,
    PRIMARY KEY (tenant_id, hour, model, region)
);
