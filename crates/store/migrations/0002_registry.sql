-- The beneficiary registry: households, persons, names for search, consents,
-- encrypted special-category data, field-level history. Same portable dialect as 0001.

CREATE TABLE households (
    id             TEXT PRIMARY KEY,
    unit_code      TEXT NOT NULL REFERENCES units (code) ON UPDATE CASCADE,
    area_code      TEXT NOT NULL REFERENCES areas (code),
    address        TEXT,
    settlement     TEXT,
    latitude       DOUBLE PRECISION,
    longitude      DOUBLE PRECISION,
    tenure         TEXT NOT NULL,
    rooms          BIGINT,
    tap_water      TEXT NOT NULL,
    indoor_toilet  TEXT NOT NULL,
    electricity    TEXT NOT NULL,
    damp_roof      TEXT NOT NULL,
    head_person_id TEXT,
    search_key     TEXT NOT NULL,
    version        BIGINT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX households_unit ON households (unit_code);
CREATE INDEX households_area ON households (area_code);

CREATE TABLE persons (
    id                TEXT PRIMARY KEY,
    unit_code         TEXT NOT NULL REFERENCES units (code) ON UPDATE CASCADE,
    area_code         TEXT NOT NULL REFERENCES areas (code),
    household_id      TEXT REFERENCES households (id),
    given_names       TEXT NOT NULL,
    family_name       TEXT NOT NULL,
    father_name       TEXT,
    mother_name       TEXT,
    aliases           TEXT NOT NULL,
    sex               TEXT NOT NULL,
    birth_date        TEXT,
    birth_precision   TEXT,
    birth_year        BIGINT,
    id_type           TEXT,
    national_id       TEXT,
    nationality       TEXT,
    phone             TEXT,
    phone_digits      TEXT,
    languages         TEXT NOT NULL,
    education         TEXT NOT NULL,
    birth_registered  TEXT NOT NULL,
    id_card           TEXT NOT NULL,
    statelessness     TEXT NOT NULL,
    legally_invisible BIGINT NOT NULL,
    groups_list       TEXT NOT NULL,
    sort_key          TEXT NOT NULL,
    version           BIGINT NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE UNIQUE INDEX persons_national_id ON persons (id_type, national_id) WHERE national_id IS NOT NULL;
CREATE INDEX persons_unit ON persons (unit_code, sort_key);
CREATE INDEX persons_area ON persons (area_code, sort_key);
CREATE INDEX persons_sort ON persons (sort_key);
CREATE INDEX persons_household ON persons (household_id);
CREATE INDEX persons_phone ON persons (phone_digits);
CREATE INDEX persons_birth_year ON persons (birth_year);

-- One row per folded name word: exact and prefix search on `token`, spellings by ear on `sound`.
CREATE TABLE person_names (
    person_id TEXT NOT NULL REFERENCES persons (id),
    token     TEXT NOT NULL,
    sound     TEXT NOT NULL,
    field     TEXT NOT NULL
);
CREATE INDEX person_names_token ON person_names (token, person_id);
CREATE INDEX person_names_sound ON person_names (sound, person_id);
CREATE INDEX person_names_person ON person_names (person_id);

CREATE TABLE household_members (
    id            TEXT PRIMARY KEY,
    household_id  TEXT NOT NULL REFERENCES households (id),
    person_id     TEXT NOT NULL REFERENCES persons (id),
    relationship  TEXT NOT NULL,
    joined_on     TEXT NOT NULL,
    join_reason   TEXT NOT NULL,
    left_on       TEXT,
    leave_reason  TEXT,
    recorded_by   TEXT NOT NULL,
    recorded_at   TEXT NOT NULL
);
CREATE INDEX household_members_household ON household_members (household_id);
CREATE INDEX household_members_person ON household_members (person_id);

CREATE TABLE consents (
    id              TEXT PRIMARY KEY,
    person_id       TEXT NOT NULL REFERENCES persons (id),
    purpose         TEXT NOT NULL,
    legal_basis     TEXT NOT NULL,
    text_version    TEXT NOT NULL,
    language        TEXT NOT NULL,
    given_on        TEXT NOT NULL,
    recorded_by     TEXT NOT NULL,
    recorded_at     TEXT NOT NULL,
    withdrawn_on    TEXT,
    withdrawn_by    TEXT,
    withdrawn_at    TEXT
);
CREATE INDEX consents_person ON consents (person_id, purpose);

-- Special-category data, one row per category, encrypted with XChaCha20-Poly1305.
-- `ciphertext` is `v1.<key id>.<base64 nonce+ciphertext>`; the key never enters the database.
CREATE TABLE person_special (
    person_id   TEXT NOT NULL REFERENCES persons (id),
    category    TEXT NOT NULL,
    ciphertext  TEXT NOT NULL,
    key_id      TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (person_id, category)
);
CREATE INDEX person_special_key ON person_special (key_id);

-- Who changed what, when, with old and new values (special categories only as "changed").
CREATE TABLE record_history (
    id           TEXT PRIMARY KEY,
    record_type  TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    version      BIGINT NOT NULL,
    field        TEXT NOT NULL,
    old_value    TEXT,
    new_value    TEXT,
    changed_by   TEXT NOT NULL,
    changed_at   TEXT NOT NULL
);
CREATE INDEX record_history_record ON record_history (record_type, record_id, changed_at);

-- Answers to "is this the same person?", remembered so a pair judged different is not asked again.
CREATE TABLE duplicate_decisions (
    id              TEXT PRIMARY KEY,
    person_id       TEXT NOT NULL,
    other_person_id TEXT NOT NULL,
    decision        TEXT NOT NULL,
    decided_by      TEXT NOT NULL,
    decided_at      TEXT NOT NULL
);
CREATE INDEX duplicate_decisions_pair ON duplicate_decisions (person_id, other_person_id);
