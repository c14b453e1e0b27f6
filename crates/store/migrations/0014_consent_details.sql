-- Who gave a consent on a child's behalf (a parent or guardian, by name and
-- relation), and why a consent was withdrawn.
ALTER TABLE consents ADD COLUMN given_by TEXT;
ALTER TABLE consents ADD COLUMN withdrawal_reason TEXT;
