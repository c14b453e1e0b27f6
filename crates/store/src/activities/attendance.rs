//! Attendance: one row per session and participant (present, absent,
//! excused), saved one tap at a time or a whole sheet at once; and head
//! counts by sex and age band where names cannot be taken.
//!
//! Marks are upserts of their own rows: two facilitators saving the same
//! session at once never lose each other's marks, and a sheet sent again
//! adds nothing twice.

use super::participants::push_participant_name;
use super::{activity_for, activity_in, audit_activity, session_in, ActivityRow, SessionRow};
use crate::audit::{append, Actor};
use crate::error::Result;
use crate::scope::{push_visible, Entity};
use crate::sql::Sql;
use crate::{clock, Store};
use kopru_domain::activity::{AgeBand, AttendanceMark, CountedSex};
use kopru_domain::{Action, Principal, ValidationErrors};
use serde::Serialize;
use sqlx::AnyConnection;
use std::collections::BTreeMap;

/// One line of a session's sheet: a participant and their mark, if any.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SheetRow {
    pub participant_id: String,
    /// person or professional
    pub kind: String,
    pub person_id: Option<String>,
    pub name: String,
    pub institution_name: Option<String>,
    /// present, absent, excused; absent from the row: not marked yet.
    pub mark: Option<String>,
    pub marked_by: Option<String>,
    pub marked_at: Option<String>,
    #[serde(skip)]
    pub visible: i64,
}

/// A stored mark.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AttendanceRow {
    pub session_id: String,
    pub participant_id: String,
    pub held_on: String,
    pub mark: String,
    pub marked_by: String,
    pub marked_at: String,
}

/// A mark to save.
#[derive(Debug, Clone)]
pub struct MarkInput {
    pub participant_id: String,
    pub mark: AttendanceMark,
}

/// What a save did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SavedMarks {
    /// Marks written (new or changed).
    pub saved: i64,
    /// Marks that were already so.
    pub unchanged: i64,
    pub session: SessionRow,
}

/// People counted at a session by sex and age band.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct HeadCountRow {
    /// female, male, unknown
    pub sex: String,
    /// 0_6, 7_17, 18_29, 30_54, 55_plus
    pub age_band: String,
    pub count: i64,
}

/// The session for marking: the activity within the caller's attendance
/// grants, not cancelled, and the session not in the future.
async fn session_for_marks(
    conn: &mut AnyConnection,
    by: &Principal,
    activity_id: &str,
    session_id: &str,
) -> Result<(ActivityRow, SessionRow)> {
    let a = activity_for(conn, by, Action::TakeAttendance, activity_id).await?;
    let s = session_in(conn, activity_id, session_id).await?;
    if s.held_on > clock::today() {
        return Err(ValidationErrors::single("session", "err-session-in-future").into());
    }
    Ok((a, s))
}

impl Store {
    /// A session's sheet: every participant on the list (and anyone withdrawn
    /// who has a mark), with their mark. People the caller may not see are
    /// counted in the second value, not listed.
    pub async fn attendance_sheet(
        &self,
        by: &Principal,
        activity_id: &str,
        session_id: &str,
    ) -> Result<(ActivityRow, SessionRow, Vec<SheetRow>, i64)> {
        let mut conn = self.acquire().await?;
        let a = activity_in(&mut conn, &by.grants(Action::ViewActivities), activity_id).await?;
        let s = session_in(&mut conn, activity_id, session_id).await?;
        let persons = by.grants(Action::ViewPersons);
        let mut q = Sql::new("SELECT ap.id AS participant_id, ap.kind, ap.person_id, ");
        push_participant_name(&mut q, &persons);
        q.push(
            ", i.name AS institution_name, t.mark, t.marked_by, t.marked_at, \
             CASE WHEN p.id IS NULL THEN 1 WHEN ",
        );
        push_visible(&mut q, Entity::Person, "p", &persons);
        q.push(
            " THEN 1 ELSE 0 END AS visible \
             FROM activity_participants ap \
             LEFT JOIN attendance t ON t.participant_id = ap.id AND t.session_id = ",
        )
        .bind(session_id.to_owned())
        .push(
            " LEFT JOIN persons p ON p.id = ap.person_id \
             LEFT JOIN institutions i ON i.code = ap.institution_code \
             WHERE ap.activity_id = ",
        )
        .bind(activity_id.to_owned())
        .push(" AND (ap.withdrawn_on IS NULL OR t.mark IS NOT NULL) ORDER BY COALESCE(p.sort_key, ap.professional_name), ap.id");
        let rows: Vec<SheetRow> = q.fetch_all(&mut *conn).await?;
        let hidden = rows.iter().filter(|r| r.visible == 0).count() as i64;
        let rows = rows.into_iter().filter(|r| r.visible != 0).collect();
        Ok((a, s, rows, hidden))
    }

    /// [`Store::attendance_sheet`] for someone reading it (a page, the API, a
    /// printed sheet): the read is audited, as the list names people and
    /// professionals.
    pub async fn attendance_sheet_read(
        &self,
        actor: &Actor,
        by: &Principal,
        activity_id: &str,
        session_id: &str,
    ) -> Result<(ActivityRow, SessionRow, Vec<SheetRow>, i64)> {
        let sheet = self.attendance_sheet(by, activity_id, session_id).await?;
        let mut tx = self.begin_write().await?;
        append(
            tx.conn(),
            &audit_activity(actor, "activity.sheet.read", &sheet.0).details(serde_json::json!({
                "session": session_id, "shown": sheet.2.len(), "hidden": sheet.3,
            })),
        )
        .await?;
        tx.commit().await?;
        Ok(sheet)
    }

    /// Saves marks for a session: each participant must be on the activity's
    /// list and visible to the caller; every problem is named (by the mark's
    /// position) and nothing is saved unless all are right. Marks not sent
    /// stay as they are.
    pub async fn save_attendance(
        &self,
        actor: &Actor,
        by: &Principal,
        activity_id: &str,
        session_id: &str,
        marks: &[MarkInput],
    ) -> Result<SavedMarks> {
        if marks.len() > 2000 {
            return Err(ValidationErrors::single("marks", "err-too-many").into());
        }
        let mut tx = self.begin_write().await?;
        let (a, s) = session_for_marks(tx.conn(), by, activity_id, session_id).await?;
        // The list as the caller sees it: participant → (visible, current mark).
        let mut q = Sql::new("SELECT ap.id, CASE WHEN p.id IS NULL THEN 1 WHEN ");
        push_visible(&mut q, Entity::Person, "p", &by.grants(Action::ViewPersons));
        q.push(
            " THEN 1 ELSE 0 END, t.mark FROM activity_participants ap \
             LEFT JOIN persons p ON p.id = ap.person_id \
             LEFT JOIN attendance t ON t.participant_id = ap.id AND t.session_id = ",
        )
        .bind(session_id.to_owned())
        .push(" WHERE ap.withdrawn_on IS NULL AND ap.activity_id = ")
        .bind(activity_id.to_owned());
        let list: Vec<(String, i64, Option<String>)> = q.fetch_all(tx.conn()).await?;
        let list: BTreeMap<String, (i64, Option<String>)> =
            list.into_iter().map(|(id, v, m)| (id, (v, m))).collect();
        let mut e = ValidationErrors::new();
        for (i, m) in marks.iter().enumerate() {
            match list.get(m.participant_id.trim()) {
                Some((1, _)) => {}
                _ => e.push(
                    format!("marks[{i}].participant_id"),
                    "err-participant-unknown",
                ),
            }
        }
        e.into_result()?;
        let now = clock::now();
        let (mut saved, mut unchanged) = (0, 0);
        for m in marks {
            let id = m.participant_id.trim();
            if list
                .get(id)
                .is_some_and(|(_, cur)| cur.as_deref() == Some(m.mark.as_str()))
            {
                unchanged += 1;
                continue;
            }
            Sql::new(
                "INSERT INTO attendance (session_id, participant_id, activity_id, held_on, mark, \
                 marked_by, marked_at) VALUES (",
            )
            .bind(session_id.to_owned())
            .push(", ")
            .bind(id.to_owned())
            .push(", ")
            .bind(activity_id.to_owned())
            .push(", ")
            .bind(s.held_on.clone())
            .push(", ")
            .bind(m.mark.as_str().to_owned())
            .push(", ")
            .bind(actor.username.clone())
            .push(", ")
            .bind(now.clone())
            .push(
                ") ON CONFLICT (session_id, participant_id) DO UPDATE SET mark = excluded.mark, \
                 marked_by = excluded.marked_by, marked_at = excluded.marked_at",
            )
            .execute(tx.conn())
            .await?;
            saved += 1;
        }
        if saved > 0 {
            Sql::new("UPDATE activity_sessions SET attendance_at = ")
                .bind(now)
                .push(" WHERE id = ")
                .bind(session_id.to_owned())
                .execute(tx.conn())
                .await?;
            append(
                tx.conn(),
                &audit_activity(actor, "activity.attendance", &a)
                    .details(serde_json::json!({"session": session_id, "saved": saved})),
            )
            .await?;
        }
        let session = session_in(tx.conn(), activity_id, session_id).await?;
        tx.commit().await?;
        Ok(SavedMarks {
            saved,
            unchanged,
            session,
        })
    }

    /// Replaces a session's head counts (people counted by sex and age band).
    pub async fn set_head_counts(
        &self,
        actor: &Actor,
        by: &Principal,
        activity_id: &str,
        session_id: &str,
        counts: &[(CountedSex, AgeBand, i64)],
    ) -> Result<Vec<HeadCountRow>> {
        let mut tx = self.begin_write().await?;
        let (a, _) = session_for_marks(tx.conn(), by, activity_id, session_id).await?;
        Sql::new("DELETE FROM session_head_counts WHERE session_id = ")
            .bind(session_id.to_owned())
            .execute(tx.conn())
            .await?;
        let mut merged: BTreeMap<(&str, &str), i64> = BTreeMap::new();
        for (sex, band, n) in counts {
            *merged.entry((sex.as_str(), band.as_str())).or_default() += n;
        }
        for ((sex, band), n) in merged.into_iter().filter(|(_, n)| *n > 0) {
            Sql::new("INSERT INTO session_head_counts (session_id, sex, age_band, count) VALUES (")
                .bind(session_id.to_owned())
                .push(", ")
                .bind(sex.to_owned())
                .push(", ")
                .bind(band.to_owned())
                .push(", ")
                .bind(n)
                .push(")")
                .execute(tx.conn())
                .await?;
        }
        append(
            tx.conn(),
            &audit_activity(actor, "activity.head_counts", &a)
                .details(serde_json::json!({"session": session_id})),
        )
        .await?;
        let rows = head_counts_of(tx.conn(), session_id).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// A session's head counts.
    pub async fn head_counts(
        &self,
        by: &Principal,
        activity_id: &str,
        session_id: &str,
    ) -> Result<Vec<HeadCountRow>> {
        let mut conn = self.acquire().await?;
        activity_in(&mut conn, &by.grants(Action::ViewActivities), activity_id).await?;
        session_in(&mut conn, activity_id, session_id).await?;
        head_counts_of(&mut conn, session_id).await
    }
}

async fn head_counts_of(conn: &mut AnyConnection, session_id: &str) -> Result<Vec<HeadCountRow>> {
    Ok(
        Sql::new("SELECT sex, age_band, count FROM session_head_counts WHERE session_id = ")
            .bind(session_id.to_owned())
            .push(" ORDER BY sex, age_band")
            .fetch_all(conn)
            .await?,
    )
}
