use crate::helpers::*;
use axum::http::{Method, StatusCode};
use kopru_domain::Scope;
use kopru_store::audit::Filter;

async fn last_action(app: &TestApp) -> String {
    let e = app
        .store()
        .audit_entries(&[Scope::Installation], &Filter::default(), 1)
        .await
        .unwrap();
    e[0].action.clone()
}

#[tokio::test]
async fn writes_logins_and_exports_are_audited_and_the_chain_verifies() {
    let app = spawn_app().await;
    let mut c = app.signed_in("admin").await;
    assert_eq!(last_action(&app).await, "auth.login");
    let r = c.json(Method::POST, "/api/v1/units", serde_json::json!({
        "code": "MT-LESKOVAC", "name": "Mobilni tim Leskovac", "kind": "mobile_team", "area_code": "RS-23-LESKOVAC"})).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let e = &app
        .store()
        .audit_entries(&[Scope::Installation], &Filter::default(), 1)
        .await
        .unwrap()[0];
    assert_eq!(
        (
            e.action.as_str(),
            e.record_id.as_deref(),
            e.area_code.as_deref()
        ),
        ("unit.create", Some(id.as_str()), Some("RS-23-LESKOVAC"))
    );
    assert_eq!(e.actor_name, "admin");
    assert_eq!(e.client_addr.as_deref(), Some("10.0.0.1"));

    let r = c.json(Method::PUT, &format!("/api/v1/units/{id}"), serde_json::json!({
        "code": "MT-LESKOVAC", "name": "Mobilni tim za inkluziju Roma Leskovac", "kind": "mobile_team",
        "area_code": "RS-23-LESKOVAC", "version": 1})).await;
    assert_eq!(r.status, StatusCode::OK);
    let e = &app
        .store()
        .audit_entries(&[Scope::Installation], &Filter::default(), 1)
        .await
        .unwrap()[0];
    assert_eq!(e.action, "unit.update");
    let details: serde_json::Value = serde_json::from_str(&e.details).unwrap();
    assert_eq!(
        details["name"][0], "Mobilni tim Leskovac",
        "old value recorded"
    );
    assert_eq!(
        details["name"][1], "Mobilni tim za inkluziju Roma Leskovac",
        "new value recorded"
    );
    assert!(
        details.get("code").is_none(),
        "unchanged fields are not listed"
    );

    c.get("/api/v1/units/export").await;
    assert_eq!(last_action(&app).await, "unit.export");
    let someone = app
        .store()
        .user_by_username("mediator")
        .await
        .unwrap()
        .unwrap();
    c.get(&format!("/users/{}", someone.id)).await;
    assert_eq!(
        last_action(&app).await,
        "user.view",
        "viewing a person's record is audited"
    );
    c.get(&format!("/api/v1/users/{}", someone.id)).await;
    assert_eq!(last_action(&app).await, "user.view");

    // Auditors browse and filter.
    let mut auditor = app.signed_in("auditor").await;
    let page = auditor.get("/audit?action=unit.&actor=admin").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("unit.create") && page.body.contains("unit.update"));
    assert!(
        !page.body.contains("auth.login"),
        "filtered by action prefix"
    );
    let api = auditor
        .get(&format!("/api/v1/audit?record_id={id}"))
        .await
        .json();
    assert_eq!(api.as_array().unwrap().len(), 2);

    let v = app.store().verify_audit().await.unwrap();
    assert!(v.first_break.is_none(), "{:?}", v.first_break);
    assert!(v.entries > 5);
}

async fn chain_break(app: &TestApp) -> Option<i64> {
    app.store()
        .verify_audit()
        .await
        .unwrap()
        .first_break
        .map(|b| b.seq)
}

#[tokio::test]
async fn a_changed_entry_is_detected() {
    let app = spawn_app().await;
    assert_eq!(chain_break(&app).await, None);
    sql(
        &app,
        "UPDATE audit_log SET actor_name = 'someone-else' WHERE seq = 3",
    )
    .await;
    assert_eq!(chain_break(&app).await, Some(3));
}

#[tokio::test]
async fn a_deleted_entry_is_detected() {
    let app = spawn_app().await;
    sql(&app, "DELETE FROM audit_log WHERE seq = 5").await;
    assert_eq!(chain_break(&app).await, Some(6));
}

#[tokio::test]
async fn an_inserted_entry_is_detected() {
    let app = spawn_app().await;
    // Shift everything after 4 up by one and slip a forged entry in at 5.
    sql(
        &app,
        "UPDATE audit_log SET seq = seq + 1000000 WHERE seq > 4",
    )
    .await;
    sql(
        &app,
        "UPDATE audit_log SET seq = seq - 999999 WHERE seq > 1000000",
    )
    .await;
    sql(&app, "INSERT INTO audit_log (seq, at, actor_id, actor_name, action, record_type, record_id, area_code, unit_code, client_addr, outcome, details, prev_hash, hash) \
               SELECT 5, at, actor_id, 'forger', action, record_type, record_id, area_code, unit_code, client_addr, outcome, details, hash, hash FROM audit_log WHERE seq = 4").await;
    assert_eq!(chain_break(&app).await, Some(5));
}

#[tokio::test]
async fn a_truncated_tail_is_detected() {
    let app = spawn_app().await;
    sql(
        &app,
        "DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)",
    )
    .await;
    assert!(chain_break(&app).await.is_some());
}
