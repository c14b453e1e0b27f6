//! Civil documents per person: birth registration, identity card, residence
//! registration, citizenship or statelessness determination — requested,
//! obtained or refused with a reason.

use super::{audit_person, person_for_edit};
use crate::audit::{append, Actor};
use crate::error::{Result, StoreError};
use crate::records::update_versioned;
use crate::registry::{person_for, record_update, PersonRow};
use crate::sql::{Sql, Val};
use crate::{clock, new_id, Store};
use kopru_domain::outcome::Document;
use kopru_domain::{Action, Principal, ValidationErrors};
use serde::Serialize;
use sqlx::AnyConnection;

/// A civil document's procedure.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct DocumentRow {
    pub id: String,
    pub person_id: String,
    /// birth_registration, identity_card, residence_registration,
    /// citizenship, statelessness_determination
    pub kind: String,
    /// requested, obtained, refused
    pub status: String,
    pub requested_on: Option<String>,
    pub obtained_on: Option<String>,
    pub refused_on: Option<String>,
    pub refusal_reason: Option<String>,
    pub note: Option<String>,
    pub version: i64,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

const DOCUMENT_SELECT: &str = "SELECT id, person_id, kind, status, requested_on, obtained_on, \
     refused_on, refusal_reason, note, version, created_by, created_at, updated_at \
     FROM person_documents";

/// The columns an add or an update writes (the kind is written once).
fn columns(d: &Document) -> Vec<(&'static str, Val)> {
    vec![
        ("status", d.status.as_str().into()),
        ("requested_on", d.requested_on.clone().into()),
        ("obtained_on", d.obtained_on.clone().into()),
        ("refused_on", d.refused_on.clone().into()),
        ("refusal_reason", d.refusal_reason.clone().into()),
        ("note", d.note.clone().into()),
        ("updated_at", clock::now().into()),
    ]
}

async fn document_of(conn: &mut AnyConnection, person_id: &str, id: &str) -> Result<DocumentRow> {
    Sql::new(&format!("{DOCUMENT_SELECT} WHERE person_id = "))
        .bind(person_id.to_owned())
        .push(" AND id = ")
        .bind(id.to_owned())
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// An obtained document changes the person's civil-status fields
/// (`DocumentKind::civil_status`), as an edit would: a new version of the
/// person and a history entry per field that changed.
async fn civil_status_follows(
    conn: &mut AnyConnection,
    actor: &Actor,
    p: &PersonRow,
    d: &Document,
) -> Result<()> {
    if d.obtained_on.is_none() {
        return Ok(());
    }
    let current = |field: &str| match field {
        "birth_registered" => p.birth_registered.clone(),
        "id_card" => p.id_card.clone(),
        "statelessness" => p.statelessness.clone(),
        _ => p.legally_invisible.to_string(),
    };
    let changes: Vec<(&str, Option<String>, Option<String>)> = d
        .kind
        .civil_status()
        .iter()
        .filter(|(field, value)| current(field) != *value)
        .map(|(field, value)| (*field, Some(current(field)), Some((*value).to_owned())))
        .collect();
    if changes.is_empty() {
        return Ok(());
    }
    let mut q = Sql::new("UPDATE persons SET version = version + 1, updated_at = ");
    q.bind(clock::now());
    for (field, _, value) in &changes {
        q.push(&format!(", {field} = "));
        match *field {
            "legally_invisible" => q.bind(value.as_deref().map_or(0, |v| i64::from(v == "1"))),
            _ => q.bind(value.clone()),
        };
    }
    q.push(" WHERE id = ").bind(p.id.clone());
    q.execute(&mut *conn).await?;
    record_update(
        conn,
        actor,
        "person",
        &p.id,
        p.version + 1,
        &p.area_code,
        &p.unit_code,
        &changes,
    )
    .await
}

impl Store {
    /// A person's civil documents, the latest first.
    pub async fn documents(&self, by: &Principal, person_id: &str) -> Result<Vec<DocumentRow>> {
        let mut conn = self.acquire().await?;
        person_for(&mut conn, by, Action::ViewPersons, person_id).await?;
        Ok(Sql::new(&format!("{DOCUMENT_SELECT} WHERE person_id = "))
            .bind(person_id.to_owned())
            .push(" ORDER BY COALESCE(obtained_on, refused_on, requested_on) DESC, id")
            .fetch_all(&mut *conn)
            .await?)
    }

    /// Records a document's procedure for a person. A second open request
    /// for the same kind is refused: update the one there.
    pub async fn add_document(
        &self,
        actor: &Actor,
        by: &Principal,
        person_id: &str,
        d: &Document,
    ) -> Result<DocumentRow> {
        let mut tx = self.begin_write().await?;
        let p = person_for_edit(tx.conn(), by, person_id).await?;
        let open: Option<(i64,)> =
            Sql::new("SELECT 1 FROM person_documents WHERE status = 'requested' AND person_id = ")
                .bind(p.id.clone())
                .push(" AND kind = ")
                .bind(d.kind.as_str().to_owned())
                .fetch_optional(tx.conn())
                .await?;
        if open.is_some() {
            return Err(ValidationErrors::single("kind", "err-document-open").into());
        }
        let id = new_id();
        let now = clock::now();
        let mut cols = vec![
            ("id", Val::from(id.clone())),
            ("person_id", p.id.clone().into()),
            ("kind", d.kind.as_str().into()),
            ("version", 1i64.into()),
            ("created_by", actor.username.clone().into()),
            ("created_at", now.into()),
        ];
        cols.extend(columns(d));
        Sql::insert("person_documents", &cols)
            .execute(tx.conn())
            .await?;
        civil_status_follows(tx.conn(), actor, &p, d).await?;
        append(
            tx.conn(),
            &audit_person(
                actor,
                "document.add",
                &p,
                serde_json::json!({ "document": id }),
            ),
        )
        .await?;
        let row = document_of(tx.conn(), &p.id, &id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Changes a document's procedure (obtained, refused, a date corrected)
    /// if nobody changed it since `version`. The kind stays.
    pub async fn update_document(
        &self,
        actor: &Actor,
        by: &Principal,
        person_id: &str,
        id: &str,
        version: i64,
        d: &Document,
    ) -> Result<DocumentRow> {
        let mut tx = self.begin_write().await?;
        let p = person_for_edit(tx.conn(), by, person_id).await?;
        let cur = document_of(tx.conn(), &p.id, id).await?;
        if cur.kind != d.kind.as_str() {
            return Err(ValidationErrors::single("kind", "err-document-kind-fixed").into());
        }
        update_versioned(
            tx.conn(),
            "person_documents",
            &columns(d),
            id,
            version,
            cur.version,
        )
        .await?;
        if cur.obtained_on.is_none() {
            civil_status_follows(tx.conn(), actor, &p, d).await?;
        }
        append(
            tx.conn(),
            &audit_person(
                actor,
                "document.update",
                &p,
                serde_json::json!({ "document": id }),
            ),
        )
        .await?;
        let row = document_of(tx.conn(), &p.id, id).await?;
        tx.commit().await?;
        Ok(row)
    }
}
