-- The indicator engine (issue 21): definitions kept by version (the files in
-- `indicators/` are installed on migrate; M&E officers publish newer ones),
-- baselines and targets per indicator, area and period, and programme
-- dashboards. Values are never stored: they are computed from the records
-- on every read. Same portable dialect as 0001.

CREATE TABLE indicator_versions (
    code         TEXT NOT NULL,
    version      BIGINT NOT NULL,
    definition   TEXT NOT NULL,
    source       TEXT NOT NULL,
    published_by TEXT,
    published_at TEXT NOT NULL,
    PRIMARY KEY (code, version)
);

-- area_code '' is the whole installation. A target is absolute (`target`),
-- or relative to a reference value: close `gap_closed` (0.5: halve) of the
-- gap between the baseline and `reference_value`.
CREATE TABLE indicator_targets (
    id              TEXT PRIMARY KEY,
    code            TEXT NOT NULL,
    area_code       TEXT NOT NULL,
    period          TEXT NOT NULL,
    period_start    TEXT NOT NULL,
    period_end      TEXT NOT NULL,
    baseline        DOUBLE PRECISION,
    baseline_year   BIGINT,
    target          DOUBLE PRECISION,
    reference_value DOUBLE PRECISION,
    gap_closed      DOUBLE PRECISION,
    note            TEXT,
    version         BIGINT NOT NULL,
    updated_by      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX indicator_targets_key ON indicator_targets (code, area_code, period);

-- A dashboard: the indicators chosen for a programme (or a result area),
-- each with one breakdown. `items` is a JSON list of {"indicator", "by"}.
CREATE TABLE dashboards (
    id             TEXT PRIMARY KEY,
    code           TEXT NOT NULL UNIQUE,
    titles         TEXT NOT NULL,
    programme_code TEXT,
    result_area    TEXT,
    items          TEXT NOT NULL,
    version        BIGINT NOT NULL,
    updated_by     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

-- Reads the engine makes by date.
CREATE INDEX attendance_day ON attendance (held_on, mark);
CREATE INDEX case_contacts_day ON case_contacts (contact_on);
CREATE INDEX case_services_day ON case_services (service_on);
CREATE INDEX referrals_sent ON referrals (sent_on);
CREATE INDEX consents_statistics ON consents (purpose, person_id, withdrawn_on);
