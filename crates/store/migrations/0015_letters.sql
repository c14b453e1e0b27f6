-- What a referral letter needs: the sending unit's letterhead, the worker's
-- title under the signature, and a reference number per unit and year
-- ("SHKB-ANK-01/2026/7") that an institution's registry can file.
ALTER TABLE units ADD COLUMN address TEXT;
ALTER TABLE units ADD COLUMN phone TEXT;
ALTER TABLE units ADD COLUMN email TEXT;
ALTER TABLE users ADD COLUMN job_title TEXT;
ALTER TABLE referrals ADD COLUMN reference_no TEXT;

CREATE TABLE reference_numbers (
    unit_code   TEXT NOT NULL,
    year        INTEGER NOT NULL,
    last_number BIGINT NOT NULL,
    PRIMARY KEY (unit_code, year)
);

-- Referrals sent before: numbered in the order they were sent.
UPDATE referrals SET reference_no = unit_code || '/' || substr(sent_on, 1, 4) || '/' || CAST((
    SELECT COUNT(*) FROM referrals r2
    WHERE r2.unit_code = referrals.unit_code
      AND substr(r2.sent_on, 1, 4) = substr(referrals.sent_on, 1, 4)
      AND (r2.sent_on < referrals.sent_on OR (r2.sent_on = referrals.sent_on AND r2.id <= referrals.id))
) AS TEXT);
INSERT INTO reference_numbers (unit_code, year, last_number)
    SELECT unit_code, CAST(substr(sent_on, 1, 4) AS INTEGER), COUNT(*)
    FROM referrals GROUP BY unit_code, substr(sent_on, 1, 4);
CREATE UNIQUE INDEX referrals_reference ON referrals (reference_no);
