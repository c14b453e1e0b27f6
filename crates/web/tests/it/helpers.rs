use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use kopru_store::testing::{fresh_db, TestDb};
use kopru_store::Store;
use std::collections::HashMap;
use tower::ServiceExt;

pub const DEMO_PASSWORD: &str = kopru_store::demo::DEMO_PASSWORD;

pub struct TestApp {
    pub db: TestDb,
    pub router: Router,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// An app whose configuration `adjust` changes first.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut kopru_web::WebConfig)) -> TestApp {
    let db = fresh_db().await;
    let mut config = kopru_web::WebConfig {
        // Tests vary the client address through X-Forwarded-For.
        trust_proxy: true,
        // Imports of a few rows end at once, however slow the machine.
        import_wait: std::time::Duration::from_secs(60),
        ..Default::default()
    };
    adjust(&mut config);
    let state = kopru_web::AppState {
        store: db.store.clone(),
        config,
        metrics: Default::default(),
        import_jobs: Default::default(),
    };
    let router = kopru_web::router(state);
    TestApp { db, router }
}

impl TestApp {
    pub fn store(&self) -> &Store {
        &self.db.store
    }

    pub fn client(&self) -> Client<'_> {
        Client {
            app: self,
            cookies: HashMap::new(),
            bearer: None,
            accept_language: None,
            addr: "10.0.0.1".into(),
            headers: Vec::new(),
        }
    }

    /// A client signed in as a demo user.
    pub async fn signed_in(&self, username: &str) -> Client<'_> {
        let mut c = self.client();
        let r = c.login(username, DEMO_PASSWORD).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "login of {username}: {}",
            r.body
        );
        c
    }

    /// A client using an API token of a demo user.
    pub async fn api_as(&self, username: &str) -> Client<'_> {
        let user = self
            .store()
            .user_by_username(username)
            .await
            .unwrap()
            .unwrap();
        let (_, token) = self
            .store()
            .create_token(&kopru_store::audit::Actor::system("test"), &user.id, "test")
            .await
            .unwrap();
        let mut c = self.client();
        c.bearer = Some(token);
        c
    }
}

pub struct Client<'a> {
    app: &'a TestApp,
    pub cookies: HashMap<String, String>,
    pub bearer: Option<String>,
    pub accept_language: Option<String>,
    pub addr: String,
    /// Sent with every request (e.g. what a proxy adds).
    pub headers: Vec<(&'static str, String)>,
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    pub bytes: Vec<u8>,
}

impl TestResponse {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.bytes)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
    pub fn location(&self) -> String {
        self.header("location").unwrap_or_default()
    }
}

impl<'a> Client<'a> {
    pub fn csrf(&self) -> String {
        self.cookies.get("kopru_csrf").cloned().unwrap_or_default()
    }

    pub async fn send(&mut self, mut req: Request<Body>) -> TestResponse {
        let h = req.headers_mut();
        if !self.cookies.is_empty() {
            let c: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            h.insert(header::COOKIE, c.join("; ").parse().unwrap());
        }
        if let Some(t) = &self.bearer {
            h.insert(
                header::AUTHORIZATION,
                format!("Bearer {t}").parse().unwrap(),
            );
        }
        if let Some(l) = &self.accept_language {
            h.insert(header::ACCEPT_LANGUAGE, l.parse().unwrap());
        }
        h.insert("x-forwarded-for", self.addr.parse().unwrap());
        for (k, v) in &self.headers {
            h.insert(*k, v.parse().unwrap());
        }
        let resp = self.app.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        for sc in headers.get_all(header::SET_COOKIE) {
            let s = sc.to_str().unwrap();
            let kv = s.split(';').next().unwrap();
            if let Some((k, v)) = kv.split_once('=') {
                if v.is_empty() || s.contains("Max-Age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_owned(), v.to_owned());
                }
            }
        }
        let bytes = resp
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        TestResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
        }
    }

    pub async fn get(&mut self, path: &str) -> TestResponse {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    /// Makes sure a CSRF cookie exists (as a browser would have after any page).
    pub async fn ensure_csrf(&mut self) {
        if !self.cookies.contains_key("kopru_csrf") {
            self.get("/login").await;
        }
    }

    /// Posts a form, adding the CSRF field as the page would.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        self.ensure_csrf().await;
        let csrf = self.csrf();
        let mut all: Vec<(&str, &str)> = vec![("_csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        let body = serde_html_form::to_string(&all).unwrap();
        self.post_raw_form(path, &body).await
    }

    pub async fn post_raw_form(&mut self, path: &str, body: &str) -> TestResponse {
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.to_owned()))
            .unwrap();
        self.send(req).await
    }

    pub async fn json(
        &mut self,
        method: Method,
        path: &str,
        body: serde_json::Value,
    ) -> TestResponse {
        self.raw(
            method,
            path,
            "application/json",
            body.to_string().into_bytes(),
        )
        .await
    }

    pub async fn raw(
        &mut self,
        method: Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> TestResponse {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::CONTENT_TYPE, content_type);
        if self.bearer.is_none() {
            self.ensure_csrf().await;
            b = b.header("x-csrf-token", self.csrf());
        }
        self.send(b.body(Body::from(body)).unwrap()).await
    }

    pub async fn delete(&mut self, path: &str) -> TestResponse {
        let mut b = Request::builder().method(Method::DELETE).uri(path);
        if self.bearer.is_none() {
            self.ensure_csrf().await;
            b = b.header("x-csrf-token", self.csrf());
        }
        self.send(b.body(Body::empty()).unwrap()).await
    }

    pub async fn login(&mut self, username: &str, password: &str) -> TestResponse {
        self.post_form("/login", &[("username", username), ("password", password)])
            .await
    }
}

/// Runs SQL directly against the test database (to tamper, or to look behind the API).
pub async fn sql(app: &TestApp, text: &str) {
    let mut conn = app.store().acquire().await.unwrap();
    sqlx::query(text).execute(&mut *conn).await.unwrap();
}

/// A value for a query string.
pub fn urlencode(s: &str) -> String {
    serde_html_form::to_string([("", s)])
        .unwrap()
        .trim_start_matches('=')
        .to_owned()
}
