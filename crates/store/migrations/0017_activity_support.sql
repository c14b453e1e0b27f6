-- What activities give and lead to: certificates of completion (checked by
-- code on a public page), transport support paid to participants, and
-- volunteer placements in local institutions with their monthly hours.
-- Same portable dialect as 0001.

-- One certificate per participant; the code is what a holder shows. The
-- holder's name is read from the registry when checked, never copied here.
CREATE TABLE certificates (
    code           TEXT PRIMARY KEY,
    participant_id TEXT NOT NULL REFERENCES activity_participants (id),
    activity_id    TEXT NOT NULL REFERENCES activities (id),
    language       TEXT NOT NULL,
    completed_on   TEXT NOT NULL,
    issued_by      TEXT NOT NULL,
    issued_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX certificates_participant ON certificates (participant_id);

-- Transport support: per participant and session, or per month. period_key is
-- the session's id or 'month:YYYY-MM', so one payment per participant and period.
CREATE TABLE transport_payments (
    id             TEXT PRIMARY KEY,
    activity_id    TEXT NOT NULL REFERENCES activities (id),
    participant_id TEXT NOT NULL REFERENCES activity_participants (id),
    session_id     TEXT REFERENCES activity_sessions (id),
    month          TEXT NOT NULL,
    period_key     TEXT NOT NULL,
    mode           TEXT NOT NULL,
    amount_minor   BIGINT NOT NULL,
    currency       TEXT NOT NULL,
    paid_on        TEXT,
    paid_by        TEXT,
    version        BIGINT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX transport_payments_period ON transport_payments (participant_id, period_key);
CREATE INDEX transport_payments_activity ON transport_payments (activity_id, month);

-- A volunteer (a person of the registry, usually trained in an activity)
-- placed in a host institution. Placed by a unit; seen by the unit, the
-- area and the host institution's focal point.
CREATE TABLE volunteer_placements (
    id               TEXT PRIMARY KEY,
    person_id        TEXT NOT NULL REFERENCES persons (id),
    activity_id      TEXT REFERENCES activities (id),
    institution_code TEXT NOT NULL REFERENCES institutions (code) ON UPDATE CASCADE,
    unit_code        TEXT NOT NULL REFERENCES units (code) ON UPDATE CASCADE,
    area_code        TEXT NOT NULL REFERENCES areas (code),
    role             TEXT NOT NULL,
    supervisor       TEXT,
    starts_on        TEXT NOT NULL,
    ends_on          TEXT,
    hours_per_week   BIGINT,
    ended_on         TEXT,
    end_reason       TEXT,
    version          BIGINT NOT NULL,
    created_by       TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX volunteer_placements_unit ON volunteer_placements (unit_code, starts_on);
CREATE INDEX volunteer_placements_institution ON volunteer_placements (institution_code, starts_on);
CREATE INDEX volunteer_placements_person ON volunteer_placements (person_id);

-- Hours a volunteer gave in a month, confirmed by the host institution.
CREATE TABLE volunteer_hours (
    placement_id TEXT NOT NULL REFERENCES volunteer_placements (id),
    month        TEXT NOT NULL,
    hours        BIGINT NOT NULL,
    note         TEXT,
    logged_by    TEXT NOT NULL,
    logged_at    TEXT NOT NULL,
    confirmed_by TEXT,
    confirmed_at TEXT,
    PRIMARY KEY (placement_id, month)
);
