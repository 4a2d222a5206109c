-- What the request log shows of a call beyond its tokens (optional fields of usage events v1; null when the event did
-- not carry them): whether it streamed, the time to its first answer data, and the routes tried before the one that
-- served it (a JSON array of {provider, region, error}). Nullable without a default: no partition is rewritten.
ALTER TABLE usage_event
    ADD COLUMN streamed boolean,
    ADD COLUMN first_token_ms bigint CHECK (first_token_ms >= 0),
    ADD COLUMN attempts jsonb;
