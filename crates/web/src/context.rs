//! The per-request context: who is asking (session cookie or API token), in
//! which language, from which address; and the CSRF check for every
//! state-changing request a browser makes.
//!
//! Order in `context_layer`: authenticate → choose the language → check CSRF →
//! run the handler inside the task-local response style.

use crate::error::{AppError, ResponseStyle, STYLE};
use crate::i18n::Tr;
use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use kopru_domain::{Locale, Principal};
use kopru_store::audit::Actor;
use std::net::SocketAddr;

pub const SESSION_COOKIE: &str = "kopru_session";
pub const CSRF_COOKIE: &str = "kopru_csrf";
pub const LANG_COOKIE: &str = "kopru_lang";
pub const CSRF_FIELD: &str = "_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

#[derive(Clone, Debug)]
pub struct SignedIn {
    pub principal: Principal,
    pub display_name: String,
    pub must_change_password: bool,
    /// Authenticated by `Authorization: Bearer`, not by a cookie.
    pub via_token: bool,
    pub session_secret: Option<String>,
}

impl SignedIn {
    /// Forbidden unless the caller's roles allow `action` somewhere.
    pub fn need(&self, action: kopru_domain::Action) -> crate::error::AppResult<()> {
        if self.principal.may(action) {
            Ok(())
        } else {
            Err(crate::error::AppError::Forbidden)
        }
    }
}

#[derive(Clone, Debug)]
pub struct Ctx {
    pub tr: Tr,
    /// Cookies get `Secure`: configured, or the request came over TLS through a trusted proxy.
    pub secure_cookies: bool,
    pub user: Option<SignedIn>,
    pub csrf: String,
    pub client_addr: String,
    pub path: String,
}

impl Ctx {
    pub fn locale(&self) -> Locale {
        self.tr.locale
    }
    pub fn t(&self, id: &str) -> String {
        self.tr.t(id)
    }
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.user.as_ref().map(|u| u.principal.user_id.clone()),
            username: self
                .user
                .as_ref()
                .map(|u| u.principal.username.clone())
                .unwrap_or_else(|| "anonymous".into()),
            client_addr: Some(self.client_addr.clone()),
        }
    }
    /// Whether the navigation should offer a section.
    pub fn may(&self, action: &str) -> bool {
        use kopru_domain::Action::*;
        let a = match action {
            "users" => ViewUsers,
            "audit" => ViewAudit,
            "manage_units" => ManageUnits,
            "manage_institutions" => ManageInstitutions,
            "manage_programmes" => ManageProgrammes,
            "manage_users" => ManageUsers,
            "persons" => ViewPersons,
            "cases" => ViewCases,
            "edit_cases" => EditCases,
            "caseload" => ManageCaseload,
            "override_consent" => OverrideConsent,
            "answer_referrals" => AnswerReferrals,
            "statistics" => ViewCaseStatistics,
            "manage_forms" => ManageForms,
            _ => ViewDirectory,
        };
        self.allows(a)
    }
    /// The name of a closed-list value in the user's language:
    /// `l("case-status", "plan_agreed")` reads message `case-status-plan-agreed`.
    pub fn l(&self, prefix: &str, value: &str) -> String {
        self.t(&format!("{prefix}-{}", value.replace('_', "-")))
    }
    /// A field's label, by its name (`area_code` → message `field-area-code`).
    pub fn field(&self, name: &str) -> String {
        self.l("field", name)
    }
    pub fn locales(&self) -> [Locale; 4] {
        Locale::ALL
    }
}

/// A handler argument that requires a signed-in user.
pub struct Auth(pub Ctx, pub SignedIn);

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| AppError::Internal("context layer missing".into()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, s).await?;
        let user = ctx.user.clone().ok_or(AppError::Unauthorized)?;
        Ok(Auth(ctx, user))
    }
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

pub fn set_cookie(
    resp: &mut Response,
    name: &str,
    value: &str,
    max_age: Option<i64>,
    secure: bool,
    http_only: bool,
) {
    let mut c = format!("{name}={value}; Path=/; SameSite=Lax");
    if http_only {
        c.push_str("; HttpOnly");
    }
    if secure {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if let Ok(v) = HeaderValue::from_str(&c) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn client_addr(req: &Request, trust_proxy: bool) -> String {
    if trust_proxy {
        if let Some(first) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
        {
            let first = first.trim();
            if first.parse::<std::net::IpAddr>().is_ok() {
                return first.to_owned();
            }
        }
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn is_safe(m: &Method) -> bool {
    matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn wants_json(req: &Request) -> bool {
    let path = req.uri().path();
    path.starts_with("/api/")
        || path == "/healthz"
        || req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| {
                a.starts_with("application/json") || a.starts_with("application/problem+json")
            })
}

/// Reads a form body so that the CSRF field can be checked, then puts it back.
async fn csrf_from_form(req: Request, limit: usize) -> Result<(Request, Option<String>), AppError> {
    let (parts, body) = req.into_parts();
    let bytes: Bytes = match http_body_util::Limited::new(body, limit).collect().await {
        Ok(c) => c.to_bytes(),
        Err(_) => return Err(AppError::TooLarge),
    };
    let token = form_urlencoded_value(&bytes, CSRF_FIELD);
    Ok((Request::from_parts(parts, Body::from(bytes)), token))
}

fn form_urlencoded_value(body: &[u8], key: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_html_form::from_bytes(body).ok()?;
    pairs.into_iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// Compares in constant time, so a token cannot be guessed byte by byte.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

pub async fn context_layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let json = wants_json(&req);
    let accept_locale = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Locale::from_accept_language);
    let cookie_locale = cookie(req.headers(), LANG_COOKIE).and_then(|l| Locale::parse(&l));
    let fallback = cookie_locale.or(accept_locale).unwrap_or_default();
    let style = ResponseStyle {
        locale: fallback,
        json,
    };
    STYLE
        .scope(style, async move {
            match build_context(&state, req, cookie_locale.or(accept_locale)).await {
                Ok((req, ctx, new_csrf)) => {
                    let style = ResponseStyle {
                        locale: ctx.locale(),
                        json,
                    };
                    let secure = ctx.secure_cookies;
                    let mut resp = STYLE.scope(style, next.run(req)).await;
                    if let Some(token) = new_csrf {
                        set_cookie(&mut resp, CSRF_COOKIE, &token, None, secure, true);
                    }
                    resp
                }
                Err(e) => e.into_response(),
            }
        })
        .await
}

async fn build_context(
    state: &AppState,
    req: Request,
    preferred: Option<Locale>,
) -> Result<(Request, Ctx, Option<String>), AppError> {
    let store = &state.store;
    let addr = client_addr(&req, state.config.trust_proxy);
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").map(|t| t.trim().to_owned()));

    let mut user_id = None;
    let mut session_secret = None;
    if let Some(token) = &bearer {
        user_id = store.token_user(token).await?;
        if user_id.is_none() {
            return Err(AppError::Unauthorized);
        }
    } else if let Some(secret) = cookie(req.headers(), SESSION_COOKIE) {
        user_id = store.session_user(&secret).await?;
        session_secret = Some(secret);
    }
    let mut signed_in = None;
    let mut user_locale = None;
    if let Some(id) = user_id {
        if let (Some(principal), Some(u)) =
            (store.principal(&id).await?, store.user_by_id(&id).await?)
        {
            user_locale = u.locale.as_deref().and_then(Locale::parse);
            signed_in = Some(SignedIn {
                principal,
                display_name: u.display_name,
                must_change_password: u.must_change_password != 0,
                via_token: bearer.is_some(),
                session_secret: session_secret.clone(),
            });
        } else if bearer.is_some() {
            return Err(AppError::Unauthorized);
        }
    }
    let locale = user_locale.or(preferred).unwrap_or_default();

    let existing_csrf = cookie(req.headers(), CSRF_COOKIE).filter(|c| c.len() == 64);
    let (csrf, new_csrf) = match existing_csrf {
        Some(c) => (c, None),
        None => {
            let c = kopru_store::accounts::random_secret();
            (c.clone(), Some(c))
        }
    };

    let mut req = req;
    if !is_safe(req.method()) && bearer.is_none() {
        let header_token = req
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        // A file upload is multipart and cannot carry the field in a form the
        // middleware reads; its form puts the token in the query string instead.
        let query_token = req
            .uri()
            .query()
            .and_then(|q| serde_html_form::from_str::<Vec<(String, String)>>(q).ok())
            .and_then(|pairs| {
                pairs
                    .into_iter()
                    .find(|(k, _)| k == CSRF_FIELD)
                    .map(|(_, v)| v)
            });
        let token = match header_token.or(query_token) {
            Some(t) => Some(t),
            None => {
                let is_form = req
                    .headers()
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
                if is_form {
                    let (r, t) = csrf_from_form(req, state.config.max_body).await?;
                    req = r;
                    t
                } else {
                    None
                }
            }
        };
        // A request with no CSRF cookie yet cannot carry a matching token.
        let ok = new_csrf.is_none() && token.is_some_and(|t| same(&t, &csrf));
        if !ok {
            return Err(AppError::Csrf);
        }
    }

    // A user whose password was set by an administrator must choose their own
    // before anything else; the API (tokens) is not affected.
    if let Some(u) = &signed_in {
        let path = req.uri().path();
        let exempt = [
            "/account", "/logout", "/lang", "/static/", "/healthz", "/metrics", "/api/",
        ]
        .iter()
        .any(|p| path.starts_with(p));
        if u.must_change_password && !u.via_token && !exempt {
            return Err(AppError::MustChangePassword);
        }
    }

    let behind_tls = state.config.trust_proxy
        && req
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    let ctx = Ctx {
        tr: Tr::new(locale),
        secure_cookies: state.config.secure_cookies || behind_tls,
        user: signed_in,
        csrf,
        client_addr: addr,
        path: req.uri().path().to_owned(),
    };
    req.extensions_mut().insert(ctx.clone());
    Ok((req, ctx, new_csrf))
}

impl Ctx {
    pub fn is_current(&self, l: &Locale) -> bool {
        *l == self.locale()
    }
}

impl SignedIn {
    /// (role name in the reader's language, scope) for every assignment.
    pub fn role_labels(&self, tr: Tr) -> Vec<(String, String)> {
        self.principal
            .assignments
            .iter()
            .map(|a| (tr.t(&a.role.message_id()), tr.scope(&a.scope)))
            .collect()
    }
}
