//! Programme activities through the API and the pages: planning, sessions,
//! enrolment from every source, attendance sheets (whole, per tap, twice,
//! by two facilitators at once), completion rules, head counts, and who
//! sees the participants' names.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use kopru_domain::case::{date_of, day_number};
use serde_json::{json, Value};

pub(crate) fn day(n: i64) -> String {
    date_of(day_number(&kopru_store::clock::today()).unwrap() + n)
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

pub(crate) async fn person(c: &mut Client<'_>, given: &str, family: &str) -> String {
    let r = c
        .json(
            Method::POST,
            "/api/v1/persons",
            json!({"given_names": given, "family_name": family, "sex": "female", "birth_date": "2001-05-06",
               "unit_code": "SHKB-ANK-01", "area_code": "TR-06-ALTINDAG", "confirm_new": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_owned()
}

/// A vocational course of SHKB-ANK-01 with a completion rule.
fn course(capacity: i64) -> Value {
    json!({
        "programme_code": "SIROMA", "result_area": "Employment via vocational skills",
        "unit_code": "SHKB-ANK-01", "kind": "vocational_course",
        "titles": {"tr": "Aşçılık kursu", "en": "Cooking course"},
        "area_code": "TR-06-ALTINDAG", "venue": "Halk Eğitim Merkezi",
        "starts_on": day(-10), "ends_on": day(10), "capacity": capacity,
        "cost": "12.500,00", "currency": "try",
        "min_share": 50, "all_modules": true, "pass_mark": 60
    })
}

pub(crate) async fn create(c: &mut Client<'_>, body: Value) -> Value {
    let r = c.json(Method::POST, "/api/v1/activities", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()
}

pub(crate) async fn session(c: &mut Client<'_>, activity: &str, on: &str, module: &str) -> String {
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/activities/{activity}/sessions"),
            json!({"held_on": on, "starts_at": "9:30", "ends_at": "12:00", "module": module}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_owned()
}

pub(crate) async fn sheet(c: &mut Client<'_>, a: &str, s: &str, marks: Value) -> TestResponse {
    c.json(
        Method::PUT,
        &format!("/api/v1/activities/{a}/sessions/{s}/attendance"),
        json!({ "marks": marks }),
    )
    .await
}

fn participant_of(list: &Value, person: &str) -> Value {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["person_id"] == person)
        .cloned()
        .unwrap_or(Value::Null)
}

#[tokio::test]
async fn a_course_runs_from_plan_to_completion() {
    let app = spawn_app().await;
    let mut co = app.api_as("coordinator").await;
    let mut me = app.api_as("mediator").await;
    let a = create(&mut co, course(4)).await;
    let id = a["id"].as_str().unwrap().to_owned();
    assert_eq!(a["status"], "planned");
    assert_eq!(a["titles"]["en"], "Cooking course");
    assert_eq!(a["cost_minor"], 1_250_000);
    assert_eq!(a["currency"], "TRY");
    assert_eq!(a["organiser_name"].as_str().map(str::is_empty), Some(false));

    // Sessions: two modules; a date outside the activity is refused.
    let s1 = session(&mut co, &id, &day(-5), "A").await;
    let s2 = session(&mut co, &id, &day(-3), "B").await;
    let s3 = session(&mut co, &id, &day(2), "B").await;
    let r = co
        .json(
            Method::POST,
            &format!("/api/v1/activities/{id}/sessions"),
            json!({"held_on": day(30)}),
        )
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("held_on".into(), "err-session-outside-activity".into())]
    );

    // Enrolment: people once each, the capacity kept, a professional too.
    let p1 = person(&mut me, "Elif", "Kaya").await;
    let p2 = person(&mut me, "Zehra", "Kaya").await;
    let p3 = person(&mut me, "Derya", "Kaya").await;
    let p4 = person(&mut me, "Sibel", "Kaya").await;
    let r = co
        .json(
            Method::POST,
            &format!("/api/v1/activities/{id}/participants"),
            json!({"person_ids": [p1, p2, p1]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["enrolled"].as_array().unwrap().len(), 2);
    assert_eq!(r.json()["already"], json!([p1]));
    // A case brings its person, and the case is kept on the participant.
    let case = co
        .json(
            Method::POST,
            "/api/v1/cases",
            json!({"person_id": p3, "unit_code": "SHKB-ANK-01", "domains": ["employment"]}),
        )
        .await
        .json();
    let r = co
        .json(
            Method::POST,
            &format!("/api/v1/activities/{id}/participants"),
            json!({"case_id": case["id"]}),
        )
        .await;
    assert_eq!(
        r.json()["enrolled"].as_array().unwrap().len(),
        1,
        "{}",
        r.body
    );
    // A filter finds all four Kayas: three are on the list, one place is left.
    let r = co
        .json(
            Method::POST,
            &format!("/api/v1/activities/{id}/participants"),
            json!({"filter": {"q": "Kaya"}}),
        )
        .await;
    assert_eq!(
        r.json()["enrolled"].as_array().unwrap().len(),
        1,
        "{}",
        r.body
    );
    assert_eq!(r.json()["already"].as_array().unwrap().len(), 3);
    let r = co
        .json(
            Method::POST,
            &format!("/api/v1/activities/{id}/participants"),
            json!({"professional": {"name": "Ayten Öğretmen", "position": "teacher", "sex": "female"}}),
        )
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("name".into(), "err-activity-full".into())]
    );
    // Two sources at once are refused.
    let r = co
        .json(
            Method::POST,
            &format!("/api/v1/activities/{id}/participants"),
            json!({"person_ids": [p4], "case_id": case["id"]}),
        )
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("person_ids".into(), "err-enrol-one-source".into())]
    );

    let list = co
        .get(&format!("/api/v1/activities/{id}/participants"))
        .await
        .json();
    assert_eq!(list["items"].as_array().unwrap().len(), 4);
    assert_eq!(list["hidden"], 0);
    let part = |p: &str| participant_of(&list, p)["id"].as_str().unwrap().to_owned();
    let (a1, a2, a3) = (part(&p1), part(&p2), part(&p3));
    assert_eq!(participant_of(&list, &p3)["case_id"], case["id"]);
    assert_eq!(participant_of(&list, &p4)["enrolled_via"], "filter");

    // A whole sheet; every problem named; the future not marked.
    let r = sheet(
        &mut me,
        &id,
        &s1,
        json!([{"participant_id": a1, "mark": "present"}, {"participant_id": "nobody", "mark": "present"},
               {"participant_id": a2, "mark": "late"}]),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        field_codes(&r),
        vec![("marks[2].mark".into(), "err-choice".into())]
    );
    let r = sheet(
        &mut me,
        &id,
        &s1,
        json!([{"participant_id": a1, "mark": "present"}, {"participant_id": "nobody", "mark": "present"}]),
    )
    .await;
    assert_eq!(
        field_codes(&r),
        vec![(
            "marks[1].participant_id".into(),
            "err-participant-unknown".into()
        )]
    );
    let marks = json!([{"participant_id": a1, "mark": "present"}, {"participant_id": a2, "mark": "absent"},
                       {"participant_id": a3, "mark": "excused"}]);
    let r = sheet(&mut me, &id, &s1, marks.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.json()["saved"].clone(), r.json()["unchanged"].clone()),
        (json!(3), json!(0))
    );
    assert_eq!(r.json()["session"]["present"], 1);
    // The same sheet again changes nothing.
    let r = sheet(&mut me, &id, &s1, marks).await;
    assert_eq!(
        (r.json()["saved"].clone(), r.json()["unchanged"].clone()),
        (json!(0), json!(3))
    );
    let r = sheet(
        &mut me,
        &id,
        &s3,
        json!([{"participant_id": a1, "mark": "present"}]),
    )
    .await;
    assert_eq!(
        field_codes(&r),
        vec![("session".into(), "err-session-in-future".into())]
    );

    // Two facilitators save the same session at once: no mark is lost.
    let mut co2 = app.api_as("coordinator").await;
    let path = format!("/api/v1/activities/{id}/sessions/{s2}/attendance");
    let (r1, r2) = tokio::join!(
        me.json(
            Method::PUT,
            &path,
            json!({"marks": [{"participant_id": a1, "mark": "present"}]})
        ),
        co2.json(
            Method::PUT,
            &path,
            json!({"marks": [{"participant_id": a2, "mark": "present"}]})
        ),
    );
    assert_eq!(
        (r1.status, r2.status),
        (StatusCode::OK, StatusCode::OK),
        "{} {}",
        r1.body,
        r2.body
    );
    let s = co.get(&path).await.json();
    let mark_of = |pid: &str| {
        s["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["participant_id"] == pid)
            .map(|r| r["mark"].clone())
            .unwrap()
    };
    assert_eq!(
        (mark_of(&a1), mark_of(&a2)),
        (json!("present"), json!("present"))
    );

    // Completion: Elif attended both modules (2 of 3 sessions) but has no
    // post-test yet; with 70 she completes, Zehra (1 of 3, module B only) does not.
    let list = co
        .get(&format!("/api/v1/activities/{id}/participants"))
        .await
        .json();
    let c1 = participant_of(&list, &p1)["completion"].clone();
    assert_eq!(
        (
            c1["attended"].clone(),
            c1["sessions"].clone(),
            c1["share"].clone()
        ),
        (json!(2), json!(3), json!(66))
    );
    assert_eq!(c1["complete"], false);
    let version = participant_of(&list, &p1)["version"].as_i64().unwrap();
    let r = co
        .json(
            Method::PUT,
            &format!("/api/v1/activities/{id}/participants/{a1}/scores"),
            json!({"pre_score": 35, "post_score": 70, "version": version}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = co
        .json(
            Method::PUT,
            &format!("/api/v1/activities/{id}/participants/{a1}/scores"),
            json!({"post_score": 140, "version": version}),
        )
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("post_score".into(), "err-number-range".into())]
    );
    let list = co
        .get(&format!("/api/v1/activities/{id}/participants"))
        .await
        .json();
    assert_eq!(participant_of(&list, &p1)["completion"]["complete"], true);
    let c2 = participant_of(&list, &p2)["completion"].clone();
    assert_eq!(c2["complete"], false);
    assert_eq!(c2["modules_missing"], json!(["A"]));

    // The person's own list says the same.
    let mine = me.get(&format!("/api/v1/persons/{p1}/activities")).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    assert_eq!(mine.json()[0]["activity_id"], id.as_str());
    assert_eq!(mine.json()[0]["completion"]["complete"], true);
    assert_eq!(mine.json()[0]["post_score"], 70);

    // planned → running → completed; no skipping; cancelling needs a reason.
    let status = |to: &str, version: i64, reason: Option<&str>| json!({"status": to, "version": version, "reason": reason});
    let path = format!("/api/v1/activities/{id}/status");
    let v = co.get(&format!("/api/v1/activities/{id}")).await.json()["activity"]["version"]
        .as_i64()
        .unwrap();
    let r = co
        .json(Method::POST, &path, status("completed", v, None))
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("status".into(), "err-transition".into())]
    );
    let r = co
        .json(Method::POST, &path, status("cancelled", v, None))
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("reason".into(), "err-required".into())]
    );
    let r = co
        .json(Method::POST, &path, status("running", v, None))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = co
        .json(Method::POST, &path, status("completed", v, None))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = co
        .json(Method::POST, &path, status("completed", v + 1, None))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // A completed activity takes no one new, but late sheets still arrive.
    let r = co
        .json(
            Method::POST,
            &format!("/api/v1/activities/{id}/participants"),
            json!({"person_ids": [p4]}),
        )
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("status".into(), "err-activity-finished".into())]
    );
    let r = sheet(
        &mut me,
        &id,
        &s2,
        json!([{"participant_id": a3, "mark": "absent"}]),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // Every write is in the audit trail.
    let actions: Vec<(String,)> = kopru_store::Sql::new(
        "SELECT DISTINCT action FROM audit_log WHERE record_type = 'activity' ORDER BY action",
    )
    .fetch_all(app.store().pool())
    .await
    .unwrap();
    let actions: Vec<&str> = actions.iter().map(|(a,)| a.as_str()).collect();
    for a in [
        "activity.attendance",
        "activity.create",
        "activity.enrol",
        "activity.participants.read",
        "activity.scores",
        "activity.session.add",
        "activity.sheet.read",
        "activity.status",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
}

#[tokio::test]
async fn participants_are_named_only_to_those_who_may_see_them() {
    let app = spawn_app().await;
    let mut co = app.api_as("coordinator").await;
    let mut me = app.api_as("mediator").await;
    let a = create(&mut co, course(40)).await;
    let id = a["id"].as_str().unwrap().to_owned();
    let p = person(&mut me, "Elif", "Kaya").await;
    co.json(
        Method::POST,
        &format!("/api/v1/activities/{id}/participants"),
        json!({"person_ids": [p]}),
    )
    .await;
    let r = co
        .json(
            Method::POST,
            &format!("/api/v1/activities/{id}/participants"),
            json!({"professional": {"name": "Dr. Ayten Yıldız", "institution_code": "SCH-ANK-ALTINDAG", "position": "teacher", "sex": "female"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["institution_code"], "SCH-ANK-ALTINDAG");

    // The programme manager sees the activity and the professional, and a
    // count for the person, never her name.
    let mut pm = app.api_as("manager").await;
    let r = pm
        .get(&format!("/api/v1/activities/{id}/participants"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["hidden"], 1);
    let items = r.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["kind"], "professional");
    assert!(!r.body.contains("Elif"), "{}", r.body);
    // Nor on the session's sheet, nor the person's own list.
    let s = session(&mut co, &id, &day(-1), "").await;
    let r = pm
        .get(&format!("/api/v1/activities/{id}/sessions/{s}/attendance"))
        .await;
    assert_eq!(r.json()["hidden"], 1);
    assert!(!r.body.contains("Elif"), "{}", r.body);
    let r = pm.get(&format!("/api/v1/persons/{p}/activities")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    // The programme manager may not mark what they cannot see.
    let pid = co
        .get(&format!("/api/v1/activities/{id}/participants"))
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "person")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = sheet(
        &mut pm,
        &id,
        &s,
        json!([{"participant_id": pid, "mark": "present"}]),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    // A mediator in Niš does not see an Ankara unit's activity at all.
    let mut nis = app.api_as("healthmediator").await;
    let r = nis.get(&format!("/api/v1/activities/{id}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let list = nis.get("/api/v1/activities").await.json();
    assert!(list["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["id"] != id.as_str()));
    // Nor may they plan one for that unit.
    let r = nis
        .json(Method::POST, "/api/v1/activities", course(10))
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("unit_code".into(), "err-scope-denied".into())]
    );
}

#[tokio::test]
async fn a_mass_event_counts_heads_and_bad_input_is_named() {
    let app = spawn_app().await;
    let mut co = app.api_as("coordinator").await;
    // Every problem of an activity at once.
    let r = co
        .json(
            Method::POST,
            "/api/v1/activities",
            json!({"programme_code": "NOPE", "unit_code": "SHKB-ANK-01", "institution_code": "X1",
                   "kind": "party", "titles": {"de": "Fest"}, "starts_on": "2026-02-30", "min_share": 140,
                   "cost": "12a"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let fields: Vec<String> = field_codes(&r).into_iter().map(|(f, _)| f).collect();
    for f in [
        "institution_code",
        "kind",
        "titles",
        "area_code",
        "starts_on",
        "min_share",
        "cost",
    ] {
        assert!(fields.iter().any(|x| x == f), "{f} missing from {fields:?}");
    }
    let r = co
        .json(
            Method::POST,
            "/api/v1/activities",
            json!({"programme_code": "SIROMA", "result_area": "Nothing like it", "unit_code": "SHKB-ANK-01",
                   "kind": "awareness_event", "titles": {"tr": "Aşı günü"}, "area_code": "TR-06-ALTINDAG",
                   "starts_on": day(-1)}),
        )
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("result_area".into(), "err-result-area-unknown".into())]
    );
    let mut body = course(0);
    body["kind"] = json!("awareness_event");
    body["capacity"] = Value::Null;
    body["titles"] = json!({"sr-Cyrl": "Дан вакцинације"});
    body["result_area"] = json!("Access to health");
    let a = create(&mut co, body).await;
    let id = a["id"].as_str().unwrap().to_owned();
    let s = session(&mut co, &id, &day(-1), "").await;
    let path = format!("/api/v1/activities/{id}/sessions/{s}/head-counts");
    let r = co
        .json(
            Method::PUT,
            &path,
            json!([{"sex": "female", "age_band": "18_29", "count": 12}, {"sex": "other", "age_band": "0_6", "count": 3},
                   {"sex": "male", "age_band": "0_6", "count": -1}]),
        )
        .await;
    assert_eq!(
        field_codes(&r),
        vec![
            ("[1].sex".into(), "err-choice".into()),
            ("[2].count".into(), "err-number-range".into())
        ]
    );
    let r = co
        .json(
            Method::PUT,
            &path,
            json!([{"sex": "female", "age_band": "18_29", "count": 12}, {"sex": "male", "age_band": "7_17", "count": 5},
                   {"sex": "female", "age_band": "18_29", "count": 3}]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.json(),
        json!([{"sex": "female", "age_band": "18_29", "count": 15}, {"sex": "male", "age_band": "7_17", "count": 5}])
    );
    let sessions = co
        .get(&format!("/api/v1/activities/{id}/sessions"))
        .await
        .json();
    assert_eq!(sessions[0]["counted"], 20);
    // The list finds it by a word of its title, in either script.
    let mut c = app.signed_in("coordinator").await;
    let page = c.get("/activities?q=vakcin").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(&format!("/activities/{id}")),
        "{}",
        page.body
    );
    let page = c.get("/activities?q=kermes").await;
    assert!(!page.body.contains(&format!("/activities/{id}")));
}

#[tokio::test]
async fn attendance_is_taken_on_the_page_one_tap_at_a_time() {
    let app = spawn_app().await;
    let mut co = app.api_as("coordinator").await;
    let mut me = app.api_as("mediator").await;
    let a = create(&mut co, course(40)).await;
    let id = a["id"].as_str().unwrap().to_owned();
    let s = session(&mut co, &id, &day(0), "A").await;
    let p1 = person(&mut me, "Elif", "Kaya").await;
    let p2 = person(&mut me, "Zehra", "Kaya").await;
    co.json(
        Method::POST,
        &format!("/api/v1/activities/{id}/participants"),
        json!({"person_ids": [p1, p2]}),
    )
    .await;
    let list = co
        .get(&format!("/api/v1/activities/{id}/participants"))
        .await
        .json();
    let a1 = participant_of(&list, &p1)["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let mut page = app.signed_in("mediator").await;
    let sheet_path = format!("/activities/{id}/sessions/{s}");
    let r = page.get(&sheet_path).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("Elif Kaya") && r.body.contains("Zehra Kaya"),
        "{}",
        r.body
    );
    assert!(r.body.contains(&format!("name=\"m.{a1}\"")));
    // A tap: htmx posts one radio and gets the row's saved line back.
    page.ensure_csrf().await;
    let csrf = page.csrf();
    let req = axum::http::Request::builder()
        .method(Method::POST)
        .uri(format!("{sheet_path}/attendance"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("hx-request", "true")
        .header("x-csrf-token", csrf)
        .body(axum::body::Body::from(format!("m.{a1}=present")))
        .unwrap();
    let r = page.send(req).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains(&format!("id=\"saved-{a1}\"")), "{}", r.body);
    // "Everyone else absent" marks Zehra.
    let r = page
        .post_form(&format!("{sheet_path}/attendance"), &[("rest", "absent")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let s = co
        .get(&format!("/api/v1/activities/{id}/sessions/{s}/attendance"))
        .await
        .json();
    let marks: Vec<(String, String)> = s["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_owned(),
                r["mark"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        marks,
        vec![
            ("Elif Kaya".to_owned(), "present".to_owned()),
            ("Zehra Kaya".to_owned(), "absent".to_owned())
        ]
    );
    // The activity page shows the attendance and completion; the person page lists it.
    let r = page.get(&format!("/activities/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Aşçılık kursu") || r.body.contains("Cooking course"));
    assert!(r.body.contains("1 / 1"), "{}", r.body);

    // From a case page: the case's person is enrolled in one step.
    let p3 = person(&mut me, "Derya", "Kaya").await;
    let case = me
        .json(
            Method::POST,
            "/api/v1/cases",
            json!({"person_id": p3, "unit_code": "SHKB-ANK-01", "domains": ["employment"]}),
        )
        .await
        .json();
    let case_id = case["id"].as_str().unwrap().to_owned();
    let r = page.get(&format!("/cases/{case_id}")).await;
    assert!(
        r.body.contains("action=\"/activities/enrol\""),
        "{}",
        r.body
    );
    let r = page
        .post_form(
            "/activities/enrol",
            &[("activity_id", &id), ("case_id", &case_id)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let list = co
        .get(&format!("/api/v1/activities/{id}/participants"))
        .await
        .json();
    assert_eq!(participant_of(&list, &p3)["case_id"], case_id.as_str());
    // The person's page lists the activity, with a way to place them as a volunteer.
    let r = page.get(&format!("/persons/{p1}")).await;
    assert!(
        r.body.contains(&format!("href=\"/activities/{id}\"")),
        "{}",
        r.body
    );
    assert!(r.body.contains(&format!("/volunteers/new?person={p1}")));
    let r = page.get(&format!("/volunteers/new?person={p1}")).await;
    assert_eq!(r.status, StatusCode::OK);
    // A session added on the page with its facilitator: on their "my work" today.
    let mediator_id = me.get("/api/v1/me").await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = page.get(&format!("/activities/{id}")).await;
    assert!(
        r.body
            .contains(&format!("<option value=\"{mediator_id}\">")),
        "{}",
        r.body
    );
    let mut cpage = app.signed_in("coordinator").await;
    let r = cpage
        .post_form(
            &format!("/activities/{id}/sessions"),
            &[
                ("held_on", &day(0)),
                ("starts_at", "15:00"),
                ("topic", "Practice"),
                ("facilitator_id", &mediator_id),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let w = me.get("/api/v1/my-work").await.json();
    assert!(
        w["todays_sessions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["activity_id"] == id.as_str()),
        "{w}"
    );
    // From the person list: everyone a search finds, each once.
    let r = page.get("/persons?q=Kaya").await;
    assert!(
        r.body.contains("action=\"/activities/enrol\""),
        "{}",
        r.body
    );
    let r = page
        .post_form("/activities/enrol", &[("activity_id", &id), ("q", "Kaya")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let list = co
        .get(&format!("/api/v1/activities/{id}/participants"))
        .await
        .json();
    let kayas = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"].as_str().unwrap_or("").ends_with("Kaya"))
        .count();
    assert_eq!(kayas, 3, "{list}");
    // Planned on the page with its facilitators ticked; kept when edited.
    let r = cpage.get("/activities/new").await;
    assert!(
        r.body
            .contains(&format!("name=\"facilitators\" value=\"{mediator_id}\"")),
        "{}",
        r.body
    );
    let start = day(-1);
    let fields = [
        ("programme_code", "SIROMA"),
        ("kind", "health_literacy"),
        ("title_tr", "Sağlık okuryazarlığı"),
        ("unit_code", "SHKB-ANK-01"),
        ("area_code", "TR-06-ALTINDAG"),
        ("starts_on", start.as_str()),
        ("facilitators", mediator_id.as_str()),
    ];
    let r = cpage.post_form("/activities/new", &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let new_id = r.location().rsplit('/').next().unwrap().to_owned();
    let file = co.get(&format!("/api/v1/activities/{new_id}")).await.json();
    assert_eq!(
        file["facilitators"][0]["user_id"],
        mediator_id.as_str(),
        "{file}"
    );
    let r = cpage.get(&format!("/activities/{new_id}/edit")).await;
    assert!(
        r.body.contains(&format!("value=\"{mediator_id}\" checked")),
        "{}",
        r.body
    );
    // Transport recorded from the page.
    let r = page
        .post_form(
            &format!("/activities/{id}/transport"),
            &[
                ("participant_id", &a1),
                ("month", &day(0)[..7]),
                ("mode", "minibus"),
                ("amount", "75"),
                ("currency", "TRY"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = page.get(&format!("/activities/{id}")).await;
    assert!(r.body.contains("75.00 TRY"), "{}", r.body);
}

#[tokio::test]
async fn a_certificate_is_printed_once_completed_and_checked_by_anyone() {
    let app = spawn_app().await;
    let mut co = app.api_as("coordinator").await;
    let mut me = app.api_as("mediator").await;
    let mut body = course(10);
    body["pass_mark"] = Value::Null;
    body["all_modules"] = json!(false);
    let a = create(&mut co, body).await;
    let id = a["id"].as_str().unwrap().to_owned();
    let s1 = session(&mut co, &id, &day(-2), "").await;
    let s2 = session(&mut co, &id, &day(-1), "").await;
    let p1 = person(&mut me, "Elif", "Kaya").await;
    let p2 = person(&mut me, "Zehra", "Kaya").await;
    co.json(
        Method::POST,
        &format!("/api/v1/activities/{id}/participants"),
        json!({"person_ids": [p1, p2]}),
    )
    .await;
    let list = co
        .get(&format!("/api/v1/activities/{id}/participants"))
        .await
        .json();
    let a1 = participant_of(&list, &p1)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a2 = participant_of(&list, &p2)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for s in [&s1, &s2] {
        let r = sheet(&mut me, &id, s, json!([{"participant_id": a1, "mark": "present"}, {"participant_id": a2, "mark": "absent"}])).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    // Zehra did not complete: no certificate.
    let r = co
        .json(
            Method::POST,
            &format!("/api/v1/activities/{id}/participants/{a2}/certificate"),
            json!({}),
        )
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("participant".into(), "err-not-completed".into())]
    );
    // Elif did: the same code every time.
    let r = co
        .json(
            Method::POST,
            &format!("/api/v1/activities/{id}/participants/{a1}/certificate"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let code = r.json()["code"].as_str().unwrap().to_owned();
    assert_eq!(r.json()["holder"], "Elif Kaya");
    assert_eq!(r.json()["language"], "tr");
    assert_eq!(r.json()["completed_on"], day(-1).as_str());
    let mut web = app.signed_in("mediator").await;
    let pdf = web
        .get(&format!(
            "/activities/{id}/participants/{a1}/certificate.pdf"
        ))
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    assert!(pdf.bytes.starts_with(b"%PDF-"));
    assert!(String::from_utf8_lossy(&pdf.bytes).contains("/Lang(tr)"));
    assert!(pdf.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains(&code));
    // The sign-in sheet of a session, in the organiser's language.
    let sheet_pdf = web
        .get(&format!("/activities/{id}/sessions/{s1}/sign-in.pdf"))
        .await;
    assert_eq!(sheet_pdf.status, StatusCode::OK);
    assert!(sheet_pdf.bytes.starts_with(b"%PDF-"));
    assert!(String::from_utf8_lossy(&sheet_pdf.bytes).contains("/Lang(tr)"));

    // Anyone, signed in or not, checks the code however it is typed.
    let mut public = app.client();
    let r = public.get(&format!("/certificates/{code}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("Elif Kaya") && r.body.contains("Aşçılık kursu"),
        "{}",
        r.body
    );
    let typed = code.to_lowercase().replace('-', "");
    let r = public.get(&format!("/certificates?code={typed}")).await;
    assert!(r.body.contains("Elif Kaya"), "{}", r.body);
    let r = public.get("/certificates?code=AAAA-BBBB-CCCC").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains("Elif Kaya"));
    assert!(r.body.contains("role=\"alert\""));
    // Someone who cannot see the activity gets no certificate.
    let mut nis = app.signed_in("healthmediator").await;
    let r = nis
        .get(&format!(
            "/activities/{id}/participants/{a1}/certificate.pdf"
        ))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn transport_support_is_paid_once_per_period_and_totalled() {
    let app = spawn_app().await;
    let mut co = app.api_as("coordinator").await;
    let mut me = app.api_as("mediator").await;
    let a = create(&mut co, course(10)).await;
    let id = a["id"].as_str().unwrap().to_owned();
    let s1 = session(&mut co, &id, &day(-2), "A").await;
    let p1 = person(&mut me, "Elif", "Kaya").await;
    let p2 = person(&mut me, "Zehra", "Kaya").await;
    co.json(
        Method::POST,
        &format!("/api/v1/activities/{id}/participants"),
        json!({"person_ids": [p1, p2]}),
    )
    .await;
    let list = co
        .get(&format!("/api/v1/activities/{id}/participants"))
        .await
        .json();
    let a1 = participant_of(&list, &p1)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a2 = participant_of(&list, &p2)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    sheet(
        &mut me,
        &id,
        &s1,
        json!([{"participant_id": a1, "mark": "present"}]),
    )
    .await;
    let pay = |body: Value| body;
    let r = co
        .json(Method::POST, "/api/v1/transport-payments", pay(json!({"activity_id": id, "participant_id": a1,
            "session_id": s1, "mode": "minibus", "amount": "150", "currency": "TRY", "paid_on": day(-1), "paid_by": "SHKB muhasebe"})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["amount_minor"], 15_000);
    assert_eq!(r.json()["name"], "Elif Kaya");
    let month = day(-2)[..7].to_owned();
    assert_eq!(r.json()["month"], month.as_str());
    // The same participant and session again: refused, nothing added twice.
    let r = co
        .json(
            Method::POST,
            "/api/v1/transport-payments",
            json!({"activity_id": id, "participant_id": a1,
            "session_id": s1, "mode": "minibus", "amount": "150", "currency": "TRY"}),
        )
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("session_id".into(), "err-transport-duplicate".into())]
    );
    // A month for Zehra; bad input named all at once.
    let r = co
        .json(
            Method::POST,
            "/api/v1/transport-payments",
            json!({"activity_id": id, "participant_id": a2,
            "month": "2026-13", "mode": "rocket", "amount": "-3", "currency": "TRY"}),
        )
        .await;
    let fields: Vec<String> = field_codes(&r).into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, vec!["month", "mode", "amount"]);
    let r = co
        .json(
            Method::POST,
            "/api/v1/transport-payments",
            json!({"activity_id": id, "participant_id": a2,
            "month": month, "mode": "travel_card", "amount": "400,50", "currency": "TRY"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // A participant of another activity is not this one's.
    let r = co
        .json(
            Method::POST,
            "/api/v1/transport-payments",
            json!({"activity_id": id, "participant_id": "x",
            "month": month, "mode": "taxi", "amount": "10", "currency": "TRY"}),
        )
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("participant_id".into(), "err-participant-unknown".into())]
    );

    // Totals by activity, unit and programme.
    for (by, key) in [
        ("activity", id.as_str()),
        ("unit", "SHKB-ANK-01"),
        ("programme", "SIROMA"),
    ] {
        let t = co
            .get(&format!("/api/v1/transport-payments/totals?by={by}"))
            .await;
        assert_eq!(t.status, StatusCode::OK, "{}", t.body);
        assert_eq!(
            t.json(),
            json!([{"key": key, "currency": "TRY", "payments": 2, "participants": 2, "amount_minor": 55_050}]),
            "{by}"
        );
    }
    let t = co.get("/api/v1/transport-payments/totals?by=planet").await;
    assert_eq!(t.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Outside the scope: nothing.
    let mut nis = app.api_as("healthmediator").await;
    assert_eq!(
        nis.get("/api/v1/transport-payments/totals?by=unit")
            .await
            .json(),
        json!([])
    );
    // The person's page shows what they received.
    let mine = me
        .get(&format!("/api/v1/persons/{p2}/activities"))
        .await
        .json();
    assert_eq!(mine[0]["transport_minor"], 40_050);

    // The month's list for the finance office: names, sessions, amounts, total.
    let mut web = app.signed_in("coordinator").await;
    let x = web
        .get(&format!("/activities/{id}/transport.xlsx?month={month}"))
        .await;
    assert_eq!(x.status, StatusCode::OK);
    let table = kopru_web::tabular::read(&x.bytes).unwrap();
    let cells: Vec<String> = table.rows.iter().flat_map(|(_, r)| r.clone()).collect();
    for want in ["Elif Kaya", "Zehra Kaya", "150", "400.5", "550.5"] {
        assert!(
            cells.iter().any(|c| c == want),
            "{want} missing from {cells:?}"
        );
    }
    let bad = web
        .get(&format!("/activities/{id}/transport.xlsx?month=11-2026"))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn volunteers_are_placed_their_hours_logged_and_confirmed_by_the_host() {
    let app = spawn_app().await;
    let mut co = app.api_as("coordinator").await;
    let mut me = app.api_as("mediator").await;
    let a = create(&mut co, course(10)).await;
    let id = a["id"].as_str().unwrap().to_owned();
    let trained = person(&mut me, "Elif", "Kaya").await;
    let other = person(&mut me, "Zehra", "Kaya").await;
    co.json(
        Method::POST,
        &format!("/api/v1/activities/{id}/participants"),
        json!({"person_ids": [trained]}),
    )
    .await;
    let place = |p: &str| {
        json!({"person_id": p, "activity_id": id, "institution_code": "SCH-ANK-ALTINDAG", "unit_code": "SHKB-ANK-01",
               "role": "Teaching assistant", "supervisor": "Müdür yardımcısı", "starts_on": day(-40), "hours_per_week": 10})
    };
    let r = co
        .json(Method::POST, "/api/v1/volunteer-placements", place(&other))
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("activity_id".into(), "err-volunteer-not-trained".into())]
    );
    let r = co
        .json(Method::POST, "/api/v1/volunteer-placements", json!({"person_id": trained, "institution_code": "NOPE",
            "unit_code": "SHKB-ANK-01", "role": "", "starts_on": "yesterday", "hours_per_week": 99}))
        .await;
    let fields: Vec<String> = field_codes(&r).into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, vec!["role", "starts_on", "hours_per_week"]);
    let r = co
        .json(
            Method::POST,
            "/api/v1/volunteer-placements",
            place(&trained),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let pid = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(r.json()["name"], "Elif Kaya");

    // The unit logs a month; a month before the placement or in the future is refused.
    let this_month = kopru_store::clock::today()[..7].to_owned();
    let hours =
        |m: &str, h: i64| json!({"month": m, "hours": h, "note": "library and homework club"});
    let path = format!("/api/v1/volunteer-placements/{pid}/hours");
    let r = me.json(Method::PUT, &path, hours("2020-01", 5)).await;
    assert_eq!(
        field_codes(&r),
        vec![("month".into(), "err-month-outside-placement".into())]
    );
    let r = me.json(Method::PUT, &path, hours(&this_month, 400)).await;
    assert_eq!(
        field_codes(&r),
        vec![("hours".into(), "err-number-range".into())]
    );
    let r = me.json(Method::PUT, &path, hours(&this_month, 30)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = me.json(Method::PUT, &path, hours(&this_month, 32)).await;
    assert_eq!(r.json()["hours"][0]["hours"], 32);
    assert_eq!(r.json()["placement"]["hours_total"], 32);

    // Each page offers what its reader may do: the unit logs, the host confirms.
    let confirm_form = format!("action=\"/volunteers/{pid}/hours/{this_month}/confirm\"");
    let log_form = format!("action=\"/volunteers/{pid}/hours\"");
    let mut school_web = app.signed_in("school").await;
    let page = school_web.get(&format!("/volunteers/{pid}")).await.body;
    assert!(
        page.contains(&confirm_form) && !page.contains(&log_form),
        "{page}"
    );
    let mut mediator_web = app.signed_in("mediator").await;
    let page = mediator_web.get(&format!("/volunteers/{pid}")).await.body;
    assert!(
        !page.contains(&confirm_form) && page.contains(&log_form),
        "{page}"
    );
    // The host's focal point sees its volunteer by name and confirms; the unit cannot confirm.
    let confirm = format!("/api/v1/volunteer-placements/{pid}/hours/{this_month}/confirm");
    let r = me.json(Method::POST, &confirm, json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let mut school = app.api_as("school").await;
    let list = school
        .get("/api/v1/volunteer-placements?unconfirmed=true")
        .await
        .json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["items"][0]["name"], "Elif Kaya");
    let r = school.json(Method::POST, &confirm, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.json()["hours"][0]["confirmed_at"].is_string());
    let r = school.json(Method::POST, &confirm, json!({})).await;
    assert_eq!(
        field_codes(&r),
        vec![("month".into(), "err-hours-nothing-to-confirm".into())]
    );
    // A confirmed month is closed.
    let r = me.json(Method::PUT, &path, hours(&this_month, 40)).await;
    assert_eq!(
        field_codes(&r),
        vec![("month".into(), "err-hours-confirmed".into())]
    );
    // Outside the scope: nothing.
    let mut nis = app.api_as("healthmediator").await;
    assert_eq!(
        nis.get(&format!("/api/v1/volunteer-placements/{pid}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        nis.get("/api/v1/volunteer-placements").await.json()["items"],
        json!([])
    );

    // Ended with a date and a reason; once.
    let r = co
        .json(
            Method::POST,
            &format!("/api/v1/volunteer-placements/{pid}/end"),
            json!({"ended_on": day(0), "reason": "Found a paid job", "version": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["end_reason"], "Found a paid job");
    let r = co
        .json(
            Method::POST,
            &format!("/api/v1/volunteer-placements/{pid}/end"),
            json!({"ended_on": day(0), "reason": "again", "version": 2}),
        )
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("ended_on".into(), "err-placement-ended".into())]
    );

    // The pages: the host's list and the placement.
    let mut web = app.signed_in("school").await;
    let page = web.get("/volunteers").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Elif Kaya"));
    let page = web.get(&format!("/volunteers/{pid}")).await;
    assert!(page.body.contains("Found a paid job"), "{}", page.body);
}

#[tokio::test]
async fn calendars_my_work_dashboard_and_exports_show_the_activities() {
    let app = spawn_app().await;
    let mut co = app.api_as("coordinator").await;
    let mut me = app.api_as("mediator").await;
    let mediator_id = me.get("/api/v1/me").await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut body = course(10);
    body["facilitators"] = json!([mediator_id]);
    let a = create(&mut co, body).await;
    let id = a["id"].as_str().unwrap().to_owned();
    let today_s = session(&mut co, &id, &day(0), "A").await;
    let missed = session(&mut co, &id, &day(-3), "A").await;
    let taken = session(&mut co, &id, &day(-6), "A").await;
    let p1 = person(&mut me, "Elif", "Kaya").await;
    co.json(
        Method::POST,
        &format!("/api/v1/activities/{id}/participants"),
        json!({"person_ids": [p1]}),
    )
    .await;
    co.json(
        Method::POST,
        &format!("/api/v1/activities/{id}/participants"),
        json!({"professional": {"name": "Ayten Öğretmen", "sex": "female"}}),
    )
    .await;
    let list = co
        .get(&format!("/api/v1/activities/{id}/participants"))
        .await
        .json();
    let a1 = participant_of(&list, &p1)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pro = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "professional")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    sheet(&mut me, &id, &taken, json!([{"participant_id": a1, "mark": "present"}, {"participant_id": pro, "mark": "present"}])).await;

    // My work: today's session, and the one whose sheet is missing.
    let w = me.get("/api/v1/my-work").await.json();
    assert_eq!(
        w["todays_sessions"][0]["session_id"],
        today_s.as_str(),
        "{w}"
    );
    let missing: Vec<&str> = w["sessions_missing_attendance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["session_id"].as_str().unwrap())
        .collect();
    assert_eq!(missing, vec![missed.as_str()]);
    let mut web = app.signed_in("mediator").await;
    let page = web.get("/my-work").await;
    assert!(
        page.body
            .contains(&format!("/activities/{id}/sessions/{today_s}")),
        "{}",
        page.body
    );

    // The calendar: this week has today's session; the API's range too.
    let page = web
        .get(&format!("/activities/calendar?date={}", day(0)))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&format!("/sessions/{today_s}")));
    let page = web
        .get(&format!(
            "/activities/calendar?view=month&date={}",
            day(-40)
        ))
        .await;
    assert!(!page.body.contains(&format!("/sessions/{today_s}")));
    let cal = me
        .get(&format!(
            "/api/v1/activities/calendar?from={}&to={}",
            day(-6),
            day(0)
        ))
        .await
        .json();
    assert_eq!(cal.as_array().unwrap().len(), 3);

    // The statistics count people once, professionals apart.
    let s = co
        .get(&format!(
            "/api/v1/activities/statistics?from={}&to={}",
            day(-30),
            day(0)
        ))
        .await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.body);
    let s = s.json();
    assert_eq!(
        (s["activities"].clone(), s["sessions_held"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(
        (s["participants"].clone(), s["professionals"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(s["participants_by_sex"], json!([["female", 1]]));
    let r = co
        .get("/api/v1/activities/statistics?from=2026-05-01&to=2026-01-01")
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("to".into(), "err-ends-before-start".into())]
    );
    let mut analyst = app.signed_in("analyst").await;
    let dash = analyst.get("/dashboard").await;
    assert_eq!(dash.status, StatusCode::OK);
    assert!(dash.body.contains("id=\"activities\""));

    // The list exports whole, in codes or in the reader's language.
    let csv = co.get("/api/v1/activities/export").await;
    assert_eq!(csv.status, StatusCode::OK);
    let text = String::from_utf8_lossy(&csv.bytes).to_string();
    assert!(
        text.contains(&id) && text.contains("vocational_course"),
        "{text}"
    );
    let xlsx = co
        .get("/api/v1/activities/export?format=xlsx&names=labels")
        .await;
    let table = kopru_web::tabular::read(&xlsx.bytes).unwrap();
    assert_eq!(table.rows.len(), 1);
    assert!(table.rows[0].1.iter().any(|c| c == "vocational_course"));
    let bad = co.get("/api/v1/activities/export?format=pdf").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    // A programme's result area shows its activities.
    let mut cweb = app.signed_in("coordinator").await;
    let programmes = cweb.get("/programmes").await.body;
    let link = "/activities?programme=SIROMA&#38;result_area=Employment+via+vocational+skills";
    assert!(programmes.contains(link), "{programmes}");
    let page = cweb.get(&link.replace("&#38;", "&")).await.body;
    assert!(page.contains(&format!("/activities/{id}\"")));
    let page = cweb
        .get("/activities?programme=SIROMA&result_area=Access+to+health")
        .await
        .body;
    assert!(!page.contains(&format!("/activities/{id}\"")));
}

#[tokio::test]
async fn a_sign_in_sheet_imports_once_and_names_every_row_it_refuses() {
    let app = spawn_app().await;
    let mut co = app.api_as("coordinator").await;
    let mut me = app.api_as("mediator").await;
    let a = create(&mut co, course(10)).await;
    let id = a["id"].as_str().unwrap().to_owned();
    let s = session(&mut co, &id, &day(-1), "A").await;
    let p1 = person(&mut me, "Elif", "Kaya").await;
    let p2 = person(&mut me, "Zehra", "Kaya").await;
    co.json(
        Method::POST,
        &format!("/api/v1/activities/{id}/participants"),
        json!({"person_ids": [p1, p2]}),
    )
    .await;
    let path = format!("/api/v1/activities/{id}/sessions/{s}/attendance/import");
    // A unit's own spreadsheet, saved as CSV by Excel in Turkish.
    let csv = "Ad Soyad;Yoklama\r\nELİF KAYA;var\r\nZehra Kaya;izinli\r\nNobody;x\r\nElif Kaya;yok\r\n;\r\n";
    let r = me
        .raw(
            Method::POST,
            &path,
            "application/octet-stream",
            csv.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.json()["saved"].clone(), r.json()["unchanged"].clone()),
        (json!(2), json!(0))
    );
    assert_eq!(
        r.json()["rejected"],
        json!([{"row": 4, "reason": "err-sheet-participant-unknown"}, {"row": 5, "reason": "err-sheet-duplicate"}])
    );
    // Again: nothing twice.
    let r = me
        .raw(
            Method::POST,
            &path,
            "application/octet-stream",
            csv.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(
        (r.json()["saved"].clone(), r.json()["unchanged"].clone()),
        (json!(0), json!(2))
    );
    // Köprü's own sheet, filled: the ids carry it.
    let mut web = app.signed_in("mediator").await;
    let x = web
        .get(&format!("/activities/{id}/sessions/{s}/sheet.xlsx"))
        .await;
    assert_eq!(x.status, StatusCode::OK);
    let table = kopru_web::tabular::read(&x.bytes).unwrap();
    assert_eq!(table.headers, vec!["participant_id", "name", "mark"]);
    assert_eq!(table.rows.len(), 2);
    let filled: String = std::iter::once("participant_id,name,mark".to_owned())
        .chain(
            table
                .rows
                .iter()
                .map(|(_, r)| format!("{},{},absent", r[0], r[1])),
        )
        .collect::<Vec<_>>()
        .join("\n");
    let r = me
        .raw(
            Method::POST,
            &path,
            "application/octet-stream",
            filled.into_bytes(),
        )
        .await;
    assert_eq!(r.json()["saved"], 2, "{}", r.body);
    // Files that are not sheets, or without the columns, are refused whole.
    let r = me
        .raw(
            Method::POST,
            &path,
            "application/octet-stream",
            b"just,some\nwords,here\n".to_vec(),
        )
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("file".into(), "err-sheet-no-participant-column".into())]
    );
    let r = me
        .raw(
            Method::POST,
            &path,
            "application/octet-stream",
            vec![0u8; 100],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = me
        .raw(
            Method::POST,
            &path,
            "application/octet-stream",
            vec![b'a'; 3 * 1024 * 1024],
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);

    // The page's upload shows the report.
    let boundary = "XyZsheet";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"imza.csv\"\r\nContent-Type: text/csv\r\n\r\n").into_bytes();
    body.extend(csv.as_bytes());
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = web
        .raw(
            Method::POST,
            &format!("/activities/{id}/sessions/{s}/import"),
            &format!("multipart/form-data; boundary={boundary}"),
            body,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("role=\"status\""), "{}", r.body);
}
