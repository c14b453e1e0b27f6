-- Most searches come from a mediator whose scope is one unit. Walking a word's
-- rows across the whole installation to find the few in that unit cost up to
-- 400 ms at a million people when the unit had none; with the unit first, the
-- walk is a seek to the unit's own rows of that word, already newest first.
-- Wider scopes keep walking the word-first indexes of 0004.
CREATE INDEX person_names_unit_token ON person_names (unit_code, token, person_id);
CREATE INDEX person_names_unit_sound ON person_names (unit_code, sound, person_id);

-- Every distinct name word once, for typo tolerance: a query word that finds
-- nothing as typed is compared with the words of the same first letter and a
-- similar length (a few thousand at national scale), never with every name row.
-- Words are added as names are written and never removed (a word nobody has any
-- more finds nobody).
CREATE TABLE name_words (
    token  TEXT PRIMARY KEY,
    length INTEGER NOT NULL
);

INSERT INTO name_words (token, length)
SELECT DISTINCT token, LENGTH(token) FROM person_names;
