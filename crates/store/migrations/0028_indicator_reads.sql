-- The indicator runs read lately (issue 21), written down by
-- `Store::save_indicator_reads` so that a restarted server computes them
-- before anyone asks (`Store::warm_indicator_cache`). What a run is computed
-- from — a definition, a period, fixed breakdown values, the readers'
-- scopes — never what it counts. Same portable dialect as 0001.

CREATE TABLE indicator_reads (
    key      TEXT PRIMARY KEY,
    rank     BIGINT NOT NULL,
    inputs   TEXT NOT NULL,
    saved_at TEXT NOT NULL
);
