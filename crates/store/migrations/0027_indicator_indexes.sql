-- Indexes the indicator engine's attendance runs start from (issue 21): an
-- indicator about professionals (participant kind) or one kind of activity
-- reads that kind's participants or activities and their attendance by the
-- existing (participant_id, held_on) and (activity_id, held_on, mark)
-- indexes, instead of every attendance row of the year. At 10,000,000
-- attendance rows on SQLite: SR-CAP-1 22 s → 0.0 s, HL09 16.6 s → 0.03 s,
-- SR-DIA-1 24.8 s → 5.7 s, SR-EDU-1 8.1 s → 3.4 s (BENCHMARKS.md).

CREATE INDEX activity_participants_kind ON activity_participants (kind);
CREATE INDEX activities_kind ON activities (kind);
