//! Case management through the API: the case workflow, forms filled on a
//! case, consent-gated referrals answered by an institution that sees only
//! what was shared, transfers, follow-ups on "my work", dashboards.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use kopru_domain::case::{date_of, day_number};
use serde_json::{json, Value};

/// The installation's today: the tests use the application's one clock.
fn today() -> String {
    kopru_store::clock::today()
}

fn days_from_today(n: i64) -> String {
    date_of(day_number(&today()).unwrap() + n)
}

async fn me(c: &mut Client<'_>) -> String {
    c.get("/api/v1/me").await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub(crate) async fn add_user(app: &TestApp, username: &str, role: kopru_domain::Role, scope: &str) {
    use kopru_domain::{codes::*, policy::Assignment, Scope};
    app.store()
        .create_user(
            &kopru_store::audit::Actor::system("t"),
            None,
            kopru_store::accounts::NewUser {
                username: Username::parse(username).unwrap(),
                display_name: Label::parse(username).unwrap(),
                password: Password::parse(DEMO_PASSWORD).unwrap(),
                assignments: vec![Assignment {
                    role,
                    scope: Scope::parse(scope).unwrap(),
                }],
                must_change_password: false,
            },
        )
        .await
        .unwrap();
}

/// A child in Altındağ (SHKB-ANK-01), registered by the mediator.
async fn child(c: &mut Client<'_>, given: &str) -> String {
    let r = c
        .json(
            Method::POST,
            "/api/v1/persons",
            json!({"given_names": given, "family_name": "Kaya", "sex": "female", "birth_date": "2017-03-04",
               "phone": "+90 532 111 22 33", "unit_code": "SHKB-ANK-01", "area_code": "TR-06-ALTINDAG", "confirm_new": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_owned()
}

async fn open_case(c: &mut Client<'_>, person: &str) -> Value {
    let r = c
        .json(
            Method::POST,
            "/api/v1/cases",
            json!({"person_id": person, "unit_code": "SHKB-ANK-01", "domains": ["education", "health"], "priority": "high"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()
}

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

async fn status(c: &mut Client<'_>, case: &str, to: &str, version: i64) -> TestResponse {
    c.json(
        Method::POST,
        &format!("/api/v1/cases/{case}/status"),
        json!({"status": to, "version": version}),
    )
    .await
}

#[tokio::test]
async fn a_case_moves_through_its_workflow_and_a_closed_case_is_read_only_until_reopened() {
    let app = spawn_app().await;
    let mut m = app.api_as("mediator").await;
    let mediator_id = me(&mut m).await;
    let p = child(&mut m, "Elif").await;
    let case = open_case(&mut m, &p).await;
    let id = case["id"].as_str().unwrap().to_owned();
    assert_eq!(case["status"], "open");
    assert_eq!(case["subject_name"], "Elif Kaya");
    assert_eq!(case["domains"], json!(["education", "health"]));

    // The opener works on it, as its lead.
    let file = m.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.body);
    assert_eq!(file.json()["workers"][0]["user_id"], mediator_id.as_str());
    assert_eq!(file.json()["workers"][0]["lead"], true);

    // No plan before an assessment; no skipping to services.
    let r = status(&mut m, &id, "plan_agreed", 1).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        field_codes(&r),
        vec![("status".into(), "err-transition".into())]
    );
    let r = status(&mut m, &id, "assessed", 1).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // A stale version is a conflict, not an overwrite.
    let r = status(&mut m, &id, "plan_agreed", 1).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = status(&mut m, &id, "plan_agreed", 2).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // A goal per domain; closing needs an outcome for each goal still open.
    let g = m
        .json(
            Method::POST,
            &format!("/api/v1/cases/{id}/goals"),
            json!({"domain": "education", "description": "Enrolled in grade 2", "target_date": days_from_today(30)}),
        )
        .await;
    assert_eq!(g.status, StatusCode::CREATED, "{}", g.body);
    let goal = g.json()["id"].as_str().unwrap().to_owned();
    let r = m
        .json(
            Method::POST,
            &format!("/api/v1/cases/{id}/close"),
            json!({"reason": "goals_met", "version": 3}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        field_codes(&r),
        vec![(format!("outcome.{goal}"), "err-required".into())]
    );
    // Closing is its own step, with a reason.
    let r = status(&mut m, &id, "closed", 3).await;
    assert_eq!(
        field_codes(&r),
        vec![("status".into(), "err-case-close-with-reason".into())]
    );
    let r = m
        .json(
            Method::POST,
            &format!("/api/v1/cases/{id}/close"),
            json!({"reason": "goals_met", "outcomes": {goal.clone(): "achieved"}, "version": 3}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "closed");
    assert_eq!(r.json()["closure_reason"], "goals_met");

    // Closed: nothing can be added.
    let r = m
        .json(
            Method::POST,
            &format!("/api/v1/cases/{id}/contacts"),
            json!({"kind": "home_visit"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        field_codes(&r),
        vec![("status".into(), "err-case-closed".into())]
    );

    // Reopening says why, and goes back to open.
    let r = status(&mut m, &id, "open", 4).await;
    assert_eq!(
        field_codes(&r),
        vec![("note".into(), "err-reason-required".into())]
    );
    let r = m
        .json(
            Method::POST,
            &format!("/api/v1/cases/{id}/status"),
            json!({"status": "open", "version": 4, "note": "Dropped out again"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "open");
    assert_eq!(r.json()["closed_on"], Value::Null);

    // Every change is on the timeline with its actor.
    let file = m.get(&format!("/api/v1/cases/{id}")).await.json();
    let kinds: Vec<(&str, &str)> = file["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap(),
                e["to_status"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("opened", "open"),
            ("status", "assessed"),
            ("status", "plan_agreed"),
            ("closed", "closed"),
            ("reopened", "open"),
        ]
    );
    assert!(file["events"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["actor"] == "mediator"));
    assert_eq!(file["goals"][0]["status"], "achieved");

    // Other units do not see it; the auditor reads it; institutions never.
    let mut other = app.api_as("healthmediator").await;
    assert_eq!(
        other.get(&format!("/api/v1/cases/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let mut auditor = app.api_as("auditor").await;
    assert_eq!(
        auditor.get(&format!("/api/v1/cases/{id}")).await.status,
        StatusCode::OK
    );
    let r = auditor
        .json(
            Method::POST,
            &format!("/api/v1/cases/{id}/contacts"),
            json!({"kind": "home_visit"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let mut school = app.api_as("school").await;
    assert_eq!(
        school.get(&format!("/api/v1/cases/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn contacts_services_attachments_and_submissions_are_kept_with_their_form_version() {
    let app = spawn_app().await;
    let mut m = app.api_as("mediator").await;
    let p = child(&mut m, "Derya").await;
    let id = open_case(&mut m, &p).await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let r = m
        .json(
            Method::POST,
            &format!("/api/v1/cases/{id}/contacts"),
            json!({"kind": "home_visit", "date": days_from_today(-2), "duration_minutes": 45,
                   "participants": "Mother, child", "narrative": "The child has no school kit."}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let contact = r.json()["id"].as_str().unwrap().to_owned();
    let r = m
        .json(
            Method::POST,
            &format!("/api/v1/cases/{id}/contacts"),
            json!({"kind": "visit", "date": days_from_today(3), "duration_minutes": 0}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut codes = field_codes(&r);
    codes.sort();
    assert_eq!(
        codes,
        vec![
            ("date".into(), "err-date-in-future".into()),
            ("duration_minutes".into(), "err-out-of-range".into()),
            ("kind".into(), "err-choice".into()),
        ]
    );
    let r = m
        .json(
            Method::POST,
            &format!("/api/v1/cases/{id}/services"),
            json!({"kind": "in_kind_aid", "quantity": 2, "note": "School kits"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // Attachments: recognised by content, limited in size, encrypted, audited when read.
    let pdf = kopru_domain::attachment::samples::pdf();
    let r = m
        .raw(
            Method::POST,
            &format!(
                "/api/v1/cases/{id}/attachments?file_name=dogum%20belgesi.pdf&contact_id={contact}"
            ),
            "application/pdf",
            pdf.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let att = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(r.json()["media_type"], "application/pdf");
    let r = m
        .raw(
            Method::POST,
            &format!("/api/v1/cases/{id}/attachments?file_name=x.exe"),
            "application/pdf",
            b"MZ\x90\x00\x03".to_vec(),
        )
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("file".into(), "err-attachment-type".into())]
    );
    let mut big = b"%PDF-".to_vec();
    big.resize(kopru_domain::casework::ATTACHMENT_MAX_BYTES + 1, b'x');
    let r = m
        .raw(
            Method::POST,
            &format!("/api/v1/cases/{id}/attachments?file_name=big.pdf"),
            "application/pdf",
            big,
        )
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("file".into(), "err-attachment-too-large".into())]
    );
    // The outside test's files: a bare JPEG header, a PNG header followed by
    // HTML, a PDF named as a web page (kept under its real type's name), and a
    // right-to-left override in a name.
    for (name, bytes, code) in [
        ("a.jpg", vec![0xFF, 0xD8, 0xFF], "err-attachment-damaged"),
        (
            "a.png",
            b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script>".to_vec(),
            "err-attachment-damaged",
        ),
    ] {
        let r = m
            .raw(
                Method::POST,
                &format!("/api/v1/cases/{id}/attachments?file_name={name}"),
                "image/png",
                bytes,
            )
            .await;
        assert_eq!(
            field_codes(&r),
            vec![("file".into(), code.into())],
            "{name}"
        );
    }
    let r = m
        .raw(
            Method::POST,
            &format!("/api/v1/cases/{id}/attachments?file_name=x.html"),
            "text/html",
            kopru_domain::attachment::samples::pdf(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        (
            r.json()["file_name"].as_str(),
            r.json()["media_type"].as_str()
        ),
        (Some("x.pdf"), Some("application/pdf"))
    );
    let r = m
        .raw(
            Method::POST,
            &format!("/api/v1/cases/{id}/attachments?file_name=cv%E2%80%AEfdp.exe"),
            "application/pdf",
            kopru_domain::attachment::samples::pdf(),
        )
        .await;
    assert_eq!(r.json()["file_name"], "cvfdp.pdf", "{}", r.body);
    let r = m
        .get(&format!("/api/v1/cases/{id}/attachments/{att}"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.bytes, pdf);
    assert!(r
        .header("content-disposition")
        .unwrap()
        .starts_with("attachment"));
    let stored: Vec<(String,)> = sqlx::query_as("SELECT ciphertext FROM case_attachments")
        .fetch_all(app.store().pool())
        .await
        .unwrap();
    assert!(stored[0].0.starts_with("v1."));
    assert!(!stored[0].0.contains("birth certificate"));

    // An education assessment, checked against the form.
    let r = m
        .json(
            Method::POST,
            &format!("/api/v1/cases/{id}/submissions"),
            json!({"form_id": "needs_education", "answers": {"enrolled": "maybe"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let codes = field_codes(&r);
    assert!(codes.iter().any(|(f, _)| f == "enrolled"), "{codes:?}");
    assert!(codes.iter().any(|(f, _)| f == "needs"), "{codes:?}");
    let r = m
        .json(
            Method::POST,
            &format!("/api/v1/cases/{id}/submissions"),
            json!({"form_id": "needs_education", "answers": {
                "enrolled": false, "barriers": ["documents", "cost"], "needs": ["enrolment", "supplies"],
                "school_name": "hidden because not enrolled"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let first = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(r.json()["form_version"], 1);
    assert_eq!(
        r.json()["answers"].get("school_name"),
        None,
        "hidden answers are dropped"
    );

    // Answers are counted from typed values.
    let counts = app
        .store()
        .answer_counts(
            &principal(&app, "coordinator").await,
            "needs_education",
            "needs",
        )
        .await
        .unwrap();
    assert_eq!(
        counts,
        vec![("enrolment".to_owned(), 1), ("supplies".to_owned(), 1)]
    );

    // A new version of the form: new submissions use it, the old one still renders with its own.
    let mut admin = app.api_as("admin").await;
    let mut v2: Value = admin.get("/api/v1/forms/needs_education").await.json();
    v2["version"] = json!(2);
    v2["sections"][1]["fields"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": "mentor", "type": "yes_no", "required": true,
            "label": {"tr": "Mentor", "en": "Mentor", "sr-Cyrl": "Ментор"}}));
    let r = admin.json(Method::POST, "/api/v1/forms", v2).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = m
        .json(
            Method::POST,
            &format!("/api/v1/cases/{id}/submissions"),
            json!({"form_id": "needs_education", "answers": {"enrolled": true, "needs": ["none"]}}),
        )
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("mentor".into(), "err-required".into())]
    );
    let r = m
        .json(
            Method::POST,
            &format!("/api/v1/cases/{id}/submissions"),
            json!({"form_id": "needs_education", "answers": {"enrolled": true, "needs": ["none"], "mentor": "yes"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["form_version"], 2);
    let old = m
        .get(&format!("/api/v1/cases/{id}/submissions/{first}"))
        .await;
    assert_eq!(old.status, StatusCode::OK, "{}", old.body);
    assert_eq!(old.json()["form"]["version"], 1);
    assert_eq!(
        old.json()["submission"]["answers"]["barriers"],
        json!(["documents", "cost"])
    );
    let page = app
        .signed_in("mediator")
        .await
        .get(&format!("/cases/{id}/submissions/{first}"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // Labels and options of version 1, in the reader's language (Turkish by default).
    assert!(page.body.contains("Okula kayıtlı mı?"), "{}", page.body);
    assert!(page.body.contains("Kimlik/belge eksik"), "{}", page.body);
    assert!(
        !page.body.contains("Mentor"),
        "version 2's field is not on a version 1 submission"
    );

    let file = m.get(&format!("/api/v1/cases/{id}")).await.json();
    assert_eq!(
        file["case"]["last_contact_on"],
        days_from_today(-2).as_str()
    );
    assert_eq!(file["contacts"].as_array().unwrap().len(), 1);
    assert_eq!(file["services"][0]["quantity"], 2.0);
    assert_eq!(file["attachments"].as_array().unwrap().len(), 3);
    assert_eq!(file["submissions"].as_array().unwrap().len(), 2);
    // Narratives never reach the audit log.
    let audit: Vec<(String,)> = sqlx::query_as("SELECT details FROM audit_log")
        .fetch_all(app.store().pool())
        .await
        .unwrap();
    assert!(audit.iter().all(|(d,)| !d.contains("school kit")));
}

async fn principal(app: &TestApp, username: &str) -> kopru_domain::Principal {
    let mut c = app.api_as(username).await;
    let id = me(&mut c).await;
    app.store().principal(&id).await.unwrap().unwrap()
}

async fn consent(c: &mut Client<'_>, person: &str, kinds: Value) {
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/persons/{person}/consents"),
            json!({"purpose": "referral_sharing", "legal_basis": "explicit_consent", "text_version": "2026-01",
                   "language": "tr", "institution_kinds": kinds, "given_by": "Ayşe Kaya, annesi"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

async fn refer(c: &mut Client<'_>, case: &str, body: Value) -> TestResponse {
    c.json(
        Method::POST,
        &format!("/api/v1/cases/{case}/referrals"),
        body,
    )
    .await
}

#[tokio::test]
async fn referrals_need_consent_or_an_audited_override_and_institutions_see_only_what_is_shared() {
    let app = spawn_app().await;
    let mut m = app.api_as("mediator").await;
    let p = child(&mut m, "Zehra").await;
    let case = open_case(&mut m, &p).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let to_school = json!({"institution_code": "SCH-ANK-ALTINDAG", "service": "school_enrolment",
        "reason": "Not enrolled at 9", "shared": ["birth_date", "assessment"]});

    // No consent to share: refused.
    let r = refer(&mut m, &case, to_school.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        field_codes(&r),
        vec![("consent".into(), "err-referral-no-consent".into())]
    );
    // A consent for health centres only does not cover a school.
    consent(&mut m, &p, json!(["family_health_centre"])).await;
    let r = refer(&mut m, &case, to_school.clone()).await;
    assert_eq!(
        field_codes(&r),
        vec![("consent".into(), "err-referral-no-consent".into())]
    );
    // A mediator cannot override; a coordinator can, with a reason, audited.
    let mut with_override = to_school.clone();
    with_override["override_reason"] = json!("Child protection: out of school for two years");
    let r = refer(&mut m, &case, with_override.clone()).await;
    assert_eq!(
        field_codes(&r),
        vec![("override_reason".into(), "err-override-not-allowed".into())]
    );
    let mut coord = app.api_as("coordinator").await;
    let r = refer(&mut coord, &case, with_override).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let overridden = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(
        r.json()["consent_override"],
        "Child protection: out of school for two years"
    );
    let audited: Vec<(String, String)> = sqlx::query_as(
        "SELECT actor_name, details FROM audit_log WHERE action = 'referral.consent_override'",
    )
    .fetch_all(app.store().pool())
    .await
    .unwrap();
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].0, "coordinator");
    assert!(audited[0].1.contains("out of school"));

    // With a consent covering schools the mediator sends one, due in five working days.
    consent(&mut m, &p, json!(["school"])).await;
    let r = refer(&mut m, &case, to_school.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let referral = r.json();
    let rid = referral["id"].as_str().unwrap().to_owned();
    assert_eq!(referral["status"], "sent");
    assert_eq!(
        referral["due_on"],
        kopru_domain::case::add_working_days(&today(), 5)
            .unwrap()
            .as_str()
    );
    assert_eq!(
        referral["shared_fields"],
        json!(["name", "birth_date", "assessment"])
    );
    // The institution must offer the service.
    let mut wrong = to_school.clone();
    wrong["service"] = json!("job_placement");
    let r = refer(&mut m, &case, wrong).await;
    assert_eq!(
        field_codes(&r),
        vec![("service".into(), "err-service-not-offered".into())]
    );

    // A referral of another unit's case to another institution.
    let mut nis = app.api_as("healthmediator").await;
    let other = nis
        .json(
            Method::POST,
            "/api/v1/persons",
            json!({"given_names": "Марко", "family_name": "Јовић", "sex": "male", "birth_date": "2015",
                   "unit_code": "MT-NIS", "area_code": "RS-20-NIS"}),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    consent(&mut nis, &other, json!([])).await;
    let other_case = nis
        .json(
            Method::POST,
            "/api/v1/cases",
            json!({"person_id": other, "unit_code": "MT-NIS", "domains": ["health"]}),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = refer(
        &mut nis,
        &other_case,
        json!({"institution_code": "CSR-NIS", "service": "social_services", "reason": "Family support"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // The school's inbox: only referrals to the school, only the shared fields.
    let mut school = app.api_as("school").await;
    let inbox = school.get("/api/v1/referrals").await;
    assert_eq!(inbox.status, StatusCode::OK, "{}", inbox.body);
    let items = inbox.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(items
        .iter()
        .all(|i| i["institution_code"] == "SCH-ANK-ALTINDAG"));
    let view = school.get(&format!("/api/v1/referrals/{rid}")).await;
    assert_eq!(view.status, StatusCode::OK, "{}", view.body);
    let shared = &view.json()["referral"]["shared_data"];
    assert_eq!(shared["name"], "Zehra Kaya");
    assert_eq!(shared["birth_date"], "2017-03-04");
    assert_eq!(shared.get("phone"), None, "the phone was not shared");
    assert_eq!(
        shared["assessment"],
        Value::Null,
        "no assessment filled yet"
    );
    assert!(!view.body.contains("+90 532"), "{}", view.body);
    // The school cannot read the person or the case.
    assert_eq!(
        school.get(&format!("/api/v1/persons/{p}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        school.get(&format!("/api/v1/cases/{case}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        school
            .get(&format!(
                "/api/v1/referrals/{}",
                r.json()["id"].as_str().unwrap()
            ))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The school answers: declining needs a reason; delivering needs acceptance first.
    let mv = |status: &str, version: i64| json!({"status": status, "version": version});
    let r = school
        .json(
            Method::POST,
            &format!("/api/v1/referrals/{rid}/moves"),
            mv("declined", 1),
        )
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("reason".into(), "err-reason-required".into())]
    );
    let r = school
        .json(
            Method::POST,
            &format!("/api/v1/referrals/{rid}/moves"),
            mv("delivered", 1),
        )
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("status".into(), "err-transition".into())]
    );
    let r = school
        .json(
            Method::POST,
            &format!("/api/v1/referrals/{rid}/moves"),
            mv("received", 1),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = school
        .json(
            Method::POST,
            &format!("/api/v1/referrals/{rid}/moves"),
            mv("accepted", 2),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["answered_on"], today().as_str());
    let r = school
        .json(
            Method::POST,
            &format!("/api/v1/referrals/{rid}/moves"),
            json!({"status": "delivered", "version": 3, "note": "Enrolled in grade 2-B"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // The mediator sees the answer on "my work" until the case is opened.
    let work = m.get("/api/v1/my-work").await.json();
    let answered: Vec<&str> = work["answered_referrals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(answered, vec![rid.as_str()]);
    assert_eq!(work["answered_referrals"][0]["answer_seen_at"], Value::Null);
    let file = m.get(&format!("/api/v1/cases/{case}")).await.json();
    let timeline = m.get(&format!("/api/v1/referrals/{rid}")).await.json();
    let steps: Vec<(&str, &str)> = timeline["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["status"].as_str().unwrap(), e["side"].as_str().unwrap()))
        .collect();
    assert_eq!(
        steps,
        vec![
            ("sent", "unit"),
            ("received", "institution"),
            ("accepted", "institution"),
            ("delivered", "institution")
        ]
    );
    assert_eq!(timeline["events"][3]["note"], "Enrolled in grade 2-B");
    assert_eq!(timeline["events"][3]["service_on"], today().as_str());
    assert_eq!(file["referrals"].as_array().unwrap().len(), 2);
    let work = m.get("/api/v1/my-work").await.json();
    assert!(work["answered_referrals"][0]["answer_seen_at"].is_string());

    // For an institution without Köprü the mediator records the answer.
    let r = m
        .json(
            Method::POST,
            &format!("/api/v1/referrals/{overridden}/moves"),
            json!({"status": "declined", "reason": "No places this term", "version": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let t = m
        .get(&format!("/api/v1/referrals/{overridden}"))
        .await
        .json();
    assert_eq!(t["events"][1]["side"], "unit");
    // And the printable letter shows only the shared information.
    let letter = app
        .signed_in("mediator")
        .await
        .get(&format!("/referrals/{rid}/letter"))
        .await;
    assert_eq!(letter.status, StatusCode::OK, "{}", letter.body);
    assert!(letter.body.contains("Zehra Kaya") && letter.body.contains("Not enrolled at 9"));
    assert!(!letter.body.contains("+90 532"));
}

#[tokio::test]
async fn transfers_are_accepted_or_declined_by_the_receiver() {
    let app = spawn_app().await;
    add_user(
        &app,
        "polatli",
        kopru_domain::Role::UnitCoordinator,
        "unit:SHKB-ANK-02",
    )
    .await;
    let mut m = app.api_as("mediator").await;
    let p = child(&mut m, "Sibel").await;
    let case = open_case(&mut m, &p).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = m
        .json(
            Method::POST,
            &format!("/api/v1/cases/{case}/transfers"),
            json!({"to_unit": "SHKB-ANK-01", "reason": "x"}),
        )
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("to_unit".into(), "err-transfer-same-unit".into())]
    );
    let r = m
        .json(
            Method::POST,
            &format!("/api/v1/cases/{case}/transfers"),
            json!({"to_unit": "SHKB-ANK-02", "reason": "The family moved to Polatlı"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let t1 = r.json()["id"].as_str().unwrap().to_owned();

    // Only the receiving unit's coordinator sees and answers it.
    let mut coord = app.api_as("coordinator").await;
    assert!(coord
        .get("/api/v1/transfers")
        .await
        .json()
        .as_array()
        .unwrap()
        .is_empty());
    let r = coord
        .json(
            Method::POST,
            &format!("/api/v1/transfers/{t1}/answer"),
            json!({"accept": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let mut polatli = app.api_as("polatli").await;
    let pending = polatli.get("/api/v1/transfers").await.json();
    assert_eq!(pending[0]["subject_name"], "Sibel Kaya");
    // Declining says why; the case stays.
    let r = polatli
        .json(
            Method::POST,
            &format!("/api/v1/transfers/{t1}/answer"),
            json!({"accept": false}),
        )
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("note".into(), "err-reason-required".into())]
    );
    let r = polatli
        .json(
            Method::POST,
            &format!("/api/v1/transfers/{t1}/answer"),
            json!({"accept": false, "note": "Address is in Altındağ still"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "declined");
    let r = polatli
        .json(
            Method::POST,
            &format!("/api/v1/transfers/{t1}/answer"),
            json!({"accept": true}),
        )
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("status".into(), "err-transfer-answered".into())]
    );
    assert_eq!(
        polatli.get(&format!("/api/v1/cases/{case}")).await.status,
        StatusCode::NOT_FOUND
    );

    // Asked again and accepted: the case moves with its history.
    let t2 = m
        .json(
            Method::POST,
            &format!("/api/v1/cases/{case}/transfers"),
            json!({"to_unit": "SHKB-ANK-02", "reason": "Moved, confirmed"}),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = polatli
        .json(
            Method::POST,
            &format!("/api/v1/transfers/{t2}/answer"),
            json!({"accept": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let file = polatli.get(&format!("/api/v1/cases/{case}")).await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.body);
    assert_eq!(file.json()["case"]["unit_code"], "SHKB-ANK-02");
    assert!(file.json()["workers"].as_array().unwrap().is_empty());
    let kinds: Vec<String> = file.json()["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        kinds,
        vec![
            "opened",
            "transfer_requested",
            "transfer_declined",
            "transfer_requested",
            "transfer_accepted"
        ]
    );
    assert_eq!(
        m.get(&format!("/api/v1/cases/{case}")).await.status,
        StatusCode::NOT_FOUND,
        "the sending unit no longer sees it"
    );
}

#[tokio::test]
async fn follow_ups_fall_due_on_my_work_and_the_coordinator_reassigns_them() {
    let app = spawn_app().await;
    add_user(
        &app,
        "mediator2",
        kopru_domain::Role::SocialMediator,
        "unit:SHKB-ANK-01",
    )
    .await;
    let mut m = app.api_as("mediator").await;
    let mut m2 = app.api_as("mediator2").await;
    let m2_id = me(&mut m2).await;
    let p = child(&mut m, "Melek").await;
    let case = open_case(&mut m, &p).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let add = |title: &str, due: String| json!({"title": title, "due_on": due});
    let mut ids = Vec::new();
    for (title, due) in [
        ("Call the school", days_from_today(-3)),
        ("Visit the family", days_from_today(2)),
        ("Check the health card", days_from_today(20)),
    ] {
        let r = m
            .json(
                Method::POST,
                &format!("/api/v1/cases/{case}/follow-ups"),
                add(title, due),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        ids.push((
            r.json()["id"].as_str().unwrap().to_owned(),
            r.json()["version"].as_i64().unwrap(),
        ));
    }
    let r = m
        .json(
            Method::POST,
            &format!("/api/v1/cases/{case}/follow-ups"),
            json!({"title": "", "due_on": "2026-02-30"}),
        )
        .await;
    let mut codes = field_codes(&r);
    codes.sort();
    assert_eq!(
        codes,
        vec![
            ("due_on".into(), "err-date".into()),
            ("title".into(), "err-required".into())
        ]
    );

    let work = m.get("/api/v1/my-work").await.json();
    let titles = |k: &str| -> Vec<String> {
        work[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["title"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(titles("overdue_follow_ups"), vec!["Call the school"]);
    assert_eq!(titles("week_follow_ups"), vec!["Visit the family"]);
    // A case opened today is not quiet yet; with a 0-day window... at least one day.
    assert!(work["quiet_cases"].as_array().unwrap().is_empty());

    // Mediators cannot reassign someone else's follow-up... but can pass on their own.
    let (overdue, v) = ids[0].clone();
    let r = m2
        .json(
            Method::PUT,
            &format!("/api/v1/follow-ups/{overdue}"),
            json!({"version": v, "assignee_id": m2_id}),
        )
        .await;
    assert!(
        r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND,
        "{}",
        r.body
    );
    // The coordinator sees the unit's work and reassigns.
    let mut coord = app.api_as("coordinator").await;
    let unit = coord.get("/api/v1/my-work?unit=SHKB-ANK-01").await;
    assert_eq!(unit.status, StatusCode::OK, "{}", unit.body);
    assert_eq!(
        unit.json()["overdue_follow_ups"][0]["title"],
        "Call the school"
    );
    assert_eq!(
        m.get("/api/v1/my-work?unit=SHKB-ANK-01").await.status,
        StatusCode::FORBIDDEN
    );
    let r = coord
        .json(
            Method::PUT,
            &format!("/api/v1/follow-ups/{overdue}"),
            json!({"version": v, "assignee_id": m2_id}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["assignee_name"], "mediator2");
    let work2 = m2.get("/api/v1/my-work").await.json();
    assert_eq!(work2["overdue_follow_ups"][0]["title"], "Call the school");
    let work = m.get("/api/v1/my-work").await.json();
    assert!(work["overdue_follow_ups"].as_array().unwrap().is_empty());
    // Done: off the list. A stale version is a conflict.
    let r = m2
        .json(
            Method::PUT,
            &format!("/api/v1/follow-ups/{overdue}"),
            json!({"version": v, "done": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = m2
        .json(
            Method::PUT,
            &format!("/api/v1/follow-ups/{overdue}"),
            json!({"version": v + 1, "done": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["done_on"], today().as_str());
    let work2 = m2.get("/api/v1/my-work").await.json();
    assert!(work2["overdue_follow_ups"].as_array().unwrap().is_empty());

    // A case without contact for longer than the window is quiet.
    sqlx::query("UPDATE cases SET opened_on = '2026-01-05'")
        .execute(app.store().pool())
        .await
        .unwrap();
    let work = m.get("/api/v1/my-work?quiet_days=30").await.json();
    assert_eq!(work["quiet_cases"][0]["id"], case.as_str());
    let r = m
        .json(
            Method::POST,
            &format!("/api/v1/cases/{case}/contacts"),
            json!({"kind": "phone_call"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let work = m.get("/api/v1/my-work?quiet_days=30").await.json();
    assert!(work["quiet_cases"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn dashboards_count_within_the_viewers_scope() {
    let app = spawn_app().await;
    let mut m = app.api_as("mediator").await;
    let mut ids = Vec::new();
    for name in ["Ayla", "Burcu", "Cemile"] {
        let p = child(&mut m, name).await;
        ids.push(
            open_case(&mut m, &p).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let r = status(&mut m, &ids[0], "assessed", 1).await;
    assert_eq!(r.status, StatusCode::OK);
    let mut nis = app.api_as("healthmediator").await;
    let other = nis
        .json(
            Method::POST,
            "/api/v1/persons",
            json!({"given_names": "Ана", "family_name": "Петровић", "sex": "female", "birth_date": "2010",
                   "unit_code": "MT-NIS", "area_code": "RS-20-NIS"}),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = nis
        .json(
            Method::POST,
            "/api/v1/cases",
            json!({"person_id": other, "unit_code": "MT-NIS", "domains": ["housing"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    let mut coord = app.api_as("coordinator").await;
    let d = coord.get("/api/v1/dashboard").await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.body);
    let d = d.json();
    assert_eq!(d["open_cases"], 3);
    let count = |list: &Value, key: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|c| c["key"] == key)
            .map(|c| c["count"].as_i64().unwrap())
            .unwrap_or(0)
    };
    assert_eq!(count(&d["cases_by_status"], "open"), 2);
    assert_eq!(count(&d["cases_by_status"], "assessed"), 1);
    assert_eq!(count(&d["cases_by_domain"], "education"), 3);
    assert_eq!(
        count(&d["cases_by_domain"], "housing"),
        0,
        "Niš is not in scope"
    );
    assert_eq!(count(&d["cases_by_worker"], "Mehmet Demir"), 3);
    // The programme manager for Turkey sees the same counts; the Serbian team's cases only in Serbia.
    let mut manager = app.api_as("manager").await;
    let d = manager.get("/api/v1/dashboard").await.json();
    assert_eq!(d["open_cases"], 3);
    let mut analyst = app.api_as("analyst").await;
    let d = analyst.get("/api/v1/dashboard").await.json();
    assert_eq!(d["open_cases"], 4);
    assert_eq!(count(&d["cases_by_domain"], "housing"), 1);
    let mut school = app.api_as("school").await;
    assert_eq!(
        school.get("/api/v1/dashboard").await.status,
        StatusCode::FORBIDDEN
    );

    // The page draws the charts on the server.
    let page = app.signed_in("coordinator").await.get("/dashboard").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("<table class=\"bars grid\">") && !page.body.contains("font-size"),
        "the charts are the page's own text: {}",
        page.body
    );

    // Case lists export like person lists, within scope.
    let csv = coord.get("/api/v1/cases/export?format=csv").await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    assert_eq!(csv.body.lines().count(), 4, "{}", csv.body);
    assert!(csv.body.contains("Ayla Kaya") && !csv.body.contains("Петровић"));
    assert_eq!(
        m.get("/api/v1/cases/export").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_whole_loop_through_the_pages() {
    let app = spawn_app().await;
    let mut api = app.api_as("mediator").await;
    let p = child(&mut api, "Gülşen").await;
    let mut m = app.signed_in("mediator").await;

    // The person's page offers a case; opening needs a domain.
    let person = m.get(&format!("/persons/{p}")).await;
    assert!(person.body.contains(&format!("/cases/new?person={p}")));
    let r = m
        .post_form(
            "/cases/new",
            &[("person", &p), ("unit_code", "SHKB-ANK-01")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("Gülşen Kaya"),
        "the form keeps who it is for"
    );
    let r = m
        .post_form(
            "/cases/new",
            &[
                ("person", &p),
                ("unit_code", "SHKB-ANK-01"),
                ("domains", "education"),
                ("priority", "high"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let case_url = r.location();
    let id = case_url.trim_start_matches("/cases/").to_owned();

    // The education assessment on the page: a refused answer keeps what was typed.
    let form_url = format!("/cases/{id}/forms/needs_education");
    let r = m.get(&form_url).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("name=\"barriers\"") && r.body.contains("name=\"enrolled\""));
    // Questions that do not apply are hidden as the answers come (htmx asks the server).
    let hidden = m
        .post_form(&format!("{form_url}/hidden"), &[("enrolled", "no")])
        .await;
    assert_eq!(hidden.status, StatusCode::OK, "{}", hidden.body);
    assert!(
        hidden.body.contains("[data-f=\"school_name\"]"),
        "{}",
        hidden.body
    );
    let shown = m
        .post_form(&format!("{form_url}/hidden"), &[("enrolled", "yes")])
        .await;
    assert!(
        !shown.body.contains("[data-f=\"school_name\"]"),
        "{}",
        shown.body
    );
    assert!(r.body.contains("data-f=\"school_name\""));
    let r = m
        .post_form(
            &form_url,
            &[
                ("enrolled", "no"),
                ("barriers", "documents"),
                ("barriers", "cost"),
                ("notes", "Needs a birth certificate"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("Needs a birth certificate"));
    assert!(r.body.contains("value=\"cost\" checked"), "{}", r.body);
    let r = m
        .post_form(
            &form_url,
            &[
                ("enrolled", "no"),
                ("barriers", "documents"),
                ("barriers", "cost"),
                ("needs", "enrolment"),
                ("notes", "Needs a birth certificate"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Assessed, then a consent for schools, then the referral with the assessment shared.
    let r = m
        .post_form(
            &format!("/cases/{id}/status"),
            &[("status", "assessed"), ("version", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = m
        .post_form(
            &format!("/cases/{id}/referrals"),
            &[
                ("target", "SCH-ANK-ALTINDAG|school_enrolment"),
                ("reason", "Out of school"),
                ("shared", "assessment"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("rıza vermedi"),
        "the refusal is explained: {}",
        r.body
    );
    let mut consent = vec![
        ("purpose", "referral_sharing"),
        ("legal_basis", "explicit_consent"),
        ("text_version", "2026-01"),
        ("language", "tr"),
        ("institution_kinds", "school"),
    ];
    // A child's consent says who gave it.
    let r = m
        .post_form(&format!("/persons/{p}/consents"), &consent)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("ebeveyni veya vasisi"), "{}", r.body);
    consent.push(("given_by", "Ayşe Kaya, annesi"));
    let r = m
        .post_form(&format!("/persons/{p}/consents"), &consent)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let person = m.get(&format!("/persons/{p}")).await.body;
    assert!(person.contains("Ayşe Kaya, annesi"), "{person}");
    let r = m
        .post_form(
            &format!("/cases/{id}/referrals"),
            &[
                ("target", "SCH-ANK-ALTINDAG|school_enrolment"),
                ("reason", "Out of school"),
                ("shared", "assessment"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let referral_url = r.location();

    // The school: its inbox, the shared assessment in words, an answer with a service date.
    let mut school = app.signed_in("school").await;
    let home = school.get("/").await;
    assert!(
        home.body.contains("/referrals?show=awaiting\"><b>1</b>"),
        "{}",
        home.body
    );
    let inbox = school.get("/referrals").await;
    assert_eq!(inbox.status, StatusCode::OK, "{}", inbox.body);
    assert!(inbox.body.contains(&referral_url) && inbox.body.contains("Gülşen Kaya"));
    let page = school.get(&referral_url).await;
    assert!(page.body.contains("Kimlik/belge eksik"), "{}", page.body);
    assert!(!page.body.contains("+90 532"), "the phone was not shared");
    assert!(
        !page.body.contains(&format!("/cases/{id}")),
        "no way into the case"
    );
    let r = school
        .post_form(
            &format!("{referral_url}/moves"),
            &[("status", "declined"), ("version", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = school
        .post_form(
            &format!("{referral_url}/moves"),
            &[("status", "accepted"), ("version", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = school
        .post_form(
            &format!("{referral_url}/moves"),
            &[
                ("status", "delivered"),
                ("version", "2"),
                ("note", "2-B sınıfına kaydedildi"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // The mediator sees the answer on the home page, on "my work" and on the case.
    let home = m.get("/").await;
    assert!(
        home.body.contains("/my-work#answered\"><b>1</b>"),
        "{}",
        home.body
    );
    let work = m.get("/my-work").await;
    assert_eq!(work.status, StatusCode::OK, "{}", work.body);
    assert!(
        work.body.contains("yeni yanıt") && work.body.contains("Hizmet verildi"),
        "{}",
        work.body
    );
    let case = m.get(&case_url).await;
    assert_eq!(case.status, StatusCode::OK, "{}", case.body);
    assert!(case.body.contains("Hizmet verildi"));
    let work = m.get("/my-work").await;
    assert!(
        !work.body.contains("yeni yanıt"),
        "seen once the case was opened"
    );
    let timeline = m.get(&referral_url).await;
    assert!(timeline.body.contains("2-B sınıfına kaydedildi"));

    // A contact with a photo through the page's multipart form.
    let r = m
        .post_form(
            &format!("/cases/{id}/contacts"),
            &[("kind", "home_visit"), ("narrative", "Visited")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    m.ensure_csrf().await;
    let boundary = "XyZ";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"kimlik.png\"\r\nContent-Type: image/png\r\n\r\n").into_bytes();
    body.extend_from_slice(&kopru_domain::attachment::samples::png(false));
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let csrf = m.csrf();
    let r = m
        .raw(
            Method::POST,
            &format!("/cases/{id}/attachments?_csrf={csrf}"),
            &format!("multipart/form-data; boundary={boundary}"),
            body,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let case = m.get(&case_url).await;
    assert!(case.body.contains("kimlik.png"));
    // The letter prints the referral.
    let letter = m.get(&format!("{referral_url}/letter")).await;
    assert!(
        letter.body.contains("Altındağ Atatürk İlkokulu") && letter.body.contains("Out of school")
    );
    // The dashboard and the list.
    let list = m.get("/cases?mine=1").await;
    assert!(list.body.contains(&case_url));
    // A goal, then closing on the page with its outcome.
    let r = m
        .post_form(
            &format!("/cases/{id}/goals"),
            &[("domain", "education"), ("description", "Enrolled")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let file = api.get(&format!("/api/v1/cases/{id}")).await.json();
    let goal = file["goals"][0]["id"].as_str().unwrap().to_owned();
    let version = file["case"]["version"].to_string();
    let r = m
        .post_form(
            &format!("/cases/{id}/close"),
            &[("reason", "goals_met"), ("version", &version)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let outcome = format!("outcome.{goal}");
    let r = m
        .post_form(
            &format!("/cases/{id}/close"),
            &[
                ("reason", "goals_met"),
                ("version", &version),
                (&outcome, "achieved"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let case = m.get(&case_url).await;
    assert!(
        case.body.contains("yalnızca okunabilir"),
        "closed and read-only"
    );
    assert!(!case
        .body
        .contains(&format!("action=\"/cases/{id}/contacts\"")));
}

#[tokio::test]
async fn case_pages_refuse_bad_input_without_a_server_error_and_stay_light() {
    let app = spawn_app().await;
    let mut api = app.api_as("mediator").await;
    let p = child(&mut api, "Hatice").await;
    let id = open_case(&mut api, &p).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut m = app.signed_in("mediator").await;
    let csrf = m.csrf();
    for (path, body) in [
        (
            format!("/cases/{id}/forms/needs_education"),
            format!("_csrf={csrf}&children[99999999999].age=3&%FF=1&enrolled=yes"),
        ),
        (
            format!("/cases/{id}/forms/needs_education"),
            format!("_csrf={csrf}&enrolled=yes&needs[0]=x&needs=y"),
        ),
        (
            format!("/cases/{id}/forms/no_such_form"),
            format!("_csrf={csrf}&a=b"),
        ),
        (
            format!("/cases/{id}/status"),
            format!("_csrf={csrf}&status=flying&version=1"),
        ),
        (
            format!("/cases/{id}/status"),
            format!("_csrf={csrf}&status=assessed&version=abc"),
        ),
        (
            format!("/cases/{id}/close"),
            format!("_csrf={csrf}&reason=bogus&version=1&outcome.nope=achieved"),
        ),
        (
            format!("/cases/{id}/goals"),
            format!("_csrf={csrf}&domain=x&description=&target_date=2026-13-40"),
        ),
        (
            format!("/cases/{id}/referrals"),
            format!("_csrf={csrf}&target=nonsense&reason=x"),
        ),
        (
            format!("/cases/{id}/services"),
            format!("_csrf={csrf}&kind=in_kind_aid&quantity=-1"),
        ),
        (
            format!("/cases/{id}/transfers"),
            format!("_csrf={csrf}&to_unit=%00&reason="),
        ),
        (
            "/follow-ups/nope".to_owned(),
            format!("_csrf={csrf}&version=1&done=1"),
        ),
        (
            "/transfers/nope/answer".to_owned(),
            format!("_csrf={csrf}&accept=1"),
        ),
        (
            "/referrals/nope/moves".to_owned(),
            format!("_csrf={csrf}&status=accepted&version=1"),
        ),
        (
            "/cases/new".to_owned(),
            format!("_csrf={csrf}&person=nope&unit_code=SHKB-ANK-01&domains=education"),
        ),
    ] {
        let r = m.post_raw_form(&path, &body).await;
        assert!(
            r.status.is_client_error(),
            "{path} {body}: {} {}",
            r.status,
            r.body
        );
    }
    let r = m
        .raw(
            Method::POST,
            &format!("/cases/{id}/attachments?_csrf={csrf}"),
            "multipart/form-data; boundary=x",
            b"garbage".to_vec(),
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    for path in [
        "/cases/nope",
        "/cases/nope/submissions/nope",
        "/referrals/nope",
        "/referrals/nope/letter",
        "/cases/nope/attachments/nope",
    ] {
        assert_eq!(m.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    // Case pages stay light on a slow network.
    let css = m.get("/static/app.css").await.bytes.len();
    let js = m.get("/static/htmx.min.js").await.bytes.len();
    for page in [
        format!("/cases/{id}"),
        "/cases".into(),
        "/my-work".into(),
        format!("/cases/{id}/forms/needs_health"),
        "/referrals".into(),
    ] {
        let r = m.get(&page).await;
        assert_eq!(r.status, StatusCode::OK, "{page}");
        let total = r.bytes.len() + css + js;
        assert!(total <= 100 * 1024, "{page}: {total} bytes");
    }
}

#[tokio::test]
async fn the_case_list_finds_names_in_any_case_order_and_script() {
    let app = spawn_app().await;
    let mut m = app.api_as("mediator").await;
    let p = child(&mut m, "Şükriye").await;
    open_case(&mut m, &p).await;
    let other = child(&mut m, "Aynur").await;
    open_case(&mut m, &other).await;
    for q in ["şükriye", "KAYA ŞÜKRİYE", "sukriye kaya"] {
        let r = m
            .get(&format!("/api/v1/cases?q={}", urlencode(q)))
            .await
            .json();
        let names: Vec<&str> = r["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["subject_name"].as_str().unwrap())
            .collect();
        assert_eq!(names, vec!["Şükriye Kaya"], "{q}");
    }
}

/// A health needs assessment (special-category data) on a case, with `notes`.
async fn health_assessment(c: &mut Client<'_>, case: &str, notes: &str) -> TestResponse {
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/cases/{case}/submissions"),
            json!({"form_id": "needs_health", "answers": {"has_family_doctor": false, "has_insurance": true,
                   "chronic_condition": true, "needs": ["gp_registration"], "notes": notes}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r
}

#[tokio::test]
async fn health_and_legal_assessments_are_special_category_encrypted_and_read_only_by_those_who_may(
) {
    let app = spawn_app().await;
    add_user(
        &app,
        "ankassistant",
        kopru_domain::Role::PedagogicalAssistant,
        "unit:SHKB-ANK-01",
    )
    .await;
    let mut m = app.api_as("mediator").await;
    let p = child(&mut m, "Nuray").await;
    let id = open_case(&mut m, &p).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = health_assessment(&mut m, &id, "Asthma, uses an inhaler").await;
    let sid = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(r.json()["answers"]["notes"], "Asthma, uses an inhaler");
    // At rest: sealed, and no plain typed values.
    let (stored,): (String,) =
        sqlx::query_as("SELECT answers FROM form_submissions WHERE form_id = 'needs_health'")
            .fetch_one(app.store().pool())
            .await
            .unwrap();
    assert!(
        stored.starts_with("v1.") && !stored.contains("Asthma"),
        "{stored}"
    );
    let (values,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM form_values WHERE form_id = 'needs_health'")
            .fetch_one(app.store().pool())
            .await
            .unwrap();
    assert_eq!(values, 0);
    // The mediator reads it back (audited); the pedagogical assistant of the same unit does not.
    let own = m
        .get(&format!("/api/v1/cases/{id}/submissions/{sid}"))
        .await;
    assert_eq!(
        own.json()["submission"]["answers"]["notes"],
        "Asthma, uses an inhaler"
    );
    let file = m.get(&format!("/api/v1/cases/{id}")).await.json();
    assert_eq!(
        file["submissions"][0]["answers"]["notes"],
        "Asthma, uses an inhaler"
    );
    let (audited,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE action = 'case.special_form_view'")
            .fetch_one(app.store().pool())
            .await
            .unwrap();
    assert_eq!(
        audited, 2,
        "each reading of special-category answers is logged"
    );
    let mut a = app.api_as("ankassistant").await;
    let file = a.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.body);
    assert_eq!(file.json()["submissions"][0]["withheld"], true);
    assert!(!file.body.contains("Asthma"));
    assert_eq!(
        a.get(&format!("/api/v1/cases/{id}/submissions/{sid}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = a
        .json(
            Method::POST,
            &format!("/api/v1/cases/{id}/submissions"),
            json!({"form_id": "needs_health", "answers": {"has_family_doctor": true, "has_insurance": true, "needs": ["vaccination"]}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // Education answers are for every worker of the unit.
    let r = a
        .json(
            Method::POST,
            &format!("/api/v1/cases/{id}/submissions"),
            json!({"form_id": "needs_education", "answers": {"enrolled": true, "needs": ["tutoring"]}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let page = app
        .signed_in("ankassistant")
        .await
        .get(&format!("/cases/{id}"))
        .await;
    assert!(!page.body.contains(&format!("/submissions/{sid}")) && !page.body.contains("Asthma"));
}

#[tokio::test]
async fn response_times_are_set_per_institution_kind_and_give_the_due_date() {
    let app = spawn_app().await;
    let mut manager = app.signed_in("manager").await;
    let page = manager.get("/response-times").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("name=\"working_days\""));
    let r = manager
        .post_form(
            "/response-times",
            &[("institution_kind", "school"), ("working_days", "0")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = manager
        .post_form(
            "/response-times",
            &[("institution_kind", "school"), ("working_days", "2")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut m = app.signed_in("mediator").await;
    assert!(!m
        .get("/response-times")
        .await
        .body
        .contains("name=\"working_days\""));
    let r = m
        .post_form(
            "/response-times",
            &[("institution_kind", "school"), ("working_days", "9")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut api = app.api_as("mediator").await;
    let times = api.get("/api/v1/response-times").await.json();
    let school = times
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["institution_kind"] == "school")
        .unwrap()
        .clone();
    assert_eq!(school["working_days"], 2);
    assert_eq!(school["default_days"], 5);

    // A case for a programme, opened on the page; a referral due in two working days.
    let p = child(&mut api, "Songül").await;
    let r = m
        .post_form(
            "/cases/new",
            &[
                ("person", &p),
                ("unit_code", "SHKB-ANK-01"),
                ("domains", "education"),
                ("programme_code", "SIROMA"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = r.location().trim_start_matches("/cases/").to_owned();
    let case = api.get(&format!("/api/v1/cases/{id}")).await.json();
    assert!(case["case"]["programme_id"].is_string());
    consent(&mut api, &p, json!([])).await;
    let r = refer(&mut api, &id, json!({"institution_code": "SCH-ANK-ALTINDAG", "service": "school_enrolment", "reason": "x"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        r.json()["due_on"],
        kopru_domain::case::add_working_days(&today(), 2)
            .unwrap()
            .as_str()
    );
}

#[tokio::test]
async fn a_case_and_its_follow_ups_are_edited_on_the_page_without_overwriting_others() {
    let app = spawn_app().await;
    let mut api = app.api_as("mediator").await;
    let p = child(&mut api, "Leyla").await;
    let id = open_case(&mut api, &p).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut m = app.signed_in("mediator").await;
    let r = m
        .post_form(
            &format!("/cases/{id}/edit"),
            &[
                ("priority", "urgent"),
                ("domains", "health"),
                ("domains", "housing"),
                ("summary", "Flooded home"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let c = api.get(&format!("/api/v1/cases/{id}")).await.json();
    assert_eq!(c["case"]["priority"], "urgent");
    assert_eq!(c["case"]["domains"], json!(["health", "housing"]));
    // Someone else's edit in between: a conflict, nothing overwritten.
    let r = m
        .post_form(
            &format!("/cases/{id}/edit"),
            &[("priority", "low"), ("domains", "legal"), ("version", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = m
        .post_form(
            &format!("/cases/{id}/edit"),
            &[("priority", "low"), ("version", "2")],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a case keeps at least one domain"
    );
    assert_eq!(
        api.get(&format!("/api/v1/cases/{id}")).await.json()["case"]["priority"],
        "urgent"
    );
    // A follow-up moved to another day on the page.
    let f = api
        .json(
            Method::POST,
            &format!("/api/v1/cases/{id}/follow-ups"),
            json!({"title": "Call", "due_on": days_from_today(1)}),
        )
        .await
        .json();
    let fid = f["id"].as_str().unwrap();
    let r = m
        .post_form(
            &format!("/follow-ups/{fid}"),
            &[("version", "1"), ("due_on", &days_from_today(9))],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let c = api.get(&format!("/api/v1/cases/{id}")).await.json();
    assert_eq!(c["follow_ups"][0]["due_on"], days_from_today(9).as_str());
    assert_eq!(c["follow_ups"][0]["done_on"], Value::Null);
}

#[tokio::test]
async fn a_household_case_refers_one_of_its_current_members() {
    let app = spawn_app().await;
    let mut m = app.api_as("mediator").await;
    let hh = m
        .json(Method::POST, "/api/v1/households", json!({"unit_code": "SHKB-ANK-01", "area_code": "TR-06-ALTINDAG", "address": "Gülpınar Sk. 4"}))
        .await;
    assert_eq!(hh.status, StatusCode::CREATED, "{}", hh.body);
    let hh = hh.json()["id"].as_str().unwrap().to_owned();
    let r = m
        .json(
            Method::POST,
            "/api/v1/persons",
            json!({"given_names": "Emre", "family_name": "Tekin", "sex": "male", "birth_date": "2016-02-02",
                   "unit_code": "SHKB-ANK-01", "area_code": "TR-06-ALTINDAG", "household_id": hh, "relationship": "child", "confirm_new": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let child_id = r.json()["id"].as_str().unwrap().to_owned();
    let outsider = child(&mut m, "Yasemin").await;
    consent(&mut m, &child_id, json!(["school"])).await;
    let case = m
        .json(Method::POST, "/api/v1/cases", json!({"household_id": hh, "unit_code": "SHKB-ANK-01", "domains": ["education", "housing"]}))
        .await;
    assert_eq!(case.status, StatusCode::CREATED, "{}", case.body);
    let case = case.json()["id"].as_str().unwrap().to_owned();
    let body = |person: Option<&str>| {
        let mut b = json!({"institution_code": "SCH-ANK-ALTINDAG", "service": "school_enrolment", "reason": "Not enrolled"});
        if let Some(p) = person {
            b["person_id"] = json!(p);
        }
        b
    };
    let r = refer(&mut m, &case, body(None)).await;
    assert_eq!(
        field_codes(&r),
        vec![("person_id".into(), "err-referral-needs-person".into())]
    );
    let r = refer(&mut m, &case, body(Some(&outsider))).await;
    assert_eq!(
        field_codes(&r),
        vec![("person_id".into(), "err-referral-not-member".into())]
    );
    let r = refer(&mut m, &case, body(Some(&child_id))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["person_id"], child_id.as_str());
    assert_eq!(r.json()["shared_data"]["name"], "Emre Tekin");
    // The case page offers the members.
    let page = app
        .signed_in("mediator")
        .await
        .get(&format!("/cases/{case}"))
        .await;
    assert!(
        page.body
            .contains(&format!("<option value=\"{child_id}\">Emre Tekin</option>")),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn a_transfer_to_a_named_worker_is_answered_by_that_worker() {
    let app = spawn_app().await;
    add_user(
        &app,
        "polatlimed",
        kopru_domain::Role::SocialMediator,
        "unit:SHKB-ANK-02",
    )
    .await;
    let mut api = app.api_as("mediator").await;
    let p = child(&mut api, "Aysel").await;
    let id = open_case(&mut api, &p).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut m = app.signed_in("mediator").await;
    let r = m
        .post_form(
            &format!("/cases/{id}/transfers"),
            &[
                ("to_unit", "SHKB-ANK-02"),
                ("to_username", "coordinator"),
                ("reason", "Moved"),
            ],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the coordinator of Altındağ does not work in Polatlı"
    );
    let r = m
        .post_form(
            &format!("/cases/{id}/transfers"),
            &[
                ("to_unit", "SHKB-ANK-02"),
                ("to_username", "polatlimed"),
                ("reason", "Moved"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut receiver = app.signed_in("polatlimed").await;
    let work = receiver.get("/my-work").await;
    assert!(work.body.contains("Aysel Kaya"), "{}", work.body);
    let t = app
        .api_as("polatlimed")
        .await
        .get("/api/v1/transfers")
        .await
        .json();
    let tid = t[0]["id"].as_str().unwrap().to_owned();
    let r = receiver
        .post_form(&format!("/transfers/{tid}/answer"), &[("accept", "1")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("/cases/{id}"));
    let file = app
        .api_as("polatlimed")
        .await
        .get(&format!("/api/v1/cases/{id}"))
        .await
        .json();
    assert_eq!(file["workers"][0]["username"], "polatlimed");
    assert_eq!(file["case"]["lead_worker"], "polatlimed");
}

#[tokio::test]
async fn goals_are_edited_on_the_page_and_stale_edits_refused() {
    let app = spawn_app().await;
    let mut api = app.api_as("mediator").await;
    let p = child(&mut api, "Filiz").await;
    let id = open_case(&mut api, &p).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let g = api
        .json(
            Method::POST,
            &format!("/api/v1/cases/{id}/goals"),
            json!({"domain": "education", "description": "Enrol"}),
        )
        .await
        .json();
    let gid = g["id"].as_str().unwrap().to_owned();
    let mut m = app.signed_in("mediator").await;
    let page = m.get(&format!("/cases/{id}")).await;
    assert!(page
        .body
        .contains(&format!("action=\"/cases/{id}/goals/{gid}\"")));
    let target = days_from_today(40);
    let r = m
        .post_form(
            &format!("/cases/{id}/goals/{gid}"),
            &[
                ("version", "1"),
                ("domain", "education"),
                ("description", "Enrol in grade 3"),
                ("target_date", &target),
                ("status", "in_progress"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let file = api.get(&format!("/api/v1/cases/{id}")).await.json();
    assert_eq!(file["goals"][0]["description"], "Enrol in grade 3");
    assert_eq!(file["goals"][0]["target_date"], target.as_str());
    assert_eq!(file["goals"][0]["status"], "in_progress");
    let r = m
        .post_form(
            &format!("/cases/{id}/goals/{gid}"),
            &[
                ("version", "1"),
                ("domain", "health"),
                ("description", "x"),
                ("status", "dropped"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
}

/// The code review found health answers copied in clear into
/// `referrals.shared_data` and shown to anyone who sees referrals. Shared
/// special-category answers stay sealed at rest, are shown only to the
/// receiving focal point and to readers with the category's right, each
/// reading audited; rows written before are sealed at start.
#[tokio::test]
async fn health_answers_shared_in_a_referral_stay_sealed_and_are_read_only_by_those_who_may() {
    let app = spawn_app().await;
    add_user(
        &app,
        "asm",
        kopru_domain::Role::InstitutionFocalPoint,
        "institution:ASM-ANK-ALTINDAG",
    )
    .await;
    add_user(
        &app,
        "ankassistant",
        kopru_domain::Role::PedagogicalAssistant,
        "unit:SHKB-ANK-01",
    )
    .await;
    let mut m = app.api_as("mediator").await;
    let p = child(&mut m, "Gülsüm").await;
    let case = open_case(&mut m, &p).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    health_assessment(&mut m, &case, "Epilepsy, daily medication").await;
    consent(&mut m, &p, json!(["family_health_centre"])).await;
    let r = refer(
        &mut m,
        &case,
        json!({"institution_code": "ASM-ANK-ALTINDAG", "service": "family_doctor_registration",
        "reason": "No family doctor", "shared": ["birth_date", "assessment"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let rid = r.json()["id"].as_str().unwrap().to_owned();
    assert!(
        !r.body.contains("Epilepsy"),
        "not even in the sender's answer: {}",
        r.body
    );
    // At rest: no answer in clear anywhere in the row.
    let (data, sealed): (String, Option<String>) =
        sqlx::query_as("SELECT shared_data, shared_sealed FROM referrals WHERE id = $1")
            .bind(&rid)
            .fetch_one(app.store().pool())
            .await
            .unwrap();
    assert!(
        !data.contains("Epilepsy") && !data.contains("chronic"),
        "{data}"
    );
    assert!(sealed
        .as_deref()
        .is_some_and(|s| s.starts_with("v1.") && !s.contains("Epilepsy")));
    let special_reads = |app: &TestApp| {
        let pool = app.store().pool().clone();
        async move {
            let (n,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'referral.special.read'",
            )
            .fetch_one(&pool)
            .await
            .unwrap();
            n
        }
    };
    // The receiving focal point reads the answers (audited), in the API and on the page.
    let mut asm = app.api_as("asm").await;
    let one = asm.get(&format!("/api/v1/referrals/{rid}")).await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.body);
    assert_eq!(
        one.json()["referral"]["shared_data"]["assessment"]["answers"]["notes"],
        "Epilepsy, daily medication"
    );
    assert_eq!(special_reads(&app).await, 1);
    let page = app
        .signed_in("asm")
        .await
        .get(&format!("/referrals/{rid}"))
        .await;
    assert!(page.body.contains("Epilepsy"), "{}", page.body);
    assert_eq!(special_reads(&app).await, 2);
    // Lists never carry them, for anybody.
    for who in [&mut asm, &mut m] {
        let list = who.get("/api/v1/referrals").await;
        assert!(
            list.body.contains(&rid) && !list.body.contains("Epilepsy"),
            "{}",
            list.body
        );
    }
    // The mediator (health right in her unit) reads them; the unit's pedagogical
    // assistant and the auditor see the referral with the answers withheld.
    let mine = m.get(&format!("/api/v1/referrals/{rid}")).await;
    assert!(mine.body.contains("Epilepsy"));
    assert_eq!(special_reads(&app).await, 3);
    for who in ["ankassistant", "auditor"] {
        let mut c = app.api_as(who).await;
        let r = c.get(&format!("/api/v1/referrals/{rid}")).await;
        assert_eq!(r.status, StatusCode::OK, "{who}: {}", r.body);
        assert!(!r.body.contains("Epilepsy"), "{who}");
        assert_eq!(
            r.json()["referral"]["shared_data"]["assessment"]["withheld"],
            true,
            "{who}"
        );
        let page = app
            .signed_in(who)
            .await
            .get(&format!("/referrals/{rid}"))
            .await;
        assert!(!page.body.contains("Epilepsy"), "{who}");
    }
    assert_eq!(
        special_reads(&app).await,
        3,
        "withheld readings are not special reads"
    );
    // A row written before the fix, answers in clear: sealed at start, readable as before.
    let clear = data.replace(
        "\"sealed\":\"health\"",
        "\"answers\":{\"notes\":\"Old clear note\",\"chronic_condition\":true}",
    );
    assert_ne!(clear, data);
    sqlx::query("UPDATE referrals SET shared_data = $1, shared_sealed = NULL WHERE id = $2")
        .bind(&clear)
        .bind(&rid)
        .execute(app.store().pool())
        .await
        .unwrap();
    assert_eq!(app.store().seal_shared_special().await.unwrap(), 1);
    assert_eq!(
        app.store().seal_shared_special().await.unwrap(),
        0,
        "idempotent"
    );
    let (data,): (String,) = sqlx::query_as("SELECT shared_data FROM referrals WHERE id = $1")
        .bind(&rid)
        .fetch_one(app.store().pool())
        .await
        .unwrap();
    assert!(!data.contains("Old clear note"), "{data}");
    let one = asm.get(&format!("/api/v1/referrals/{rid}")).await;
    assert_eq!(
        one.json()["referral"]["shared_data"]["assessment"]["answers"]["notes"],
        "Old clear note"
    );
}

/// "My work" filtered by the user only: a worker who moved unit kept seeing
/// the names of people through old follow-ups and referrals.
#[tokio::test]
async fn my_work_shows_only_what_the_worker_may_still_see() {
    let app = spawn_app().await;
    let mut m = app.api_as("mediator").await;
    let p = child(&mut m, "Sevda").await;
    let case = open_case(&mut m, &p).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (title, due) in [
        ("Call Sevda's school", days_from_today(-2)),
        ("Visit Sevda", days_from_today(1)),
    ] {
        let r = m
            .json(
                Method::POST,
                &format!("/api/v1/cases/{case}/follow-ups"),
                json!({"title": title, "due_on": due}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let work = m.get("/api/v1/my-work").await.json();
    assert_eq!(work["overdue_follow_ups_count"], 1);
    assert_eq!(work["week_follow_ups_count"], 1);
    let home = app.signed_in("mediator").await.get("/my-work").await;
    assert!(home.body.contains("Visit Sevda"), "{}", home.body);
    // She moves to Vranje's unit: the old unit's work is no longer hers to see.
    sqlx::query("UPDATE role_assignments SET scope_code = 'MT-VRANJE' WHERE user_id = (SELECT id FROM users WHERE username = 'mediator')")
        .execute(app.store().pool())
        .await
        .unwrap();
    let r = m.get("/api/v1/my-work").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let work = r.json();
    assert_eq!(work["overdue_follow_ups_count"], 0, "{work}");
    assert_eq!(work["week_follow_ups_count"], 0);
    assert!(!r.body.contains("Sevda"), "{}", r.body);
    let page = app.signed_in("mediator").await.get("/my-work").await;
    assert!(!page.body.contains("Sevda"), "{}", page.body);
    let home = app.signed_in("mediator").await.get("/").await;
    assert!(!home.body.contains("Sevda"));
}

/// A coordinator's work is their unit's: "my work" opens on it, their own list
/// is a tab away, and a form on the unit's list comes back to the unit's list.
#[tokio::test]
async fn a_coordinator_lands_on_the_unit_and_stays_there() {
    let app = spawn_app().await;
    let mut c = app.signed_in("coordinator").await;
    let page = c.get("/my-work").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("aria-current=\"page\">") && page.body.contains(": SHKB-ANK-01</h1>"),
        "the unit's view first: {}",
        page.body
    );
    assert!(page
        .body
        .contains("<input type=\"hidden\" name=\"unit\" value=\"SHKB-ANK-01\">"));
    let own = c.get("/my-work?mine=1").await;
    assert!(
        !own.body.contains(": SHKB-ANK-01</h1>"),
        "own list on asking"
    );
    assert!(own
        .body
        .contains("<input type=\"hidden\" name=\"mine\" value=\"1\">"));
    // A mediator (no unit to coordinate) has only their own list.
    let mut m = app.signed_in("mediator").await;
    let mine = m.get("/my-work").await;
    assert!(!mine.body.contains("class=\"tabs\""));
}

#[tokio::test]
async fn the_case_timeline_holds_every_event_of_the_case_newest_first() {
    let app = spawn_app().await;
    let mut m = app.api_as("mediator").await;
    let p = child(&mut m, "Derya").await;
    let case = open_case(&mut m, &p).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ok = |r: &TestResponse| assert!(r.status.is_success(), "{}", r.body);
    ok(&m
        .json(
            Method::POST,
            &format!("/api/v1/cases/{case}/submissions"),
            json!({"form_id": "needs_education", "answers": {
                "enrolled": false, "barriers": ["documents"], "needs": ["enrolment"]}}),
        )
        .await);
    ok(&m
        .json(
            Method::POST,
            &format!("/api/v1/cases/{case}/contacts"),
            json!({"kind": "home_visit", "date": days_from_today(-1), "duration_minutes": 30}),
        )
        .await);
    let r = m
        .json(
            Method::POST,
            &format!("/api/v1/cases/{case}/follow-ups"),
            json!({"title": "Okul kaydını kontrol et", "due_on": days_from_today(5)}),
        )
        .await;
    ok(&r);
    let fu = r.json()["id"].as_str().unwrap().to_owned();
    ok(&m
        .json(
            Method::PUT,
            &format!("/api/v1/follow-ups/{fu}"),
            json!({"version": 1, "done": true}),
        )
        .await);
    consent(&mut m, &p, json!(["school"])).await;
    let r = refer(
        &mut m,
        &case,
        json!({"institution_code": "SCH-ANK-ALTINDAG", "service": "school_enrolment",
               "reason": "Not enrolled", "shared": ["birth_date"]}),
    )
    .await;
    ok(&r);
    let rid = r.json()["id"].as_str().unwrap().to_owned();
    let mut school = app.api_as("school").await;
    for (status, version) in [("received", 1), ("accepted", 2), ("delivered", 3)] {
        let mut body = json!({"status": status, "version": version});
        if status == "delivered" {
            body["service_on"] = json!(today());
        }
        ok(&school
            .json(
                Method::POST,
                &format!("/api/v1/referrals/{rid}/moves"),
                body,
            )
            .await);
    }

    let mut web = app.signed_in("mediator").await;
    web.post_form("/lang", &[("lang", "en"), ("next", "/")])
        .await;
    let page = web.get(&format!("/cases/{case}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let timeline = &page.body[page.body.find("<ol class=\"timeline\">").unwrap()..];
    let timeline = &timeline[..timeline.find("</ol>").unwrap()];
    let lines: Vec<&str> = timeline.split("<li>").skip(1).collect();
    for expected in [
        "Opened",
        "Assessment filled: Education needs assessment",
        "Contact: Home visit",
        "Follow-up planned: Okul kaydını kontrol et",
        "Follow-up done: Okul kaydını kontrol et",
        "Sent",
        "Received",
        "Accepted",
        "Service delivered",
    ] {
        assert!(
            lines.iter().any(|l| l.contains(expected)),
            "{expected} missing from the timeline: {timeline}"
        );
    }
    // The referral's moves link to it; the newest comes first.
    assert!(timeline.contains(&format!("href=\"/referrals/{rid}\"")));
    let at: Vec<&str> = lines
        .iter()
        .map(|l| {
            let s = &l[l.find("datetime=\"").unwrap() + 10..];
            &s[..s.find('"').unwrap()]
        })
        .collect();
    // Newest first in the installation's calendar (timestamps are UTC; a
    // run after 21:00 UTC is already tomorrow in Istanbul).
    let keys: Vec<String> = at
        .iter()
        .map(|a| kopru_store::clock::local_key(a))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(keys, sorted, "newest first");
    assert!(lines[0].contains("Service delivered"), "{}", lines[0]);

    // The API answers the same file; its referral moves are there too.
    let file = m.get(&format!("/api/v1/cases/{case}")).await.json();
    assert_eq!(file["referral_events"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn the_referral_letter_is_numbered_per_unit_and_year_signed_by_name_and_title_and_comes_as_pdf(
) {
    let app = spawn_app().await;
    let mut m = app.api_as("mediator").await;
    let r = m
        .json(
            Method::PUT,
            "/api/v1/me/job-title",
            json!({"job_title": "Sosyal Çalışmacı"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let too_long = "x".repeat(500);
    let r = m
        .json(
            Method::PUT,
            "/api/v1/me/job-title",
            json!({ "job_title": too_long }),
        )
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("job_title".into(), "err-too-long".into())]
    );

    let mut refs = Vec::new();
    for given in ["Leyla", "Nur"] {
        let p = child(&mut m, given).await;
        let case = open_case(&mut m, &p).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        consent(&mut m, &p, json!(["school"])).await;
        let r = refer(
            &mut m,
            &case,
            json!({"institution_code": "SCH-ANK-ALTINDAG", "service": "school_enrolment",
                   "reason": "Okula kayıtlı değil", "shared": ["birth_date"]}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        refs.push((
            r.json()["id"].as_str().unwrap().to_owned(),
            r.json()["reference_no"].as_str().unwrap().to_owned(),
        ));
    }
    // One count per unit and year, in the order sent.
    let year = &today()[..4];
    let first: u32 = refs[0].1.rsplit('/').next().unwrap().parse().unwrap();
    assert!(
        refs[0].1.starts_with(&format!("SHKB-ANK-01/{year}/")),
        "{}",
        refs[0].1
    );
    assert_eq!(refs[1].1, format!("SHKB-ANK-01/{year}/{}", first + 1));

    let mut web = app.signed_in("mediator").await;
    web.post_form("/lang", &[("lang", "en"), ("next", "/")])
        .await;
    let letter = web.get(&format!("/referrals/{}/letter", refs[1].0)).await;
    assert_eq!(letter.status, StatusCode::OK);
    let body = &letter.body;
    assert!(body.contains(&refs[1].1), "the human number: {body}");
    assert!(
        !body.contains(&format!("Ref. {}", refs[1].0)),
        "not the record id"
    );
    assert!(body.contains("Sosyal Çalışmacı"), "the title: {body}");
    assert!(
        body.contains("Mehmet Demir"),
        "the worker's name, not the username"
    );
    assert!(
        body.contains("+90 312 555"),
        "the unit's phone on the letterhead"
    );
    assert!(
        body.contains("4 Mar 2017"),
        "the birth date as the reader writes it: {body}"
    );
    assert!(!body.contains("2017-03-04"));

    let pdf = web
        .get(&format!("/referrals/{}/letter.pdf", refs[1].0))
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    assert!(pdf.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains(&refs[1].1.replace('/', "_")));
    assert!(pdf.bytes.starts_with(b"%PDF-"));
    if let Ok(path) = std::env::var("KOPRU_KEEP_LETTER") {
        std::fs::write(path, &pdf.bytes).unwrap();
    }
    let text = String::from_utf8_lossy(&pdf.bytes);
    assert!(text.contains("/Lang(en)") && text.contains("+DejaVuSans"));
    // Someone who may not see the referral gets no letter either.
    let mut other = app.signed_in("healthmediator").await;
    assert_eq!(
        other
            .get(&format!("/referrals/{}/letter.pdf", refs[1].0))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn exports_from_the_pages_speak_the_readers_language_and_keep_the_codes() {
    let app = spawn_app().await;
    let mut m = app.api_as("mediator").await;
    let p = child(&mut m, "Sibel").await;
    open_case(&mut m, &p).await;

    // The API's default stays codes with commas, for programs.
    let mut coord = app.api_as("coordinator").await;
    let csv = coord.get("/api/v1/cases/export").await;
    assert_eq!(csv.status, StatusCode::OK);
    let head = csv
        .body
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap()
        .to_owned();
    assert!(head.starts_with("id,subject,"), "{head}");
    assert!(csv.body.contains(",open,high,"), "{}", csv.body);

    // What the page links to: Turkish headers and names, `;`, codes kept.
    let mut web = app.signed_in("coordinator").await;
    web.post_form("/lang", &[("lang", "tr"), ("next", "/")])
        .await;
    let page = web.get("/cases").await;
    assert!(
        page.body.contains("/api/v1/cases/export?names=labels"),
        "{}",
        page.body
    );
    let csv = web.get("/api/v1/cases/export?names=labels").await;
    assert_eq!(csv.status, StatusCode::OK);
    let mut lines = csv.body.trim_start_matches('\u{feff}').lines();
    let head: Vec<&str> = lines.next().unwrap().split(';').collect();
    assert!(head.contains(&"Durum"), "{head:?}");
    assert!(head.contains(&"Durum (kod)"), "{head:?}");
    let row: Vec<&str> = lines
        .find(|l| l.contains("Sibel Kaya"))
        .unwrap()
        .split(';')
        .collect();
    let at = |h: &str| row[head.iter().position(|x| *x == h).unwrap()];
    assert_eq!(at("Durum"), "Açık");
    assert_eq!(at("Durum (kod)"), "open");
    assert_eq!(at("Alanlar (kod)"), "education, health");

    // In English the separator is a comma.
    web.post_form("/lang", &[("lang", "en"), ("next", "/")])
        .await;
    let csv = web.get("/api/v1/cases/export?names=labels").await;
    let head = csv
        .body
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap()
        .to_owned();
    assert!(
        head.contains(",Status,") && head.contains("Status (code)"),
        "{head}"
    );

    // People: the same switch.
    let csv = web
        .get("/api/v1/persons/export?names=labels&columns=given_names,sex")
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    let head = csv
        .body
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(head, "Given names,Sex,Sex (code)");
    assert!(csv.body.contains("Sibel,Female,female"), "{}", csv.body);
    assert_eq!(
        web.get("/api/v1/cases/export?names=fancy").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn a_follow_up_marked_done_by_mistake_is_reopened_on_the_page() {
    let app = spawn_app().await;
    let mut m = app.api_as("mediator").await;
    let p = child(&mut m, "Gül").await;
    let case = open_case(&mut m, &p).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = m
        .json(
            Method::POST,
            &format!("/api/v1/cases/{case}/follow-ups"),
            json!({"title": "Aşı kartını kontrol et", "due_on": days_from_today(2)}),
        )
        .await;
    let fu = r.json()["id"].as_str().unwrap().to_owned();
    let mut web = app.signed_in("mediator").await;
    let r = web
        .post_form(
            &format!("/follow-ups/{fu}"),
            &[("version", "1"), ("done", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = web.get(&format!("/cases/{case}")).await;
    assert!(
        page.body.contains("name=\"reopen\" value=\"1\""),
        "an undo is offered"
    );
    let r = web
        .post_form(
            &format!("/follow-ups/{fu}"),
            &[("version", "2"), ("reopen", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let work = m.get("/api/v1/my-work").await.json();
    let open: Vec<&str> = work["week_follow_ups"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    assert!(open.contains(&fu.as_str()), "back on my work: {work}");
    let file = m.get(&format!("/api/v1/cases/{case}")).await.json();
    assert!(file["follow_ups"][0]["done_on"].is_null());
}
