//! Who takes part in an activity: people of the registry (enrolled one by one,
//! a household at a time, from a case, or everyone a person filter finds) and
//! professionals; their test scores and completion.

use super::{activity_for, activity_in, activity_title, audit_activity, ActivityRow};
use crate::audit::{append, Actor};
use crate::casework::case_in;
use crate::error::{Result, StoreError};
use crate::registry::{person_for, PersonFilter};
use crate::scope::{push_visible, Entity};
use crate::sql::Sql;
use crate::{clock, new_id, Store};
use kopru_domain::activity::{
    ActivityStatus, Completion, EnrolledVia, ParticipantKind, Professional,
};
use kopru_domain::{Action, Principal, Scope, ValidationErrors};
use serde::Serialize;
use sqlx::AnyConnection;
use std::collections::{BTreeMap, BTreeSet};

/// One participant as the caller may see them.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ParticipantRow {
    pub id: String,
    pub activity_id: String,
    /// person or professional
    pub kind: String,
    pub person_id: Option<String>,
    pub case_id: Option<String>,
    /// search, household, case, filter, import
    pub enrolled_via: String,
    /// The person's or the professional's name.
    pub name: String,
    pub institution_code: Option<String>,
    pub institution_name: Option<String>,
    pub position: Option<String>,
    pub sex: Option<String>,
    pub birth_date: Option<String>,
    pub pre_score: Option<i64>,
    pub post_score: Option<i64>,
    pub enrolled_on: String,
    pub withdrawn_on: Option<String>,
    pub version: i64,
    #[serde(skip)]
    pub visible: i64,
    /// Sessions attended against the activity's completion rule.
    #[sqlx(skip)]
    #[schema(value_type = Option<Object>)]
    pub completion: Option<Completion>,
}

/// An activity's participants: the ones the caller may see, and how many
/// people of the registry are on the list whom the caller may not see.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ParticipantList {
    pub items: Vec<ParticipantRow>,
    pub hidden: i64,
}

/// Where the people to enrol come from.
#[derive(Debug, Clone)]
pub enum EnrolSource {
    /// Chosen one by one (from a search).
    Persons(Vec<String>),
    /// The current members of a household.
    Household(String),
    /// The person a case is for (the case is kept on the participant).
    Case(String),
    /// Everyone a person filter finds (at most 500).
    Filter(PersonFilter),
}

/// A person who could not be enrolled, and why (a Fluent id).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Refusal {
    pub person_id: String,
    pub reason: String,
}

/// What an enrolment did, person by person.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct EnrolReport {
    /// Participant ids of the people enrolled now.
    pub enrolled: Vec<String>,
    /// People already on the list (nothing added twice).
    pub already: Vec<String>,
    pub refused: Vec<Refusal>,
}

/// An activity a person took part in, as their page lists it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PersonActivityRow {
    pub participant_id: String,
    pub person_id: String,
    pub person_name: String,
    pub activity_id: String,
    pub kind: String,
    #[serde(serialize_with = "crate::columns::json_value")]
    #[schema(value_type = Object)]
    pub titles: String,
    pub programme_code: String,
    pub status: String,
    pub starts_on: String,
    pub ends_on: Option<String>,
    pub pre_score: Option<i64>,
    pub post_score: Option<i64>,
    pub enrolled_on: String,
    pub withdrawn_on: Option<String>,
    pub min_share: Option<i64>,
    #[serde(skip)]
    pub all_modules: i64,
    pub pass_mark: Option<i64>,
    /// Transport support received for the activity, in hundredths.
    pub transport_minor: Option<i64>,
    pub transport_currency: Option<String>,
    #[sqlx(skip)]
    #[schema(value_type = Option<Object>)]
    pub completion: Option<Completion>,
}

impl PersonActivityRow {
    pub fn title_in(&self, lang: &str) -> String {
        activity_title(&self.titles, lang)
    }
    /// Transport received, e.g. `450.00 TRY`.
    pub fn transport_text(&self, minor: &i64) -> String {
        format!(
            "{} {}",
            kopru_domain::activity::format_amount(*minor),
            self.transport_currency.as_deref().unwrap_or_default()
        )
    }
}

/// `CASE WHEN` the joined person `p` is absent or visible under `grants`.
fn push_person_visible(q: &mut Sql, grants: &[Scope]) {
    q.push("CASE WHEN p.id IS NULL THEN 1 WHEN ");
    push_visible(q, Entity::Person, "p", grants);
    q.push(" THEN 1 ELSE 0 END");
}

/// `expr AS alias` for a column of the joined person `p` (or of a
/// professional, when there is no person), read only where the person is
/// visible under `grants` (NULL otherwise): a hidden person's data is never
/// loaded, only counted.
pub(super) fn push_person_column(q: &mut Sql, grants: &[Scope], expr: &str, alias: &str) {
    q.push("CASE WHEN p.id IS NULL OR ");
    push_visible(q, Entity::Person, "p", grants);
    q.push(&format!(" THEN {expr} END AS {alias}"));
}

/// The participant's name: the professional's, or the person's where the
/// person is visible under `grants`, blank otherwise.
pub(super) fn push_participant_name(q: &mut Sql, grants: &[Scope]) {
    q.push("CASE WHEN p.id IS NULL THEN COALESCE(ap.professional_name, '') WHEN ");
    push_visible(q, Entity::Person, "p", grants);
    q.push(" THEN p.given_names || ' ' || p.family_name ELSE '' END AS name");
}

fn participant_select(q: &mut Sql, grants: &[Scope]) {
    q.push("SELECT ap.id, ap.activity_id, ap.kind, ap.person_id, ap.case_id, ap.enrolled_via, ");
    push_participant_name(q, grants);
    q.push(", ap.institution_code, i.name AS institution_name, ap.position, ");
    push_person_column(q, grants, "COALESCE(p.sex, ap.sex)", "sex");
    q.push(", ");
    push_person_column(q, grants, "p.birth_date", "birth_date");
    q.push(", ap.pre_score, ap.post_score, ap.enrolled_on, ap.withdrawn_on, ap.version, ");
    push_person_visible(q, grants);
    q.push(
        " AS visible FROM activity_participants ap \
         LEFT JOIN persons p ON p.id = ap.person_id \
         LEFT JOIN institutions i ON i.code = ap.institution_code WHERE ",
    );
}

/// Present sessions by participant, for the activity's participants.
async fn present_by_participant(
    conn: &mut AnyConnection,
    activity_id: &str,
) -> Result<BTreeMap<String, BTreeSet<String>>> {
    let rows: Vec<(String, String)> = Sql::new(
        "SELECT participant_id, session_id FROM attendance WHERE mark = 'present' AND activity_id = ",
    )
    .bind(activity_id.to_owned())
    .fetch_all(conn)
    .await?;
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (p, s) in rows {
        out.entry(p).or_default().insert(s);
    }
    Ok(out)
}

pub(crate) async fn session_modules(
    conn: &mut AnyConnection,
    activity_ids: &[String],
) -> Result<BTreeMap<String, Vec<(String, Option<String>)>>> {
    let mut out: BTreeMap<String, Vec<(String, Option<String>)>> = BTreeMap::new();
    for chunk in activity_ids.chunks(200) {
        let rows: Vec<(String, String, Option<String>)> = Sql::new(
            "SELECT activity_id, id, module FROM activity_sessions WHERE activity_id IN (",
        )
        .bind_list(chunk.iter().cloned())
        .push(")")
        .fetch_all(&mut *conn)
        .await?;
        for (a, s, m) in rows {
            out.entry(a).or_default().push((s, m));
        }
    }
    Ok(out)
}

/// The participant `id` of activity `activity_id`, as `by` sees it.
pub(super) async fn participant_in(
    conn: &mut AnyConnection,
    by: &Principal,
    activity_id: &str,
    id: &str,
) -> Result<ParticipantRow> {
    let mut q = Sql::new("");
    participant_select(&mut q, &by.grants(Action::ViewPersons));
    q.push("ap.activity_id = ")
        .bind(activity_id.to_owned())
        .push(" AND ap.id = ")
        .bind(id.to_owned());
    let row: ParticipantRow = q.fetch_optional(conn).await?.ok_or(StoreError::NotFound)?;
    if row.visible == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(row)
}

/// One participant's standing against the activity's rule.
pub(super) async fn completion_of(
    conn: &mut AnyConnection,
    a: &ActivityRow,
    p: &ParticipantRow,
) -> Result<Completion> {
    let sessions = session_modules(&mut *conn, std::slice::from_ref(&a.id))
        .await?
        .remove(&a.id)
        .unwrap_or_default();
    let present: Vec<(String,)> =
        Sql::new("SELECT session_id FROM attendance WHERE mark = 'present' AND participant_id = ")
            .bind(p.id.clone())
            .fetch_all(&mut *conn)
            .await?;
    let present: BTreeSet<String> = present.into_iter().map(|(s,)| s).collect();
    Ok(a.rule().evaluate(&sessions, &present, p.post_score))
}

/// Is the activity taking people? Not finished, and below its capacity.
fn open_for_enrolment(a: &ActivityRow) -> Result<()> {
    if a.status().is_some_and(ActivityStatus::is_final) {
        return Err(ValidationErrors::single("status", "err-activity-finished").into());
    }
    Ok(())
}

impl Store {
    /// Enrols people of the registry the caller may see. Each person is
    /// enrolled once: people already on the list are reported, not added
    /// again; people the caller may not see, merged records and places past
    /// the capacity are refused by name.
    pub async fn enrol_persons(
        &self,
        actor: &Actor,
        by: &Principal,
        activity_id: &str,
        source: &EnrolSource,
    ) -> Result<EnrolReport> {
        // The filter reads the registry under the caller's grants first.
        let (ids, via, case_id): (Vec<String>, EnrolledVia, Option<String>) = match source {
            EnrolSource::Persons(ids) => (ids.clone(), EnrolledVia::Search, None),
            EnrolSource::Filter(f) => {
                let mut f = f.clone();
                f.limit = 500;
                f.offset = 0;
                let rows = self.persons(by, &f).await?;
                (
                    rows.into_iter().take(500).map(|p| p.id).collect(),
                    EnrolledVia::Filter,
                    None,
                )
            }
            EnrolSource::Household(h) => {
                let members = self.household_members(by, h).await.map_err(|e| match e {
                    StoreError::NotFound => {
                        ValidationErrors::single("household_id", "err-not-found").into()
                    }
                    e => e,
                })?;
                (
                    members
                        .into_iter()
                        .filter(|m| m.left_on.is_none())
                        .map(|m| m.person_id)
                        .collect(),
                    EnrolledVia::Household,
                    None,
                )
            }
            EnrolSource::Case(c) => {
                let mut conn = self.acquire().await?;
                let case = case_in(&mut conn, &by.grants(Action::ViewCases), c)
                    .await
                    .map_err(|_| ValidationErrors::single("case_id", "err-not-found"))?;
                let Some(person) = case.person_id else {
                    return Err(ValidationErrors::single("case_id", "err-case-household").into());
                };
                (vec![person], EnrolledVia::Case, Some(case.id))
            }
        };
        if ids.len() > 1000 {
            return Err(ValidationErrors::single("person_ids", "err-too-many").into());
        }
        let mut tx = self.begin_write().await?;
        let a = activity_for(tx.conn(), by, Action::ManageActivities, activity_id).await?;
        open_for_enrolment(&a)?;
        let on_list: Vec<(String,)> = Sql::new(
            "SELECT person_id FROM activity_participants WHERE person_id IS NOT NULL AND withdrawn_on IS NULL AND activity_id = ",
        )
        .bind(activity_id.to_owned())
        .fetch_all(tx.conn())
        .await?;
        let mut on_list: BTreeSet<String> = on_list.into_iter().map(|(p,)| p).collect();
        let mut count = a.participant_count;
        let mut report = EnrolReport::default();
        let today = clock::today();
        for id in ids {
            let id = id.trim().to_owned();
            if id.is_empty() {
                continue;
            }
            if on_list.contains(&id) {
                report.already.push(id);
                continue;
            }
            let refuse = |reason: &str| Refusal {
                person_id: id.clone(),
                reason: reason.to_owned(),
            };
            let person = match person_for(tx.conn(), by, Action::ViewPersons, &id).await {
                Ok(p) => p,
                Err(StoreError::NotFound) => {
                    report.refused.push(refuse("err-not-found"));
                    continue;
                }
                Err(e) => return Err(e),
            };
            if person.merged_into.is_some() {
                report.refused.push(refuse("err-person-merged"));
                continue;
            }
            if a.capacity.is_some_and(|c| count >= c) {
                report.refused.push(refuse("err-activity-full"));
                continue;
            }
            let pid = new_id();
            Sql::new(
                "INSERT INTO activity_participants (id, activity_id, kind, person_id, case_id, \
                 enrolled_via, enrolled_on, version, created_by, created_at) VALUES (",
            )
            .bind(pid.clone())
            .push(", ")
            .bind(activity_id.to_owned())
            .push(", ")
            .bind(ParticipantKind::Person.as_str().to_owned())
            .push(", ")
            .bind(person.id.clone())
            .push(", ")
            .bind(case_id.clone())
            .push(", ")
            .bind(via.as_str().to_owned())
            .push(", ")
            .bind(today.clone())
            .push(", 1, ")
            .bind(actor.username.clone())
            .push(", ")
            .bind(clock::now())
            .push(")")
            .execute(tx.conn())
            .await?;
            on_list.insert(person.id);
            count += 1;
            report.enrolled.push(pid);
        }
        if !report.enrolled.is_empty() {
            append(
                tx.conn(),
                &audit_activity(actor, "activity.enrol", &a).details(serde_json::json!({
                    "via": via.as_str(),
                    "participants": report.enrolled,
                })),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(report)
    }

    /// Puts a professional (not a beneficiary) on an activity's list.
    pub async fn enrol_professional(
        &self,
        actor: &Actor,
        by: &Principal,
        activity_id: &str,
        p: &Professional,
    ) -> Result<ParticipantRow> {
        let mut tx = self.begin_write().await?;
        let a = activity_for(tx.conn(), by, Action::ManageActivities, activity_id).await?;
        open_for_enrolment(&a)?;
        if a.capacity.is_some_and(|c| a.participant_count >= c) {
            return Err(ValidationErrors::single("name", "err-activity-full").into());
        }
        if let Some(code) = &p.institution_code {
            let hit: Option<(i64,)> = Sql::new("SELECT 1 FROM institutions WHERE code = ")
                .bind(code.as_str().to_owned())
                .fetch_optional(tx.conn())
                .await?;
            if hit.is_none() {
                return Err(ValidationErrors::single(
                    "institution_code",
                    "err-institution-unknown",
                )
                .into());
            }
        }
        let pid = new_id();
        Sql::new(
            "INSERT INTO activity_participants (id, activity_id, kind, enrolled_via, professional_name, \
             institution_code, position, sex, enrolled_on, version, created_by, created_at) VALUES (",
        )
        .bind(pid.clone())
        .push(", ")
        .bind(activity_id.to_owned())
        .push(", ")
        .bind(ParticipantKind::Professional.as_str().to_owned())
        .push(", ")
        .bind(EnrolledVia::Search.as_str().to_owned())
        .push(", ")
        .bind(p.name.clone())
        .push(", ")
        .bind(p.institution_code.as_ref().map(|c| c.as_str().to_owned()))
        .push(", ")
        .bind(p.position.clone())
        .push(", ")
        .bind(p.sex.as_str().to_owned())
        .push(", ")
        .bind(clock::today())
        .push(", 1, ")
        .bind(actor.username.clone())
        .push(", ")
        .bind(clock::now())
        .push(")")
        .execute(tx.conn())
        .await?;
        append(
            tx.conn(),
            &audit_activity(actor, "activity.enrol", &a)
                .details(serde_json::json!({"via": "professional", "participants": [pid]})),
        )
        .await?;
        let row = participant_in(tx.conn(), by, activity_id, &pid).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Takes a participant off the list (their attendance stays, dated).
    pub async fn withdraw_participant(
        &self,
        actor: &Actor,
        by: &Principal,
        activity_id: &str,
        participant_id: &str,
        version: i64,
    ) -> Result<ParticipantRow> {
        let mut tx = self.begin_write().await?;
        let a = activity_for(tx.conn(), by, Action::ManageActivities, activity_id).await?;
        let p = participant_in(tx.conn(), by, activity_id, participant_id).await?;
        let n = Sql::new("UPDATE activity_participants SET version = version + 1, withdrawn_on = ")
            .bind(clock::today())
            .push(" WHERE id = ")
            .bind(p.id.clone())
            .push(" AND withdrawn_on IS NULL AND version = ")
            .bind(version)
            .execute(tx.conn())
            .await?;
        if n == 0 {
            return Err(StoreError::Conflict { current: p.version });
        }
        append(
            tx.conn(),
            &audit_activity(actor, "activity.withdraw", &a)
                .details(serde_json::json!({"participant": p.id})),
        )
        .await?;
        let row = participant_in(tx.conn(), by, activity_id, participant_id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Records a participant's pre- and post-test scores (0–100; `None` clears).
    #[allow(clippy::too_many_arguments)]
    pub async fn set_scores(
        &self,
        actor: &Actor,
        by: &Principal,
        activity_id: &str,
        participant_id: &str,
        version: i64,
        pre: Option<i64>,
        post: Option<i64>,
    ) -> Result<ParticipantRow> {
        let mut tx = self.begin_write().await?;
        let a = activity_for(tx.conn(), by, Action::ManageActivities, activity_id).await?;
        let p = participant_in(tx.conn(), by, activity_id, participant_id).await?;
        let n = Sql::new("UPDATE activity_participants SET version = version + 1, pre_score = ")
            .bind(pre)
            .push(", post_score = ")
            .bind(post)
            .push(" WHERE id = ")
            .bind(p.id.clone())
            .push(" AND version = ")
            .bind(version)
            .execute(tx.conn())
            .await?;
        if n == 0 {
            return Err(StoreError::Conflict { current: p.version });
        }
        append(
            tx.conn(),
            &audit_activity(actor, "activity.scores", &a)
                .details(serde_json::json!({"participant": p.id})),
        )
        .await?;
        let row = participant_in(tx.conn(), by, activity_id, participant_id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// An activity's participants with their completion. People the caller
    /// may not see are counted, not named. The read is audited: the list
    /// names people and professionals.
    pub async fn participants(
        &self,
        actor: &Actor,
        by: &Principal,
        activity_id: &str,
    ) -> Result<ParticipantList> {
        let mut conn = self.acquire().await?;
        let a = activity_in(&mut conn, &by.grants(Action::ViewActivities), activity_id).await?;
        let mut q = Sql::new("");
        participant_select(&mut q, &by.grants(Action::ViewPersons));
        q.push("ap.activity_id = ")
            .bind(activity_id.to_owned())
            .push(" ORDER BY CASE WHEN ap.withdrawn_on IS NULL THEN 0 ELSE 1 END, COALESCE(p.sort_key, ap.professional_name), ap.id");
        let rows: Vec<ParticipantRow> = q.fetch_all(&mut *conn).await?;
        let sessions = super::sessions_of(&mut conn, activity_id)
            .await?
            .into_iter()
            .map(|s| (s.id, s.module))
            .collect::<Vec<_>>();
        let present = present_by_participant(&mut conn, activity_id).await?;
        let rule = a.rule();
        let none = BTreeSet::new();
        let mut hidden = 0;
        let mut items = Vec::new();
        for mut r in rows {
            if r.visible == 0 {
                if r.withdrawn_on.is_none() {
                    hidden += 1;
                }
                continue;
            }
            r.completion =
                Some(rule.evaluate(&sessions, present.get(&r.id).unwrap_or(&none), r.post_score));
            items.push(r);
        }
        let mut tx = self.begin_write().await?;
        append(
            tx.conn(),
            &audit_activity(actor, "activity.participants.read", &a)
                .details(serde_json::json!({"shown": items.len(), "hidden": hidden})),
        )
        .await?;
        tx.commit().await?;
        Ok(ParticipantList { items, hidden })
    }

    /// The activities a person the caller may see took part in, the latest
    /// first, with attendance, scores and completion.
    pub async fn person_activities(
        &self,
        by: &Principal,
        person_id: &str,
    ) -> Result<Vec<PersonActivityRow>> {
        let mut conn = self.acquire().await?;
        person_for(&mut conn, by, Action::ViewPersons, person_id).await?;
        activities_of(&mut conn, &[person_id.to_owned()]).await
    }

    /// What the current members of a household took part in.
    pub async fn household_activities(
        &self,
        by: &Principal,
        household_id: &str,
    ) -> Result<Vec<PersonActivityRow>> {
        let members: Vec<String> = self
            .household_members(by, household_id)
            .await?
            .into_iter()
            .filter(|m| m.left_on.is_none())
            .map(|m| m.person_id)
            .collect();
        let mut conn = self.acquire().await?;
        activities_of(&mut conn, &members).await
    }
}

/// The participations of `persons` with their completion (three reads,
/// whatever the number of activities).
async fn activities_of(
    conn: &mut AnyConnection,
    persons: &[String],
) -> Result<Vec<PersonActivityRow>> {
    let mut rows: Vec<PersonActivityRow> = Vec::new();
    for chunk in persons.chunks(200) {
        if chunk.is_empty() {
            continue;
        }
        let part: Vec<PersonActivityRow> = Sql::new(
            "SELECT ap.id AS participant_id, p.id AS person_id, \
             p.given_names || ' ' || p.family_name AS person_name, a.id AS activity_id, a.kind, \
             a.titles, pr.code AS programme_code, a.status, a.starts_on, a.ends_on, ap.pre_score, \
             ap.post_score, ap.enrolled_on, ap.withdrawn_on, a.min_share, a.all_modules, a.pass_mark, \
             (SELECT CAST(SUM(t.amount_minor) AS BIGINT) FROM transport_payments t WHERE t.participant_id = ap.id) AS transport_minor, \
             (SELECT MAX(t.currency) FROM transport_payments t WHERE t.participant_id = ap.id) AS transport_currency \
             FROM activity_participants ap JOIN activities a ON a.id = ap.activity_id \
             JOIN persons p ON p.id = ap.person_id \
             JOIN programmes pr ON pr.id = a.programme_id WHERE ap.person_id IN (",
        )
        .bind_list(chunk.iter().cloned())
        .push(") ORDER BY a.starts_on DESC, a.id")
        .fetch_all(&mut *conn)
        .await?;
        rows.extend(part);
    }
    let activity_ids: Vec<String> = rows.iter().map(|r| r.activity_id.clone()).collect();
    let sessions = session_modules(&mut *conn, &activity_ids).await?;
    let mut present: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let participant_ids: Vec<String> = rows.iter().map(|r| r.participant_id.clone()).collect();
    for chunk in participant_ids.chunks(200) {
        let marks: Vec<(String, String)> = Sql::new(
            "SELECT participant_id, session_id FROM attendance WHERE mark = 'present' AND participant_id IN (",
        )
        .bind_list(chunk.iter().cloned())
        .push(")")
        .fetch_all(&mut *conn)
        .await?;
        for (p, s) in marks {
            present.entry(p).or_default().insert(s);
        }
    }
    let none = BTreeSet::new();
    let no_sessions = Vec::new();
    for r in &mut rows {
        let rule = kopru_domain::activity::CompletionRule {
            min_share: r.min_share,
            all_modules: r.all_modules != 0,
            pass_mark: r.pass_mark,
        };
        r.completion = Some(rule.evaluate(
            sessions.get(&r.activity_id).unwrap_or(&no_sessions),
            present.get(&r.participant_id).unwrap_or(&none),
            r.post_score,
        ));
    }
    rows.sort_by(|a, b| {
        b.starts_on
            .cmp(&a.starts_on)
            .then(a.person_name.cmp(&b.person_name))
    });
    Ok(rows)
}
