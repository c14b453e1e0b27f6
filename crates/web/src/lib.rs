//! Köprü's web layer: pages (askama + htmx) and the JSON API, over one router.
//!
//! A request passes: request id → trace → metrics → context (who, which
//! language, CSRF) → handler → policy (grants) → store → template or JSON.

// The kernel: files at the top of `src/`. They use no feature.
pub mod api;
pub mod charts;
pub mod context;
pub mod docx;
pub mod error;
pub mod export;
pub mod extract;
pub mod i18n;
pub mod metrics;
pub mod nav;
pub mod pages;
pub mod pdf;
pub mod records;
pub mod service;
pub mod tabular;

// Features: one folder each, named as in the store crate, each with its
// `api.rs` and `pages.rs` (and `service.rs` where both share more than a call
// to the store). This file is the root that puts them together.
pub mod accounts;
pub mod activities;
pub mod audit;
pub mod casework;
pub mod dedup;
pub mod directory;
pub mod home;
pub mod imports;
pub mod indicators;
pub mod local_plans;
pub mod outcomes;
pub mod registry;
pub mod strategy;
pub mod work;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use kopru_store::Store;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// The largest request body accepted (forms and JSON). Imports get their own limit.
pub const MAX_BODY: usize = 1024 * 1024;

#[derive(Clone, Debug)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when served over TLS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_proxy: bool,
    pub max_body: usize,
    /// How long a request that commits an import waits for it to end before
    /// answering with the job to follow (the page shows its progress).
    pub import_wait: Duration,
    /// Indicator cells from 1 to this minus one are hidden from readers of
    /// aggregates only (`KOPRU_SMALL_CELL_THRESHOLD`, 5 by default).
    pub small_cell_threshold: i64,
    /// The DHIS2 mapping (`KOPRU_DHIS2_MAPPING`); the shipped example when none is set.
    pub dhis2_mapping: Option<std::sync::Arc<kopru_domain::dhis2::Mapping>>,
    /// The DHIS2 instance `POST /api/v1/exports/data-value-sets/push` sends
    /// to (`KOPRU_DHIS2_URL` and its credentials); none: files only.
    pub dhis2_server: Option<std::sync::Arc<Dhis2Server>>,
    /// The maps indicator pages draw: the shipped ones and the
    /// installation's (`KOPRU_MAPS_DIR`, `charts::Maps::load`).
    pub maps: std::sync::Arc<charts::Maps>,
}

/// A DHIS2 instance to send values to.
#[derive(Clone)]
pub struct Dhis2Server {
    /// The instance's base address (`https://dhis2.example.org`, or with a
    /// context path); `/api/dataValueSets` is appended.
    pub url: String,
    pub auth: Dhis2Auth,
}

/// How Köprü signs in to DHIS2: a personal access token (DHIS2 2.37+), or a
/// user name and password.
#[derive(Clone)]
pub enum Dhis2Auth {
    Token(String),
    Basic { username: String, password: String },
}

/// Credentials never reach a log.
impl std::fmt::Debug for Dhis2Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let auth = match &self.auth {
            Dhis2Auth::Token(_) => "token",
            Dhis2Auth::Basic { .. } => "basic",
        };
        f.debug_struct("Dhis2Server")
            .field("url", &self.url)
            .field("auth", &auth)
            .finish()
    }
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            trust_proxy: false,
            max_body: MAX_BODY,
            import_wait: Duration::from_secs(2),
            small_cell_threshold: kopru_domain::indicator::DEFAULT_THRESHOLD,
            dhis2_mapping: None,
            dhis2_server: None,
            maps: std::sync::Arc::new(charts::Maps::shipped()),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: WebConfig,
    pub metrics: metrics::Metrics,
    pub import_jobs: imports::jobs::ImportJobs,
}

impl axum::extract::FromRef<AppState> for metrics::Metrics {
    fn from_ref(s: &AppState) -> Self {
        s.metrics.clone()
    }
}

const HTMX: &str = include_str!("../static/htmx.min.js");
const CSS: &str = include_str!("../static/app.css");
const APP_JS: &str = include_str!("../static/app.js");

/// The content security policy of every answer: scripts only from our own
/// files (htmx and `app.js`; no inline script or handler anywhere), no
/// framing, no plugins, forms post only here. Inline styles stay allowed:
/// htmx swaps in the forms' show-if style sheet and pages use `style=` widths.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Security headers on every answer. Pages, API answers and files carry
/// personal data, so nothing is stored by browsers or proxies unless the
/// handler said otherwise (the static files do).
async fn security_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    r
}

fn static_asset(body: &'static str, content_type: &'static str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    r
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({"status": "ok"})),
        )
            .into_response(),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({"status": "database unavailable"})),
        )
            .into_response(),
    }
}

async fn metrics_text(State(state): State<AppState>) -> Response {
    let pool = state.store.pool();
    let body = state.metrics.render(pool.size(), pool.num_idle());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

async fn not_found() -> error::AppError {
    error::AppError::NotFound
}

/// Every page, feature by feature.
fn page_routes() -> Router<AppState> {
    Router::new()
        .merge(home::pages::routes())
        .merge(accounts::pages::routes())
        .merge(accounts::user_pages::routes())
        .merge(directory::pages::routes())
        .merge(audit::pages::routes())
        .merge(registry::pages::routes())
        .merge(imports::pages::routes())
        .merge(dedup::pages::routes())
        .merge(casework::form_pages::routes())
        .merge(casework::pages::routes())
        .merge(casework::referral_pages::routes())
        .merge(casework::submission_pages::routes())
        .merge(outcomes::pages::routes())
        .merge(outcomes::person_pages::routes())
        .merge(outcomes::employment_pages::routes())
        .merge(outcomes::school_list::page_routes())
        .merge(strategy::pages::routes())
        .merge(strategy::visit_pages::routes())
        .merge(local_plans::pages::routes())
        .merge(indicators::pages::routes())
        .merge(activities::pages::routes())
        .merge(activities::document_pages::routes())
        .merge(activities::volunteer_pages::routes())
        .merge(work::pages::routes())
}

/// Every API operation, feature by feature, with the OpenAPI document built
/// from the same declarations.
fn api_routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    use utoipa::OpenApi;
    let (router, doc) = utoipa_axum::router::OpenApiRouter::with_openapi(api::ApiDoc::openapi())
        .merge(accounts::api::routes())
        .merge(directory::api::routes())
        .merge(audit::api::routes())
        .merge(registry::api::routes())
        .merge(imports::api::routes())
        .merge(dedup::api::routes())
        .merge(casework::form_api::routes())
        .merge(casework::api::routes())
        .merge(outcomes::api::routes())
        .merge(outcomes::employment_api::routes())
        .merge(outcomes::school_list::api_routes())
        .merge(strategy::api::routes())
        .merge(strategy::visit_api::routes())
        .merge(local_plans::api::routes())
        .merge(indicators::api::routes())
        .merge(activities::api::routes())
        .merge(activities::volunteer_api::routes())
        .merge(work::api::routes())
        .split_for_parts();
    (router, api::finish(doc))
}

/// The OpenAPI document the server answers at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_routes().1
}

pub fn router(state: AppState) -> Router {
    let (api, doc) = api_routes();
    // Written once: the document does not change while the server runs.
    let doc = bytes::Bytes::from(serde_json::to_vec(&doc).unwrap_or_default());
    let app = Router::new()
        .merge(page_routes())
        .merge(api)
        .route(
            "/api/v1/openapi.json",
            get(move || async move {
                ([(header::CONTENT_TYPE, "application/json")], doc.clone()).into_response()
            }),
        )
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .route(
            "/static/htmx.min.js",
            get(|| async { static_asset(HTMX, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/static/app.css",
            get(|| async { static_asset(CSS, "text/css; charset=utf-8") }),
        )
        .route(
            "/static/app.js",
            get(|| async { static_asset(APP_JS, "text/javascript; charset=utf-8") }),
        )
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            context::context_layer,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.metrics.clone(),
            metrics::track,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(state.config.max_body))
        .with_state(state);
    app.layer(CompressionLayer::new())
        .layer(axum::middleware::map_response(security_headers))
        .layer(CatchPanicLayer::custom(|_| {
            error::AppError::Internal("handler panicked".into()).into_response()
        }))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-")
                    .to_owned();
                // The path only: query strings may carry search terms such as names.
                tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path())
            })
            .on_response(tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(60)))
}

/// Serves until Ctrl-C or SIGTERM.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let ctrl_c = tokio::signal::ctrl_c();
            #[cfg(unix)]
            {
                let mut term =
                    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    {
                        Ok(s) => s,
                        Err(_) => {
                            let _ = ctrl_c.await;
                            return;
                        }
                    };
                tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
            }
            #[cfg(not(unix))]
            let _ = ctrl_c.await;
        })
        .await
}
