-- An invoice run bills one period for every tenant with usage in it, as of its ingest cut-off. Runs follow each
-- other in time (no overlap, no run before an earlier one), which is what makes late events exactly-once: run R
-- bills, as adjustments, the events of earlier runs' periods ingested between the previous run's cut-off and R's.
CREATE TABLE invoice_run (
    id            uuid        PRIMARY KEY,
    period_start  timestamptz NOT NULL,
    period_end    timestamptz NOT NULL CHECK (period_end > period_start),
    cutoff        timestamptz NOT NULL,
    previous_cutoff timestamptz,  -- the cut-off of the run before this one: late events are ingested from there
    first_period_start timestamptz NOT NULL, -- where the first run's period began: late events occur after it
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    text        NOT NULL,
    UNIQUE (period_start, period_end),
    EXCLUDE USING gist (tstzrange(period_start, period_end) WITH &&)
);

CREATE TABLE invoice_run_tenant (
    run_id      uuid        NOT NULL REFERENCES invoice_run (id),
    tenant_id   text        NOT NULL,
    status      text        NOT NULL CHECK (status IN ('pending', 'invoiced', 'failed')),
    error       text,
    invoice_id  uuid        REFERENCES invoice (id),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, tenant_id)
);

ALTER TABLE invoice ADD COLUMN run_id uuid REFERENCES invoice_run (id);
CREATE UNIQUE INDEX invoice_one_per_run_and_tenant ON invoice (run_id, tenant_id) WHERE run_id IS NOT NULL;

-- run_id joins the columns an issued invoice keeps
CREATE OR REPLACE FUNCTION invoice_immutable_once_issued() RETURNS trigger LANGUAGE plpgsql AS $$
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
           NEW.tax_rule, NEW.subtotal, NEW.tax, NEW.total, NEW.created_at, NEW.created_by, NEW.issued_at, NEW.run_id)
          IS DISTINCT FROM
          (OLD.tenant_id, OLD.issuer_id, OLD.period_start, OLD.period_end, OLD.currency, OLD.number, OLD.buyer, OLD.issuer,
           OLD.tax_rule, OLD.subtotal, OLD.tax, OLD.total, OLD.created_at, OLD.created_by, OLD.issued_at, OLD.run_id) THEN
        RAISE EXCEPTION 'invoice % is %: issued invoices are immutable (only payment or voiding is recorded)', OLD.number, OLD.status;
    END IF;
    RETURN NEW;
END $$;
