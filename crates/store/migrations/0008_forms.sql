-- Form definitions by version (case management). A submission names the
-- version it was made with, so a version is never changed or removed.
CREATE TABLE form_versions (
    form_id      TEXT NOT NULL,
    version      INTEGER NOT NULL,
    -- The title in the four languages (JSON), for lists without parsing definitions.
    title        TEXT NOT NULL,
    -- The definition as checked (JSON, sr-Latn filled in).
    definition   TEXT NOT NULL,
    -- 'shipped' (forms/ in the repository) or 'published' (by a user).
    source       TEXT NOT NULL,
    published_by TEXT,
    published_at TEXT NOT NULL,
    PRIMARY KEY (form_id, version)
);
