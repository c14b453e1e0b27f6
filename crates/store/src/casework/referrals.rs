//! Referrals: from a case to a service of an institution in the directory,
//! gated by the person's consent to share with that kind of institution (or
//! a coordinator's audited override), answered by the institution's focal
//! point or recorded by the field worker, each move with time and actor.
//!
//! What is shared is copied into the referral when it is sent (`shared_data`):
//! the institution reads that and nothing else, never the registry.

use crate::audit::{append, Actor};
use crate::casework::{case_for_edit, case_in, today};
use crate::error::{Result, StoreError};
use crate::registry::{household_in, person_for};
use crate::scope::{push_visible, Entity};
use crate::sql::Sql;
use crate::{clock, new_id, Store};
use kopru_domain::case::{add_working_days, ReferralStatus};
use kopru_domain::casework::{
    default_response_days, domain_of, Referral, ReferralMove, SharedField,
};
use kopru_domain::reference::InstitutionKind;
use kopru_domain::{Action, Principal, Scope, ValidationErrors};
use serde::Serialize;
use serde_json::{json, Map, Value};
use sqlx::AnyConnection;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ReferralRow {
    pub id: String,
    pub case_id: String,
    pub person_id: Option<String>,
    pub unit_code: String,
    pub unit_name: String,
    pub area_code: String,
    pub institution_code: String,
    pub institution_name: String,
    pub institution_kind: String,
    pub service: String,
    pub reason: String,
    pub urgency: String,
    #[serde(serialize_with = "crate::columns::json_list")]
    #[schema(value_type = Vec<String>)]
    pub shared_fields: String,
    /// The shared information as sent: `name`, and whichever of `birth_date`,
    /// `sex`, `national_id`, `phone`, `address`, `languages`, `assessment`
    /// (form id, version and answers) were chosen.
    #[serde(serialize_with = "crate::columns::json_value")]
    #[schema(value_type = Object)]
    pub shared_data: String,
    /// Special-category answers (a health or legal needs assessment), sealed
    /// with the keyring; opened only by `Store::referral` for a reader who may
    /// (the receiving focal point, or the category's right), and audited.
    #[serde(skip)]
    #[sqlx(try_from = "Option<String>")]
    pub shared_sealed: crate::crypto::SealedText,
    /// Why it was sent without a covering consent, when it was.
    pub consent_override: Option<String>,
    pub status: String,
    pub sent_on: String,
    /// When the institution's answer is due (working days by institution kind).
    pub due_on: String,
    pub answered_on: Option<String>,
    pub answer_seen_at: Option<String>,
    pub last_event_at: String,
    pub version: i64,
    pub sent_by: String,
    #[serde(skip)]
    pub sent_by_id: String,
    /// The letter's number: unit, year and the unit's count of letters that year.
    pub reference_no: Option<String>,
    /// The sender's name and title, for the letter's signature.
    pub sender_name: String,
    pub sender_title: Option<String>,
    /// The sending unit's letterhead.
    pub unit_address: Option<String>,
    pub unit_phone: Option<String>,
    pub unit_email: Option<String>,
    /// Where the letter goes.
    pub institution_address: Option<String>,
}

impl ReferralRow {
    /// Still waiting for the institution's answer after its due date.
    pub fn is_overdue(&self, today: &str) -> bool {
        ReferralStatus::parse(&self.status).is_ok_and(|s| s.awaits_answer())
            && self.due_on.as_str() < today
    }
    pub fn shared(&self) -> Map<String, Value> {
        serde_json::from_str(&self.shared_data).unwrap_or_default()
    }
    /// Answered by the institution since the sender last opened the case.
    pub fn answer_unseen(&self) -> bool {
        self.answered_on.is_some() && self.answer_seen_at.is_none()
    }
}

/// The next reference number of a unit's letters in the year of `on`:
/// `SHKB-ANK-01/2026/7`. The counter row is written in the sending
/// transaction, so two referrals sent at once never share a number.
async fn next_reference(conn: &mut AnyConnection, unit: &str, on: &str) -> Result<String> {
    let year: i64 = on.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0);
    let (n,): (i64,) =
        Sql::new("INSERT INTO reference_numbers (unit_code, year, last_number) VALUES (")
            .bind(unit.to_owned())
            .push(", ")
            .bind(year)
            .push(
                ", 1) ON CONFLICT (unit_code, year) DO UPDATE \
         SET last_number = reference_numbers.last_number + 1 RETURNING last_number",
            )
            .fetch_one(conn)
            .await?;
    Ok(format!("{unit}/{year}/{n}"))
}

pub(crate) const REFERRAL_SELECT: &str = "SELECT r.id, r.case_id, r.person_id, r.unit_code, \
     un.name AS unit_name, r.area_code, r.institution_code, i.name AS institution_name, \
     r.institution_kind, r.service, r.reason, r.urgency, r.shared_fields, r.shared_data, \
     r.shared_sealed, r.consent_override, r.status, r.sent_on, r.due_on, r.answered_on, r.answer_seen_at, \
     r.last_event_at, r.version, r.sent_by, r.sent_by_id, r.reference_no, \
     COALESCE(su.display_name, r.sent_by) AS sender_name, su.job_title AS sender_title, \
     un.address AS unit_address, un.phone AS unit_phone, un.email AS unit_email, \
     i.address AS institution_address \
     FROM referrals r LEFT JOIN users su ON su.id = r.sent_by_id JOIN institutions i ON i.code = r.institution_code \
     JOIN units un ON un.code = r.unit_code";

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ReferralEventRow {
    pub at: String,
    pub actor: String,
    /// `institution` (its focal point answered) or `unit` (recorded by the sender's unit).
    pub side: String,
    pub status: String,
    pub reason: Option<String>,
    pub note: Option<String>,
    pub service_on: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReferralView {
    pub referral: ReferralRow,
    pub events: Vec<ReferralEventRow>,
    /// The statuses the viewer may move it to now.
    pub next: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ReferralFilter {
    pub status: Option<String>,
    pub institution: Option<String>,
    pub unit: Option<String>,
    /// Only those waiting for an answer past their due date.
    pub overdue: bool,
    /// Only those still waiting for an answer.
    pub awaiting: bool,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResponseTime {
    pub institution_kind: String,
    pub working_days: i64,
    pub default_days: i64,
}

pub(crate) async fn referrals_of_case(
    conn: &mut AnyConnection,
    case_id: &str,
) -> Result<Vec<ReferralRow>> {
    Ok(Sql::new(&format!("{REFERRAL_SELECT} WHERE r.case_id = "))
        .bind(case_id.to_owned())
        .push(" ORDER BY r.sent_on DESC, r.id DESC")
        .fetch_all(conn)
        .await?)
}

/// Whoever may see referrals: the cases' side and the institutions' side.
fn referral_grants(by: &Principal) -> Vec<Scope> {
    let mut g = by.grants(Action::ViewCases);
    for s in by.grants(Action::AnswerReferrals) {
        if !g.contains(&s) {
            g.push(s);
        }
    }
    g
}

async fn referral_in(conn: &mut AnyConnection, grants: &[Scope], id: &str) -> Result<ReferralRow> {
    let mut q = Sql::new(&format!("{REFERRAL_SELECT} WHERE r.id = "));
    q.bind(id.to_owned()).push(" AND ");
    push_visible(&mut q, Entity::Referral, "r", grants);
    q.fetch_optional(conn).await?.ok_or(StoreError::NotFound)
}

impl Store {
    fn seal_assessment(&self, referral_id: &str, answers: &Value) -> Result<String> {
        self.keyring()?
            .encrypt(
                &format!("referral/{referral_id}/assessment"),
                &answers.to_string(),
            )
            .map_err(|e| StoreError::Other(e.to_string()))
    }

    /// Puts a referral's sealed answers into its shared data when `by` may read
    /// them — the receiving institution's focal point, or a reader with the
    /// category's right over the referral — and says which category was read
    /// (for the audit); marks them withheld otherwise.
    async fn open_shared(
        &self,
        conn: &mut AnyConnection,
        by: &Principal,
        r: &mut ReferralRow,
    ) -> Result<Option<&'static str>> {
        let Some(sealed) = r.shared_sealed.take() else {
            return Ok(None);
        };
        let mut shared = r.shared();
        let Some(Value::Object(a)) = shared.get_mut("assessment") else {
            return Ok(None);
        };
        let form_id = a.get("form_id").and_then(Value::as_str).unwrap_or("");
        let Some(cat) = kopru_domain::casework::form_special_category(form_id) else {
            return Ok(None);
        };
        let receiver = referral_in(&mut *conn, &by.grants(Action::AnswerReferrals), &r.id)
            .await
            .is_ok();
        let reader = receiver
            || referral_in(&mut *conn, &by.grants(Action::for_special(cat)), &r.id)
                .await
                .is_ok();
        if !reader {
            a.insert("withheld".into(), Value::Bool(true));
            r.shared_data = Value::Object(shared).to_string();
            return Ok(None);
        }
        let text = self
            .keyring()?
            .decrypt(&format!("referral/{}/assessment", r.id), &sealed)
            .map_err(|e| StoreError::Other(e.to_string()))?;
        a.insert(
            "answers".into(),
            serde_json::from_str(&text).unwrap_or(Value::Null),
        );
        r.shared_data = Value::Object(shared).to_string();
        Ok(Some(cat.as_str()))
    }

    /// Seals special-category answers that referrals sent before migration
    /// 0010 hold in clear in `shared_data`. Run at start, once the keyring is
    /// set; returns how many referrals were sealed. Idempotent.
    pub async fn seal_shared_special(&self) -> Result<usize> {
        let mut tx = self.begin_write().await?;
        // Only rows naming a special form (exact ASCII ids, so LIKE is safe on both engines).
        let mut q = Sql::new(
            "SELECT id, shared_data FROM referrals WHERE shared_sealed IS NULL \
             AND shared_data LIKE '%\"answers\"%' AND (",
        );
        for (i, (form, _)) in kopru_domain::casework::SPECIAL_FORMS.iter().enumerate() {
            if i > 0 {
                q.push(" OR ");
            }
            q.push("shared_data LIKE ").bind(format!("%\"{form}\"%"));
        }
        q.push(")");
        let rows: Vec<(String, String)> = q.fetch_all(tx.conn()).await?;
        let mut n = 0;
        for (id, data) in rows {
            let mut shared: Map<String, Value> = serde_json::from_str(&data).unwrap_or_default();
            let Some(Value::Object(a)) = shared.get_mut("assessment") else {
                continue;
            };
            let form_id = a.get("form_id").and_then(Value::as_str).unwrap_or("");
            let Some(cat) = kopru_domain::casework::form_special_category(form_id) else {
                continue;
            };
            let answers = a.remove("answers").unwrap_or(Value::Null);
            a.insert("sealed".into(), json!(cat.as_str()));
            let sealed = self.seal_assessment(&id, &answers)?;
            Sql::new("UPDATE referrals SET shared_data = ")
                .bind(Value::Object(shared).to_string())
                .push(", shared_sealed = ")
                .bind(sealed)
                .push(" WHERE id = ")
                .bind(id)
                .execute(tx.conn())
                .await?;
            n += 1;
        }
        tx.commit().await?;
        Ok(n)
    }
}

async fn response_days(conn: &mut AnyConnection, kind: InstitutionKind) -> Result<i64> {
    let row: Option<(i64,)> =
        Sql::new("SELECT working_days FROM response_times WHERE institution_kind = ")
            .bind(kind.as_str().to_owned())
            .fetch_optional(conn)
            .await?;
    Ok(row.map_or_else(|| default_response_days(kind), |r| r.0))
}

/// Does the person's consent cover sharing with this kind of institution?
async fn consent_covers(
    conn: &mut AnyConnection,
    person_id: &str,
    kind: InstitutionKind,
) -> Result<bool> {
    let hit: Option<(i64,)> = Sql::new("SELECT 1 FROM consents WHERE person_id = ")
        .bind(person_id.to_owned())
        .push(" AND purpose = 'referral_sharing' AND withdrawn_on IS NULL AND (institution_kinds IS NULL OR institution_kinds LIKE ")
        .bind(format!("%\"{}\"%", kind.as_str()))
        .push(") LIMIT 1")
        .fetch_optional(conn)
        .await?;
    Ok(hit.is_some())
}

impl Store {
    /// Sends a referral from a person's case. Refused unless the person's
    /// consent covers sharing with the institution's kind, or a coordinator
    /// overrides with a reason (audited as such).
    pub async fn send_referral(
        &self,
        actor: &Actor,
        by: &Principal,
        case_id: &str,
        r: &Referral,
    ) -> Result<ReferralRow> {
        let mut tx = self.begin_write().await?;
        let c = case_for_edit(tx.conn(), by, case_id).await?;
        // A person's case refers that person; a household's case one of its
        // current members.
        let person_id = match (&c.person_id, &c.household_id, &r.person_id) {
            (Some(p), _, None) => p.clone(),
            (Some(p), _, Some(q)) if p == q => p.clone(),
            (None, Some(h), Some(q)) => {
                let member: Option<(i64,)> = Sql::new(
                    "SELECT 1 FROM household_members WHERE left_on IS NULL AND household_id = ",
                )
                .bind(h.clone())
                .push(" AND person_id = ")
                .bind(q.clone())
                .fetch_optional(tx.conn())
                .await?;
                if member.is_none() {
                    return Err(
                        ValidationErrors::single("person_id", "err-referral-not-member").into(),
                    );
                }
                q.clone()
            }
            (None, _, None) => {
                return Err(
                    ValidationErrors::single("person_id", "err-referral-needs-person").into(),
                )
            }
            _ => {
                return Err(ValidationErrors::single("person_id", "err-referral-not-member").into())
            }
        };
        let person = person_for(tx.conn(), by, Action::ViewPersons, &person_id).await?;
        let inst: Option<(String, String, String)> = {
            let mut q =
                Sql::new("SELECT i.code, i.kind, i.services FROM institutions i WHERE i.code = ");
            q.bind(r.institution_code.as_str().to_owned()).push(" AND ");
            push_visible(
                &mut q,
                Entity::Institution,
                "i",
                &by.grants(Action::ViewDirectory),
            );
            q.fetch_optional(tx.conn()).await?
        };
        let Some((inst_code, kind, services)) = inst else {
            return Err(ValidationErrors::single("institution_code", "err-not-found").into());
        };
        let kind = InstitutionKind::parse(&kind).map_err(|_| StoreError::Other(kind.clone()))?;
        if !crate::columns::split_list(&services)
            .iter()
            .any(|s| s == r.service.as_str())
        {
            return Err(ValidationErrors::single("service", "err-service-not-offered").into());
        }
        let covered = consent_covers(tx.conn(), &person_id, kind).await?;
        let override_reason = match (covered, &r.override_reason) {
            (true, _) => None,
            (false, None) => {
                return Err(ValidationErrors::single("consent", "err-referral-no-consent").into())
            }
            (false, Some(why)) => {
                if case_in(tx.conn(), &by.grants(Action::OverrideConsent), case_id)
                    .await
                    .is_err()
                {
                    return Err(ValidationErrors::single(
                        "override_reason",
                        "err-override-not-allowed",
                    )
                    .into());
                }
                Some(why.clone())
            }
        };
        // What is shared, copied as it is now.
        let id = new_id();
        let mut sealed: Option<String> = None;
        let mut shared = Map::new();
        for f in &r.shared {
            let v = match f {
                SharedField::Name => json!(person.full_name()),
                SharedField::BirthDate => json!(person.birth_date),
                SharedField::Sex => json!(person.sex),
                SharedField::NationalId => json!(person.national_id),
                SharedField::Phone => json!(person.phone),
                SharedField::Languages => {
                    json!(crate::registry::PersonRow::list(&person.languages))
                }
                SharedField::Address => match &person.household_id {
                    Some(h) => {
                        let hh = household_in(tx.conn(), &by.grants(Action::ViewPersons), h).await;
                        match hh {
                            Ok(h) => json!({
                                "address": h.address, "settlement": h.settlement,
                                "area": h.area_name, "area_code": h.area_code,
                            }),
                            Err(_) => {
                                json!({ "area": person.area_name, "area_code": person.area_code })
                            }
                        }
                    }
                    None => json!({ "area": person.area_name, "area_code": person.area_code }),
                },
                SharedField::Assessment => {
                    let form_id = format!("needs_{}", domain_of(r.service).as_str());
                    let row: Option<(String, String, i64, String)> = Sql::new(
                        "SELECT id, form_id, form_version, answers FROM form_submissions WHERE case_id = ",
                    )
                    .bind(case_id.to_owned())
                    .push(" AND form_id = ")
                    .bind(form_id)
                    .push(" ORDER BY submitted_at DESC LIMIT 1")
                    .fetch_optional(tx.conn())
                    .await?;
                    match row {
                        // Special-category answers only from those who may read them.
                        Some((sid, form_id, version, answers))
                            if crate::casework::may_read_form(tx.conn(), by, case_id, &form_id)
                                .await? =>
                        {
                            let mut s = crate::casework::SubmissionRow {
                                id: sid,
                                case_id: case_id.to_owned(),
                                form_id: form_id.clone(),
                                form_version: version,
                                answers,
                                submitted_by: String::new(),
                                submitted_at: String::new(),
                                withheld: false,
                            };
                            self.open_answers(&mut s)?;
                            let answers =
                                serde_json::from_str::<Value>(&s.answers).unwrap_or(Value::Null);
                            match kopru_domain::casework::form_special_category(&form_id) {
                                // Kept apart and sealed; the plain copy names the form only.
                                Some(cat) => {
                                    sealed = Some(self.seal_assessment(&id, &answers)?);
                                    json!({
                                        "form_id": form_id, "version": version,
                                        "sealed": cat.as_str(),
                                    })
                                }
                                None => json!({
                                    "form_id": form_id, "version": version, "answers": answers,
                                }),
                            }
                        }
                        _ => Value::Null,
                    }
                }
            };
            shared.insert(f.as_str().to_owned(), v);
        }
        let sent_on = today();
        let days = response_days(tx.conn(), kind).await?;
        let due_on = add_working_days(&sent_on, days).unwrap_or_else(|| sent_on.clone());
        let now = clock::now();
        let fields: Vec<&str> = r.shared.iter().map(|f| f.as_str()).collect();
        let reference = next_reference(tx.conn(), &c.unit_code, &sent_on).await?;
        Sql::new("INSERT INTO referrals (id, case_id, person_id, unit_code, area_code, institution_code, institution_kind, service, reason, urgency, shared_fields, shared_data, shared_sealed, consent_override, status, sent_on, due_on, last_event_at, version, sent_by, sent_by_id, reference_no) VALUES (")
            .bind(id.clone()).push(", ")
            .bind(case_id.to_owned()).push(", ")
            .bind(person_id.clone()).push(", ")
            .bind(c.unit_code.clone()).push(", ")
            .bind(c.area_code.clone()).push(", ")
            .bind(inst_code.clone()).push(", ")
            .bind(kind.as_str().to_owned()).push(", ")
            .bind(r.service.as_str().to_owned()).push(", ")
            .bind(r.reason.clone()).push(", ")
            .bind(r.urgency.as_str().to_owned()).push(", ")
            .bind(serde_json::to_string(&fields).unwrap_or_else(|_| "[]".into())).push(", ")
            .bind(Value::Object(shared).to_string()).push(", ")
            .bind(sealed).push(", ")
            .bind(override_reason.clone()).push(", 'sent', ")
            .bind(sent_on.clone()).push(", ")
            .bind(due_on).push(", ")
            .bind(now.clone()).push(", 1, ")
            .bind(actor.username.clone()).push(", ")
            .bind(by.user_id.clone()).push(", ")
            .bind(reference).push(")")
            .execute(tx.conn())
            .await?;
        insert_event(
            tx.conn(),
            &id,
            actor,
            "unit",
            ReferralStatus::Sent,
            None,
            None,
            None,
        )
        .await?;
        append(
            tx.conn(),
            &actor
                .event("referral.send")
                .record("referral", &id)
                .area(Some(&c.area_code))
                .unit(Some(&c.unit_code))
                .details(json!({ "case": case_id, "institution": inst_code, "service": r.service.as_str(), "shared": fields })),
        )
        .await?;
        if let Some(why) = &override_reason {
            append(
                tx.conn(),
                &actor
                    .event("referral.consent_override")
                    .record("referral", &id)
                    .area(Some(&c.area_code))
                    .unit(Some(&c.unit_code))
                    .details(json!({ "person": person_id, "institution_kind": kind.as_str(), "reason": why })),
            )
            .await?;
        }
        let row = referral_in(tx.conn(), &[Scope::Installation], &id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Referrals `by` may see: sent from cases in their scope, or (focal
    /// points) sent to their institution. Most urgent answers first: those
    /// waiting, by due date.
    pub async fn referrals(&self, by: &Principal, f: &ReferralFilter) -> Result<Vec<ReferralRow>> {
        let mut q = Sql::new(&format!("{REFERRAL_SELECT} WHERE "));
        push_visible(&mut q, Entity::Referral, "r", &referral_grants(by));
        if let Some(s) = f.status.as_deref().filter(|s| !s.is_empty()) {
            q.push(" AND r.status = ").bind(s.to_owned());
        }
        if let Some(i) = f.institution.as_deref().filter(|s| !s.is_empty()) {
            q.push(" AND r.institution_code = ").bind(i.to_owned());
        }
        if let Some(u) = f.unit.as_deref().filter(|s| !s.is_empty()) {
            q.push(" AND r.unit_code = ").bind(u.to_owned());
        }
        if f.awaiting || f.overdue {
            q.push(" AND r.status IN ('sent', 'received')");
        }
        if f.overdue {
            q.push(" AND r.due_on < ").bind(today());
        }
        q.push(" ORDER BY CASE WHEN r.status IN ('sent', 'received') THEN 0 ELSE 1 END, r.due_on, r.id")
            .page(f.limit, f.offset);
        Ok(q.fetch_all(self.pool()).await?)
    }

    /// A referral with its timeline. The view is audited.
    pub async fn referral(&self, actor: &Actor, by: &Principal, id: &str) -> Result<ReferralView> {
        let mut conn = self.acquire().await?;
        let mut referral = referral_in(&mut conn, &referral_grants(by), id).await?;
        let opened = self.open_shared(&mut conn, by, &mut referral).await?;
        let events: Vec<ReferralEventRow> = Sql::new(
            "SELECT at, actor, side, status, reason, note, service_on FROM referral_events WHERE referral_id = ",
        )
        .bind(id.to_owned())
        .push(" ORDER BY at, id")
        .fetch_all(&mut *conn)
        .await?;
        let side = side_of(&mut conn, by, &referral).await?;
        drop(conn);
        let next = match (side, ReferralStatus::parse(&referral.status)) {
            (Some(_), Ok(s)) => s.next().iter().map(|n| n.as_str().to_owned()).collect(),
            _ => Vec::new(),
        };
        self.audit(
            &actor
                .event("referral.view")
                .record("referral", id)
                .area(Some(&referral.area_code))
                .unit(Some(&referral.unit_code)),
        )
        .await?;
        if let Some(category) = opened {
            self.audit(
                &actor
                    .event("referral.special.read")
                    .record("referral", id)
                    .area(Some(&referral.area_code))
                    .unit(Some(&referral.unit_code))
                    .details(json!({ "categories": [category] })),
            )
            .await?;
        }
        Ok(ReferralView {
            referral,
            events,
            next,
        })
    }

    /// Moves a referral: the institution's focal point answering, or the
    /// sending unit recording an answer given on paper or by phone, or closing it.
    pub async fn move_referral(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        version: i64,
        m: &ReferralMove,
    ) -> Result<ReferralRow> {
        let mut tx = self.begin_write().await?;
        let r = referral_in(tx.conn(), &referral_grants(by), id).await?;
        let Some(side) = side_of(tx.conn(), by, &r).await? else {
            return Err(StoreError::Forbidden);
        };
        let from =
            ReferralStatus::parse(&r.status).map_err(|_| StoreError::Other(r.status.clone()))?;
        if !from.may_become(m.status) {
            return Err(ValidationErrors::single("status", "err-transition").into());
        }
        let now = clock::now();
        let mut q = Sql::new("UPDATE referrals SET status = ");
        q.bind(m.status.as_str().to_owned())
            .push(", version = version + 1, last_event_at = ")
            .bind(now.clone());
        let answer = matches!(
            m.status,
            ReferralStatus::Accepted | ReferralStatus::Declined
        );
        if answer && r.answered_on.is_none() {
            q.push(", answered_on = ").bind(today());
        }
        if m.status != ReferralStatus::Received && m.status != ReferralStatus::Closed {
            // News for the sender unless the sender's side recorded it.
            if side == "institution" {
                q.push(", answer_seen_at = NULL");
            } else {
                q.push(", answer_seen_at = ").bind(now.clone());
            }
        }
        q.push(" WHERE id = ")
            .bind(id.to_owned())
            .push(" AND version = ")
            .bind(version);
        if q.execute(tx.conn()).await? == 0 {
            return Err(StoreError::Conflict { current: r.version });
        }
        insert_event(
            tx.conn(),
            id,
            actor,
            side,
            m.status,
            m.reason.as_deref(),
            m.note.as_deref(),
            m.service_on.as_deref(),
        )
        .await?;
        append(
            tx.conn(),
            &actor
                .event("referral.move")
                .record("referral", id)
                .area(Some(&r.area_code))
                .unit(Some(&r.unit_code))
                .details(json!({ "from": from.as_str(), "to": m.status.as_str(), "side": side })),
        )
        .await?;
        let row = referral_in(tx.conn(), &[Scope::Installation], id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Working days each institution kind has to answer.
    pub async fn response_times(&self) -> Result<Vec<ResponseTime>> {
        let set: Vec<(String, i64)> =
            Sql::new("SELECT institution_kind, working_days FROM response_times")
                .fetch_all(self.pool())
                .await?;
        Ok(InstitutionKind::ALL
            .iter()
            .map(|k| ResponseTime {
                institution_kind: k.as_str().to_owned(),
                working_days: set
                    .iter()
                    .find(|(s, _)| s == k.as_str())
                    .map_or_else(|| default_response_days(*k), |(_, d)| *d),
                default_days: default_response_days(*k),
            })
            .collect())
    }

    /// Sets the working days an institution kind has to answer (programme
    /// managers and administrators); applies to referrals sent from now on.
    pub async fn set_response_time(
        &self,
        actor: &Actor,
        by: &Principal,
        kind: &str,
        days: i64,
    ) -> Result<Vec<ResponseTime>> {
        if !by.may(Action::ManageProgrammes) {
            return Err(StoreError::Forbidden);
        }
        let mut e = ValidationErrors::new();
        let kind = e.take("institution_kind", InstitutionKind::parse(kind));
        if !(1..=60).contains(&days) {
            e.push("working_days", "err-out-of-range");
        }
        e.into_result()?;
        let Some(kind) = kind else {
            return Err(StoreError::NotFound);
        };
        let mut tx = self.begin_write().await?;
        Sql::new("DELETE FROM response_times WHERE institution_kind = ")
            .bind(kind.as_str().to_owned())
            .execute(tx.conn())
            .await?;
        Sql::new("INSERT INTO response_times (institution_kind, working_days, updated_by, updated_at) VALUES (")
            .bind(kind.as_str().to_owned())
            .push(", ")
            .bind(days)
            .push(", ")
            .bind(actor.username.clone())
            .push(", ")
            .bind(clock::now())
            .push(")")
            .execute(tx.conn())
            .await?;
        append(
            tx.conn(),
            &actor
                .event("referral.response_time")
                .details(json!({ "institution_kind": kind.as_str(), "working_days": days })),
        )
        .await?;
        tx.commit().await?;
        self.response_times().await
    }
}

/// Which side `by` answers for on this referral: `institution` (a focal point
/// of the receiving institution), `unit` (edits the sending case, which is
/// open), or neither.
async fn side_of(
    conn: &mut AnyConnection,
    by: &Principal,
    r: &ReferralRow,
) -> Result<Option<&'static str>> {
    if referral_in(&mut *conn, &by.grants(Action::AnswerReferrals), &r.id)
        .await
        .is_ok()
    {
        return Ok(Some("institution"));
    }
    if case_for_edit(conn, by, &r.case_id).await.is_ok() {
        return Ok(Some("unit"));
    }
    Ok(None)
}

#[allow(clippy::too_many_arguments)]
async fn insert_event(
    conn: &mut AnyConnection,
    referral_id: &str,
    actor: &Actor,
    side: &str,
    status: ReferralStatus,
    reason: Option<&str>,
    note: Option<&str>,
    service_on: Option<&str>,
) -> Result<()> {
    Sql::new("INSERT INTO referral_events (id, referral_id, at, actor, side, status, reason, note, service_on) VALUES (")
        .bind(new_id()).push(", ")
        .bind(referral_id.to_owned()).push(", ")
        .bind(clock::now()).push(", ")
        .bind(actor.username.clone()).push(", ")
        .bind(side.to_owned()).push(", ")
        .bind(status.as_str().to_owned()).push(", ")
        .bind(reason.map(str::to_owned)).push(", ")
        .bind(note.map(str::to_owned)).push(", ")
        .bind(service_on.map(str::to_owned)).push(")")
        .execute(conn)
        .await?;
    Ok(())
}
