-- A price book: what tenants pay (SELL) or what a provider charges us (COST), in one currency.
CREATE TABLE price_book (
    id          text        PRIMARY KEY,
    name        text        NOT NULL,
    currency    text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    purpose     text        NOT NULL CHECK (purpose IN ('SELL', 'COST')),
    is_default  boolean     NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL
);
-- at most one default book per purpose: the price of a tenant without a contract
CREATE UNIQUE INDEX price_book_one_default ON price_book (purpose) WHERE is_default;

-- A version holds the whole rate card, from effective_from until the next version begins. Its content is
-- one JSON document (rates, tiers, off-peak window), validated by the service and written in one statement,
-- so nothing is ever half-saved.
CREATE TABLE price_book_version (
    price_book_id  text        NOT NULL REFERENCES price_book (id),
    version        integer     NOT NULL CHECK (version > 0),
    effective_from timestamptz NOT NULL,
    content        jsonb       NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    created_by     text        NOT NULL,
    updated_at     timestamptz,
    PRIMARY KEY (price_book_id, version),
    UNIQUE (price_book_id, effective_from)
);

-- History is never rewritten: once a version has taken effect, the database refuses to change or delete it,
-- whatever the application does.
CREATE FUNCTION price_book_version_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.effective_from <= now() THEN
        RAISE EXCEPTION 'price book % version % took effect at % and cannot be changed',
            OLD.price_book_id, OLD.version, OLD.effective_from USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.effective_from <= now() THEN
        RAISE EXCEPTION 'a version cannot be moved to take effect in the past' USING ERRCODE = 'check_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER price_book_version_history BEFORE UPDATE OR DELETE ON price_book_version
    FOR EACH ROW EXECUTE FUNCTION price_book_version_immutable();

-- A tenant's own terms for a period: its own book, or a discount on the default sell book.
CREATE TABLE tenant_contract (
    id               text        PRIMARY KEY,
    tenant_id        text        NOT NULL,
    price_book_id    text        REFERENCES price_book (id),
    discount_percent numeric     CHECK (discount_percent >= 0 AND discount_percent <= 100),
    valid_from       timestamptz NOT NULL,
    valid_to         timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    created_by       text        NOT NULL,
    CHECK ((price_book_id IS NULL) <> (discount_percent IS NULL)),
    CHECK (valid_to IS NULL OR valid_to > valid_from)
);
CREATE INDEX tenant_contract_tenant ON tenant_contract (tenant_id, valid_from);

-- 1 base = rate quote, as published on as_of by source.
CREATE TABLE fx_rate (
    base       text        NOT NULL CHECK (base ~ '^[A-Z]{3}$'),
    quote      text        NOT NULL CHECK (quote ~ '^[A-Z]{3}$'),
    as_of      date        NOT NULL,
    source     text        NOT NULL,
    rate       numeric     NOT NULL CHECK (rate > 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text        NOT NULL,
    PRIMARY KEY (base, quote, as_of, source)
);

-- Every admin change: who, when, what, before and after.
CREATE TABLE audit_log (
    id         bigserial   PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    actor      text        NOT NULL,
    action     text        NOT NULL,
    entity     text        NOT NULL,
    entity_id  text        NOT NULL,
    before     jsonb,
    after      jsonb
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, at);
