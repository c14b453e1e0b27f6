//! What each of `domain::indicator::SOURCES` reads: one SELECT per source,
//! every one giving the same columns, so the engine wraps them alike:
//!
//! `subject` (who is counted once), `row_id` (ties broken by it), `at0` (the
//! row's day, or the first day of a state), `until` (a state's last day, NULL
//! while it lasts; an event's own day), `area_code`, `unit_code`, `programme`
//! (code), `sex`, `birth` (as recorded: `YYYY`, `YYYY-MM` or a day),
//! `pgroups` (the person's groups, JSON), `number`, `months`, `responsible`,
//! then the source's fields and list fields by name.
//!
//! `@who(person_column[, participant_column])` marks where a run restricted to
//! some subjects (`Subjects`: the people whose records were written since a
//! run was kept, `cache`) filters each part of the source by an indexed
//! column; without a restriction the marker is left out. A source without
//! markers (`actions`, a few hundred rows) is always computed whole.
//!
//! What counts (ARCHITECTURE.md "The indicator engine"): people of the
//! registry whose record is open (a merged record's rows were moved to the
//! survivor, so it is counted once, as the survivor) and who have not
//! withdrawn consent for statistics.

use crate::sql::Sql;
use std::collections::BTreeSet;

/// The subjects a run is restricted to: people's ids, and
/// `professional:<participant id>` for participants without a record.
pub(crate) type Subjects = BTreeSet<String>;

/// A subject counted as a participant without a person record.
pub(crate) const PROFESSIONAL: &str = "professional:";

/// Can a source's rows be read for some subjects only (`@who` markers)?
pub(crate) fn restrictable(select: &str) -> bool {
    select.contains("@who(")
}

/// Pushes a source's SELECT into `q`, each `@who(...)` marker becoming a
/// filter on `who`, or nothing without it.
pub(crate) fn push_select(q: &mut Sql, select: &str, who: Option<&Subjects>) {
    let mut rest = select;
    while let Some(i) = rest.find("@who(") {
        q.push(&rest[..i]);
        let after = &rest[i + "@who(".len()..];
        let Some(j) = after.find(')') else {
            rest = after;
            break;
        };
        if let Some(who) = who {
            let mut columns = after[..j].split(',').map(str::trim);
            let person = columns.next().unwrap_or_default();
            let (pros, people): (Vec<&String>, Vec<&String>) =
                who.iter().partition(|s| s.starts_with(PROFESSIONAL));
            q.push(" AND (");
            push_in(q, person, people.into_iter().cloned().collect());
            if let Some(participant) = columns.next() {
                // Only a participant without a record is counted as one.
                q.push(&format!(" OR ({person} IS NULL AND "));
                push_in(
                    q,
                    participant,
                    pros.iter()
                        .map(|s| s[PROFESSIONAL.len()..].to_owned())
                        .collect(),
                );
                q.push(")");
            }
            q.push(")");
        }
        rest = &after[j + 1..];
    }
    q.push(rest);
}

fn push_in(q: &mut Sql, column: &str, values: Vec<String>) {
    if values.is_empty() {
        q.push("1 = 0");
    } else {
        q.push(column).push(" IN (").bind_list(values).push(")");
    }
}

/// Rows of people who may be counted (`p` is `persons`).
pub(crate) const COUNTED: &str = "p.merged_into IS NULL AND NOT (\
     EXISTS (SELECT 1 FROM consents cw WHERE cw.purpose = 'statistics' AND cw.person_id = p.id \
     AND cw.withdrawn_on IS NOT NULL) \
     AND NOT EXISTS (SELECT 1 FROM consents cg WHERE cg.purpose = 'statistics' AND cg.person_id = p.id \
     AND cg.withdrawn_on IS NULL))";

const PERSON: &str = "p.sex AS sex, p.birth_date AS birth, p.groups_list AS pgroups";
const NO_NUMBER: &str =
    "CAST(NULL AS DOUBLE PRECISION) AS number, CAST(NULL AS BIGINT) AS months, \
     CAST(NULL AS TEXT) AS responsible";

/// The SELECT of a source (a name of `SOURCES`), or `None` for a name the
/// domain does not know (definitions are checked before they reach here).
pub(crate) fn select(source: &str) -> Option<String> {
    let person_unit_programme = "LEFT JOIN units u ON u.code = p.unit_code \
         LEFT JOIN programmes pg ON pg.id = u.programme_id";
    let s = match source {
        "reached" => format!(
            "SELECT r.person_id AS subject, r.row_id, r.at0, r.at0 AS until, r.area_code, r.unit_code, \
             pg.code AS programme, {PERSON}, {NO_NUMBER}, r.channel \
             FROM (\
             SELECT ap.person_id, a.session_id || '/' || a.participant_id AS row_id, a.held_on AS at0, \
             act.area_code, act.unit_code, act.programme_id, 'attendance' AS channel \
             FROM attendance a JOIN activity_participants ap ON ap.id = a.participant_id \
             JOIN activities act ON act.id = a.activity_id \
             WHERE a.mark = 'present' AND ap.person_id IS NOT NULL @who(ap.person_id) \
             UNION ALL SELECT c.person_id, cc.id, cc.contact_on, c.area_code, c.unit_code, c.programme_id, 'contact' \
             FROM case_contacts cc JOIN cases c ON c.id = cc.case_id WHERE c.person_id IS NOT NULL @who(c.person_id) \
             UNION ALL SELECT c.person_id, cs.id, cs.service_on, c.area_code, c.unit_code, c.programme_id, 'service' \
             FROM case_services cs JOIN cases c ON c.id = cs.case_id WHERE c.person_id IS NOT NULL @who(c.person_id) \
             UNION ALL SELECT r.person_id, r.id, r.sent_on, r.area_code, r.unit_code, c.programme_id, 'referral' \
             FROM referrals r JOIN cases c ON c.id = r.case_id WHERE r.person_id IS NOT NULL @who(r.person_id)\
             ) r JOIN persons p ON p.id = r.person_id LEFT JOIN programmes pg ON pg.id = r.programme_id \
             WHERE {COUNTED}"
        ),
        "attendance" => format!(
            "SELECT COALESCE(ap.person_id, 'professional:' || ap.id) AS subject, \
             a.session_id || '/' || a.participant_id AS row_id, a.held_on AS at0, a.held_on AS until, \
             act.area_code, act.unit_code, pg.code AS programme, COALESCE(p.sex, ap.sex, 'unknown') AS sex, \
             p.birth_date AS birth, p.groups_list AS pgroups, {NO_NUMBER}, \
             a.mark, act.kind AS activity_kind, act.result_area, ap.kind AS participant_kind \
             FROM attendance a JOIN activity_participants ap ON ap.id = a.participant_id \
             JOIN activities act ON act.id = a.activity_id \
             LEFT JOIN persons p ON p.id = ap.person_id LEFT JOIN programmes pg ON pg.id = act.programme_id \
             WHERE (ap.person_id IS NULL OR ({COUNTED})) @who(ap.person_id, ap.id)"
        ),
        "participants" => format!(
            "SELECT COALESCE(ap.person_id, 'professional:' || ap.id) AS subject, ap.id AS row_id, \
             COALESCE(act.ends_on, act.starts_on) AS at0, COALESCE(act.ends_on, act.starts_on) AS until, \
             act.area_code, act.unit_code, pg.code AS programme, COALESCE(p.sex, ap.sex, 'unknown') AS sex, \
             p.birth_date AS birth, p.groups_list AS pgroups, {NO_NUMBER}, \
             act.kind AS activity_kind, act.status AS activity_status, act.result_area, \
             ap.kind AS participant_kind, \
             CASE WHEN ap.withdrawn_on IS NULL THEN 'no' ELSE 'yes' END AS withdrawn, \
             CASE WHEN EXISTS (SELECT 1 FROM certificates ce WHERE ce.participant_id = ap.id) \
             THEN 'yes' ELSE 'no' END AS completed \
             FROM activity_participants ap JOIN activities act ON act.id = ap.activity_id \
             LEFT JOIN persons p ON p.id = ap.person_id LEFT JOIN programmes pg ON pg.id = act.programme_id \
             WHERE (ap.person_id IS NULL OR ({COUNTED})) @who(ap.person_id, ap.id)"
        ),
        "contacts" => format!(
            "SELECT c.person_id AS subject, cc.id AS row_id, cc.contact_on AS at0, cc.contact_on AS until, \
             c.area_code, c.unit_code, pg.code AS programme, {PERSON}, {NO_NUMBER}, cc.kind AS contact_kind \
             FROM case_contacts cc JOIN cases c ON c.id = cc.case_id JOIN persons p ON p.id = c.person_id \
             LEFT JOIN programmes pg ON pg.id = c.programme_id WHERE {COUNTED} @who(c.person_id)"
        ),
        "services" => format!(
            "SELECT c.person_id AS subject, cs.id AS row_id, cs.service_on AS at0, cs.service_on AS until, \
             c.area_code, c.unit_code, pg.code AS programme, {PERSON}, \
             cs.quantity AS number, CAST(NULL AS BIGINT) AS months, CAST(NULL AS TEXT) AS responsible, \
             cs.kind AS service_kind \
             FROM case_services cs JOIN cases c ON c.id = cs.case_id JOIN persons p ON p.id = c.person_id \
             LEFT JOIN programmes pg ON pg.id = c.programme_id WHERE {COUNTED} @who(c.person_id)"
        ),
        "referrals" => format!(
            "SELECT r.person_id AS subject, r.id AS row_id, r.sent_on AS at0, r.sent_on AS until, \
             r.area_code, r.unit_code, pg.code AS programme, {PERSON}, {NO_NUMBER}, \
             r.institution_kind, r.service, r.status AS referral_status \
             FROM referrals r JOIN cases c ON c.id = r.case_id JOIN persons p ON p.id = r.person_id \
             LEFT JOIN programmes pg ON pg.id = c.programme_id WHERE {COUNTED} @who(r.person_id)"
        ),
        "enrolments" => format!(
            "SELECT e.person_id AS subject, e.id AS row_id, \
             substr(e.school_year, 1, 4) || '-09-01' AS at0, substr(e.school_year, 6, 4) || '-08-31' AS until, \
             p.area_code, p.unit_code, pg.code AS programme, {PERSON}, {NO_NUMBER}, e.level, e.status \
             FROM enrolments e JOIN persons p ON p.id = e.person_id {person_unit_programme} WHERE {COUNTED} @who(e.person_id)"
        ),
        "documents" => format!(
            "SELECT d.person_id AS subject, d.id AS row_id, \
             COALESCE(d.obtained_on, d.refused_on, d.requested_on, substr(d.created_at, 1, 10)) AS at0, \
             COALESCE(d.obtained_on, d.refused_on, d.requested_on, substr(d.created_at, 1, 10)) AS until, \
             p.area_code, p.unit_code, pg.code AS programme, {PERSON}, {NO_NUMBER}, \
             d.kind AS document_kind, d.status \
             FROM person_documents d JOIN persons p ON p.id = d.person_id {person_unit_programme} WHERE {COUNTED} @who(d.person_id)"
        ),
        "coverage" => format!(
            "SELECT h.person_id AS subject, h.id AS row_id, h.started_on AS at0, h.ended_on AS until, \
             p.area_code, p.unit_code, pg.code AS programme, {PERSON}, {NO_NUMBER}, \
             h.kind AS coverage_kind, h.scheme \
             FROM health_coverage h JOIN persons p ON p.id = h.person_id {person_unit_programme} WHERE {COUNTED} @who(h.person_id)"
        ),
        "placements" => format!(
            "SELECT pl.person_id AS subject, pl.id AS row_id, pl.started_on AS at0, pl.ended_on AS until, \
             p.area_code, pl.unit_code, pl.programme_code AS programme, {PERSON}, {NO_NUMBER}, \
             pl.contract_type, pl.social_security, \
             CASE WHEN pl.subsidised = 1 THEN 'yes' ELSE 'no' END AS subsidised \
             FROM placements pl JOIN persons p ON p.id = pl.person_id WHERE {COUNTED} @who(pl.person_id)"
        ),
        "entries" => format!(
            "SELECT x.person_id AS subject, x.id AS row_id, x.entered_on AS at0, x.entered_on AS until, \
             p.area_code, x.unit_code, x.programme_code AS programme, {PERSON}, {NO_NUMBER}, \
             x.labour_status, x.education, x.groups \
             FROM participations x JOIN persons p ON p.id = x.person_id WHERE {COUNTED} @who(x.person_id)"
        ),
        "leavers" => format!(
            "SELECT x.person_id AS subject, x.id AS row_id, x.left_on AS at0, x.left_on AS until, \
             p.area_code, x.unit_code, x.programme_code AS programme, {PERSON}, {NO_NUMBER}, \
             x.labour_status, x.education, x.groups, COALESCE(x.results, '') AS results \
             FROM participations x JOIN persons p ON p.id = x.person_id \
             WHERE x.left_on IS NOT NULL AND {COUNTED} @who(x.person_id)"
        ),
        // A follow-up check is dated by the entry it follows (the placement's
        // start, the participation's end): a cohort's period is its entry's.
        "checks" => format!(
            "SELECT oc.person_id AS subject, oc.id AS row_id, \
             COALESCE(pl.started_on, pa.left_on) AS at0, COALESCE(pl.started_on, pa.left_on) AS until, \
             p.area_code, oc.unit_code, COALESCE(pl.programme_code, pa.programme_code) AS programme, {PERSON}, \
             CAST(NULL AS DOUBLE PRECISION) AS number, oc.months, CAST(NULL AS TEXT) AS responsible, \
             oc.kind AS check_kind, \
             CASE WHEN oc.still_working IN ('same_employer', 'other_employer') \
             OR oc.labour_status IN ('employed', 'self_employed') THEN 'yes' ELSE 'no' END AS working, \
             oc.still_working, \
             CASE WHEN oc.insured = 1 THEN 'yes' WHEN oc.insured = 0 THEN 'no' END AS insured, \
             oc.labour_status, \
             CASE WHEN oc.improved = 1 THEN 'yes' WHEN oc.improved = 0 THEN 'no' END AS improved \
             FROM outcome_checks oc JOIN persons p ON p.id = oc.person_id \
             LEFT JOIN placements pl ON oc.kind = 'retention' AND pl.id = oc.subject_id \
             LEFT JOIN participations pa ON oc.kind = 'six_month' AND pa.id = oc.subject_id \
             WHERE oc.answered_on IS NOT NULL AND COALESCE(pl.started_on, pa.left_on) IS NOT NULL \
             AND {COUNTED} @who(oc.person_id)"
        ),
        // The current status of every action in force: a state without end.
        "actions" => "SELECT a.id AS subject, a.id AS row_id, '0001-01-01' AS at0, \
             CAST(NULL AS TEXT) AS until, a.country AS area_code, CAST(NULL AS TEXT) AS unit_code, \
             CAST(NULL AS TEXT) AS programme, CAST(NULL AS TEXT) AS sex, CAST(NULL AS TEXT) AS birth, \
             CAST(NULL AS TEXT) AS pgroups, CAST(NULL AS DOUBLE PRECISION) AS number, \
             CAST(NULL AS BIGINT) AS months, a.responsible_code AS responsible, \
             a.status, a.responsible_code AS responsible_code \
             FROM plan_actions a WHERE a.removed_in IS NULL"
            .to_owned(),
        "answers" => format!(
            "SELECT c.person_id AS subject, \
             v.submission_id || '/' || v.path || '/' || COALESCE(v.text_value, '') AS row_id, \
             fs.submitted_on AS at0, fs.submitted_on AS until, \
             c.area_code, c.unit_code, pg.code AS programme, {PERSON}, \
             v.number_value AS number, CAST(NULL AS BIGINT) AS months, CAST(NULL AS TEXT) AS responsible, \
             v.form_id AS form, v.field, v.text_value AS answer \
             FROM form_values v JOIN form_submissions fs ON fs.id = v.submission_id \
             JOIN cases c ON c.id = fs.case_id JOIN persons p ON p.id = c.person_id \
             LEFT JOIN programmes pg ON pg.id = c.programme_id WHERE {COUNTED} @who(c.person_id)"
        ),
        _ => return None,
    };
    Some(s)
}
