-- Moving a person to another unit is a request the receiving unit answers
-- (as for cases): the record stays where it is, in its unit's view, until the
-- receiving unit's coordinator accepts. One pending request per person.
CREATE TABLE person_transfers (
    id            TEXT PRIMARY KEY,
    person_id     TEXT NOT NULL REFERENCES persons (id),
    from_unit     TEXT NOT NULL,
    from_area     TEXT NOT NULL,
    to_unit       TEXT NOT NULL REFERENCES units (code) ON UPDATE CASCADE,
    to_area       TEXT NOT NULL REFERENCES areas (code),
    reason        TEXT NOT NULL,
    status        TEXT NOT NULL,
    requested_by  TEXT NOT NULL,
    requested_at  TEXT NOT NULL,
    answered_by   TEXT,
    answered_at   TEXT,
    answer_note   TEXT
);
CREATE INDEX person_transfers_person ON person_transfers (person_id, status);
CREATE INDEX person_transfers_to ON person_transfers (to_unit, status);
CREATE UNIQUE INDEX person_transfers_one_pending ON person_transfers (person_id) WHERE status = 'pending';
