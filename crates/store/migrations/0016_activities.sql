-- Programme activities: trainings, courses, after-school activities, events
-- and community meetings; their sessions, facilitators, participants (people
-- of the registry or professionals), attendance (one row per session and
-- participant, dated, so "unique people who attended in a period" is one
-- range scan), head counts at mass events, transport support and volunteer
-- placements. Same portable dialect as 0001.

CREATE TABLE activities (
    id               TEXT PRIMARY KEY,
    programme_id     TEXT NOT NULL REFERENCES programmes (id),
    result_area      TEXT,
    -- The organiser: a unit, or an institution of the directory (one of the two).
    unit_code        TEXT REFERENCES units (code) ON UPDATE CASCADE,
    institution_code TEXT REFERENCES institutions (code) ON UPDATE CASCADE,
    area_code        TEXT NOT NULL REFERENCES areas (code),
    kind             TEXT NOT NULL,
    -- {"tr": "…", "en": "…"}: the title in the languages its organisers use.
    titles           TEXT NOT NULL,
    -- The titles folded for search (every language, one key).
    search_key       TEXT NOT NULL,
    venue            TEXT,
    starts_on        TEXT NOT NULL,
    ends_on          TEXT,
    capacity         BIGINT,
    target_group     TEXT,
    budget_line      TEXT,
    -- Hundredths of `currency`.
    cost_minor       BIGINT,
    currency         TEXT,
    status           TEXT NOT NULL,
    cancel_reason    TEXT,
    -- The completion rule: percent of sessions, every module (0/1), post-test pass mark.
    min_share        BIGINT,
    all_modules      BIGINT NOT NULL,
    pass_mark        BIGINT,
    version          BIGINT NOT NULL,
    created_by       TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX activities_unit ON activities (unit_code, starts_on);
CREATE INDEX activities_institution ON activities (institution_code, starts_on);
CREATE INDEX activities_area ON activities (area_code, starts_on);
CREATE INDEX activities_programme ON activities (programme_id, result_area, starts_on);

CREATE TABLE activity_facilitators (
    activity_id TEXT NOT NULL REFERENCES activities (id),
    user_id     TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (activity_id, user_id)
);
CREATE INDEX activity_facilitators_user ON activity_facilitators (user_id, activity_id);

CREATE TABLE activity_sessions (
    id             TEXT PRIMARY KEY,
    activity_id    TEXT NOT NULL REFERENCES activities (id),
    held_on        TEXT NOT NULL,
    starts_at      TEXT,
    ends_at        TEXT,
    module         TEXT,
    topic          TEXT,
    facilitator_id TEXT REFERENCES users (id),
    venue          TEXT,
    -- When attendance was last saved (NULL: not taken yet).
    attendance_at  TEXT,
    version        BIGINT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX activity_sessions_activity ON activity_sessions (activity_id, held_on, starts_at);
CREATE INDEX activity_sessions_day ON activity_sessions (held_on, facilitator_id);

-- A person of the registry (person_id) or a professional (name, institution,
-- position, sex). A person is on an activity's list once; a merge may bring
-- two rows of one person together, which counts stay distinct over.
CREATE TABLE activity_participants (
    id               TEXT PRIMARY KEY,
    activity_id      TEXT NOT NULL REFERENCES activities (id),
    kind             TEXT NOT NULL,
    person_id        TEXT REFERENCES persons (id),
    case_id          TEXT REFERENCES cases (id),
    enrolled_via     TEXT NOT NULL,
    professional_name TEXT,
    institution_code TEXT REFERENCES institutions (code) ON UPDATE CASCADE,
    position         TEXT,
    sex              TEXT,
    pre_score        BIGINT,
    post_score       BIGINT,
    enrolled_on      TEXT NOT NULL,
    withdrawn_on     TEXT,
    version          BIGINT NOT NULL,
    created_by       TEXT NOT NULL,
    created_at       TEXT NOT NULL
);
CREATE INDEX activity_participants_activity ON activity_participants (activity_id, kind);
CREATE INDEX activity_participants_person ON activity_participants (person_id, activity_id);

-- One row per session and participant; held_on is the session's date, copied
-- so that period counts read this table alone.
CREATE TABLE attendance (
    session_id     TEXT NOT NULL REFERENCES activity_sessions (id),
    participant_id TEXT NOT NULL REFERENCES activity_participants (id),
    activity_id    TEXT NOT NULL REFERENCES activities (id),
    held_on        TEXT NOT NULL,
    mark           TEXT NOT NULL,
    marked_by      TEXT NOT NULL,
    marked_at      TEXT NOT NULL,
    PRIMARY KEY (session_id, participant_id)
);
CREATE INDEX attendance_participant ON attendance (participant_id, held_on);
-- Counts by activity (a unit's, an area's) over a period: one range per activity.
CREATE INDEX attendance_activity ON attendance (activity_id, held_on, mark);

-- Mass events where names cannot be taken: people counted by sex and age band.
CREATE TABLE session_head_counts (
    session_id TEXT NOT NULL REFERENCES activity_sessions (id),
    sex        TEXT NOT NULL,
    age_band   TEXT NOT NULL,
    count      BIGINT NOT NULL,
    PRIMARY KEY (session_id, sex, age_band)
);
