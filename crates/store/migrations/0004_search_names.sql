-- Person search at national scale: each name word carries the person's place, so a
-- search walks one index (newest person first), filters scope inside it and stops
-- as soon as a page is full, without touching `persons`. Person ids are time-ordered
-- (UUIDv7), so new rows land at the end of each word's range and imports stay fast.

CREATE TABLE person_names_new (
    person_id TEXT NOT NULL REFERENCES persons (id),
    token     TEXT NOT NULL,
    sound     TEXT NOT NULL,
    field     TEXT NOT NULL,
    unit_code TEXT NOT NULL REFERENCES units (code) ON UPDATE CASCADE,
    area_code TEXT NOT NULL
);

INSERT INTO person_names_new (person_id, token, sound, field, unit_code, area_code)
SELECT n.person_id, n.token, n.sound, n.field, p.unit_code, p.area_code
FROM person_names n JOIN persons p ON p.id = n.person_id;

DROP TABLE person_names;
ALTER TABLE person_names_new RENAME TO person_names;

CREATE INDEX person_names_token ON person_names (token, person_id, unit_code, area_code);
CREATE INDEX person_names_sound ON person_names (sound, person_id, unit_code, area_code);
CREATE INDEX person_names_person ON person_names (person_id, token, sound);

-- A household merged into another is closed and points at the one it joined.
ALTER TABLE households ADD COLUMN merged_into TEXT REFERENCES households (id);

-- Nothing reads people by birth year alone (the duplicate check starts from names),
-- and every index costs imports time.
DROP INDEX persons_birth_year;
