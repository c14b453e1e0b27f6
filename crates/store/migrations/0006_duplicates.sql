-- Record linkage in the registry: the model a run trained (used to score new
-- entries), the review queue of candidate pairs, and merges that can be undone.

-- A person merged into another is closed and points at the survivor; its row
-- is kept as it was so that an unmerge restores it exactly.
ALTER TABLE persons ADD COLUMN merged_into TEXT REFERENCES persons (id);

-- A merged record keeps its ID number; only open records must not share one.
DROP INDEX persons_national_id;
CREATE UNIQUE INDEX persons_national_id ON persons (id_type, national_id)
    WHERE national_id IS NOT NULL AND merged_into IS NULL;

-- One row per `kopru dedup run`: what it scored and the model it estimated
-- (JSON, `kopru_linkage::Model`). The newest model scores new entries.
CREATE TABLE duplicate_runs (
    id             TEXT PRIMARY KEY,
    area_code      TEXT,
    started_by     TEXT NOT NULL,
    started_at     TEXT NOT NULL,
    finished_at    TEXT NOT NULL,
    records        BIGINT NOT NULL,
    pairs_compared BIGINT NOT NULL,
    pairs_queued   BIGINT NOT NULL,
    model          TEXT NOT NULL
);

-- Candidate pairs awaiting (or having had) a reviewer's decision. `person_id`
-- sorts before `other_person_id`, so a pair has one row however it was found.
-- status: open, same, different, unsure, merged.
CREATE TABLE duplicate_pairs (
    id              TEXT PRIMARY KEY,
    person_id       TEXT NOT NULL REFERENCES persons (id),
    other_person_id TEXT NOT NULL REFERENCES persons (id),
    probability     DOUBLE PRECISION NOT NULL,
    explanation     TEXT NOT NULL,
    cluster_key     TEXT NOT NULL,
    cluster_size    BIGINT NOT NULL,
    run_id          TEXT NOT NULL REFERENCES duplicate_runs (id),
    status          TEXT NOT NULL,
    decided_by      TEXT,
    decided_at      TEXT,
    found_at        TEXT NOT NULL
);
CREATE UNIQUE INDEX duplicate_pairs_pair ON duplicate_pairs (person_id, other_person_id);
CREATE INDEX duplicate_pairs_other ON duplicate_pairs (other_person_id);
CREATE INDEX duplicate_pairs_status ON duplicate_pairs (status, probability);

-- A merge: `before` holds every row the merge changed, as it was, and `after`
-- the same rows just after the merge. Unmerge puts `before` back, and only
-- while the rows are still as `after` left them, so it never undoes later work.
CREATE TABLE person_merges (
    id           TEXT PRIMARY KEY,
    survivor_id  TEXT NOT NULL REFERENCES persons (id),
    merged_id    TEXT NOT NULL REFERENCES persons (id),
    pair_id      TEXT,
    choices      TEXT NOT NULL,
    before_rows  TEXT NOT NULL,
    after_rows   TEXT NOT NULL,
    merged_by    TEXT NOT NULL,
    merged_at    TEXT NOT NULL,
    unmerged_by  TEXT,
    unmerged_at  TEXT
);
CREATE INDEX person_merges_survivor ON person_merges (survivor_id);
CREATE INDEX person_merges_merged ON person_merges (merged_id);
