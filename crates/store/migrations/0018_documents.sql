-- Outcomes (issue 19), first part: civil documents per person — birth
-- registration, identity card, residence registration, citizenship or
-- statelessness determination — requested on, obtained on, or refused with a
-- reason. Dated, so "documents obtained in a period" is one range scan.
-- Same portable dialect as 0001.

CREATE TABLE person_documents (
    id             TEXT PRIMARY KEY,
    person_id      TEXT NOT NULL REFERENCES persons (id),
    kind           TEXT NOT NULL,
    status         TEXT NOT NULL,
    requested_on   TEXT,
    obtained_on    TEXT,
    refused_on     TEXT,
    refusal_reason TEXT,
    note           TEXT,
    version        BIGINT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX person_documents_person ON person_documents (person_id, kind);
CREATE INDEX person_documents_obtained ON person_documents (kind, obtained_on);
