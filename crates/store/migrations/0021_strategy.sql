-- Strategy monitoring (issue 20): a strategy's policy areas and objectives,
-- its action plans in phases, their actions and indicators, reporting cycles
-- and the progress reports responsible institutions fill for their actions.
-- Same portable dialect as 0001.

CREATE TABLE strategies (
    id           TEXT PRIMARY KEY,
    code         TEXT NOT NULL UNIQUE,
    -- {"tr": "…", "en": "…", "sr": "…"}: the title in the plan's languages.
    titles       TEXT NOT NULL,
    -- The country whose strategy it is (TR, RS): who may see it by country scope.
    country      TEXT NOT NULL REFERENCES areas (code),
    issued_by    TEXT REFERENCES institutions (id),
    starts_year  BIGINT NOT NULL,
    ends_year    BIGINT NOT NULL,
    version      BIGINT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

CREATE TABLE policy_areas (
    id          TEXT PRIMARY KEY,
    strategy_id TEXT NOT NULL REFERENCES strategies (id),
    -- education, employment, health, housing, social_assistance, cross_cutting, or the plan's own
    code        TEXT NOT NULL,
    titles      TEXT NOT NULL,
    position    BIGINT NOT NULL
);
CREATE UNIQUE INDEX policy_areas_code ON policy_areas (strategy_id, code);

CREATE TABLE objectives (
    id             TEXT PRIMARY KEY,
    strategy_id    TEXT NOT NULL REFERENCES strategies (id),
    policy_area_id TEXT NOT NULL REFERENCES policy_areas (id),
    -- "2.1"
    number         TEXT NOT NULL,
    texts          TEXT NOT NULL
);
CREATE UNIQUE INDEX objectives_number ON objectives (strategy_id, number);

-- A phase of the strategy (2023-2025, 2026-2030). `revision` counts the
-- plan's imports: what a report was made against is kept in its own row.
CREATE TABLE action_plans (
    id            TEXT PRIMARY KEY,
    strategy_id   TEXT NOT NULL REFERENCES strategies (id),
    code          TEXT NOT NULL UNIQUE,
    titles        TEXT NOT NULL,
    starts_year   BIGINT NOT NULL,
    ends_year     BIGINT NOT NULL,
    -- Months between reporting cycles (3: quarterly).
    cycle_months  BIGINT NOT NULL,
    revision      BIGINT NOT NULL,
    version       BIGINT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- An action; `responsible_code` and `country` say who sees it (scope).
CREATE TABLE plan_actions (
    id               TEXT PRIMARY KEY,
    plan_id          TEXT NOT NULL REFERENCES action_plans (id),
    objective_id     TEXT NOT NULL REFERENCES objectives (id),
    -- "2.1.3"
    number           TEXT NOT NULL,
    -- Sorts "2.1.10" after "2.1.9".
    sort_key         TEXT NOT NULL,
    texts            TEXT NOT NULL,
    responsible_code TEXT NOT NULL REFERENCES institutions (code) ON UPDATE CASCADE,
    country          TEXT NOT NULL,
    -- Periods as written by the plan: 2026, 2026-Q2 or 2026-05.
    starts           TEXT NOT NULL,
    ends             TEXT NOT NULL,
    -- Hundredths of `currency`.
    budget_minor     BIGINT,
    currency         TEXT,
    budget_source    TEXT,
    status           TEXT NOT NULL,
    -- The plan revision that added it, and the one that took it out (kept:
    -- reports made against it stay readable).
    added_in         BIGINT NOT NULL,
    removed_in       BIGINT,
    version          BIGINT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE UNIQUE INDEX plan_actions_number ON plan_actions (plan_id, number);
CREATE INDEX plan_actions_responsible ON plan_actions (responsible_code, plan_id);

CREATE TABLE action_partners (
    action_id        TEXT NOT NULL REFERENCES plan_actions (id),
    institution_code TEXT NOT NULL REFERENCES institutions (code) ON UPDATE CASCADE,
    PRIMARY KEY (action_id, institution_code)
);
CREATE INDEX action_partners_institution ON action_partners (institution_code);

-- What an action looked like in an earlier revision of its plan.
CREATE TABLE action_revisions (
    action_id  TEXT NOT NULL REFERENCES plan_actions (id),
    revision   BIGINT NOT NULL,
    -- The action and its indicators as they were, JSON.
    snapshot   TEXT NOT NULL,
    PRIMARY KEY (action_id, revision)
);

-- An indicator of an objective or an action.
CREATE TABLE plan_indicators (
    id              TEXT PRIMARY KEY,
    plan_id         TEXT NOT NULL REFERENCES action_plans (id),
    objective_id    TEXT REFERENCES objectives (id),
    action_id       TEXT REFERENCES plan_actions (id),
    code            TEXT NOT NULL,
    definitions     TEXT NOT NULL,
    unit            TEXT NOT NULL,
    baseline_value  TEXT,
    baseline_year   BIGINT,
    -- {"2026": "40", "2027": "60"}
    targets         TEXT NOT NULL,
    verification    TEXT,
    -- reported (by the responsible institution) or computed (by the indicator engine)
    mode            TEXT NOT NULL,
    -- The indicator engine's code when computed (issue 21).
    engine_code     TEXT,
    -- none, sex, province, sex_province: how reported values are broken down
    breakdown       TEXT NOT NULL,
    removed_in      BIGINT
);
CREATE UNIQUE INDEX plan_indicators_code ON plan_indicators (plan_id, code);
CREATE INDEX plan_indicators_action ON plan_indicators (action_id);

CREATE TABLE reporting_cycles (
    id         TEXT PRIMARY KEY,
    plan_id    TEXT NOT NULL REFERENCES action_plans (id),
    -- "2026-Q1"
    title      TEXT NOT NULL,
    opens_on   TEXT NOT NULL,
    due_on     TEXT NOT NULL,
    -- open, closed
    status     TEXT NOT NULL,
    opened_by  TEXT NOT NULL,
    opened_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX reporting_cycles_title ON reporting_cycles (plan_id, title);

-- One report per cycle and action; a correction of an approved report is a
-- new row (`corrects`) with its reason, the approved one kept.
CREATE TABLE progress_reports (
    id               TEXT PRIMARY KEY,
    cycle_id         TEXT NOT NULL REFERENCES reporting_cycles (id),
    action_id        TEXT NOT NULL REFERENCES plan_actions (id),
    responsible_code TEXT NOT NULL,
    country          TEXT NOT NULL,
    -- The plan's revision when the cycle opened.
    plan_revision    BIGINT NOT NULL,
    -- draft, submitted, returned, approved, superseded
    status           TEXT NOT NULL,
    action_status    TEXT,
    done_text        TEXT,
    spending_minor   BIGINT,
    obstacles        TEXT,
    -- {"field": "comment"} from the last return.
    review_comments  TEXT,
    corrects         TEXT REFERENCES progress_reports (id),
    correction_reason TEXT,
    submitted_by     TEXT,
    submitted_at     TEXT,
    reviewed_by      TEXT,
    reviewed_at      TEXT,
    version          BIGINT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX progress_reports_cycle ON progress_reports (cycle_id, status);
CREATE INDEX progress_reports_action ON progress_reports (action_id, cycle_id);
CREATE INDEX progress_reports_responsible ON progress_reports (responsible_code, status);

-- Values of reported indicators, by sex and province where asked ('' when not).
CREATE TABLE report_values (
    report_id    TEXT NOT NULL REFERENCES progress_reports (id),
    indicator_id TEXT NOT NULL REFERENCES plan_indicators (id),
    sex          TEXT NOT NULL,
    province     TEXT NOT NULL,
    value        TEXT NOT NULL,
    PRIMARY KEY (report_id, indicator_id, sex, province)
);
CREATE INDEX report_values_indicator ON report_values (indicator_id);

-- Evidence files, sealed like case attachments (`evidence/<id>`).
CREATE TABLE report_evidence (
    id          TEXT PRIMARY KEY,
    report_id   TEXT NOT NULL REFERENCES progress_reports (id),
    file_name   TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    size_bytes  BIGINT NOT NULL,
    ciphertext  TEXT NOT NULL,
    key_id      TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);
CREATE INDEX report_evidence_report ON report_evidence (report_id);
