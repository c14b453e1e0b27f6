-- Each duplicate run remembers the scope it covered (its runner's grants and
-- area, `duplicates::run_scope_key`): a run replaces the open queue of
-- earlier runs over the same scope only, and only installation-wide runs
-- (`installation`) give the model that scores new entries. Runs made before
-- this migration have no known scope and keep their pairs until reviewed.
ALTER TABLE duplicate_runs ADD COLUMN scope_key TEXT;
