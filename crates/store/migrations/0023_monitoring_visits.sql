-- Issue 20 §4: monitoring visits (a province, its days, the team), the
-- agenda of meetings with institutions of the directory, findings linked to
-- a policy area or an action, and recommendations their owners follow up
-- until they are closed.
CREATE TABLE monitoring_visits (
    id          TEXT PRIMARY KEY,
    country     TEXT NOT NULL,
    province    TEXT NOT NULL REFERENCES areas (code),
    title       TEXT NOT NULL,
    starts_on   TEXT NOT NULL,
    ends_on     TEXT NOT NULL,
    -- JSON list of the team's members
    team        TEXT NOT NULL,
    purpose     TEXT,
    version     BIGINT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX monitoring_visits_starts ON monitoring_visits (country, starts_on);

CREATE TABLE visit_meetings (
    id               TEXT PRIMARY KEY,
    visit_id         TEXT NOT NULL REFERENCES monitoring_visits (id),
    held_on          TEXT NOT NULL,
    institution_code TEXT NOT NULL REFERENCES institutions (code),
    participants     TEXT,
    notes            TEXT,
    created_at       TEXT NOT NULL
);
CREATE INDEX visit_meetings_visit ON visit_meetings (visit_id, held_on);

CREATE TABLE visit_findings (
    id          TEXT PRIMARY KEY,
    visit_id    TEXT NOT NULL REFERENCES monitoring_visits (id),
    meeting_id  TEXT REFERENCES visit_meetings (id),
    body        TEXT NOT NULL,
    policy_area TEXT,
    action_id   TEXT REFERENCES plan_actions (id),
    created_at  TEXT NOT NULL
);
CREATE INDEX visit_findings_visit ON visit_findings (visit_id);

CREATE TABLE recommendations (
    id               TEXT PRIMARY KEY,
    visit_id         TEXT NOT NULL REFERENCES monitoring_visits (id),
    finding_id       TEXT REFERENCES visit_findings (id),
    -- The visit's province: read by those who see the visit's province.
    province         TEXT NOT NULL,
    body             TEXT NOT NULL,
    responsible_code TEXT NOT NULL REFERENCES institutions (code),
    due_on           TEXT NOT NULL,
    -- open, in_progress, implemented, dropped
    status           TEXT NOT NULL,
    closed_on        TEXT,
    version          BIGINT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX recommendations_open ON recommendations (status, due_on);
CREATE INDEX recommendations_responsible ON recommendations (responsible_code, status);

CREATE TABLE recommendation_follow_ups (
    id                TEXT PRIMARY KEY,
    recommendation_id TEXT NOT NULL REFERENCES recommendations (id),
    status            TEXT NOT NULL,
    note              TEXT NOT NULL,
    written_by        TEXT NOT NULL,
    written_at        TEXT NOT NULL
);
CREATE INDEX recommendation_follow_ups_of ON recommendation_follow_ups (recommendation_id, written_at);
