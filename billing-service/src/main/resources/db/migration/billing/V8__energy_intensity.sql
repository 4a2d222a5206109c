-- How much electricity a model's tokens take where they are served: watt-hours per 1,000 input and output tokens at
-- the accelerator, the data centre's PUE, and where the figures come from. Only for the trade statement's estimate
-- of the electricity embodied in tokens sold abroad; an admin enters them, and every change is audited.
CREATE TABLE energy_intensity (
    model              text        NOT NULL,
    region             text        NOT NULL,
    wh_per_1k_input    numeric     NOT NULL CHECK (wh_per_1k_input >= 0),
    wh_per_1k_output   numeric     NOT NULL CHECK (wh_per_1k_output >= 0),
    pue                numeric     NOT NULL CHECK (pue >= 1 AND pue <= 5),
    source             text        NOT NULL CHECK (length(source) > 0),
    changed_at         timestamptz NOT NULL DEFAULT now(),
    changed_by         text        NOT NULL,
    PRIMARY KEY (model, region)
);
