//! Browsing the audit log (auditors and administrators, within their scope).

use crate::context::{Auth, Ctx};
use crate::error::{AppError, AppResult};
use crate::extract::QueryArgs;
use crate::pages::{query_string, render};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use kopru_domain::Action;
use kopru_store::audit::{Entry, Filter};
use serde::Deserialize;

/// The pages of this file.
pub fn routes() -> Router<AppState> {
    Router::new().route("/audit", get(audit_page))
}

#[derive(Deserialize, Default, Clone)]
pub struct AuditQuery {
    #[serde(default)]
    pub actor: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub record_type: String,
    #[serde(default)]
    pub record_id: String,
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub before: Option<i64>,
}

impl AuditQuery {
    pub fn filter(&self) -> Filter {
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        Filter {
            actor: opt(&self.actor),
            action: opt(&self.action),
            record_type: opt(&self.record_type),
            record_id: opt(&self.record_id),
            outcome: opt(&self.outcome),
            from: opt(&self.from),
            to: opt(&self.to),
            before_seq: self.before,
        }
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    pub ctx: Ctx,
    pub q: AuditQuery,
    pub rows: Vec<Entry>,
    pub older: Option<String>,
}

/// Entries per page: 50 keep the page within the 100 KB budget on a cheap phone (older ones a link away).
pub const AUDIT_PAGE: i64 = 50;

pub async fn audit_page(
    State(state): State<AppState>,
    Auth(ctx, user): Auth,
    QueryArgs(q): QueryArgs<AuditQuery>,
) -> AppResult<Response> {
    if !user.principal.may(Action::ViewAudit) {
        return Err(AppError::Forbidden);
    }
    let rows = state
        .store
        .audit_entries(
            &user.principal.grants(Action::ViewAudit),
            &q.filter(),
            AUDIT_PAGE,
        )
        .await?;
    let older = (rows.len() as i64 == AUDIT_PAGE).then(|| {
        let last = rows.last().map(|r| r.seq).unwrap_or(0).to_string();
        query_string(&[
            ("actor", &q.actor),
            ("action", &q.action),
            ("record_type", &q.record_type),
            ("record_id", &q.record_id),
            ("outcome", &q.outcome),
            ("from", &q.from),
            ("to", &q.to),
            ("before", &last),
        ])
    });
    Ok(render(&AuditPage {
        ctx,
        q,
        rows,
        older,
    })?
    .into_response())
}
