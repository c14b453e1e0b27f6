use super::render;
use crate::context::Auth;
use crate::error::AppResult;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use kopru_store::directory::ListFilter;

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub ctx: crate::context::Ctx,
    pub units: i64,
    pub institutions: i64,
    pub programmes: i64,
    pub roles: Vec<(String, String)>,
}

pub async fn home(State(state): State<AppState>, Auth(ctx, user): Auth) -> AppResult<Response> {
    let one = ListFilter {
        limit: 1,
        ..Default::default()
    };
    let units = state.store.units(&user.principal, &one).await?.total;
    let institutions = state.store.institutions(&user.principal, &one).await?.total;
    let programmes = state.store.programmes().await?.len() as i64;
    let roles = user.role_labels(ctx.tr);
    Ok(render(&HomePage {
        ctx,
        units,
        institutions,
        programmes,
        roles,
    })?
    .into_response())
}
