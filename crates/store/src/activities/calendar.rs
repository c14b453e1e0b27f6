//! Sessions by date — a unit's calendar, a facilitator's day, the sheets
//! still missing after the day — and the counts the dashboard shows:
//! activities, sessions held, unique participants by sex and age band.

use super::activity_title;
use crate::error::Result;
use crate::scope::{push_visible, Entity};
use crate::sql::Sql;
use crate::{clock, Store};
use kopru_domain::activity::AgeBand;
use kopru_domain::person::age_on;
use kopru_domain::{Action, Principal};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A session with its activity, for calendars and "my work".
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CalendarRow {
    pub session_id: String,
    pub activity_id: String,
    #[serde(serialize_with = "crate::columns::json_value")]
    #[schema(value_type = Object)]
    pub titles: String,
    pub kind: String,
    pub unit_code: Option<String>,
    pub held_on: String,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub module: Option<String>,
    pub venue: Option<String>,
    pub facilitator_name: Option<String>,
    pub attendance_at: Option<String>,
}

impl CalendarRow {
    pub fn title_in(&self, lang: &str) -> String {
        activity_title(&self.titles, lang)
    }
}

const CALENDAR_SELECT: &str = "SELECT s.id AS session_id, a.id AS activity_id, a.titles, a.kind, \
     a.unit_code, s.held_on, s.starts_at, s.ends_at, s.module, COALESCE(s.venue, a.venue) AS venue, \
     fu.display_name AS facilitator_name, s.attendance_at \
     FROM activity_sessions s JOIN activities a ON a.id = s.activity_id \
     LEFT JOIN users fu ON fu.id = s.facilitator_id WHERE a.status <> 'cancelled' AND ";

/// `s` is facilitated by `user`: named on the session, or (no one named
/// there) one of the activity's facilitators.
fn push_facilitated_by(q: &mut Sql, user: &str) {
    q.push(" AND (s.facilitator_id = ")
        .bind(user.to_owned())
        .push(" OR (s.facilitator_id IS NULL AND EXISTS (SELECT 1 FROM activity_facilitators af WHERE af.activity_id = a.id AND af.user_id = ")
        .bind(user.to_owned())
        .push(")))");
}

/// Counts of activities and their participation in a period.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ActivityStats {
    pub from: String,
    pub to: String,
    /// Activities running at some time in the period (not cancelled).
    pub activities: i64,
    pub by_kind: Vec<(String, i64)>,
    /// Sessions held in the period (attendance or a head count taken).
    pub sessions_held: i64,
    /// Distinct people of the registry present at least once in the period.
    pub participants: i64,
    pub participants_by_sex: Vec<(String, i64)>,
    /// By age at the end of the period (bands of the head counts).
    pub participants_by_age: Vec<(String, i64)>,
    /// Professionals present at least once.
    pub professionals: i64,
    /// People counted at mass events (head counts; not unique people).
    pub counted: i64,
}

/// A participant present in a period: (participant, person — none for a
/// professional —, the person's sex, birth date).
type PresentRow = (String, Option<String>, Option<String>, Option<String>);

fn band(age: i64) -> AgeBand {
    match age {
        i64::MIN..=6 => AgeBand::Under7,
        7..=17 => AgeBand::From7To17,
        18..=29 => AgeBand::From18To29,
        30..=54 => AgeBand::From30To54,
        _ => AgeBand::From55,
    }
}

impl Store {
    /// Sessions of the activities the caller may see between two dates,
    /// optionally of one unit, in time order.
    pub async fn sessions_between(
        &self,
        by: &Principal,
        from: &str,
        to: &str,
        unit: Option<&str>,
    ) -> Result<Vec<CalendarRow>> {
        let mut q = Sql::new(CALENDAR_SELECT);
        push_visible(
            &mut q,
            Entity::Activity,
            "a",
            &by.grants(Action::ViewActivities),
        );
        q.push(" AND s.held_on >= ")
            .bind(from.to_owned())
            .push(" AND s.held_on <= ")
            .bind(to.to_owned());
        if let Some(u) = unit.filter(|u| !u.is_empty()) {
            q.push(" AND a.unit_code = ").bind(u.to_ascii_uppercase());
        }
        q.push(" ORDER BY s.held_on, s.starts_at, s.id LIMIT 1000");
        Ok(q.fetch_all(self.pool()).await?)
    }

    /// Today's sessions the caller facilitates, and earlier ones (the last
    /// 60 days) whose attendance is still missing.
    pub async fn my_sessions(
        &self,
        by: &Principal,
    ) -> Result<(Vec<CalendarRow>, Vec<CalendarRow>)> {
        let today = clock::today();
        let mut q = Sql::new(CALENDAR_SELECT);
        push_visible(
            &mut q,
            Entity::Activity,
            "a",
            &by.grants(Action::ViewActivities),
        );
        q.push(" AND s.held_on = ").bind(today.clone());
        push_facilitated_by(&mut q, &by.user_id);
        q.push(" ORDER BY s.starts_at, s.id LIMIT 50");
        let todays = q.fetch_all(self.pool()).await?;
        let since = kopru_domain::case::day_number(&today)
            .map(|d| kopru_domain::case::date_of(d - 60))
            .unwrap_or_default();
        let mut q = Sql::new(CALENDAR_SELECT);
        push_visible(
            &mut q,
            Entity::Activity,
            "a",
            &by.grants(Action::ViewActivities),
        );
        q.push(" AND s.held_on < ")
            .bind(today)
            .push(" AND s.held_on >= ")
            .bind(since)
            .push(" AND s.attendance_at IS NULL AND NOT EXISTS (SELECT 1 FROM session_head_counts h WHERE h.session_id = s.id)");
        push_facilitated_by(&mut q, &by.user_id);
        q.push(" ORDER BY s.held_on DESC, s.id LIMIT 50");
        let missing = q.fetch_all(self.pool()).await?;
        Ok((todays, missing))
    }

    /// Activities, sessions held and unique participants in `from..=to`
    /// within the caller's grants (optionally one unit). People are counted
    /// once however many sessions and activities they attended; merged
    /// records count as the record kept.
    pub async fn activity_stats(
        &self,
        by: &Principal,
        unit: Option<&str>,
        from: &str,
        to: &str,
    ) -> Result<ActivityStats> {
        let grants = by.grants(Action::ViewActivities);
        let unit = unit.map(str::trim).filter(|u| !u.is_empty());
        let scoped = |q: &mut Sql| {
            push_visible(q, Entity::Activity, "a", &grants);
            if let Some(u) = unit {
                q.push(" AND a.unit_code = ").bind(u.to_ascii_uppercase());
            }
        };
        let mut conn = self.acquire().await?;
        let mut q = Sql::new(
            "SELECT a.kind, COUNT(*) FROM activities a WHERE a.status <> 'cancelled' AND ",
        );
        scoped(&mut q);
        q.push(" AND a.starts_on <= ")
            .bind(to.to_owned())
            .push(" AND COALESCE(a.ends_on, a.starts_on) >= ")
            .bind(from.to_owned())
            .push(" GROUP BY a.kind ORDER BY a.kind");
        let by_kind: Vec<(String, i64)> = q.fetch_all(&mut *conn).await?;

        let mut q = Sql::new(
            "SELECT COUNT(*) FROM activity_sessions s JOIN activities a ON a.id = s.activity_id \
             WHERE (s.attendance_at IS NOT NULL OR EXISTS (SELECT 1 FROM session_head_counts h WHERE h.session_id = s.id)) AND ",
        );
        scoped(&mut q);
        q.push(" AND s.held_on >= ")
            .bind(from.to_owned())
            .push(" AND s.held_on <= ")
            .bind(to.to_owned());
        let (sessions_held,): (i64,) = q.fetch_one(&mut *conn).await?;

        // Everyone present in the period, one row per participant (people
        // and professionals in one pass over the period's marks).
        let mut q = Sql::new(
            "SELECT DISTINCT t.participant_id, ap.person_id, p.sex, p.birth_date FROM attendance t \
             JOIN activity_participants ap ON ap.id = t.participant_id \
             JOIN activities a ON a.id = t.activity_id \
             LEFT JOIN persons p ON p.id = ap.person_id \
             WHERE t.mark = 'present' AND ",
        );
        scoped(&mut q);
        q.push(" AND t.held_on >= ")
            .bind(from.to_owned())
            .push(" AND t.held_on <= ")
            .bind(to.to_owned());
        let present: Vec<PresentRow> = q.fetch_all(&mut *conn).await?;
        let mut seen = BTreeSet::new();
        let mut professionals = 0i64;
        let mut by_sex: BTreeMap<String, i64> = BTreeMap::new();
        let mut by_age: BTreeMap<&'static str, i64> = BTreeMap::new();
        for (_, person, sex, birth) in &present {
            let Some(person) = person else {
                professionals += 1;
                continue;
            };
            // A person on two lists (two activities, or merged records) counts once.
            if !seen.insert(person.clone()) {
                continue;
            }
            *by_sex
                .entry(sex.clone().unwrap_or_else(|| "unknown".into()))
                .or_default() += 1;
            let b = birth
                .as_deref()
                .and_then(|b| age_on(b, to))
                .map(|a| band(a).as_str())
                .unwrap_or("unknown");
            *by_age.entry(b).or_default() += 1;
        }

        let mut q = Sql::new(
            "SELECT COALESCE(CAST(SUM(h.count) AS BIGINT), 0) FROM session_head_counts h \
             JOIN activity_sessions s ON s.id = h.session_id JOIN activities a ON a.id = s.activity_id WHERE ",
        );
        scoped(&mut q);
        q.push(" AND s.held_on >= ")
            .bind(from.to_owned())
            .push(" AND s.held_on <= ")
            .bind(to.to_owned());
        let (counted,): (i64,) = q.fetch_one(&mut *conn).await?;

        let mut participants_by_age: Vec<(String, i64)> = AgeBand::ALL
            .iter()
            .map(|b| {
                (
                    b.as_str().to_owned(),
                    by_age.get(b.as_str()).copied().unwrap_or(0),
                )
            })
            .collect();
        if let Some(n) = by_age.get("unknown") {
            participants_by_age.push(("unknown".into(), *n));
        }
        Ok(ActivityStats {
            from: from.to_owned(),
            to: to.to_owned(),
            activities: by_kind.iter().map(|(_, n)| n).sum(),
            by_kind,
            sessions_held,
            participants: seen.len() as i64,
            participants_by_sex: by_sex.into_iter().collect(),
            participants_by_age,
            professionals,
            counted,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_fall_in_bands() {
        assert_eq!(band(6), AgeBand::Under7);
        assert_eq!(band(17), AgeBand::From7To17);
        assert_eq!(band(55), AgeBand::From55);
    }
}
