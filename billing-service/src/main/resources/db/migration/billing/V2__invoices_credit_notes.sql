-- Invoices: drafts until issued, then immutable (the triggers below enforce it even against our own bugs).
-- Amounts are in the invoice currency, already rounded to its minor units (MinorUnits: lines rounded when
-- priced, tax rounded once on the subtotal, total = subtotal + tax).
CREATE TABLE invoice (
    id            uuid        PRIMARY KEY,
    tenant_id     text        NOT NULL,
    issuer_id     text        NOT NULL REFERENCES issuer (id),
    period_start  timestamptz NOT NULL,
    period_end    timestamptz NOT NULL CHECK (period_end > period_start),
    currency      text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    status        text        NOT NULL CHECK (status IN ('draft', 'issued', 'paid', 'void')),
    number        text        UNIQUE,
    buyer         jsonb       NOT NULL,  -- the billing profile as it was when drafted
    issuer        jsonb       NOT NULL,  -- our entity as it was when drafted
    tax_rule      jsonb       NOT NULL,  -- the rule used: name, rate, legal note
    subtotal      numeric     NOT NULL,
    tax           numeric     NOT NULL CHECK (tax >= 0),
    total         numeric     NOT NULL CHECK (total = subtotal + tax),
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    text        NOT NULL,
    issued_at     timestamptz,
    paid_at       timestamptz,
    voided_at     timestamptz,
    CHECK ((status = 'draft') = (number IS NULL))
);
CREATE INDEX invoice_by_tenant ON invoice (tenant_id, period_start);

-- One line per model x region x token class (x tier, x off-peak) or adjustment. Amounts as on the invoice.
CREATE TABLE invoice_line (
    id                    uuid        PRIMARY KEY,
    invoice_id            uuid        NOT NULL REFERENCES invoice (id),
    position              int         NOT NULL,
    kind                  text        NOT NULL CHECK (kind IN ('usage', 'adjustment')),
    description           text        NOT NULL,
    model                 text,
    region                text,
    token_class           text,
    usage_period_start    timestamptz, -- an adjustment names the period its late usage belongs to
    usage_period_end      timestamptz,
    tokens                bigint      CHECK (tokens >= 0),
    unit_rate_per_million numeric,
    book_currency         text,
    amount_in_book        numeric,
    fx_rate               numeric,
    fx_date               date,
    fx_source             text,
    amount                numeric     NOT NULL,
    UNIQUE (invoice_id, position)
);

-- Gapless numbers per issuer, series and year: the row is locked by the issuing transaction until it commits,
-- so concurrent issuers queue, and a rolled-back issue gives its number back.
CREATE TABLE document_number (
    issuer_id  text NOT NULL REFERENCES issuer (id),
    series     text NOT NULL CHECK (series IN ('invoice', 'credit_note')),
    year       int  NOT NULL,
    last       bigint NOT NULL,
    PRIMARY KEY (issuer_id, series, year)
);

-- Credit notes: their own gapless series, always against an issued (or paid) invoice; append-only.
CREATE TABLE credit_note (
    id          uuid        PRIMARY KEY,
    invoice_id  uuid        NOT NULL REFERENCES invoice (id),
    number      text        NOT NULL UNIQUE,
    currency    text        NOT NULL,
    subtotal    numeric     NOT NULL CHECK (subtotal > 0),
    tax         numeric     NOT NULL CHECK (tax >= 0),
    total       numeric     NOT NULL CHECK (total = subtotal + tax),
    full_credit boolean     NOT NULL,
    reason      text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL
);
CREATE INDEX credit_note_by_invoice ON credit_note (invoice_id);

-- An issued invoice never changes, except to record its payment or its voiding.
CREATE FUNCTION invoice_immutable_once_issued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION 'invoice % is %, it cannot be deleted', OLD.number, OLD.status;
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status = 'draft' THEN
        RETURN NEW;
    END IF;
    IF NOT ((OLD.status = 'issued' AND NEW.status IN ('paid', 'void')) OR (OLD.status = 'paid' AND NEW.status = 'void'))
       OR (NEW.tenant_id, NEW.issuer_id, NEW.period_start, NEW.period_end, NEW.currency, NEW.number, NEW.buyer, NEW.issuer,
           NEW.tax_rule, NEW.subtotal, NEW.tax, NEW.total, NEW.created_at, NEW.created_by, NEW.issued_at)
          IS DISTINCT FROM
          (OLD.tenant_id, OLD.issuer_id, OLD.period_start, OLD.period_end, OLD.currency, OLD.number, OLD.buyer, OLD.issuer,
           OLD.tax_rule, OLD.subtotal, OLD.tax, OLD.total, OLD.created_at, OLD.created_by, OLD.issued_at) THEN
        RAISE EXCEPTION 'invoice % is %: issued invoices are immutable (only payment or voiding is recorded)', OLD.number, OLD.status;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER invoice_immutable BEFORE UPDATE OR DELETE ON invoice
    FOR EACH ROW EXECUTE FUNCTION invoice_immutable_once_issued();

CREATE FUNCTION invoice_line_only_on_drafts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    invoice_status text;
BEGIN
    SELECT status INTO invoice_status FROM invoice WHERE id = COALESCE(NEW.invoice_id, OLD.invoice_id);
    IF invoice_status <> 'draft' THEN
        RAISE EXCEPTION 'the lines of an % invoice are immutable', invoice_status;
    END IF;
    RETURN COALESCE(NEW, OLD);
END $$;
CREATE TRIGGER invoice_line_immutable BEFORE INSERT OR UPDATE OR DELETE ON invoice_line
    FOR EACH ROW EXECUTE FUNCTION invoice_line_only_on_drafts();

CREATE FUNCTION credit_note_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'credit notes are append-only (% refused)', TG_OP;
END $$;
CREATE TRIGGER credit_note_no_change BEFORE UPDATE OR DELETE ON credit_note
    FOR EACH ROW EXECUTE FUNCTION credit_note_append_only();
