//! Form definitions, kept by version: a submission names the version it was
//! made with, so every version stays readable after the form changes. The
//! forms shipped in `forms/` are installed when the database is migrated;
//! administrators and programme managers publish new forms and newer versions.

use crate::audit::{append, Actor};
use crate::error::{Result, StoreError};
use crate::sql::Sql;
use crate::{clock, Store};
use kopru_domain::form::{FormDefinition, SHIPPED};
use kopru_domain::{Action, Principal, ValidationErrors};
use serde::Serialize;

/// One version of a form, without its fields.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FormSummary {
    pub form_id: String,
    pub version: i64,
    /// The title in the four languages: `tr`, `en`, `sr-Cyrl`, `sr-Latn`.
    #[schema(value_type = Object)]
    pub title: serde_json::Value,
    /// `shipped` (with Köprü) or `published` (by a user of this installation).
    pub source: String,
    pub published_by: Option<String>,
    pub published_at: String,
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    form_id: String,
    version: i64,
    title: String,
    source: String,
    published_by: Option<String>,
    published_at: String,
}

impl From<SummaryRow> for FormSummary {
    fn from(r: SummaryRow) -> Self {
        FormSummary {
            form_id: r.form_id,
            version: r.version,
            title: serde_json::from_str(&r.title).unwrap_or_default(),
            source: r.source,
            published_by: r.published_by,
            published_at: r.published_at,
        }
    }
}

const SUMMARY: &str =
    "SELECT form_id, version, title, source, published_by, published_at FROM form_versions";

fn to_json<T: Serialize>(v: &T) -> String {
    // Definitions are strings, numbers and lists of them: this cannot fail.
    serde_json::to_string(v).unwrap_or_default()
}

/// The row of one version: shipped (no one published it) or published by a user.
fn insert_version(form: &FormDefinition, published_by: Option<&str>) -> Sql {
    let mut q = Sql::new(
        "INSERT INTO form_versions (form_id, version, title, definition, source, published_by, published_at) VALUES (",
    );
    q.bind(form.id.clone())
        .push(", ")
        .bind(i64::from(form.version))
        .push(", ")
        .bind(to_json(&form.title))
        .push(", ")
        .bind(to_json(form))
        .push(", ")
        .bind(if published_by.is_some() {
            "published"
        } else {
            "shipped"
        })
        .push(", ")
        .bind(published_by.map(str::to_owned))
        .push(", ")
        .bind(clock::now())
        .push(")");
    q
}

impl Store {
    /// Installs the shipped forms' versions this database does not have yet.
    /// A shipped form changes only by a new version in its file, so one
    /// already installed is left as it is.
    pub(crate) async fn install_shipped_forms(&self) -> Result<()> {
        for (name, text) in SHIPPED {
            let form = FormDefinition::parse(text)
                .map_err(|e| StoreError::Other(format!("shipped form {name}: {e}")))?;
            let have: Option<(i64,)> =
                Sql::new("SELECT version FROM form_versions WHERE form_id = ")
                    .bind(form.id.clone())
                    .push(" AND version = ")
                    .bind(i64::from(form.version))
                    .fetch_optional(self.pool())
                    .await?;
            if have.is_some() {
                continue;
            }
            let inserted = insert_version(&form, None).execute(self.pool()).await;
            match inserted {
                Ok(_) => {}
                // Another process installed it first.
                Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// The newest version of every form.
    pub async fn forms(&self) -> Result<Vec<FormSummary>> {
        let rows: Vec<SummaryRow> = Sql::new(SUMMARY)
            .push(
                " f WHERE version = (SELECT MAX(g.version) FROM form_versions g WHERE g.form_id = f.form_id) \
                 ORDER BY form_id",
            )
            .fetch_all(self.pool())
            .await?;
        Ok(rows.into_iter().map(FormSummary::from).collect())
    }

    /// Every version of a form, newest first.
    pub async fn form_versions(&self, form_id: &str) -> Result<Vec<FormSummary>> {
        let rows: Vec<SummaryRow> = Sql::new(SUMMARY)
            .push(" WHERE form_id = ")
            .bind(form_id.to_owned())
            .push(" ORDER BY version DESC")
            .fetch_all(self.pool())
            .await?;
        if rows.is_empty() {
            return Err(StoreError::NotFound);
        }
        Ok(rows.into_iter().map(FormSummary::from).collect())
    }

    /// A form's definition: the given version, or the newest.
    pub async fn form(&self, form_id: &str, version: Option<i64>) -> Result<FormDefinition> {
        let mut q = Sql::new("SELECT definition FROM form_versions WHERE form_id = ");
        q.bind(form_id.to_owned());
        match version {
            Some(v) => {
                q.push(" AND version = ").bind(v);
            }
            None => {
                q.push(" ORDER BY version DESC LIMIT 1");
            }
        }
        let row: Option<(String,)> = q.fetch_optional(self.pool()).await?;
        let (text,) = row.ok_or(StoreError::NotFound)?;
        // Kept definitions were checked when published; parsing again
        // compiles their patterns and formulas.
        FormDefinition::parse(&text)
            .map_err(|e| StoreError::Other(format!("kept form {form_id}: {e}")))
    }

    /// Publishes a form definition (JSON): a new form, or a newer version of
    /// one. A malformed definition is refused with every problem found; a
    /// version not above the newest kept one is refused too (kept versions
    /// never change: submissions point at them).
    pub async fn publish_form(
        &self,
        actor: &Actor,
        by: &Principal,
        json: &str,
    ) -> Result<FormSummary> {
        if !by.may(Action::ManageForms) {
            return Err(StoreError::Forbidden);
        }
        let form = FormDefinition::parse(json).map_err(StoreError::from)?;
        let mut tx = self.begin_write().await?;
        let newest: Option<(Option<i64>,)> =
            Sql::new("SELECT MAX(version) FROM form_versions WHERE form_id = ")
                .bind(form.id.clone())
                .fetch_optional(tx.conn())
                .await?;
        let newest = newest.and_then(|r| r.0);
        if newest.is_some_and(|n| i64::from(form.version) <= n) {
            return Err(StoreError::Invalid(ValidationErrors::single(
                "version",
                "form-def-version-not-newer",
            )));
        }
        insert_version(&form, Some(&by.username))
            .execute(tx.conn())
            .await
            .map_err(|e| StoreError::unique_to_field(e, "version"))?;
        append(
            tx.conn(),
            &actor
                .event("form.publish")
                .record("form", &form.id)
                .details(serde_json::json!({ "version": form.version, "replaces": newest })),
        )
        .await?;
        tx.commit().await?;
        let row: SummaryRow = Sql::new(SUMMARY)
            .push(" WHERE form_id = ")
            .bind(form.id.clone())
            .push(" AND version = ")
            .bind(i64::from(form.version))
            .fetch_one(self.pool())
            .await?;
        Ok(row.into())
    }
}
