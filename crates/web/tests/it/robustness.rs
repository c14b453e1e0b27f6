//! Bad input gets a clear 4xx, never a 500 or a panic.

use crate::helpers::*;
use axum::http::{Method, StatusCode};

#[tokio::test]
async fn malformed_requests_get_clear_problem_details() {
    let app = spawn_app().await;
    let mut api = app.api_as("admin").await;
    api.accept_language = Some("en".into());
    let cases: Vec<(Method, &str, &str, Vec<u8>, StatusCode)> = vec![
        (Method::POST, "/api/v1/units", "application/json", b"{not json".to_vec(), StatusCode::BAD_REQUEST),
        (Method::POST, "/api/v1/units", "application/json", b"{\"code\": 5, \"name\": []}".to_vec(), StatusCode::UNPROCESSABLE_ENTITY),
        (Method::POST, "/api/v1/units", "application/json", b"[1,2,3]".to_vec(), StatusCode::UNPROCESSABLE_ENTITY),
        (Method::POST, "/api/v1/units", "application/json", vec![b'{', b'"', 0xff, 0xfe, b'"', b':', b'1', b'}'], StatusCode::BAD_REQUEST),
        (Method::POST, "/api/v1/units", "text/plain", b"code=x".to_vec(), StatusCode::UNSUPPORTED_MEDIA_TYPE),
        (Method::POST, "/api/v1/units", "application/json", vec![b' '; 2 * 1024 * 1024], StatusCode::PAYLOAD_TOO_LARGE),
        (Method::POST, "/api/v1/units", "application/json", b"{}".to_vec(), StatusCode::UNPROCESSABLE_ENTITY),
        (Method::PUT, "/api/v1/units/not-an-id", "application/json", b"{\"code\":\"AB\",\"name\":\"x\",\"kind\":\"mobile_team\",\"area_code\":\"TR-06\",\"version\":1}".to_vec(), StatusCode::NOT_FOUND),
        (Method::PUT, "/api/v1/units/not-an-id", "application/json", b"{\"code\":\"AB\"}".to_vec(), StatusCode::UNPROCESSABLE_ENTITY),
        (Method::GET, "/api/v1/units/00000000-0000-0000-0000-000000000000", "application/json", vec![], StatusCode::NOT_FOUND),
        (Method::GET, "/api/v1/units?limit=lots", "application/json", vec![], StatusCode::BAD_REQUEST),
        (Method::GET, "/api/v1/nothing-here", "application/json", vec![], StatusCode::NOT_FOUND),
        // NUL characters (PostgreSQL refuses them in text) are refused before any query.
        (Method::POST, "/api/v1/cases", "application/json", b"{\"person_id\": \"a\\u0000b\", \"unit_code\": \"X\"}".to_vec(), StatusCode::BAD_REQUEST),
        (Method::GET, "/api/v1/cases/a%00b", "application/json", vec![], StatusCode::NOT_FOUND),
        (Method::GET, "/api/v1/cases?q=a%00b", "application/json", vec![], StatusCode::BAD_REQUEST),
        (Method::DELETE, "/api/v1/units", "application/json", vec![], StatusCode::METHOD_NOT_ALLOWED),
        (Method::GET, "/api/v1/audit?before=%ZZ", "application/json", vec![], StatusCode::BAD_REQUEST),
    ];
    for (method, path, ct, body, want) in cases {
        let r = api.raw(method.clone(), path, ct, body).await;
        assert_eq!(r.status, want, "{method} {path}: {}", r.body);
        if want != StatusCode::METHOD_NOT_ALLOWED {
            assert_eq!(
                r.header("content-type").as_deref(),
                Some("application/problem+json"),
                "{method} {path}"
            );
            let p = r.json();
            assert_eq!(p["status"], want.as_u16());
            assert!(!p["title"].as_str().unwrap().is_empty());
        }
    }
    let r = api
        .raw(
            Method::POST,
            "/api/v1/units",
            "application/json",
            b"{}".to_vec(),
        )
        .await;
    let fields: Vec<String> = r.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, vec!["code", "name", "kind", "area_code"]);
    assert_eq!(r.json()["errors"][0]["message"], "This field is required.");
}

#[tokio::test]
async fn malformed_forms_and_paths_on_pages_are_4xx() {
    let app = spawn_app().await;
    let mut c = app.signed_in("admin").await;
    let csrf = c.csrf();
    let r = c
        .post_raw_form(
            "/units/new",
            &format!("_csrf={csrf}&code=%FF%FE&name=%00&kind=mobile_team&area_code=TR-06"),
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    let r = c
        .post_raw_form(
            "/units/new",
            &format!("_csrf={csrf}&services=a&services=b&code[]=x"),
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    let r = c
        .post_form(
            "/units/00000000-0000-0000-0000-000000000000",
            &[("code", "AB"), ("version", "1")],
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    let r = c
        .post_form("/units/whatever", &[("version", "not-a-number")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(c.get("/units/%FF").await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.get("/units?page=-5").await.status, StatusCode::OK);
    assert_eq!(
        c.get("/units?page=99999999999").await.status,
        StatusCode::OK
    );
    assert_eq!(
        c.get("/areas?parent=ZZ-00").await.status,
        StatusCode::NOT_FOUND
    );
    let r = c.get("/no/such/page").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("<html"), "pages get an HTML error page");
}

#[tokio::test]
async fn health_metrics_and_openapi() {
    let app = spawn_app().await;
    let mut c = app.client();
    let h = c.get("/healthz").await;
    assert_eq!(h.status, StatusCode::OK);
    assert_eq!(h.json()["status"], "ok");
    c.get("/login").await;
    let m = c.get("/metrics").await.body;
    assert!(
        m.contains("kopru_http_requests_total{method=\"GET\",route=\"/login\",status=\"200\"} 1"),
        "{m}"
    );
    assert!(
        m.contains("kopru_http_request_duration_seconds_bucket")
            && m.contains("kopru_db_pool_connections")
    );
    let doc = c.get("/api/v1/openapi.json").await.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/api/v1/areas",
        "/api/v1/units",
        "/api/v1/units/{id}",
        "/api/v1/institutions",
        "/api/v1/programmes",
        "/api/v1/users",
        "/api/v1/tokens",
        "/api/v1/audit",
        "/api/v1/me",
        "/api/v1/units/export",
        "/api/v1/cases",
        "/api/v1/cases/{id}",
        "/api/v1/cases/{id}/submissions",
        "/api/v1/cases/{id}/referrals",
        "/api/v1/cases/{id}/follow-ups",
        "/api/v1/cases/{id}/transfers",
        "/api/v1/cases/{id}/goals",
        "/api/v1/cases/{id}/contacts",
        "/api/v1/cases/export",
        "/api/v1/referrals",
        "/api/v1/referrals/{id}/moves",
        "/api/v1/transfers",
        "/api/v1/follow-ups/{id}",
        "/api/v1/my-work",
        "/api/v1/dashboard",
        "/api/v1/forms",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test]
async fn pages_stay_within_the_weight_budget() {
    let app = spawn_app().await;
    let mut c = app.signed_in("admin").await;
    let css = c.get("/static/app.css").await.bytes.len();
    let js =
        c.get("/static/htmx.min.js").await.bytes.len() + c.get("/static/app.js").await.bytes.len();
    for page in [
        "/design",
        "/",
        "/units",
        "/institutions",
        "/areas",
        "/areas?parent=TR",
        "/programmes",
        "/users",
        "/audit",
        "/account",
        "/units/new",
        "/institutions/new",
    ] {
        let html = c.get(page).await.bytes.len();
        let total = html + css + js;
        assert!(total <= 100 * 1024, "{page}: {total} bytes (html {html})");
        assert!(
            c.get(page).await.body.contains("width=device-width"),
            "{page} is responsive"
        );
    }
}

/// The outside test's open redirect: browsers drop tabs and line breaks from
/// URLs, so `/\t/evil.example` is `//evil.example`, another site.
#[tokio::test]
async fn language_switch_follows_only_same_site_paths() {
    let app = spawn_app().await;
    let mut c = app.client();
    for (next, want) in [
        ("/persons?q=a", "/persons?q=a"),
        ("/\t/evil.example", "/"),
        ("/\n/evil.example", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
    ] {
        let r = c
            .post_form("/lang", &[("lang", "en"), ("next", next)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(r.location(), want, "{next:?}");
    }
}

/// Pages, API answers and files carry a content security policy, refuse
/// framing and are never stored by a browser or a proxy; no page needs an
/// inline script (the policy forbids them).
#[tokio::test]
async fn security_headers_on_every_answer_and_no_inline_script() {
    let app = spawn_app().await;
    let mut c = app.signed_in("coordinator").await;
    let mut api = app.api_as("coordinator").await;
    for r in [
        c.get("/login").await,
        c.get("/persons").await,
        c.get("/no/such/page").await,
        api.get("/api/v1/persons").await,
        api.get("/api/v1/persons/export").await,
    ] {
        assert!(!r.status.is_server_error(), "{}", r.status);
        let csp = r.header("content-security-policy").unwrap_or_default();
        assert!(
            csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-eval"));
        assert_eq!(r.header("x-frame-options").as_deref(), Some("DENY"));
        assert_eq!(
            r.header("x-content-type-options").as_deref(),
            Some("nosniff")
        );
        assert_eq!(r.header("referrer-policy").as_deref(), Some("same-origin"));
        assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    }
    // Our own scripts and styles may be cached.
    let js = c.get("/static/app.js").await;
    assert!(js.header("cache-control").unwrap().starts_with("public"));
    // Every template: scripts only from files, no event-handler attributes.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
    let handler = regex_lite::Regex::new(r#"(?i)\son[a-z]+\s*="#).unwrap();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, part) in text.split("<script").enumerate().skip(1) {
            let tag = part.split('>').next().unwrap_or("");
            assert!(tag.contains("src="), "{path:?}: inline script #{i}");
        }
        assert!(
            !handler.is_match(&text),
            "{path:?}: an inline event handler"
        );
        assert!(!text.contains("javascript:"), "{path:?}");
    }
}

/// A page's title is a line of text: the household page's once held its
/// split and merge forms (9.5 KB, CSRF token included), which browsers show
/// as the tab's name and screen readers read first.
#[test]
fn every_title_is_text() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let Some(start) = text.find("{% block title %}") else {
            continue;
        };
        let rest = &text[start + "{% block title %}".len()..];
        let title = &rest[..rest.find("{% endblock %}").unwrap()];
        assert!(
            !title.contains('<') && !title.contains("{% for") && title.len() < 300,
            "{}: the title block holds more than a title: {title}",
            path.display()
        );
        checked += 1;
    }
    assert!(checked > 20, "{checked} titles read");
}

/// What cannot be undone asks first: a consent's withdrawal and the end of a
/// household membership sit behind a confirming disclosure (no script needed).
#[test]
fn irreversible_actions_ask_first() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
    let mut found = 0;
    for name in ["person.html", "household.html"] {
        let text = std::fs::read_to_string(format!("{dir}/{name}")).unwrap();
        for action in ["/withdraw\"", "/end\""] {
            let mut rest = text.as_str();
            while let Some(i) = rest.find(action) {
                let before = &rest[..i];
                let opened = before.rfind("<details class=\"confirm\">");
                let closed = before.rfind("</details>");
                assert!(
                    opened.is_some() && opened > closed,
                    "{name}: a form ending in {action} is not behind a confirmation"
                );
                found += 1;
                rest = &rest[i + action.len()..];
            }
        }
    }
    assert_eq!(found, 2, "the two irreversible forms were found");
}
