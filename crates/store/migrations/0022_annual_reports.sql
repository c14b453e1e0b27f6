-- Issue 20 §3: the annual monitoring report of an action plan. Its figures
-- are read from approved progress reports when it is generated; only what
-- people write is kept: the narrative sections, per year and language.
CREATE TABLE annual_reports (
    id         TEXT PRIMARY KEY,
    plan_id    TEXT NOT NULL REFERENCES action_plans (id),
    year       BIGINT NOT NULL,
    -- tr, en, sr-Cyrl, sr-Latn
    language   TEXT NOT NULL,
    -- {"summary": "…", "area.education": "…"}
    sections   TEXT NOT NULL,
    version    BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT annual_reports_plan_year_language UNIQUE (plan_id, year, language)
);
