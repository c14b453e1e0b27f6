-- Imports of people from spreadsheets: what was imported, row fingerprints so
-- that importing the same rows again adds nothing, and reusable column mappings.

CREATE TABLE imports (
    id             TEXT PRIMARY KEY,
    file_name      TEXT NOT NULL,
    imported_by    TEXT NOT NULL,
    imported_at    TEXT NOT NULL,
    rows_total     BIGINT NOT NULL,
    rows_imported  BIGINT NOT NULL,
    rows_already   BIGINT NOT NULL,
    rows_rejected  BIGINT NOT NULL
);

CREATE TABLE import_fingerprints (
    fingerprint TEXT PRIMARY KEY,
    person_id   TEXT NOT NULL REFERENCES persons (id),
    import_id   TEXT NOT NULL REFERENCES imports (id)
);

CREATE TABLE import_mappings (
    name        TEXT PRIMARY KEY,
    columns     TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- An uploaded file between its preview (dry run) and its commit.
CREATE TABLE import_uploads (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    content     TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
