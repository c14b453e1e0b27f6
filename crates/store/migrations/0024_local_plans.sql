-- Issue 20 §5 (ROMACTED): a municipality's community action groups and
-- institutional working groups, their needs assessment, and the joint
-- local action plan with its measures and their progress. A group is an
-- activity of the activities feature: its participants (people of the
-- registry or professionals, with sex and position) are the members, its
-- sessions and attendance the meetings; minutes are kept here per session.
CREATE TABLE local_groups (
    id           TEXT PRIMARY KEY,
    activity_id  TEXT NOT NULL UNIQUE REFERENCES activities (id),
    -- community_action_group, institutional_working_group
    kind         TEXT NOT NULL,
    -- The activity's area: the municipality.
    municipality TEXT NOT NULL REFERENCES areas (code),
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

CREATE TABLE group_minutes (
    session_id   TEXT PRIMARY KEY REFERENCES activity_sessions (id),
    group_id     TEXT NOT NULL REFERENCES local_groups (id),
    municipality TEXT NOT NULL,
    body         TEXT NOT NULL,
    version      BIGINT NOT NULL,
    written_by   TEXT NOT NULL,
    written_at   TEXT NOT NULL
);

CREATE TABLE community_needs (
    id           TEXT PRIMARY KEY,
    group_id     TEXT NOT NULL REFERENCES local_groups (id),
    municipality TEXT NOT NULL,
    sector       TEXT NOT NULL,
    problem      TEXT NOT NULL,
    votes        BIGINT NOT NULL,
    raised_on    TEXT NOT NULL,
    version      BIGINT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX community_needs_place ON community_needs (municipality, sector, votes);

CREATE TABLE local_action_plans (
    id              TEXT PRIMARY KEY,
    municipality    TEXT NOT NULL REFERENCES areas (code),
    title           TEXT NOT NULL,
    starts_year     BIGINT NOT NULL,
    ends_year       BIGINT NOT NULL,
    adopted_on      TEXT,
    decision_number TEXT,
    version         BIGINT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

CREATE TABLE local_measures (
    id             TEXT PRIMARY KEY,
    plan_id        TEXT NOT NULL REFERENCES local_action_plans (id),
    municipality   TEXT NOT NULL,
    number         TEXT NOT NULL,
    sort_key       TEXT NOT NULL,
    body           TEXT NOT NULL,
    need_id        TEXT REFERENCES community_needs (id),
    responsible    TEXT NOT NULL,
    starts         TEXT NOT NULL,
    ends           TEXT NOT NULL,
    budget_minor   BIGINT,
    funding        TEXT,
    budget_line    TEXT,
    -- not_started, on_track, delayed, completed, cancelled: as its last progress says
    status         TEXT NOT NULL,
    spent_minor    BIGINT,
    version        BIGINT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    CONSTRAINT local_measures_number UNIQUE (plan_id, number)
);

CREATE TABLE local_measure_progress (
    id             TEXT PRIMARY KEY,
    measure_id     TEXT NOT NULL REFERENCES local_measures (id),
    reported_on    TEXT NOT NULL,
    status         TEXT NOT NULL,
    note           TEXT NOT NULL,
    spending_minor BIGINT,
    written_by     TEXT NOT NULL,
    written_at     TEXT NOT NULL
);
CREATE INDEX local_measure_progress_of ON local_measure_progress (measure_id, reported_on);
