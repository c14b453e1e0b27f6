//! Health access: insurance (Türkiye's general health insurance, Serbia's
//! health insurance card) and registration with a family doctor or health
//! centre, with dates — kept in clear: they say a person has access, not
//! what their health is. A child's immunisation status does reveal health:
//! it is sealed with the keyring, read and written only with `ReadHealth`
//! over the person, every reading audited.

use super::{audit_person, institution_of_kind, person_for_edit, row_person_for_edit};
use crate::audit::{append, Actor};
use crate::error::{Result, StoreError};
use crate::records::update_versioned;
use crate::registry::person_for;
use crate::sql::{Sql, Val};
use crate::{clock, new_id, Store};
use kopru_domain::outcome::{Coverage, CoverageKind, Immunisation};
use kopru_domain::person::ConsentPurpose;
use kopru_domain::{Action, Principal, ValidationErrors};
use serde::Serialize;
use sqlx::AnyConnection;

/// The institution kinds a family doctor registration points at.
pub const HEALTH_KINDS: [&str; 2] = ["family_health_centre", "hospital"];

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CoverageRow {
    pub id: String,
    pub person_id: String,
    /// insurance, family_doctor
    pub kind: String,
    /// general_health_insurance, health_insurance_card, private, other
    pub scheme: Option<String>,
    pub institution_id: Option<String>,
    pub institution_name: Option<String>,
    pub doctor: Option<String>,
    pub started_on: String,
    pub ended_on: Option<String>,
    pub note: Option<String>,
    pub version: i64,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

/// An immunisation status as assessed, opened for a reader with the right.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImmunisationRow {
    pub id: String,
    /// up_to_date, not_up_to_date, unknown
    pub status: String,
    pub assessed_on: String,
    pub note: Option<String>,
    pub recorded_by: String,
    pub recorded_at: String,
}

const COVERAGE_SELECT: &str = "SELECT c.id, c.person_id, c.kind, c.scheme, c.institution_id, \
     i.name AS institution_name, c.doctor, c.started_on, c.ended_on, c.note, c.version, \
     c.created_by, c.created_at, c.updated_at \
     FROM health_coverage c LEFT JOIN institutions i ON i.id = c.institution_id";

fn columns(c: &Coverage) -> Vec<(&'static str, Val)> {
    vec![
        ("kind", c.kind.as_str().into()),
        ("scheme", c.scheme.map(|s| s.as_str().to_owned()).into()),
        ("institution_id", c.institution_id.clone().into()),
        ("doctor", c.doctor.clone().into()),
        ("started_on", c.started_on.clone().into()),
        ("ended_on", c.ended_on.clone().into()),
        ("note", c.note.clone().into()),
        ("updated_at", clock::now().into()),
    ]
}

async fn coverage_of(conn: &mut AnyConnection, id: &str) -> Result<CoverageRow> {
    Sql::new(&format!("{COVERAGE_SELECT} WHERE c.id = "))
        .bind(id.to_owned())
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

async fn check_coverage(conn: &mut AnyConnection, c: &Coverage) -> Result<()> {
    if let (CoverageKind::FamilyDoctor, Some(i)) = (c.kind, &c.institution_id) {
        institution_of_kind(
            conn,
            "institution_id",
            i,
            &HEALTH_KINDS,
            "err-health-centre-unknown",
        )
        .await?;
    }
    Ok(())
}

fn immunisation_aad(id: &str) -> String {
    format!("immunisation/{id}")
}

impl Store {
    /// A person's insurance and family-doctor registrations, the latest first.
    pub async fn health_coverage(
        &self,
        by: &Principal,
        person_id: &str,
    ) -> Result<Vec<CoverageRow>> {
        let mut conn = self.acquire().await?;
        person_for(&mut conn, by, Action::ViewPersons, person_id).await?;
        Ok(Sql::new(&format!("{COVERAGE_SELECT} WHERE c.person_id = "))
            .bind(person_id.to_owned())
            .push(" ORDER BY c.started_on DESC, c.id")
            .fetch_all(&mut *conn)
            .await?)
    }

    /// Records an insurance or a registration. Two of the same kind may not
    /// overlap while both are open: end the one there first.
    pub async fn add_coverage(
        &self,
        actor: &Actor,
        by: &Principal,
        person_id: &str,
        c: &Coverage,
    ) -> Result<CoverageRow> {
        let mut tx = self.begin_write().await?;
        let p = person_for_edit(tx.conn(), by, person_id).await?;
        check_coverage(tx.conn(), c).await?;
        if c.ended_on.is_none() {
            let open: Option<(i64,)> =
                Sql::new("SELECT 1 FROM health_coverage WHERE ended_on IS NULL AND person_id = ")
                    .bind(p.id.clone())
                    .push(" AND kind = ")
                    .bind(c.kind.as_str().to_owned())
                    .fetch_optional(tx.conn())
                    .await?;
            if open.is_some() {
                return Err(ValidationErrors::single("kind", "err-coverage-open").into());
            }
        }
        let id = new_id();
        let mut cols = vec![
            ("id", Val::from(id.clone())),
            ("person_id", p.id.clone().into()),
            ("version", 1i64.into()),
            ("created_by", actor.username.clone().into()),
            ("created_at", clock::now().into()),
        ];
        cols.extend(columns(c));
        Sql::insert("health_coverage", &cols)
            .execute(tx.conn())
            .await?;
        append(
            tx.conn(),
            &audit_person(
                actor,
                "coverage.add",
                &p,
                serde_json::json!({ "coverage": id, "kind": c.kind.as_str() }),
            ),
        )
        .await?;
        let row = coverage_of(tx.conn(), &id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Changes a coverage record (ended, a date corrected) if nobody changed
    /// it since `version`. The kind stays.
    pub async fn update_coverage(
        &self,
        actor: &Actor,
        by: &Principal,
        id: &str,
        version: i64,
        c: &Coverage,
    ) -> Result<CoverageRow> {
        let mut tx = self.begin_write().await?;
        let p = row_person_for_edit(tx.conn(), by, "health_coverage", id).await?;
        let cur = coverage_of(tx.conn(), id).await?;
        if cur.kind != c.kind.as_str() {
            return Err(ValidationErrors::single("kind", "err-coverage-kind-fixed").into());
        }
        check_coverage(tx.conn(), c).await?;
        update_versioned(
            tx.conn(),
            "health_coverage",
            &columns(c),
            id,
            version,
            cur.version,
        )
        .await?;
        append(
            tx.conn(),
            &audit_person(
                actor,
                "coverage.update",
                &p,
                serde_json::json!({ "coverage": id }),
            ),
        )
        .await?;
        let row = coverage_of(tx.conn(), id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The person's immunisation statuses, the latest first, opened for a
    /// caller whose `ReadHealth` covers the person (audited); `None` for
    /// others, who are not told whether there is any.
    pub async fn immunisations(
        &self,
        actor: &Actor,
        by: &Principal,
        person_id: &str,
    ) -> Result<Option<Vec<ImmunisationRow>>> {
        let mut conn = self.acquire().await?;
        let p = person_for(&mut conn, by, Action::ViewPersons, person_id).await?;
        if person_for(&mut conn, by, Action::ReadHealth, person_id)
            .await
            .is_err()
        {
            return Ok(None);
        }
        let rows: Vec<(String, String, String, String)> = Sql::new(
            "SELECT id, sealed, recorded_by, recorded_at FROM immunisations WHERE person_id = ",
        )
        .bind(person_id.to_owned())
        .push(" ORDER BY recorded_at DESC, id")
        .fetch_all(&mut *conn)
        .await?;
        drop(conn);
        let keyring = self.keyring()?;
        let mut out = Vec::new();
        for (id, sealed, recorded_by, recorded_at) in rows {
            let text = keyring
                .decrypt(&immunisation_aad(&id), &sealed)
                .map_err(|e| StoreError::Other(e.to_string()))?;
            let v: Immunisation =
                serde_json::from_str(&text).map_err(|e| StoreError::Other(e.to_string()))?;
            out.push(ImmunisationRow {
                id,
                status: v.status,
                assessed_on: v.assessed_on,
                note: v.note,
                recorded_by,
                recorded_at,
            });
        }
        if !out.is_empty() {
            self.audit(&audit_person(
                actor,
                "person.immunisation.read",
                &p,
                serde_json::json!({ "rows": out.len() }),
            ))
            .await?;
        }
        out.sort_by(|a, b| {
            b.assessed_on
                .cmp(&a.assessed_on)
                .then(b.recorded_at.cmp(&a.recorded_at))
        });
        Ok(Some(out))
    }

    /// Records an immunisation status, sealed. Needs the right to edit the
    /// person, `ReadHealth` over them, and an active consent for services.
    pub async fn add_immunisation(
        &self,
        actor: &Actor,
        by: &Principal,
        person_id: &str,
        v: &Immunisation,
    ) -> Result<()> {
        let keyring = self.keyring()?;
        let mut tx = self.begin_write().await?;
        let p = person_for_edit(tx.conn(), by, person_id).await?;
        person_for(tx.conn(), by, Action::ReadHealth, person_id)
            .await
            .map_err(|_| StoreError::Forbidden)?;
        if !Self::has_consent(tx.conn(), person_id, ConsentPurpose::Services).await? {
            return Err(ValidationErrors::single("status", "err-consent-missing").into());
        }
        let id = new_id();
        let plain = serde_json::to_string(v).map_err(|e| StoreError::Other(e.to_string()))?;
        let sealed = keyring
            .encrypt(&immunisation_aad(&id), &plain)
            .map_err(|e| StoreError::Other(e.to_string()))?;
        Sql::insert(
            "immunisations",
            &[
                ("id", id.clone().into()),
                ("person_id", p.id.clone().into()),
                ("sealed", sealed.into()),
                ("key_id", keyring.active_id().into()),
                ("recorded_by", actor.username.clone().into()),
                ("recorded_at", clock::now().into()),
            ],
        )
        .execute(tx.conn())
        .await?;
        // The audit entry says that a status was recorded, never which.
        append(
            tx.conn(),
            &audit_person(
                actor,
                "person.immunisation.add",
                &p,
                serde_json::json!({ "immunisation": id }),
            ),
        )
        .await?;
        tx.commit().await
    }
}
