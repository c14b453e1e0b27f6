//! "My work" (a worker's day: follow-ups due, answers from institutions,
//! cases gone quiet, transfers waiting) and the caseload dashboard (counts
//! within the viewer's scope, never names).

use crate::casework::referrals::{ReferralRow, REFERRAL_SELECT};
use crate::casework::{
    today, CaseRow, FollowUpRow, TransferRow, CASE_SELECT, FOLLOW_UP_SELECT, WORKER_CASE_SELECT,
};
use crate::error::{Result, StoreError};
use crate::scope::{push_visible, Entity};
use crate::sql::Sql;
use crate::Store;
use kopru_domain::case::date_of;
use kopru_domain::case::{day_number, working_days_between, CaseStatus, Domain, ReferralStatus};
use kopru_domain::{Action, Principal, Scope};
use serde::Serialize;
use std::collections::HashMap;

/// The most rows a list on "my work" holds (its count is exact).
const LIST_MAX: i64 = 200;

/// Whose work: the caller's own, or a whole unit's (its coordinator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkScope {
    Mine,
    Unit(String),
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyWork {
    pub today: String,
    /// Cases with no contact for this many days are listed as quiet.
    pub quiet_days: i64,
    /// The oldest first, at most 200.
    pub overdue_follow_ups: Vec<FollowUpRow>,
    pub overdue_follow_ups_count: i64,
    /// Due from today to seven days ahead, at most 200.
    pub week_follow_ups: Vec<FollowUpRow>,
    pub week_follow_ups_count: i64,
    /// Answered by the institution: not yet seen, or in the last 14 days.
    pub answered_referrals: Vec<ReferralRow>,
    /// Still waiting for the institution past the due date.
    pub overdue_referrals: Vec<ReferralRow>,
    pub quiet_cases: Vec<CaseRow>,
    pub transfers: Vec<TransferRow>,
    /// People another unit asks this unit to take over (coordinators).
    pub person_transfers: Vec<crate::registry::transfers::PersonTransferRow>,
    /// Sessions the user facilitates today.
    pub todays_sessions: Vec<crate::activities::CalendarRow>,
    /// Sessions the user facilitated in the last 60 days whose attendance is missing.
    pub sessions_missing_attendance: Vec<crate::activities::CalendarRow>,
    /// Retention checks and six-month follow-ups due by a week from today.
    pub outcome_checks: crate::outcomes::checks::ChecksDue,
    /// Progress reports the caller's institution has to fill or rework (focal points).
    pub progress_reports: Vec<crate::strategy::reports::ProgressReportRow>,
    /// Monitoring visits' recommendations still open for the caller's institution.
    pub recommendations: Vec<crate::strategy::visits::RecommendationRow>,
}

pub use crate::records::Count;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InstitutionReferrals {
    pub institution_code: String,
    pub institution_name: String,
    /// Count by status.
    pub by_status: Vec<Count>,
    pub overdue: i64,
    /// Median working days from sending to the institution's answer (last 365 days).
    pub median_response_days: Option<f64>,
    pub answered: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    pub today: String,
    pub open_cases: i64,
    pub cases_by_status: Vec<Count>,
    /// Open cases by domain (a case with two domains counts in both).
    pub cases_by_domain: Vec<Count>,
    /// Open cases by lead worker.
    pub cases_by_worker: Vec<Count>,
    pub referrals_by_status: Vec<Count>,
    pub referrals_by_institution: Vec<InstitutionReferrals>,
    pub overdue_referrals: i64,
    pub overdue_follow_ups: i64,
}

fn median(mut v: Vec<i64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2] as f64
    } else {
        (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0
    })
}

/// A worker's own lists: `AND EXISTS (the case `case_id` is visible under
/// `grants`)`, written as a lookup of the case by its key so that it filters
/// the rows the worker's own index finds and never becomes the index the
/// query walks (as `f.unit_code = …` did: a mediator's list read the whole
/// unit's follow-ups, 5 → 110 ms at 30,000 cases a unit). A unit's lists
/// need nothing more: `my_work` has checked that the caller manages that
/// unit's caseload, and everything listed is filtered to that unit.
fn push_case_visible(q: &mut Sql, scope: &WorkScope, case_id: &str, grants: &[Scope]) {
    if *scope != WorkScope::Mine {
        return;
    }
    q.push(&format!(
        " AND EXISTS (SELECT 1 FROM cases sc WHERE sc.id = {case_id} AND "
    ));
    push_visible(q, Entity::Case, "sc", grants);
    q.push(")");
}

fn days_from(today: &str, delta: i64) -> String {
    day_number(today).map_or_else(|| today.to_owned(), |d| date_of(d + delta))
}

impl Store {
    /// A worker's day, or (coordinators) the same across their unit.
    pub async fn my_work(
        &self,
        by: &Principal,
        scope: &WorkScope,
        quiet_days: i64,
    ) -> Result<MyWork> {
        let today = today();
        let quiet_days = quiet_days.clamp(1, 365);
        if let WorkScope::Unit(u) = scope {
            let manages = by
                .grants(Action::ManageCaseload)
                .iter()
                .any(|g| matches!(g, Scope::Installation) || g.code() == Some(u.as_str()));
            if !manages {
                return Err(StoreError::Forbidden);
            }
        }
        let week_end = days_from(&today, 7);
        // Everything listed passes the scope predicate too: a worker who lost
        // a role or moved unit keeps their old follow-ups and referrals in the
        // tables, and must not see them (names of people) through them.
        let grants = by.grants(Action::ViewCases);
        let mut conn = self.acquire().await?;
        // Follow-ups: overdue, and due from today to a week ahead; each list
        // capped, each count exact.
        let follow_ups = |overdue: bool| {
            let mut q = Sql::new(&format!("{FOLLOW_UP_SELECT} WHERE f.done_on IS NULL AND "));
            let mut n = Sql::new("SELECT COUNT(*) FROM follow_ups f WHERE f.done_on IS NULL AND ");
            for q in [&mut q, &mut n] {
                match scope {
                    WorkScope::Mine => q.push("f.assignee_id = ").bind(by.user_id.clone()),
                    WorkScope::Unit(u) => q.push("f.unit_code = ").bind(u.clone()),
                };
                push_case_visible(q, scope, "f.case_id", &grants);
                if overdue {
                    q.push(" AND f.due_on < ").bind(today.clone());
                } else {
                    q.push(" AND f.due_on >= ")
                        .bind(today.clone())
                        .push(" AND f.due_on <= ")
                        .bind(week_end.clone());
                }
            }
            q.push(" ORDER BY f.due_on, f.id LIMIT ").bind(LIST_MAX);
            (q, n)
        };
        let (mut q, mut n) = follow_ups(true);
        let overdue_follow_ups: Vec<FollowUpRow> = q.fetch_all(&mut *conn).await?;
        let (overdue_follow_ups_count,): (i64,) = n.fetch_one(&mut *conn).await?;
        let (mut q, mut n) = follow_ups(false);
        let week_follow_ups: Vec<FollowUpRow> = q.fetch_all(&mut *conn).await?;
        let (week_follow_ups_count,): (i64,) = n.fetch_one(&mut *conn).await?;

        // Answers: a worker's own not yet seen or from the last two weeks; a
        // unit's from the last two weeks.
        let since = days_from(&today, -14);
        let mut q = Sql::new(&format!("{REFERRAL_SELECT} WHERE "));
        match scope {
            WorkScope::Mine => q
                .push("r.sent_by_id = ")
                .bind(by.user_id.clone())
                .push(" AND r.answered_on IS NOT NULL AND (r.answer_seen_at IS NULL OR r.answered_on >= ")
                .bind(since)
                .push(")"),
            WorkScope::Unit(u) => q
                .push("r.unit_code = ")
                .bind(u.clone())
                .push(" AND r.answered_on >= ")
                .bind(since),
        };
        push_case_visible(&mut q, scope, "r.case_id", &grants);
        q.push(" ORDER BY r.last_event_at DESC LIMIT ")
            .bind(LIST_MAX);
        let answered_referrals: Vec<ReferralRow> = q.fetch_all(&mut *conn).await?;

        let mut q = Sql::new(&format!(
            "{REFERRAL_SELECT} WHERE r.status IN ('sent', 'received') AND r.due_on < "
        ));
        q.bind(today.clone()).push(" AND ");
        match scope {
            WorkScope::Mine => q.push("r.sent_by_id = ").bind(by.user_id.clone()),
            WorkScope::Unit(u) => q.push("r.unit_code = ").bind(u.clone()),
        };
        push_case_visible(&mut q, scope, "r.case_id", &grants);
        q.push(" ORDER BY r.due_on LIMIT ").bind(LIST_MAX);
        let overdue_referrals: Vec<ReferralRow> = q.fetch_all(&mut *conn).await?;

        // Quiet cases: never contacted and opened before the cutoff, then the
        // longest without contact — each read in index order, so only the
        // rows shown are looked up.
        let cutoff = days_from(&today, -quiet_days);
        let mut quiet_cases: Vec<CaseRow> = Vec::new();
        for never in [true, false] {
            let mut q = match scope {
                WorkScope::Mine => {
                    let mut q = Sql::new(WORKER_CASE_SELECT);
                    q.bind(by.user_id.clone());
                    q
                }
                WorkScope::Unit(u) => {
                    let mut q = Sql::new(&format!("{CASE_SELECT} WHERE c.unit_code = "));
                    q.bind(u.clone());
                    q
                }
            };
            push_case_visible(&mut q, scope, "c.id", &grants);
            if never {
                q.push(" AND c.last_contact_on IS NULL AND c.opened_on < ")
                    .bind(cutoff.clone())
                    .push(" AND c.status <> 'closed' ORDER BY c.opened_on");
            } else {
                q.push(" AND c.last_contact_on < ")
                    .bind(cutoff.clone())
                    .push(" AND c.status <> 'closed' ORDER BY c.last_contact_on");
            }
            q.push(" LIMIT ").bind(LIST_MAX - quiet_cases.len() as i64);
            if quiet_cases.len() as i64 >= LIST_MAX {
                break;
            }
            quiet_cases.extend(q.fetch_all::<CaseRow, _>(&mut *conn).await?);
        }
        drop(conn);
        let transfers = self.pending_transfers(by).await?;
        let person_transfers = self.pending_person_transfers(by).await?;
        let (todays_sessions, sessions_missing_attendance) = self.my_sessions(by).await?;
        let unit = match scope {
            WorkScope::Mine => None,
            WorkScope::Unit(u) => Some(u.as_str()),
        };
        let outcome_checks = self.checks_due(by, unit).await?;
        let progress_reports = self.reports_due(by).await?;
        let recommendations = self.recommendations_due(by).await?;
        Ok(MyWork {
            recommendations,
            outcome_checks,
            progress_reports,
            todays_sessions,
            sessions_missing_attendance,
            today,
            quiet_days,
            overdue_follow_ups,
            overdue_follow_ups_count,
            week_follow_ups,
            week_follow_ups_count,
            answered_referrals,
            overdue_referrals,
            quiet_cases,
            transfers,
            person_transfers,
        })
    }

    /// Caseload and referral counts within `by`'s grants, optionally for one
    /// unit. Each count reads one covering index (`cases_*_stats`,
    /// `referrals_*_stats`, `follow_ups_*`); names are looked up afterwards
    /// for the few workers and institutions counted.
    pub async fn dashboard(&self, by: &Principal, unit: Option<&str>) -> Result<Dashboard> {
        let grants = by.grants(Action::ViewCaseStatistics);
        if grants.is_empty() {
            return Err(StoreError::Forbidden);
        }
        let today = today();
        let unit = unit.map(str::trim).filter(|u| !u.is_empty());
        // Cases and follow-ups carry the case's place; referrals the sender's.
        let scoped = |q: &mut Sql, alias: &str, entity: Entity| {
            push_visible(q, entity, alias, &grants);
            if let Some(u) = unit {
                q.push(&format!(" AND {alias}.unit_code = "))
                    .bind(u.to_owned());
            }
        };
        let mut conn = self.acquire().await?;

        let mut q =
            Sql::new("SELECT c.status, c.lead_worker_id, c.domains, COUNT(*) FROM cases c WHERE ");
        scoped(&mut q, "c", Entity::Case);
        q.push(" GROUP BY c.status, c.lead_worker_id, c.domains");
        let groups: Vec<(String, Option<String>, String, i64)> = q.fetch_all(&mut *conn).await?;
        let mut by_status: HashMap<&str, i64> = HashMap::new();
        let mut by_domain: HashMap<String, i64> = HashMap::new();
        let mut by_worker: HashMap<Option<String>, i64> = HashMap::new();
        for (status, worker, domains, n) in &groups {
            *by_status.entry(status.as_str()).or_default() += n;
            if status == "closed" {
                continue;
            }
            for d in serde_json::from_str::<Vec<String>>(domains).unwrap_or_default() {
                *by_domain.entry(d).or_default() += n;
            }
            *by_worker.entry(worker.clone()).or_default() += n;
        }
        let cases_by_status: Vec<Count> = CaseStatus::ALL
            .iter()
            .map(|s| Count {
                key: s.as_str().to_owned(),
                count: by_status.get(s.as_str()).copied().unwrap_or(0),
            })
            .collect();
        let open_cases = cases_by_status
            .iter()
            .filter(|c| c.key != "closed")
            .map(|c| c.count)
            .sum();
        let cases_by_domain = Domain::ALL
            .iter()
            .map(|d| Count {
                key: d.as_str().to_owned(),
                count: by_domain.get(d.as_str()).copied().unwrap_or(0),
            })
            .collect();
        let ids: Vec<String> = by_worker.keys().flatten().cloned().collect();
        let names = names_of(&mut conn, "users", "id", "display_name", &ids).await?;
        let mut cases_by_worker: Vec<Count> = by_worker
            .into_iter()
            .map(|(w, count)| Count {
                key: w
                    .and_then(|w| names.get(&w).cloned())
                    .unwrap_or_else(|| "-".into()),
                count,
            })
            .collect();
        cases_by_worker.sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
        cases_by_worker.truncate(50);

        let mut q = Sql::new(
            "SELECT r.institution_code, r.status, COUNT(*), \
             CAST(SUM(CASE WHEN r.due_on < ",
        );
        q.bind(today.clone())
            .push(" THEN 1 ELSE 0 END) AS BIGINT) FROM referrals r WHERE ");
        scoped(&mut q, "r", Entity::Referral);
        q.push(" GROUP BY r.institution_code, r.status");
        let grouped: Vec<(String, String, i64, i64)> = q.fetch_all(&mut *conn).await?;

        let year_ago = days_from(&today, -365);
        let mut q = Sql::new(
            "SELECT r.institution_code, r.sent_on, r.answered_on FROM referrals r \
             WHERE r.answered_on IS NOT NULL AND r.sent_on >= ",
        );
        q.bind(year_ago).push(" AND ");
        scoped(&mut q, "r", Entity::Referral);
        let answered: Vec<(String, String, String)> = q.fetch_all(&mut *conn).await?;

        let mut q =
            Sql::new("SELECT COUNT(*) FROM follow_ups f WHERE f.done_on IS NULL AND f.due_on < ");
        q.bind(today.clone()).push(" AND ");
        scoped(&mut q, "f", Entity::Case);
        let (overdue_follow_ups,): (i64,) = q.fetch_one(&mut *conn).await?;

        let codes: Vec<String> = {
            let mut c: Vec<String> = grouped.iter().map(|g| g.0.clone()).collect();
            c.sort();
            c.dedup();
            c
        };
        let inst_names = names_of(&mut conn, "institutions", "code", "name", &codes).await?;
        drop(conn);

        let mut referrals_by_status: Vec<Count> = Vec::new();
        let mut by_institution: Vec<InstitutionReferrals> = Vec::new();
        let mut overdue_referrals = 0;
        for (code, status, n, past_due) in grouped {
            let awaiting = ReferralStatus::parse(&status).is_ok_and(|s| s.awaits_answer());
            let overdue = if awaiting { past_due } else { 0 };
            overdue_referrals += overdue;
            match referrals_by_status.iter_mut().find(|c| c.key == status) {
                Some(c) => c.count += n,
                None => referrals_by_status.push(Count {
                    key: status.clone(),
                    count: n,
                }),
            }
            let i = match by_institution
                .iter()
                .position(|i| i.institution_code == code)
            {
                Some(i) => i,
                None => {
                    by_institution.push(InstitutionReferrals {
                        institution_name: inst_names.get(&code).cloned().unwrap_or_default(),
                        institution_code: code.clone(),
                        by_status: Vec::new(),
                        overdue: 0,
                        median_response_days: None,
                        answered: 0,
                    });
                    by_institution.len() - 1
                }
            };
            by_institution[i].by_status.push(Count {
                key: status,
                count: n,
            });
            by_institution[i].overdue += overdue;
        }
        let mut days: HashMap<&str, Vec<i64>> = HashMap::new();
        for (code, sent, answered) in &answered {
            if let Some(d) = working_days_between(sent, answered) {
                days.entry(code.as_str()).or_default().push(d);
            }
        }
        for inst in &mut by_institution {
            let d = days
                .remove(inst.institution_code.as_str())
                .unwrap_or_default();
            inst.answered = d.len() as i64;
            inst.median_response_days = median(d);
        }
        by_institution.sort_by(|a, b| a.institution_name.cmp(&b.institution_name));
        let order = |k: &str| {
            ReferralStatus::ALL
                .iter()
                .position(|s| s.as_str() == k)
                .unwrap_or(99)
        };
        referrals_by_status.sort_by_key(|c| order(&c.key));
        Ok(Dashboard {
            today,
            open_cases,
            cases_by_status,
            cases_by_domain,
            cases_by_worker,
            referrals_by_status,
            referrals_by_institution: by_institution,
            overdue_referrals,
            overdue_follow_ups,
        })
    }
}

/// `key → name` for a few keys of a table (workers, institutions), 500 at a time.
async fn names_of(
    conn: &mut sqlx::AnyConnection,
    table: &str,
    key: &str,
    name: &str,
    keys: &[String],
) -> Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    for chunk in keys.chunks(500) {
        let mut q = Sql::new(&format!(
            "SELECT {key}, {name} FROM {table} WHERE {key} IN ("
        ));
        q.bind_list(chunk.iter().cloned()).push(")");
        let rows: Vec<(String, String)> = q.fetch_all(&mut *conn).await?;
        out.extend(rows);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(super::median(vec![]), None);
        assert_eq!(super::median(vec![5, 1, 3]), Some(3.0));
        assert_eq!(super::median(vec![4, 1, 3, 2]), Some(2.5));
    }
}
