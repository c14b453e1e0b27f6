-- A form submission's day in the installation's calendar (`submitted_at` is
-- UTC): what indicators over form answers are dated by, so that an answer
-- given at 00:30 on 1 January in Istanbul counts in the new year. Filled on
-- submission; rows from before are filled by `Store::fill_submission_days`
-- on migrate. Same portable dialect as 0001.

ALTER TABLE form_submissions ADD COLUMN submitted_on TEXT;
CREATE INDEX form_submissions_day ON form_submissions (submitted_on);
