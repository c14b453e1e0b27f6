-- One dialect for SQLite and PostgreSQL: TEXT, BIGINT, DOUBLE PRECISION only;
-- identifiers are application-made UUIDv7 text; timestamps are UTC RFC 3339 text
-- of fixed width, so they sort as text; flags are nullable timestamps or BIGINT 0/1.

CREATE TABLE areas (
    code        TEXT PRIMARY KEY,
    parent_code TEXT REFERENCES areas (code),
    country     TEXT NOT NULL,
    level       BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    name_alt    TEXT,
    search_key  TEXT NOT NULL
);
CREATE INDEX areas_parent ON areas (parent_code);

-- Every (ancestor, descendant) pair including (a, a): "an area and all below it"
-- becomes an indexed lookup in either engine.
CREATE TABLE area_closure (
    ancestor_code   TEXT NOT NULL REFERENCES areas (code),
    descendant_code TEXT NOT NULL REFERENCES areas (code),
    depth           BIGINT NOT NULL,
    PRIMARY KEY (ancestor_code, descendant_code)
);
CREATE INDEX area_closure_descendant ON area_closure (descendant_code);

CREATE TABLE reference_data (
    name       TEXT PRIMARY KEY,
    checksum   TEXT NOT NULL,
    loaded_at  TEXT NOT NULL
);

CREATE TABLE programmes (
    id           TEXT PRIMARY KEY,
    code         TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    donor        TEXT,
    starts_on    TEXT,
    ends_on      TEXT,
    result_areas TEXT NOT NULL,
    version      BIGINT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

CREATE TABLE units (
    id           TEXT PRIMARY KEY,
    code         TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    area_code    TEXT NOT NULL REFERENCES areas (code),
    programme_id TEXT REFERENCES programmes (id),
    search_key   TEXT NOT NULL,
    version      BIGINT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX units_area ON units (area_code);
CREATE INDEX units_name ON units (name, code);

CREATE TABLE institutions (
    id             TEXT PRIMARY KEY,
    code           TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    area_code      TEXT NOT NULL REFERENCES areas (code),
    address        TEXT,
    phone          TEXT,
    email          TEXT,
    contact_person TEXT,
    services       TEXT NOT NULL,
    search_key     TEXT NOT NULL,
    version        BIGINT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX institutions_area ON institutions (area_code);
CREATE INDEX institutions_name ON institutions (name, code);

CREATE TABLE users (
    id                    TEXT PRIMARY KEY,
    username              TEXT NOT NULL UNIQUE,
    display_name          TEXT NOT NULL,
    password_hash         TEXT NOT NULL,
    locale                TEXT,
    must_change_password  BIGINT NOT NULL,
    disabled_at           TEXT,
    version               BIGINT NOT NULL,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
);

CREATE TABLE role_assignments (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id),
    role        TEXT NOT NULL,
    scope_kind  TEXT NOT NULL,
    scope_code  TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX role_assignments_user ON role_assignments (user_id);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE login_failures (
    id           TEXT PRIMARY KEY,
    username     TEXT NOT NULL,
    client_addr  TEXT NOT NULL,
    at           TEXT NOT NULL
);
CREATE INDEX login_failures_user ON login_failures (username, at);
CREATE INDEX login_failures_addr ON login_failures (client_addr, at);

-- Append-only, hash-chained. `audit_head` holds the last sequence number and
-- hash; appending updates it first, which serialises appends in both engines.
CREATE TABLE audit_log (
    seq          BIGINT PRIMARY KEY,
    at           TEXT NOT NULL,
    actor_id     TEXT,
    actor_name   TEXT NOT NULL,
    action       TEXT NOT NULL,
    record_type  TEXT,
    record_id    TEXT,
    area_code    TEXT,
    unit_code    TEXT,
    client_addr  TEXT,
    outcome      TEXT NOT NULL,
    details      TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_name, seq);
CREATE INDEX audit_log_record ON audit_log (record_type, record_id);
CREATE INDEX audit_log_area ON audit_log (area_code, seq);
CREATE INDEX audit_log_unit ON audit_log (unit_code, seq);

CREATE TABLE audit_head (
    id    BIGINT PRIMARY KEY,
    seq   BIGINT NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
