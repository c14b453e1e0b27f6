-- Case management: cases and who works on them, every status change, transfers,
-- form submissions with their typed values, service plans, contacts and their
-- attachments, services delivered, follow-ups, referrals and their answers.
-- Same portable dialect as 0001.

-- A referral-sharing consent may cover only some kinds of institution (a JSON
-- list); NULL covers every kind, as consents recorded before this did.
ALTER TABLE consents ADD COLUMN institution_kinds TEXT;

CREATE TABLE cases (
    id              TEXT PRIMARY KEY,
    person_id       TEXT REFERENCES persons (id),
    household_id    TEXT REFERENCES households (id),
    unit_code       TEXT NOT NULL REFERENCES units (code) ON UPDATE CASCADE,
    area_code       TEXT NOT NULL REFERENCES areas (code),
    programme_id    TEXT REFERENCES programmes (id),
    priority        TEXT NOT NULL,
    domains         TEXT NOT NULL,
    status          TEXT NOT NULL,
    summary         TEXT,
    opened_on       TEXT NOT NULL,
    closed_on       TEXT,
    closure_reason  TEXT,
    closure_note    TEXT,
    -- The newest contact's date, kept here so "no contact for N days" is one range scan.
    last_contact_on TEXT,
    -- The lead of case_workers, kept here so caseload counts read one index.
    lead_worker_id  TEXT,
    version         BIGINT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX cases_unit ON cases (unit_code, status, last_contact_on);
CREATE INDEX cases_quiet ON cases (unit_code, last_contact_on);
-- Dashboards count from these alone (status, lead worker and domains in the index).
CREATE INDEX cases_unit_stats ON cases (unit_code, status, lead_worker_id, domains);
CREATE INDEX cases_area_stats ON cases (area_code, status, lead_worker_id, domains);
CREATE INDEX cases_person ON cases (person_id);
CREATE INDEX cases_household ON cases (household_id);

-- The workers assigned to a case now; the history of assignments is in case_events.
CREATE TABLE case_workers (
    case_id     TEXT NOT NULL REFERENCES cases (id),
    user_id     TEXT NOT NULL REFERENCES users (id),
    lead        BIGINT NOT NULL,
    assigned_at TEXT NOT NULL,
    assigned_by TEXT NOT NULL,
    PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_workers_user ON case_workers (user_id, case_id);

-- What happened to a case, in order: status changes, assignments, transfers.
CREATE TABLE case_events (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id),
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    from_status TEXT,
    to_status   TEXT,
    note        TEXT
);
CREATE INDEX case_events_case ON case_events (case_id, at);

CREATE TABLE case_transfers (
    id           TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL REFERENCES cases (id),
    from_unit    TEXT NOT NULL,
    to_unit      TEXT NOT NULL,
    to_user_id   TEXT REFERENCES users (id),
    reason       TEXT NOT NULL,
    status       TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    answered_by  TEXT,
    answered_at  TEXT,
    answer_note  TEXT
);
CREATE INDEX case_transfers_case ON case_transfers (case_id, status);
CREATE INDEX case_transfers_to ON case_transfers (to_unit, status);

-- A filled form, with the version it was made with; `answers` is the JSON as kept.
CREATE TABLE form_submissions (
    id           TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL REFERENCES cases (id),
    form_id      TEXT NOT NULL,
    form_version BIGINT NOT NULL,
    answers      TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    FOREIGN KEY (form_id, form_version) REFERENCES form_versions (form_id, version)
);
CREATE INDEX form_submissions_case ON form_submissions (case_id, submitted_at);
CREATE INDEX form_submissions_form ON form_submissions (form_id, submitted_at);

-- One typed value per answer (per chosen option of a multiple choice), for
-- filtering and counting without reading JSON.
CREATE TABLE form_values (
    submission_id TEXT NOT NULL REFERENCES form_submissions (id),
    form_id       TEXT NOT NULL,
    path          TEXT NOT NULL,
    field         TEXT NOT NULL,
    kind          TEXT NOT NULL,
    text_value    TEXT,
    number_value  DOUBLE PRECISION,
    date_value    TEXT
);
CREATE INDEX form_values_submission ON form_values (submission_id);
CREATE INDEX form_values_field ON form_values (form_id, field, text_value);

CREATE TABLE case_goals (
    id           TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL REFERENCES cases (id),
    domain       TEXT NOT NULL,
    description  TEXT NOT NULL,
    target_date  TEXT,
    status       TEXT NOT NULL,
    version      BIGINT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX case_goals_case ON case_goals (case_id);

-- Services the plan foresees: given by the unit (`service` a delivered-service
-- kind) or expected from an institution (`service` a directory service kind).
CREATE TABLE case_planned_services (
    id           TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL REFERENCES cases (id),
    goal_id      TEXT REFERENCES case_goals (id),
    service      TEXT NOT NULL,
    description  TEXT,
    planned_on   TEXT,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX case_planned_services_case ON case_planned_services (case_id);

CREATE TABLE case_contacts (
    id               TEXT PRIMARY KEY,
    case_id          TEXT NOT NULL REFERENCES cases (id),
    kind             TEXT NOT NULL,
    contact_on       TEXT NOT NULL,
    duration_minutes BIGINT,
    participants     TEXT,
    narrative        TEXT,
    recorded_by      TEXT NOT NULL,
    recorded_at      TEXT NOT NULL
);
CREATE INDEX case_contacts_case ON case_contacts (case_id, contact_on);

-- Photos and scanned documents, encrypted like special-category data
-- (`v1.<key id>.<base64>`), so a database backup carries them and a stolen one
-- does not show them.
CREATE TABLE case_attachments (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id),
    contact_id  TEXT REFERENCES case_contacts (id),
    file_name   TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    size_bytes  BIGINT NOT NULL,
    ciphertext  TEXT NOT NULL,
    key_id      TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);
CREATE INDEX case_attachments_case ON case_attachments (case_id);

CREATE TABLE case_services (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id),
    kind        TEXT NOT NULL,
    service_on  TEXT NOT NULL,
    quantity    DOUBLE PRECISION NOT NULL,
    note        TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX case_services_case ON case_services (case_id, service_on);

CREATE TABLE follow_ups (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id),
    -- The case's place, so follow-ups are scoped without a join.
    unit_code   TEXT NOT NULL,
    area_code   TEXT NOT NULL,
    title       TEXT NOT NULL,
    due_on      TEXT NOT NULL,
    assignee_id TEXT NOT NULL REFERENCES users (id),
    done_on     TEXT,
    done_by     TEXT,
    version     BIGINT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX follow_ups_assignee ON follow_ups (assignee_id, done_on, due_on);
CREATE INDEX follow_ups_unit ON follow_ups (unit_code, done_on, due_on);
CREATE INDEX follow_ups_area ON follow_ups (area_code, done_on, due_on);
CREATE INDEX follow_ups_case ON follow_ups (case_id);

CREATE TABLE referrals (
    id               TEXT PRIMARY KEY,
    case_id          TEXT NOT NULL REFERENCES cases (id),
    person_id        TEXT REFERENCES persons (id),
    unit_code        TEXT NOT NULL,
    area_code        TEXT NOT NULL,
    institution_code TEXT NOT NULL REFERENCES institutions (code) ON UPDATE CASCADE,
    institution_kind TEXT NOT NULL,
    service          TEXT NOT NULL,
    reason           TEXT NOT NULL,
    urgency          TEXT NOT NULL,
    shared_fields    TEXT NOT NULL,
    -- The shared information as it was when sent: the institution reads this,
    -- never the registry.
    shared_data      TEXT NOT NULL,
    consent_override TEXT,
    status           TEXT NOT NULL,
    sent_on          TEXT NOT NULL,
    due_on           TEXT NOT NULL,
    answered_on      TEXT,
    -- When the sender last looked at it, so "answered" on "my work" shows only news.
    answer_seen_at   TEXT,
    last_event_at    TEXT NOT NULL,
    version          BIGINT NOT NULL,
    sent_by          TEXT NOT NULL,
    sent_by_id       TEXT NOT NULL
);
CREATE INDEX referrals_case ON referrals (case_id);
CREATE INDEX referrals_institution ON referrals (institution_code, status, due_on);
CREATE INDEX referrals_unit ON referrals (unit_code, status, due_on);
CREATE INDEX referrals_sender ON referrals (sent_by_id, answer_seen_at);
CREATE INDEX referrals_unit_answered ON referrals (unit_code, answered_on);
CREATE INDEX referrals_unit_stats ON referrals (unit_code, institution_code, status, due_on, sent_on, answered_on);
CREATE INDEX referrals_area_stats ON referrals (area_code, institution_code, status, due_on, sent_on, answered_on);
CREATE INDEX referrals_person ON referrals (person_id);

CREATE TABLE referral_events (
    id          TEXT PRIMARY KEY,
    referral_id TEXT NOT NULL REFERENCES referrals (id),
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    -- `institution` when the focal point answered, `unit` when a field worker
    -- recorded an answer given on paper or by phone.
    side        TEXT NOT NULL,
    status      TEXT NOT NULL,
    reason      TEXT,
    note        TEXT,
    service_on  TEXT
);
CREATE INDEX referral_events_referral ON referral_events (referral_id, at);

-- Working days an institution kind has to answer, where the installation
-- differs from the defaults.
CREATE TABLE response_times (
    institution_kind TEXT PRIMARY KEY,
    working_days     BIGINT NOT NULL,
    updated_by       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
