//! The audit trail, read through the API.

use crate::context::Auth;
use crate::error::{AppResult, Problem};
use crate::extract::QueryArgs;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use kopru_domain::Action;
use kopru_store::audit::{Entry, Filter};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this file, with their OpenAPI operations.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}

// ---------- audit ----------

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    #[serde(default)]
    pub actor: Option<String>,
    /// Exact action, or a prefix ending in `.` such as `unit.`.
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default)]
    pub record_type: Option<String>,
    #[serde(default)]
    pub record_id: Option<String>,
    #[serde(default)]
    pub outcome: Option<String>,
    /// YYYY-MM-DD, inclusive.
    #[serde(default)]
    pub from: Option<String>,
    /// YYYY-MM-DD, inclusive.
    #[serde(default)]
    pub to: Option<String>,
    /// Entries older than this sequence number (paging).
    #[serde(default)]
    pub before: Option<i64>,
    #[serde(default)]
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditParams),
    responses((status = 200, body = Vec<Entry>), (status = 403, body = Problem)))]
pub async fn list_audit(
    State(state): State<AppState>,
    Auth(_, user): Auth,
    QueryArgs(p): QueryArgs<AuditParams>,
) -> AppResult<Json<Vec<Entry>>> {
    user.need(Action::ViewAudit)?;
    let f = Filter {
        actor: p.actor,
        action: p.action,
        record_type: p.record_type,
        record_id: p.record_id,
        outcome: p.outcome,
        from: p.from,
        to: p.to,
        before_seq: p.before,
    };
    let rows = state
        .store
        .audit_entries(
            &user.principal.grants(Action::ViewAudit),
            &f,
            p.limit.unwrap_or(100),
        )
        .await?;
    Ok(Json(rows))
}
