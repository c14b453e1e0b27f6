//! A unit's employment page in numbers: job seekers by status, placements
//! started in a period by sex, age band, group and contract, retention at 3,
//! 6 and 12 months, and the ESF+ participation counts (a person who
//! re-enters a programme counts once, at the first entry). Counts only,
//! within the caller's `ViewCaseStatistics` grants over people; merged
//! records are closed and not counted.

use crate::error::Result;
use crate::records::Count;
use crate::scope::{push_visible, Entity};
use crate::sql::Sql;
use crate::Store;
use kopru_domain::outcome::esf_age_band;
use kopru_domain::person::age_on;
use kopru_domain::{Action, Principal};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RetentionCell {
    /// 3, 6 or 12 months after the start.
    pub months: i64,
    /// Checks falling due in the period.
    pub due: i64,
    pub answered: i64,
    /// Still working (same or another employer).
    pub working: i64,
    pub same_employer: i64,
    /// Working and registered with social security.
    pub insured: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EmploymentSummary {
    pub from: String,
    pub to: String,
    pub unit: Option<String>,
    pub job_seekers_by_status: Vec<Count>,
    /// Placements started in the period.
    pub placements: i64,
    /// People placed in the period (a person placed twice counts once).
    pub people_placed: i64,
    pub placements_by_sex: Vec<Count>,
    /// ESF+ bands: under_18, 18_29, 30_54, 55_plus, unknown.
    pub placements_by_age: Vec<Count>,
    /// Disadvantaged groups from the job-seeker profile (special categories are never counted here).
    pub placements_by_group: Vec<Count>,
    pub placements_by_contract: Vec<Count>,
    pub placements_insured: i64,
    pub retention: Vec<RetentionCell>,
    /// ESF+: people whose first entry to a programme falls in the period.
    pub participants: i64,
    pub participants_by_labour_status: Vec<Count>,
    pub participants_by_sex: Vec<Count>,
    pub participants_by_age: Vec<Count>,
    /// People who left in the period, by immediate result.
    pub leavers: i64,
    pub leavers_by_result: Vec<Count>,
    /// Six-month follow-ups falling due in the period: answered, and in work then.
    pub six_month_answered: i64,
    pub six_month_employed: i64,
}

fn counts(m: BTreeMap<String, i64>) -> Vec<Count> {
    m.into_iter()
        .map(|(key, count)| Count { key, count })
        .collect()
}

fn bump(m: &mut BTreeMap<String, i64>, k: &str) {
    *m.entry(k.to_owned()).or_default() += 1;
}

type PlacedRow = (
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    Option<String>,
);
type CheckCountRow = (i64, Option<String>, Option<String>, Option<i64>);
type EntryRow = (String, String, String, String, Option<String>, Option<i64>);

impl Store {
    /// The employment numbers of the people the caller may count, of one
    /// unit or all, for a period (`from`..=`to`, dates).
    pub async fn employment_summary(
        &self,
        by: &Principal,
        unit: Option<&str>,
        from: &str,
        to: &str,
    ) -> Result<EmploymentSummary> {
        let grants = by.grants(Action::ViewCaseStatistics);
        // Each query is `FROM <rows> x CROSS JOIN persons p WHERE` + this: the
        // rows carry their person's unit, so a unit's numbers are a range scan
        // of the rows' (unit_code, date) index, each row's person read by its
        // key for the scope (CROSS JOIN keeps SQLite from driving the query
        // from the unit's people instead; PostgreSQL plans it as a join).
        let scoped = |q: &mut Sql, a: &str| {
            q.push(&format!(
                " p.id = {a}.person_id AND p.merged_into IS NULL AND "
            ));
            push_visible(q, Entity::Person, "p", &grants);
            if let Some(u) = unit {
                q.push(&format!(" AND {a}.unit_code = ")).bind(u.to_owned());
            }
        };
        let mut conn = self.acquire().await?;

        let mut q =
            Sql::new("SELECT j.status, COUNT(*) FROM job_seekers j CROSS JOIN persons p WHERE");
        scoped(&mut q, "j");
        q.push(" GROUP BY j.status ORDER BY j.status");
        let seekers: Vec<(String, i64)> = q.fetch_all(&mut *conn).await?;

        let mut q = Sql::new(
            "SELECT pl.person_id, p.sex, p.birth_date, pl.contract_type, pl.social_security, \
             (SELECT MAX(j.groups) FROM job_seekers j WHERE j.person_id = pl.person_id) \
             FROM placements pl CROSS JOIN persons p WHERE",
        );
        scoped(&mut q, "pl");
        q.push(" AND pl.started_on >= ")
            .bind(from.to_owned())
            .push(" AND pl.started_on <= ")
            .bind(to.to_owned());
        let placed: Vec<PlacedRow> = q.fetch_all(&mut *conn).await?;
        let mut people = HashMap::new();
        let (mut by_sex, mut by_age, mut by_group, mut by_contract) = (
            BTreeMap::new(),
            BTreeMap::new(),
            BTreeMap::new(),
            BTreeMap::new(),
        );
        let mut insured = 0;
        for (person, sex, birth, contract, security, groups) in &placed {
            bump(&mut by_contract, contract);
            if security == "registered" {
                insured += 1;
            }
            // People, not placements, by sex, age and group.
            if people.insert(person.clone(), ()).is_some() {
                continue;
            }
            bump(&mut by_sex, sex.as_deref().unwrap_or("unknown"));
            bump(
                &mut by_age,
                esf_age_band(birth.as_deref().and_then(|b| age_on(b, to))),
            );
            for g in groups
                .as_deref()
                .unwrap_or("")
                .split(',')
                .filter(|g| !g.is_empty())
            {
                bump(&mut by_group, g);
            }
        }

        let mut q = Sql::new(
            "SELECT oc.months, oc.answered_on, oc.still_working, oc.insured FROM outcome_checks oc \
             CROSS JOIN persons p WHERE oc.kind = 'retention' AND",
        );
        scoped(&mut q, "oc");
        q.push(" AND oc.due_on >= ")
            .bind(from.to_owned())
            .push(" AND oc.due_on <= ")
            .bind(to.to_owned());
        let checks: Vec<CheckCountRow> = q.fetch_all(&mut *conn).await?;
        let retention = kopru_domain::employment::RETENTION_MONTHS
            .iter()
            .map(|&months| {
                let of: Vec<_> = checks.iter().filter(|c| c.0 == months).collect();
                let working = |c: &&&CheckCountRow| {
                    matches!(c.2.as_deref(), Some("same_employer" | "other_employer"))
                };
                RetentionCell {
                    months,
                    due: of.len() as i64,
                    answered: of.iter().filter(|c| c.1.is_some()).count() as i64,
                    working: of.iter().filter(working).count() as i64,
                    same_employer: of
                        .iter()
                        .filter(|c| c.2.as_deref() == Some("same_employer"))
                        .count() as i64,
                    insured: of.iter().filter(|c| working(c) && c.3 == Some(1)).count() as i64,
                }
            })
            .collect();

        // ESF+ entries: every participation up to the period's end, so that
        // a re-entry in the period is known as one (first entry earlier).
        let mut q = Sql::new(
            "SELECT x.person_id, x.programme_code, x.entered_on, x.labour_status, p.sex, x.age_at_entry \
             FROM participations x CROSS JOIN persons p WHERE",
        );
        scoped(&mut q, "x");
        q.push(" AND x.entered_on <= ").bind(to.to_owned());
        q.push(" ORDER BY x.entered_on, x.id");
        let entries: Vec<EntryRow> = q.fetch_all(&mut *conn).await?;
        let mut first: HashMap<(String, String), &EntryRow> = HashMap::new();
        for e in &entries {
            first.entry((e.0.clone(), e.1.clone())).or_insert(e);
        }
        let (mut p_status, mut p_sex, mut p_age) =
            (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
        let mut counted = HashMap::new();
        for e in first.values().filter(|e| e.2.as_str() >= from) {
            // One person entering two programmes is one participant of the unit.
            if counted.insert(e.0.clone(), ()).is_some() {
                continue;
            }
            bump(&mut p_status, &e.3);
            bump(&mut p_sex, e.4.as_deref().unwrap_or("unknown"));
            bump(&mut p_age, esf_age_band(e.5));
        }

        let mut q = Sql::new(
            "SELECT x.person_id, COALESCE(x.results, '') FROM participations x \
             CROSS JOIN persons p WHERE",
        );
        scoped(&mut q, "x");
        q.push(" AND x.left_on >= ")
            .bind(from.to_owned())
            .push(" AND x.left_on <= ")
            .bind(to.to_owned());
        let left: Vec<(String, String)> = q.fetch_all(&mut *conn).await?;
        let mut leavers = HashMap::new();
        let mut by_result: BTreeMap<String, HashMap<String, ()>> = BTreeMap::new();
        for (person, results) in &left {
            leavers.insert(person.clone(), ());
            for r in results.split(',').filter(|r| !r.is_empty()) {
                by_result
                    .entry(r.to_owned())
                    .or_default()
                    .insert(person.clone(), ());
            }
        }

        let mut q = Sql::new(
            "SELECT oc.labour_status FROM outcome_checks oc CROSS JOIN persons p \
             WHERE oc.kind = 'six_month' AND oc.answered_on IS NOT NULL AND",
        );
        scoped(&mut q, "oc");
        q.push(" AND oc.due_on >= ")
            .bind(from.to_owned())
            .push(" AND oc.due_on <= ")
            .bind(to.to_owned());
        let six: Vec<(Option<String>,)> = q.fetch_all(&mut *conn).await?;

        Ok(EmploymentSummary {
            from: from.to_owned(),
            to: to.to_owned(),
            unit: unit.map(str::to_owned),
            job_seekers_by_status: seekers
                .into_iter()
                .map(|(key, count)| Count { key, count })
                .collect(),
            placements: placed.len() as i64,
            people_placed: people.len() as i64,
            placements_by_sex: counts(by_sex),
            placements_by_age: counts(by_age),
            placements_by_group: counts(by_group),
            placements_by_contract: counts(by_contract),
            placements_insured: insured,
            retention,
            participants: counted.len() as i64,
            participants_by_labour_status: counts(p_status),
            participants_by_sex: counts(p_sex),
            participants_by_age: counts(p_age),
            leavers: leavers.len() as i64,
            leavers_by_result: by_result
                .into_iter()
                .map(|(key, people)| Count {
                    key,
                    count: people.len() as i64,
                })
                .collect(),
            six_month_answered: six.len() as i64,
            six_month_employed: six
                .iter()
                .filter(|(s,)| matches!(s.as_deref(), Some("employed" | "self_employed")))
                .count() as i64,
        })
    }
}
