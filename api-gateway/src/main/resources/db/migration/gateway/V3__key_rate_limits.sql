-- A key's own request rate limit; null means the gateway's default (tokenmeter.gateway.rate-limit).
ALTER TABLE api_key ADD COLUMN requests_per_minute integer CHECK (requests_per_minute > 0);
