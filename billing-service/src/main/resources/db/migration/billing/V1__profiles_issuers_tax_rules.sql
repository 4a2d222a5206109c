-- Who is invoiced, as the gateway (the tenants' source of truth) publishes it on tenants.v1. Never edited
-- here: a newer message replaces the row (changed_at decides, so a replay of old messages changes nothing).
CREATE TABLE billing_profile (
    tenant_id       text        PRIMARY KEY,
    name            text,
    legal_name      text        NOT NULL,
    billing_country text        NOT NULL,
    tax_id          text,
    currency        text        NOT NULL,
    status          text        NOT NULL,
    changed_at      timestamptz NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now()
);

-- Our side of an invoice: the legal entity that issues it. Its id prefixes its document numbers (SG-2026-000123).
CREATE TABLE issuer (
    id          text        PRIMARY KEY CHECK (id ~ '^[A-Z0-9]{2,10}$'),
    legal_name  text        NOT NULL,
    country     text        NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    tax_id      text,
    is_default  boolean     NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL
);
CREATE UNIQUE INDEX issuer_one_default ON issuer (is_default) WHERE is_default;

-- Named groups of countries a tax rule can name instead of one country (EU: the member states).
CREATE TABLE country_group (
    group_code  text NOT NULL,
    country     text NOT NULL,
    PRIMARY KEY (group_code, country)
);
INSERT INTO country_group (group_code, country)
SELECT 'EU', unnest(ARRAY['AT','BE','BG','CY','CZ','DE','DK','EE','ES','FI','FR','GR','HR','HU','IE','IT','LT','LU',
                          'LV','MT','NL','PL','PT','RO','SE','SI','SK']);

-- Tax rules are data: issuer country x buyer country (a country, a group, or '*') x buyer type (business: has a
-- tax id; consumer: has none; any). The most specific rule applies; each invoice keeps a copy of the one it used.
CREATE TABLE tax_rule (
    id              bigserial   PRIMARY KEY,
    issuer_country  text        NOT NULL CHECK (issuer_country ~ '^[A-Z]{2}$'),
    buyer_country   text        NOT NULL,
    buyer_type      text        NOT NULL CHECK (buyer_type IN ('business', 'consumer', 'any')),
    name            text        NOT NULL,
    rate_percent    numeric(7, 4) NOT NULL CHECK (rate_percent >= 0 AND rate_percent <= 100),
    legal_note      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      text        NOT NULL,
    UNIQUE (issuer_country, buyer_country, buyer_type)
);
