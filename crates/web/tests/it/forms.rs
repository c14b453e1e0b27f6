//! Form definitions: the shipped forms, publishing, versions kept, malformed
//! definitions refused with every problem named.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

fn text(en: &str) -> Value {
    json!({"tr": en, "en": en, "sr-Cyrl": "Образац"})
}

fn school_v2() -> Value {
    json!({
        "id": "needs_education",
        "version": 2,
        "title": text("Education needs (2027)"),
        "sections": [{
            "id": "schooling",
            "title": text("Schooling"),
            "fields": [
                {"id": "enrolled", "type": "yes_no", "label": text("Enrolled"), "required": true},
                {"id": "school_name", "type": "text", "label": text("School"),
                 "show_if": {"equals": {"field": "enrolled", "value": true}}}
            ]
        }]
    })
}

#[tokio::test]
async fn shipped_forms_are_installed_and_new_versions_keep_the_old_ones() {
    let app = spawn_app().await;
    let mut mediator = app.api_as("mediator").await;
    let r = mediator.get("/api/v1/forms").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let ids: Vec<String> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["form_id"].as_str().unwrap().to_owned())
        .collect();
    for id in [
        "needs_education",
        "needs_health",
        "needs_employment",
        "needs_housing",
        "needs_social_assistance",
        "needs_civil_documents",
        "needs_legal",
        "home_visit",
        "case_closure",
    ] {
        assert!(ids.iter().any(|i| i == id), "{id} not in {ids:?}");
    }
    let r = mediator.get("/api/v1/forms/needs_education").await;
    assert_eq!(r.json()["version"], 1);
    assert_eq!(
        r.json()["title"]["sr-Latn"],
        "Procena potreba u obrazovanju"
    );

    // Publishing is for administrators and programme managers.
    let r = mediator
        .json(Method::POST, "/api/v1/forms", school_v2())
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    let mut admin = app.api_as("admin").await;
    let r = admin.json(Method::POST, "/api/v1/forms", school_v2()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["version"], 2);
    assert_eq!(r.json()["source"], "published");
    assert_eq!(r.json()["published_by"], "admin");

    // The newest by default; the old version is still there for old submissions.
    let r = mediator.get("/api/v1/forms/needs_education").await;
    assert_eq!(r.json()["version"], 2);
    assert_eq!(
        r.json()["sections"][0]["fields"].as_array().unwrap().len(),
        2
    );
    let r = mediator
        .get("/api/v1/forms/needs_education?version=1")
        .await;
    assert_eq!(r.json()["version"], 1);
    assert!(r.json()["sections"][0]["fields"].as_array().unwrap().len() > 2);
    let r = mediator.get("/api/v1/forms/needs_education/versions").await;
    let versions: Vec<i64> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [2, 1]);

    // A kept version never changes.
    let r = admin.json(Method::POST, "/api/v1/forms", school_v2()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["errors"][0]["code"], "form-def-version-not-newer");

    let r = mediator.get("/api/v1/forms/no_such_form").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = mediator
        .get("/api/v1/forms/needs_education?version=9")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let r = admin.get("/api/v1/audit").await;
    assert!(r.body.contains("form.publish"), "{}", r.body);
}

#[tokio::test]
async fn malformed_definitions_are_refused_with_every_problem_in_the_users_language() {
    let app = spawn_app().await;
    let mut admin = app.api_as("admin").await;
    admin.accept_language = Some("tr".into());

    let r = admin
        .raw(
            Method::POST,
            "/api/v1/forms",
            "application/json",
            b"{\"id\": \"x\",\n \"version\": }".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["errors"][0]["code"], "form-def-syntax");
    assert!(r.json()["errors"][0]["field"]
        .as_str()
        .unwrap()
        .starts_with("line 2"));

    let mut bad = school_v2();
    bad["id"] = json!("new_form");
    bad["sections"][0]["fields"][1]["id"] = json!("enrolled");
    bad["sections"][0]["fields"][1]["show_if"] = json!({"answered": {"field": "later"}});
    bad["sections"][0]["fields"][0]["label"] = json!({"en": "Enrolled"});
    let r = admin.json(Method::POST, "/api/v1/forms", bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let errors = r.json()["errors"].as_array().unwrap().clone();
    let codes: Vec<&str> = errors.iter().map(|e| e["code"].as_str().unwrap()).collect();
    for code in [
        "form-def-duplicate-id",
        "form-def-unknown-field",
        "form-def-missing-language",
    ] {
        assert!(codes.contains(&code), "{code} not in {codes:?}");
    }
    // Each says where, and in Turkish.
    let dup = errors
        .iter()
        .find(|e| e["code"] == "form-def-duplicate-id")
        .unwrap();
    assert_eq!(
        dup["field"],
        "sections[0] (schooling).fields[1] (enrolled): enrolled"
    );
    assert_eq!(dup["message"], "Başka bir alan bu kimliği kullanıyor.");
    // Nothing was kept.
    let r = admin.get("/api/v1/forms/new_form").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

/// The outside test's formulas that overflowed the stack and aborted the
/// server: refused with a located message, in the user's language.
#[tokio::test]
async fn formulas_too_long_or_too_deep_are_refused_not_overflowed() {
    let app = spawn_app().await;
    let mut pm = app.api_as("manager").await;
    for formula in [
        format!("{}count{}", "(".repeat(3000), ")".repeat(3000)),
        vec!["n"; 10_000].join("+"),
    ] {
        let mut def = school_v2();
        def["sections"][0]["fields"] = json!([
            {"id": "n", "type": "integer", "label": text("N")},
            {"id": "c", "type": "calculated", "label": text("C"), "formula": formula}
        ]);
        let r = pm.json(Method::POST, "/api/v1/forms", def).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let errors = r.json()["errors"].clone();
        assert!(
            errors
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["code"] == "form-def-formula-too-complex"
                    && e["field"].as_str().unwrap().contains("fields[1]")),
            "{errors}"
        );
    }
}

#[tokio::test]
async fn the_pages_list_preview_and_publish_keeping_a_refused_definition() {
    let app = spawn_app().await;
    let mut mediator = app.signed_in("mediator").await;
    let r = mediator.get("/forms").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("Eğitim ihtiyaç değerlendirmesi"),
        "{}",
        r.body
    );
    assert!(
        !r.body.contains("name=\"definition\""),
        "only publishers see the form"
    );
    let r = mediator.get("/forms/needs_education").await;
    assert_eq!(r.status, StatusCode::OK);
    // Labels, options and conditions in the user's language.
    assert!(r.body.contains("Okula kayıtlı mı?"));
    assert!(r.body.contains("Kimlik/belge eksik"));
    assert!(r.body.contains("yalnızca gerektiğinde sorulur"));
    assert_eq!(
        mediator.get("/forms/nothing").await.status,
        StatusCode::NOT_FOUND
    );

    let mut admin = app.signed_in("admin").await;
    let mut bad = school_v2();
    bad["sections"][0]["fields"][1]["id"] = json!("enrolled");
    let pasted = bad.to_string();
    let r = admin.post_form("/forms", &[("definition", &pasted)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("Başka bir alan bu kimliği kullanıyor."));
    // What was pasted is still there to fix.
    assert!(r.body.contains("Education needs (2027)"), "{}", r.body);

    let r = admin
        .post_form("/forms", &[("definition", &school_v2().to_string())])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/forms/needs_education?version=2");
    let r = admin.get("/forms/needs_education?version=2").await;
    assert!(r.body.contains("?version=1"), "links the older version");
}
