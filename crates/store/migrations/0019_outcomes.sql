-- Outcomes (issue 19), the rest: school enrolment per school year with its
-- dated status changes, health coverage, immunisation (sealed: it reveals
-- health), programme participation as ESF+ asks it, job seekers, employers
-- (institutions of kind `employer` with a sector and a size), placements,
-- and the checks a worker answers later (retention at 3, 6 and 12 months;
-- the labour situation six months after leaving a programme).
-- No unique index joins a person to a year or a programme: a merge moves two
-- records' rows onto one person, and both stay readable. The store keeps one
-- open row per person where it matters.
-- Same portable dialect as 0001.

ALTER TABLE institutions ADD COLUMN sector TEXT;
ALTER TABLE institutions ADD COLUMN size TEXT;

CREATE TABLE enrolments (
    id                TEXT PRIMARY KEY,
    person_id         TEXT NOT NULL REFERENCES persons (id),
    school_year       TEXT NOT NULL,
    level             TEXT NOT NULL,
    school_id         TEXT REFERENCES institutions (id),
    grade             BIGINT,
    status            TEXT NOT NULL,
    status_on         TEXT NOT NULL,
    reason            TEXT,
    absent_days_term1 BIGINT,
    absent_days_term2 BIGINT,
    supports          TEXT NOT NULL,
    note              TEXT,
    version           BIGINT NOT NULL,
    created_by        TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX enrolments_person ON enrolments (person_id, school_year);
CREATE INDEX enrolments_school ON enrolments (school_id, school_year);

-- Every status an enrolment took, dated: "enrolled on 1 October", "dropped
-- out in March".
CREATE TABLE enrolment_events (
    id           TEXT PRIMARY KEY,
    enrolment_id TEXT NOT NULL REFERENCES enrolments (id),
    on_date      TEXT NOT NULL,
    status       TEXT NOT NULL,
    reason       TEXT,
    recorded_by  TEXT NOT NULL,
    recorded_at  TEXT NOT NULL
);
CREATE INDEX enrolment_events_enrolment ON enrolment_events (enrolment_id, on_date);
CREATE INDEX enrolment_events_status ON enrolment_events (status, on_date);

CREATE TABLE health_coverage (
    id             TEXT PRIMARY KEY,
    person_id      TEXT NOT NULL REFERENCES persons (id),
    kind           TEXT NOT NULL,
    scheme         TEXT,
    institution_id TEXT REFERENCES institutions (id),
    doctor         TEXT,
    started_on     TEXT NOT NULL,
    ended_on       TEXT,
    note           TEXT,
    version        BIGINT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX health_coverage_person ON health_coverage (person_id, kind);

-- Immunisation status as assessed, sealed (`immunisation/<id>` as associated
-- data, so a merge can move the row); the latest row is the status.
CREATE TABLE immunisations (
    id          TEXT PRIMARY KEY,
    person_id   TEXT NOT NULL REFERENCES persons (id),
    sealed      TEXT NOT NULL,
    key_id      TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX immunisations_person ON immunisations (person_id, recorded_at);

CREATE TABLE participations (
    id             TEXT PRIMARY KEY,
    person_id      TEXT NOT NULL REFERENCES persons (id),
    programme_code TEXT NOT NULL REFERENCES programmes (code),
    entered_on     TEXT NOT NULL,
    labour_status  TEXT NOT NULL,
    education      TEXT NOT NULL,
    groups         TEXT NOT NULL,
    age_at_entry   BIGINT,
    case_id        TEXT REFERENCES cases (id),
    activity_id    TEXT REFERENCES activities (id),
    left_on        TEXT,
    results        TEXT,
    version        BIGINT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX participations_person ON participations (person_id, programme_code);
CREATE INDEX participations_programme ON participations (programme_code, entered_on);

CREATE TABLE job_seekers (
    id              TEXT PRIMARY KEY,
    person_id       TEXT NOT NULL REFERENCES persons (id),
    agency          TEXT NOT NULL,
    agency_number   TEXT,
    registered_on   TEXT,
    occupations     TEXT NOT NULL,
    skills          TEXT,
    driving_licence TEXT,
    languages       TEXT NOT NULL,
    work_history    TEXT,
    availability    TEXT NOT NULL,
    labour_status   TEXT NOT NULL,
    groups          TEXT NOT NULL,
    status          TEXT NOT NULL,
    version         BIGINT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX job_seekers_person ON job_seekers (person_id);

CREATE TABLE placements (
    id              TEXT PRIMARY KEY,
    person_id       TEXT NOT NULL REFERENCES persons (id),
    employer_id     TEXT NOT NULL REFERENCES institutions (id),
    occupation      TEXT NOT NULL,
    started_on      TEXT NOT NULL,
    contract_type   TEXT NOT NULL,
    hours_per_week  BIGINT,
    wage_band       TEXT,
    social_security TEXT NOT NULL,
    subsidised      BIGINT NOT NULL,
    programme_code  TEXT REFERENCES programmes (code),
    activity_id     TEXT REFERENCES activities (id),
    note            TEXT,
    ended_on        TEXT,
    end_reason      TEXT,
    version         BIGINT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX placements_person ON placements (person_id, started_on);
CREATE INDEX placements_employer ON placements (employer_id, started_on);

-- What a worker is asked later: `retention` at `months` 3, 6 and 12 after a
-- placement (`subject_id`) starts; `six_month` after a participation
-- (`subject_id`) ends. Due on a date, answered once.
CREATE TABLE outcome_checks (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    person_id     TEXT NOT NULL REFERENCES persons (id),
    months        BIGINT NOT NULL,
    assignee_id   TEXT NOT NULL REFERENCES users (id),
    due_on        TEXT NOT NULL,
    answered_on   TEXT,
    still_working TEXT,
    insured       BIGINT,
    labour_status TEXT,
    improved      BIGINT,
    note          TEXT,
    answered_by   TEXT,
    version       BIGINT NOT NULL
);
CREATE INDEX outcome_checks_subject ON outcome_checks (subject_id, months);
CREATE INDEX outcome_checks_assignee ON outcome_checks (assignee_id, answered_on, due_on);
CREATE INDEX outcome_checks_person ON outcome_checks (person_id, due_on);
