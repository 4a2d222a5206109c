-- Daily rollups, for reading: a month by day reads about 30 rows per model and region here instead of 720. They are
-- made from the hourly rollups once a UTC day is sealed (metering's RollupSealer), and kept by ingest for the events
-- that arrive late for a sealed day, so for every day before the watermark they equal the sum of its hours.
CREATE TABLE usage_rollup_daily (
    tenant_id             text        NOT NULL,
    day                   timestamptz NOT NULL CHECK (day = date_trunc('day', day, 'UTC')),
    model                 text        NOT NULL,
    region                text        NOT NULL,
    input_tokens          bigint      NOT NULL,
    cached_input_tokens   bigint      NOT NULL,
    cache_write_tokens    bigint      NOT NULL,
    output_tokens         bigint      NOT NULL,
    reasoning_tokens      bigint      NOT NULL,
    requests              bigint      NOT NULL,
    estimated_requests    bigint      NOT NULL,
    PRIMARY KEY (tenant_id, day, model, region)
);

-- One row: the days before sealed_before are in usage_rollup_daily. The sealer advances it holding the row FOR UPDATE;
-- each storing transaction holds it FOR SHARE, so a batch either committed before a day was sealed (and the sealer
-- reads its hours) or sees the new watermark (and adds its late events to the day itself).
CREATE TABLE usage_rollup_watermark (
    single          boolean     PRIMARY KEY DEFAULT true CHECK (single),
    sealed_before   timestamptz NOT NULL CHECK (sealed_before = date_trunc('day', sealed_before, 'UTC')
                                                 OR sealed_before = '-infinity')
);
INSERT INTO usage_rollup_watermark (sealed_before) VALUES ('-infinity');

-- The sealer reads one day of hourly rollups of all tenants. The primary key leads with the tenant, so without this it
-- would scan the whole table for each day. BRIN: hourly rows are written in time order, the index is a few pages, and
-- (PostgreSQL 16 and later) it does not stop the rollup upserts from being HOT updates.
CREATE INDEX usage_rollup_hourly_hour ON usage_rollup_hourly USING brin (hour);
