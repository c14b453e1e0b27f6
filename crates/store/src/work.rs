//! "My work" (a worker's day: follow-ups due, answers from institutions,
//! cases gone quiet, transfers waiting) and the caseload dashboard (counts
//! within the viewer's scope, never names).

use crate::cases::{today, CaseRow, FollowUpRow, TransferRow, CASE_SELECT, FOLLOW_UP_SELECT};
use crate::error::{Result, StoreError};
use crate::referrals::{ReferralRow, REFERRAL_SELECT};
use crate::scope::{push_visible, Entity};
use crate::sql::Sql;
use crate::Store;
use kopru_domain::case::date_of;
use kopru_domain::case::{day_number, working_days_between, CaseStatus, Domain};
use kopru_domain::{Action, Principal, Scope};
use serde::Serialize;

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
    pub overdue_follow_ups: Vec<FollowUpRow>,
    /// Due from today to seven days ahead.
    pub week_follow_ups: Vec<FollowUpRow>,
    /// Answered by the institution: not yet seen, or in the last 14 days.
    pub answered_referrals: Vec<ReferralRow>,
    /// Still waiting for the institution past the due date.
    pub overdue_referrals: Vec<ReferralRow>,
    pub quiet_cases: Vec<CaseRow>,
    pub transfers: Vec<TransferRow>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Count {
    pub key: String,
    pub count: i64,
}

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
        let mut conn = self.acquire().await?;
        // Follow-ups: open ones due up to a week ahead, overdue first.
        let mut q = Sql::new(&format!("{FOLLOW_UP_SELECT} WHERE f.done_on IS NULL AND "));
        match scope {
            WorkScope::Mine => q.push("f.assignee_id = ").bind(by.user_id.clone()),
            WorkScope::Unit(u) => q.push("f.unit_code = ").bind(u.clone()),
        };
        q.push(" AND f.due_on <= ")
            .bind(week_end)
            .push(" ORDER BY f.due_on, f.id LIMIT 500");
        let follow_ups: Vec<FollowUpRow> = q.fetch_all(&mut *conn).await?;
        let (overdue_follow_ups, week_follow_ups) = follow_ups
            .into_iter()
            .partition(|f| f.due_on.as_str() < today.as_str());

        let since = days_from(&today, -14);
        let mut q = Sql::new(&format!(
            "{REFERRAL_SELECT} WHERE r.answered_on IS NOT NULL AND (r.answer_seen_at IS NULL OR r.answered_on >= "
        ));
        q.bind(since).push(") AND ");
        match scope {
            WorkScope::Mine => q.push("r.sent_by_id = ").bind(by.user_id.clone()),
            WorkScope::Unit(u) => q.push("r.unit_code = ").bind(u.clone()),
        };
        q.push(" ORDER BY r.last_event_at DESC LIMIT 100");
        let answered_referrals: Vec<ReferralRow> = q.fetch_all(&mut *conn).await?;

        let mut q = Sql::new(&format!(
            "{REFERRAL_SELECT} WHERE r.status IN ('sent', 'received') AND r.due_on < "
        ));
        q.bind(today.clone()).push(" AND ");
        match scope {
            WorkScope::Mine => q.push("r.sent_by_id = ").bind(by.user_id.clone()),
            WorkScope::Unit(u) => q.push("r.unit_code = ").bind(u.clone()),
        };
        q.push(" ORDER BY r.due_on LIMIT 100");
        let overdue_referrals: Vec<ReferralRow> = q.fetch_all(&mut *conn).await?;

        let cutoff = days_from(&today, -quiet_days);
        let mut q = Sql::new(&format!("{CASE_SELECT} WHERE c.status <> 'closed' AND "));
        match scope {
            WorkScope::Mine => q
                .push("c.id IN (SELECT case_id FROM case_workers WHERE user_id = ")
                .bind(by.user_id.clone())
                .push(")"),
            WorkScope::Unit(u) => q.push("c.unit_code = ").bind(u.clone()),
        };
        q.push(" AND (c.last_contact_on < ")
            .bind(cutoff.clone())
            .push(" OR (c.last_contact_on IS NULL AND c.opened_on < ")
            .bind(cutoff)
            .push(")) ORDER BY COALESCE(c.last_contact_on, c.opened_on), c.id LIMIT 100");
        let quiet_cases: Vec<CaseRow> = q.fetch_all(&mut *conn).await?;
        drop(conn);
        let transfers = self.pending_transfers(by).await?;
        Ok(MyWork {
            today,
            quiet_days,
            overdue_follow_ups,
            week_follow_ups,
            answered_referrals,
            overdue_referrals,
            quiet_cases,
            transfers,
        })
    }

    /// Caseload and referral counts within `by`'s grants, optionally for one unit.
    pub async fn dashboard(&self, by: &Principal, unit: Option<&str>) -> Result<Dashboard> {
        let grants = by.grants(Action::ViewCaseStatistics);
        if grants.is_empty() {
            return Err(StoreError::Forbidden);
        }
        let today = today();
        let unit = unit.map(str::trim).filter(|u| !u.is_empty());
        let where_cases = |q: &mut Sql| {
            push_visible(q, Entity::Case, "c", &grants);
            if let Some(u) = unit {
                q.push(" AND c.unit_code = ").bind(u.to_owned());
            }
        };
        let mut conn = self.acquire().await?;

        let mut q = Sql::new("SELECT c.status, COUNT(*) FROM cases c WHERE ");
        where_cases(&mut q);
        q.push(" GROUP BY c.status");
        let by_status: Vec<(String, i64)> = q.fetch_all(&mut *conn).await?;
        let cases_by_status: Vec<Count> = CaseStatus::ALL
            .iter()
            .map(|s| Count {
                key: s.as_str().to_owned(),
                count: by_status
                    .iter()
                    .find(|(k, _)| k == s.as_str())
                    .map_or(0, |(_, n)| *n),
            })
            .collect();
        let open_cases = cases_by_status
            .iter()
            .filter(|c| c.key != "closed")
            .map(|c| c.count)
            .sum();

        // One pass over the open cases, a sum per domain.
        let mut q = Sql::new("SELECT ");
        for (i, d) in Domain::ALL.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push("COALESCE(SUM(CASE WHEN c.domains LIKE ")
                .bind(format!("%\"{}\"%", d.as_str()))
                .push(" THEN 1 ELSE 0 END), 0)");
        }
        q.push(" FROM cases c WHERE c.status <> 'closed' AND ");
        where_cases(&mut q);
        let rows = q.fetch_rows(&mut *conn).await?;
        let cases_by_domain = Domain::ALL
            .iter()
            .enumerate()
            .map(|(i, d)| Count {
                key: d.as_str().to_owned(),
                count: rows
                    .first()
                    .and_then(|r| sqlx::Row::try_get::<i64, _>(r, i).ok())
                    .unwrap_or(0),
            })
            .collect();

        let mut q = Sql::new(
            "SELECT COALESCE(u.display_name, '-'), COUNT(*) FROM cases c \
             LEFT JOIN case_workers w ON w.case_id = c.id AND w.lead = 1 \
             LEFT JOIN users u ON u.id = w.user_id WHERE c.status <> 'closed' AND ",
        );
        where_cases(&mut q);
        q.push(" GROUP BY u.display_name ORDER BY COUNT(*) DESC LIMIT 50");
        let cases_by_worker: Vec<Count> = q
            .fetch_all::<(String, i64), _>(&mut *conn)
            .await?
            .into_iter()
            .map(|(key, count)| Count { key, count })
            .collect();

        let where_referrals = |q: &mut Sql| {
            push_visible(q, Entity::Referral, "r", &grants);
            if let Some(u) = unit {
                q.push(" AND r.unit_code = ").bind(u.to_owned());
            }
        };
        let mut q = Sql::new(
            "SELECT r.institution_code, i.name, r.status, COUNT(*), \
             SUM(CASE WHEN r.status IN ('sent', 'received') AND r.due_on < ",
        );
        q.bind(today.clone())
            .push(" THEN 1 ELSE 0 END) FROM referrals r JOIN institutions i ON i.code = r.institution_code WHERE ");
        where_referrals(&mut q);
        q.push(" GROUP BY r.institution_code, i.name, r.status ORDER BY i.name");
        let grouped: Vec<(String, String, String, i64, i64)> = q.fetch_all(&mut *conn).await?;

        let year_ago = days_from(&today, -365);
        let mut q = Sql::new(
            "SELECT r.institution_code, r.sent_on, r.answered_on FROM referrals r \
             WHERE r.answered_on IS NOT NULL AND r.sent_on >= ",
        );
        q.bind(year_ago).push(" AND ");
        where_referrals(&mut q);
        let answered: Vec<(String, String, String)> = q.fetch_all(&mut *conn).await?;

        let mut q = Sql::new(
            "SELECT COUNT(*) FROM follow_ups f JOIN cases c ON c.id = f.case_id \
             WHERE f.done_on IS NULL AND f.due_on < ",
        );
        q.bind(today.clone()).push(" AND ");
        where_cases(&mut q);
        let (overdue_follow_ups,): (i64,) = q.fetch_one(&mut *conn).await?;
        drop(conn);

        let mut referrals_by_status: Vec<Count> = Vec::new();
        let mut by_institution: Vec<InstitutionReferrals> = Vec::new();
        let mut overdue_referrals = 0;
        for (code, name, status, n, overdue) in grouped {
            overdue_referrals += overdue;
            match referrals_by_status.iter_mut().find(|c| c.key == status) {
                Some(c) => c.count += n,
                None => referrals_by_status.push(Count {
                    key: status.clone(),
                    count: n,
                }),
            }
            let entry = match by_institution
                .iter()
                .position(|i| i.institution_code == code)
            {
                Some(i) => &mut by_institution[i],
                None => {
                    by_institution.push(InstitutionReferrals {
                        institution_code: code.clone(),
                        institution_name: name,
                        by_status: Vec::new(),
                        overdue: 0,
                        median_response_days: None,
                        answered: 0,
                    });
                    let last = by_institution.len() - 1;
                    &mut by_institution[last]
                }
            };
            entry.by_status.push(Count {
                key: status,
                count: n,
            });
            entry.overdue += overdue;
        }
        for inst in &mut by_institution {
            let days: Vec<i64> = answered
                .iter()
                .filter(|(c, _, _)| *c == inst.institution_code)
                .filter_map(|(_, s, a)| working_days_between(s, a))
                .collect();
            inst.answered = days.len() as i64;
            inst.median_response_days = median(days);
        }
        let order = |k: &str| {
            kopru_domain::case::ReferralStatus::ALL
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

#[cfg(test)]
mod tests {
    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(super::median(vec![]), None);
        assert_eq!(super::median(vec![5, 1, 3]), Some(3.0));
        assert_eq!(super::median(vec![4, 1, 3, 2]), Some(2.5));
    }
}
