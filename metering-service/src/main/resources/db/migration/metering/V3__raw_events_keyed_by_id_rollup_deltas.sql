-- Issue 13, metering at 100k events/s: one insert per event instead of three index entries in two tables and an
-- upsert. (docs/benchmarks.md, "Where a batch's database time goes", has the measurements.)
--
-- 1. The raw events are keyed by their own id: the primary key is the deduplication, for ever, so the separate
--    usage_event_id table (a second insert per event) goes. A partitioned table's unique key must contain the
--    partition key, so the table is partitioned by the id itself, by hash (ids of CloudEvents are name-based UUIDs,
--    not time-ordered, so ranges of ids cannot stand for months): eight partitions, all made here, none on demand.
ALTER TABLE usage_event RENAME TO usage_event_by_month;
ALTER INDEX usage_event_lineage RENAME TO usage_event_by_month_lineage;

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
    source              text        NOT NULL,
    PRIMARY KEY (event_id)
) PARTITION BY HASH (event_id);
DO $$
BEGIN
    FOR i IN 0..7 LOOP
        EXECUTE format('CREATE TABLE usage_event_p%s PARTITION OF usage_event FOR VALUES WITH (MODULUS 8, REMAINDER %s)',
                       i, i);
    END LOOP;
END $$;

INSERT INTO usage_event SELECT * FROM usage_event_by_month;
CREATE INDEX usage_event_lineage ON usage_event (tenant_id, occurred_at);
CREATE TRIGGER usage_event_no_update BEFORE UPDATE OR DELETE ON usage_event
    FOR EACH ROW EXECUTE FUNCTION usage_event_append_only();

-- the old table's append-only trigger refuses DELETE, not DROP: it goes with its partitions
DROP TABLE usage_event_by_month;
DROP TABLE usage_event_id;
DROP FUNCTION create_usage_event_partition(date);

-- 2. Rollups: a batch appends its sums as deltas (an insert, no upsert), and a compactor folds the deltas into
--    usage_rollup_hourly in the background, moving them in one transaction (deleted here, added there). At every
--    snapshot hourly + delta equals the raw events; readers read both, through usage_rollup.
CREATE TABLE usage_rollup_delta (
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
    estimated_requests    bigint      NOT NULL
);
CREATE INDEX usage_rollup_delta_tenant ON usage_rollup_delta (tenant_id, hour);

CREATE VIEW usage_rollup AS
    SELECT tenant_id, hour, model, region, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens,
           reasoning_tokens, requests, estimated_requests
    FROM usage_rollup_hourly
    UNION ALL
    SELECT tenant_id, hour, model, region, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens,
           reasoning_tokens, requests, estimated_requests
    FROM usage_rollup_delta;
GRANT SELECT ON usage_rollup TO "${app_role}";
