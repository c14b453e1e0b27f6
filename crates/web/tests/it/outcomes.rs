//! Outcomes per person (issue 19), so far civil documents: dated
//! procedures whose status follows their dates, through the person's scope,
//! versioned, audited, moved by a merge.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

fn field_codes(r: &TestResponse) -> Vec<(String, String)> {
    r.json()["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap_or("").to_owned(),
                        e["code"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn person(c: &mut Client<'_>, given: &str) -> String {
    let r = c
        .json(
            Method::POST,
            "/api/v1/persons",
            json!({"given_names": given, "family_name": "Ђорђевић", "sex": "male", "birth_date": "1990",
               "unit_code": "MT-NIS", "area_code": "RS-20-NIS", "confirm_new": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn civil_documents_are_requested_then_obtained_or_refused() {
    let app = spawn_app().await;
    let mut hm = app.api_as("healthmediator").await;
    let p = person(&mut hm, "Шабан").await;
    let path = format!("/api/v1/persons/{p}/documents");
    // Every problem at once.
    let r = hm
        .json(
            Method::POST,
            &path,
            json!({"kind": "passport", "requested_on": "2026-03-01", "obtained_on": "2026-02-01"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(field_codes(&r), vec![("kind".into(), "err-choice".into())]);
    let r = hm
        .json(
            Method::POST,
            &path,
            json!({"kind": "birth_registration", "requested_on": "2026-03-01",
            "obtained_on": "2026-02-01", "refused_on": "2026-02-02"}),
        )
        .await;
    let fields: Vec<String> = field_codes(&r).into_iter().map(|(f, _)| f).collect();
    assert_eq!(
        fields,
        vec!["refused_on", "obtained_on", "refused_on", "refusal_reason"]
    );

    // A request, then obtained: the status follows the dates.
    let r = hm
        .json(
            Method::POST,
            &path,
            json!({"kind": "birth_registration", "requested_on": "2026-03-01"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let d: Value = r.json();
    assert_eq!(d["status"], "requested");
    let r = hm
        .json(
            Method::POST,
            &path,
            json!({"kind": "birth_registration", "requested_on": "2026-04-01"}),
        )
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("kind".into(), "err-document-open".into())]
    );
    let did = d["id"].as_str().unwrap();
    let upd = |version: i64| json!({"kind": "birth_registration", "requested_on": "2026-03-01", "obtained_on": "2026-05-20", "version": version});
    let r = hm.json(Method::PUT, &format!("{path}/{did}"), upd(1)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "obtained");
    let r = hm.json(Method::PUT, &format!("{path}/{did}"), upd(1)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // Refused with its reason.
    let r = hm
        .json(
            Method::POST,
            &path,
            json!({"kind": "identity_card", "requested_on": "2026-06-01",
            "refused_on": "2026-07-01", "refusal_reason": "No proof of residence"}),
        )
        .await;
    assert_eq!(r.json()["status"], "refused");
    let list = hm.get(&path).await.json();
    assert_eq!(list.as_array().unwrap().len(), 2);

    // Outside the person's scope: nothing, and no writes.
    let mut ank = app.api_as("mediator").await;
    assert_eq!(ank.get(&path).await.status, StatusCode::NOT_FOUND);
    let r = ank
        .json(
            Method::POST,
            &path,
            json!({"kind": "citizenship", "requested_on": "2026-06-01"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let mut manager = app.api_as("manager").await;
    assert_eq!(manager.get(&path).await.status, StatusCode::NOT_FOUND);

    // The pages: the person's page lists them; the documents page records one.
    let mut web = app.signed_in("healthmediator").await;
    let page = web.get(&format!("/persons/{p}")).await;
    assert!(
        page.body.contains(&format!("/persons/{p}/documents")),
        "{}",
        page.body
    );
    let r = web
        .post_form(
            &format!("/persons/{p}/documents"),
            &[
                ("kind", "residence_registration"),
                ("requested_on", "2026-08-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = web
        .post_form(
            &format!("/persons/{p}/documents"),
            &[("kind", "citizenship")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(hm.get(&path).await.json().as_array().unwrap().len(), 3);

    // Audited with the person's place.
    let n: (i64,) = kopru_store::Sql::new(
        "SELECT COUNT(*) FROM audit_log WHERE action IN ('document.add', 'document.update') AND unit_code = 'MT-NIS'",
    )
    .fetch_one(app.store().pool())
    .await
    .unwrap();
    assert_eq!(n.0, 4);
}
