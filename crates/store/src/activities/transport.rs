//! Transport support paid to participants (SİROMA's free transport to
//! vocational courses): per session or per month, one payment per
//! participant and period; the monthly list a finance office pays from; and
//! totals by activity, unit and programme.

use super::{activity_for, activity_in, audit_activity, participants::participant_in};
use crate::audit::{append, Actor};
use crate::error::{Result, StoreError};
use crate::scope::{push_visible, Entity};
use crate::sql::Sql;
use crate::{clock, new_id, Store};
use kopru_domain::activity::{NewTransport, TransportPeriod};
use kopru_domain::{Action, Principal, ValidationErrors};
use serde::Serialize;

/// A payment, with the participant's name when the caller may see them.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TransportRow {
    pub id: String,
    pub activity_id: String,
    pub participant_id: String,
    /// Blank when the caller may not see the person.
    pub name: String,
    pub session_id: Option<String>,
    /// YYYY-MM: the payment's month, or its session's.
    pub month: String,
    /// public_transport, minibus, taxi, own_vehicle, travel_card, other
    pub mode: String,
    /// Hundredths of `currency`.
    pub amount_minor: i64,
    pub currency: String,
    pub paid_on: Option<String>,
    pub paid_by: Option<String>,
    pub version: i64,
    #[serde(skip)]
    pub visible: i64,
}

/// What the payments list is filtered by.
#[derive(Debug, Clone, Default)]
pub struct TransportFilter {
    pub activity: Option<String>,
    pub unit: Option<String>,
    pub programme: Option<String>,
    /// YYYY-MM
    pub month: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// A total of payments, by activity, unit or programme, in one currency.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TransportTotal {
    /// The activity's id, the unit's or the programme's code.
    pub key: String,
    pub currency: String,
    pub payments: i64,
    /// Distinct participants paid.
    pub participants: i64,
    pub amount_minor: i64,
}

/// What totals are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotalBy {
    Activity,
    Unit,
    Programme,
}

impl TotalBy {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "" | "activity" => Some(TotalBy::Activity),
            "unit" => Some(TotalBy::Unit),
            "programme" => Some(TotalBy::Programme),
            _ => None,
        }
    }
    fn column(self) -> &'static str {
        match self {
            TotalBy::Activity => "a.id",
            TotalBy::Unit => "COALESCE(a.unit_code, a.institution_code)",
            TotalBy::Programme => "pr.code",
        }
    }
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn push_filter(q: &mut Sql, f: &TransportFilter) {
    if let Some(a) = given(&f.activity) {
        q.push(" AND t.activity_id = ").bind(a.to_owned());
    }
    if let Some(u) = given(&f.unit) {
        q.push(" AND a.unit_code = ").bind(u.to_ascii_uppercase());
    }
    if let Some(p) = given(&f.programme) {
        q.push(" AND pr.code = ").bind(p.to_ascii_uppercase());
    }
    if let Some(m) = given(&f.month) {
        q.push(" AND t.month = ").bind(m.to_owned());
    }
}

impl Store {
    /// Records a payment for a participant of an activity the caller
    /// manages: for one of its sessions or for a month. A second payment
    /// for the same participant and period is refused.
    pub async fn record_transport(
        &self,
        actor: &Actor,
        by: &Principal,
        activity_id: &str,
        t: &NewTransport,
    ) -> Result<TransportRow> {
        let mut tx = self.begin_write().await?;
        let a = activity_for(tx.conn(), by, Action::ManageActivities, activity_id).await?;
        let p = participant_in(tx.conn(), by, activity_id, &t.participant_id)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => {
                    ValidationErrors::single("participant_id", "err-participant-unknown").into()
                }
                e => e,
            })?;
        let (session_id, month, key) = match &t.period {
            TransportPeriod::Session(s) => {
                let s = super::session_in(tx.conn(), activity_id, s)
                    .await
                    .map_err(|_| ValidationErrors::single("session_id", "err-not-found"))?;
                let month = s.held_on.get(..7).unwrap_or_default().to_owned();
                (Some(s.id.clone()), month, s.id)
            }
            TransportPeriod::Month(m) => (None, m.clone(), format!("month:{m}")),
        };
        let taken: Option<(i64,)> =
            Sql::new("SELECT 1 FROM transport_payments WHERE participant_id = ")
                .bind(p.id.clone())
                .push(" AND period_key = ")
                .bind(key.clone())
                .fetch_optional(tx.conn())
                .await?;
        if taken.is_some() {
            let field = if session_id.is_some() {
                "session_id"
            } else {
                "month"
            };
            return Err(ValidationErrors::single(field, "err-transport-duplicate").into());
        }
        let id = new_id();
        Sql::new(
            "INSERT INTO transport_payments (id, activity_id, participant_id, session_id, month, \
             period_key, mode, amount_minor, currency, paid_on, paid_by, version, created_by, \
             created_at) VALUES (",
        )
        .bind(id.clone())
        .push(", ")
        .bind(activity_id.to_owned())
        .push(", ")
        .bind(p.id.clone())
        .push(", ")
        .bind(session_id)
        .push(", ")
        .bind(month)
        .push(", ")
        .bind(key)
        .push(", ")
        .bind(t.mode.as_str().to_owned())
        .push(", ")
        .bind(t.amount)
        .push(", ")
        .bind(t.currency.clone())
        .push(", ")
        .bind(t.paid_on.clone())
        .push(", ")
        .bind(t.paid_by.clone())
        .push(", 1, ")
        .bind(actor.username.clone())
        .push(", ")
        .bind(clock::now())
        .push(")")
        .execute(tx.conn())
        .await?;
        append(
            tx.conn(),
            &audit_activity(actor, "activity.transport", &a)
                .details(serde_json::json!({"participant": p.id, "payment": id})),
        )
        .await?;
        let mut rows = payments(
            tx.conn(),
            by,
            &TransportFilter {
                activity: Some(activity_id.to_owned()),
                limit: 1,
                ..Default::default()
            },
            Some(&id),
        )
        .await?;
        tx.commit().await?;
        rows.pop().ok_or(StoreError::NotFound)
    }

    /// Payments of the activities the caller may see, newest month first.
    pub async fn transport_payments(
        &self,
        by: &Principal,
        f: &TransportFilter,
    ) -> Result<Vec<TransportRow>> {
        let mut conn = self.acquire().await?;
        if let Some(a) = given(&f.activity) {
            activity_in(&mut conn, &by.grants(Action::ViewActivities), a).await?;
        }
        payments(&mut conn, by, f, None).await
    }

    /// Sessions each participant attended (present) in `month` (YYYY-MM):
    /// what a monthly payment list shows beside each payment.
    pub async fn present_in_month(
        &self,
        by: &Principal,
        activity_id: &str,
        month: &str,
    ) -> Result<Vec<(String, i64)>> {
        let mut conn = self.acquire().await?;
        activity_in(&mut conn, &by.grants(Action::ViewActivities), activity_id).await?;
        Ok(Sql::new(
            "SELECT participant_id, COUNT(*) FROM attendance WHERE mark = 'present' AND activity_id = ",
        )
        .bind(activity_id.to_owned())
        .push(" AND held_on >= ")
        .bind(format!("{month}-01"))
        .push(" AND held_on <= ")
        .bind(format!("{month}-31"))
        .push(" GROUP BY participant_id")
        .fetch_all(&mut *conn)
        .await?)
    }

    /// Totals of the payments the caller may see, by activity, unit or programme.
    pub async fn transport_totals(
        &self,
        by: &Principal,
        group: TotalBy,
        f: &TransportFilter,
    ) -> Result<Vec<TransportTotal>> {
        let col = group.column();
        let mut q = Sql::new(&format!(
            "SELECT {col} AS key, t.currency, COUNT(*) AS payments, \
             COUNT(DISTINCT t.participant_id) AS participants, \
             CAST(SUM(t.amount_minor) AS BIGINT) AS amount_minor \
             FROM transport_payments t JOIN activities a ON a.id = t.activity_id \
             JOIN programmes pr ON pr.id = a.programme_id WHERE "
        ));
        push_visible(
            &mut q,
            Entity::Activity,
            "a",
            &by.grants(Action::ViewActivities),
        );
        push_filter(&mut q, f);
        q.push(&format!(
            " GROUP BY {col}, t.currency ORDER BY {col}, t.currency"
        ));
        Ok(q.fetch_all(self.pool()).await?)
    }
}

async fn payments(
    conn: &mut sqlx::AnyConnection,
    by: &Principal,
    f: &TransportFilter,
    id: Option<&str>,
) -> Result<Vec<TransportRow>> {
    let mut q = Sql::new("SELECT t.id, t.activity_id, t.participant_id, ");
    let persons = by.grants(Action::ViewPersons);
    super::participants::push_participant_name(&mut q, &persons);
    q.push(", t.session_id, t.month, t.mode, t.amount_minor, t.currency, t.paid_on, t.paid_by, t.version, \
         CASE WHEN p.id IS NULL THEN 1 WHEN ");
    push_visible(&mut q, Entity::Person, "p", &persons);
    q.push(
        " THEN 1 ELSE 0 END AS visible \
         FROM transport_payments t JOIN activities a ON a.id = t.activity_id \
         JOIN programmes pr ON pr.id = a.programme_id \
         JOIN activity_participants ap ON ap.id = t.participant_id \
         LEFT JOIN persons p ON p.id = ap.person_id WHERE ",
    );
    push_visible(
        &mut q,
        Entity::Activity,
        "a",
        &by.grants(Action::ViewActivities),
    );
    push_filter(&mut q, f);
    if let Some(id) = id {
        q.push(" AND t.id = ").bind(id.to_owned());
    }
    q.push(" ORDER BY t.month DESC, COALESCE(p.sort_key, ap.professional_name), t.id")
        .page(f.limit.max(1), f.offset);
    Ok(q.fetch_all(conn).await?)
}
