-- A unit's employment numbers and checks due as range scans: the rows that a
-- unit's page counts carry their person's unit (persons.unit_code), kept
-- current when the person moves (an edit, an accepted transfer) and when a
-- merge or unmerge moves the rows (person_links::follow_person_unit).
-- Same portable dialect as 0001.

ALTER TABLE job_seekers ADD COLUMN unit_code TEXT NOT NULL DEFAULT '';
ALTER TABLE participations ADD COLUMN unit_code TEXT NOT NULL DEFAULT '';
ALTER TABLE placements ADD COLUMN unit_code TEXT NOT NULL DEFAULT '';
ALTER TABLE outcome_checks ADD COLUMN unit_code TEXT NOT NULL DEFAULT '';

UPDATE job_seekers SET unit_code = (SELECT p.unit_code FROM persons p WHERE p.id = job_seekers.person_id);
UPDATE participations SET unit_code = (SELECT p.unit_code FROM persons p WHERE p.id = participations.person_id);
UPDATE placements SET unit_code = (SELECT p.unit_code FROM persons p WHERE p.id = placements.person_id);
UPDATE outcome_checks SET unit_code = (SELECT p.unit_code FROM persons p WHERE p.id = outcome_checks.person_id);

CREATE INDEX job_seekers_unit ON job_seekers (unit_code, status);
CREATE INDEX participations_unit_entered ON participations (unit_code, entered_on);
CREATE INDEX participations_unit_left ON participations (unit_code, left_on);
CREATE INDEX placements_unit ON placements (unit_code, started_on);
CREATE INDEX outcome_checks_unit ON outcome_checks (unit_code, kind, due_on);
CREATE INDEX outcome_checks_unit_open ON outcome_checks (unit_code, answered_on, due_on);
