//! Outcomes per person (issue 19): civil documents, school years with dated
//! statuses, health coverage and sealed immunisation, ESF+ participation
//! (count once on re-entry; the six-month follow-up at exit), job seekers,
//! placements and their retention checks on the right dates, the unit's
//! employment numbers, the timeline; through the person's scope, versioned,
//! audited, moved by a merge and back by an unmerge.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use kopru_domain::case::{add_months, date_of, day_number};
use serde_json::{json, Value};

fn day(n: i64) -> String {
    date_of(day_number(&kopru_store::clock::today()).unwrap() + n)
}

async fn institution_id(app: &TestApp, code: &str) -> String {
    let (id,): (String,) = kopru_store::Sql::new("SELECT id FROM institutions WHERE code = ")
        .bind(code.to_owned())
        .fetch_one(app.store().pool())
        .await
        .unwrap();
    id
}

async fn ank_person(
    c: &mut Client<'_>,
    given: &str,
    birth: &str,
    household: Option<&str>,
) -> String {
    let mut body = json!({"given_names": given, "family_name": "Çelik", "sex": "female", "birth_date": birth,
        "unit_code": "SHKB-ANK-01", "area_code": "TR-06-ALTINDAG", "confirm_new": true});
    if let Some(h) = household {
        body["household_id"] = json!(h);
        body["relationship"] = json!(if birth < "2000" { "head" } else { "child" });
    }
    let r = c.json(Method::POST, "/api/v1/persons", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_owned()
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
    // Legally invisible: no birth registration, no identity card.
    let r = hm
        .json(
            Method::POST,
            "/api/v1/persons",
            json!({"given_names": "Шабан", "family_name": "Ђорђевић", "sex": "male", "birth_date": "1990",
               "unit_code": "MT-NIS", "area_code": "RS-20-NIS", "confirm_new": true,
               "birth_registered": "no", "id_card": "none", "legally_invisible": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let p = r.json()["id"].as_str().unwrap().to_owned();
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
    // The registered birth makes him visible: the person's civil status
    // changes as an edit would, with a new version and its history.
    let now = hm.get(&format!("/api/v1/persons/{p}")).await.json();
    assert_eq!(
        (
            now["birth_registered"].as_str(),
            now["legally_invisible"].clone(),
            now["id_card"].as_str(),
            now["version"].as_i64()
        ),
        (Some("yes"), json!(false), Some("none"), Some(2)),
        "{now}"
    );
    let changed: Vec<(String,)> =
        kopru_store::Sql::new("SELECT field FROM record_history WHERE record_id = ")
            .bind(p.clone())
            .push(" ORDER BY field")
            .fetch_all(app.store().pool())
            .await
            .unwrap();
    assert_eq!(
        changed,
        vec![
            ("birth_registered".to_owned(),),
            ("legally_invisible".to_owned(),)
        ]
    );
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

#[tokio::test]
async fn school_years_keep_dated_statuses_and_households_show_children_out_of_school() {
    let app = spawn_app().await;
    let mut m = app.api_as("mediator").await;
    let school = institution_id(&app, "SCH-ANK-ALTINDAG").await;
    let hospital = institution_id(&app, "HOS-ANK-01").await;
    let hh = m
        .json(Method::POST, "/api/v1/households", json!({"unit_code": "SHKB-ANK-01", "area_code": "TR-06-ALTINDAG", "address": "Gülpınar Sk. 9"}))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let year = kopru_domain::outcome::school_year_of(&kopru_store::clock::today());
    let age = |n: i64| {
        format!(
            "{}",
            kopru_store::clock::today()[..4].parse::<i64>().unwrap() - n
        )
    };
    let _mother = ank_person(&mut m, "Zehra", "1985", Some(&hh)).await;
    let ali = ank_person(&mut m, "Ali", &format!("{}-01-01", age(9)), Some(&hh)).await;
    let elif = ank_person(&mut m, "Elif", &format!("{}-01-01", age(12)), Some(&hh)).await;
    let _baby = ank_person(&mut m, "Can", &format!("{}-01-01", age(2)), Some(&hh)).await;
    // Every problem at once: a school that is no school, a year that is no year, absences below zero.
    let path = format!("/api/v1/persons/{ali}/enrolments");
    let r = m
        .json(Method::POST, &path, json!({"school_year": "2026-2028", "level": "primary", "status": "dropped_out", "absent_days_term1": -3}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let fields: Vec<String> = field_codes(&r).into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, vec!["school_year", "absent_days_term1", "reason"]);
    let r = m
        .json(Method::POST, &path, json!({"school_year": year, "level": "primary", "status": "enrolled", "school_id": hospital}))
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("school_id".into(), "err-school-unknown".into())]
    );
    // Enrolled on a day, then dropped out on another: both are answerable.
    let enrolled_on = day(-60);
    let r = m
        .json(Method::POST, &path, json!({"school_year": year, "level": "primary", "status": "enrolled", "status_on": enrolled_on,
            "school_id": school, "grade": 3, "supports": ["after_school"]}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let e: Value = r.json();
    let eid = e["id"].as_str().unwrap();
    let r = m.json(Method::POST, &path, json!({"school_year": year, "level": "primary", "status": "enrolled", "school_id": school})).await;
    assert_eq!(
        field_codes(&r),
        vec![("school_year".into(), "err-enrolment-year-exists".into())]
    );
    // The household page: Elif (12, nothing recorded) is out of school; Ali is on the roll; the baby is too young.
    let out = m
        .get(&format!("/api/v1/households/{hh}/children-out-of-school"))
        .await
        .json();
    let names: Vec<&str> = out
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["given_names"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Elif"]);
    let dropped = json!({"school_year": year, "level": "primary", "status": "dropped_out", "status_on": day(-5),
        "reason": "work_or_care", "school_id": school, "grade": 3, "absent_days_term1": 21, "version": 1});
    let r = m
        .json(Method::PUT, &format!("{path}/{eid}"), dropped.clone())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let e: Value = r.json();
    let events: Vec<(&str, &str)> = e["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["status"].as_str().unwrap(),
                v["on_date"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        events,
        vec![
            ("enrolled", enrolled_on.as_str()),
            ("dropped_out", day(-5).as_str())
        ]
    );
    assert_eq!(
        m.json(Method::PUT, &format!("{path}/{eid}"), dropped)
            .await
            .status,
        StatusCode::CONFLICT
    );
    let out = m
        .get(&format!("/api/v1/households/{hh}/children-out-of-school"))
        .await
        .json();
    let names: Vec<&str> = out
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["given_names"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Elif", "Ali"], "the eldest first");
    // The household page says it in words; the person's timeline dates both steps.
    let mut web = app.signed_in("mediator").await;
    let page = web.get(&format!("/households/{hh}")).await;
    assert!(
        page.body.contains("out-of-school") && page.body.contains("Elif"),
        "{}",
        page.body
    );
    let steps = m
        .get(&format!("/api/v1/persons/{ali}/outcomes"))
        .await
        .json();
    let areas: Vec<&str> = steps
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["area"].as_str().unwrap())
        .collect();
    assert_eq!(areas, vec!["education", "education"]);
    // A referral to the school ended as delivered offers the enrolment in one step: the form comes prefilled.
    let page = web
        .get(&format!(
            "/persons/{elif}/education?school_code=SCH-ANK-ALTINDAG"
        ))
        .await;
    assert!(
        page.body.contains(&format!("value=\"{school}\" selected")),
        "{}",
        page.body
    );
    let r = web
        .post_form(
            &format!("/persons/{elif}/education"),
            &[
                ("school_year", year.as_str()),
                ("level", "lower_secondary"),
                ("school_id", school.as_str()),
                ("status", "enrolled"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // A page form that fails comes back with what was typed.
    let r = web
        .post_form(
            &format!("/persons/{elif}/education"),
            &[
                ("school_year", "20x6"),
                ("level", "primary"),
                ("status", "enrolled"),
                ("note", "Typed note"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Typed note") && r.body.contains("value=\"20x6\""),
        "{}",
        r.body
    );
    let out = m
        .get(&format!("/api/v1/households/{hh}/children-out-of-school"))
        .await
        .json();
    assert_eq!(out.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn health_coverage_is_plain_and_immunisation_sealed_for_health_readers() {
    let app = spawn_app().await;
    let mut hm = app.api_as("healthmediator").await;
    let p = person(&mut hm, "Ибро").await;
    let path = format!("/api/v1/persons/{p}/health-coverage");
    let r = hm
        .json(
            Method::POST,
            &path,
            json!({"kind": "insurance", "started_on": "2026-01-10", "ended_on": "2025-01-01"}),
        )
        .await;
    let fields: Vec<String> = field_codes(&r).into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, vec!["scheme", "ended_on"]);
    let r = hm.json(Method::POST, &path, json!({"kind": "insurance", "scheme": "health_insurance_card", "started_on": "2026-01-10"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let c: Value = r.json();
    let r = hm
        .json(
            Method::POST,
            &path,
            json!({"kind": "insurance", "scheme": "private", "started_on": "2026-02-10"}),
        )
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("kind".into(), "err-coverage-open".into())]
    );
    // A gap: the insurance ended.
    let r = hm
        .json(Method::PUT, &format!("{path}/{}", c["id"].as_str().unwrap()),
            json!({"kind": "insurance", "scheme": "health_insurance_card", "started_on": "2026-01-10", "ended_on": "2026-06-30", "version": 1}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(hm.get(&path).await.json()[0]["ended_on"], "2026-06-30");

    // Immunisation: needs a consent for services, is sealed at rest, read only with the health right, audited.
    let imm = format!("/api/v1/persons/{p}/immunisations");
    let r = hm
        .json(Method::POST, &imm, json!({"status": "not_up_to_date"}))
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("status".into(), "err-consent-missing".into())]
    );
    hm.json(Method::POST, &format!("/api/v1/persons/{p}/consents"), json!({"purpose": "services", "legal_basis": "consent", "text_version": "1", "language": "sr-Cyrl"})).await;
    let r = hm
        .json(
            Method::POST,
            &imm,
            json!({"status": "not_up_to_date", "note": "Missing MMR"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let list = hm.get(&imm).await.json();
    assert_eq!(list[0]["status"], "not_up_to_date");
    let (sealed,): (String,) =
        kopru_store::Sql::new("SELECT sealed FROM immunisations WHERE person_id = ")
            .bind(p.clone())
            .fetch_one(app.store().pool())
            .await
            .unwrap();
    assert!(!sealed.contains("not_up_to_date") && !sealed.contains("MMR"));
    let reads: (i64,) = kopru_store::Sql::new(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'person.immunisation.read'",
    )
    .fetch_one(app.store().pool())
    .await
    .unwrap();
    assert_eq!(reads.0, 1);
    let logged: (i64,) = kopru_store::Sql::new(
        "SELECT COUNT(*) FROM audit_log WHERE details LIKE '%not_up_to_date%'",
    )
    .fetch_one(app.store().pool())
    .await
    .unwrap();
    assert_eq!(logged.0, 0, "the status never reaches the audit log");
    // The unit's coordinator sees the person and the insurance, not the immunisation.
    let mut admin = app.api_as("admin").await;
    assert_eq!(admin.get(&path).await.status, StatusCode::OK);
    assert_eq!(admin.get(&imm).await.status, StatusCode::FORBIDDEN);
    let mut web = app.signed_in("admin").await;
    let page = web.get(&format!("/persons/{p}/health")).await;
    assert!(
        page.body.contains("2026") && !page.body.contains("Missing MMR"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn esf_participants_count_once_and_leaving_creates_the_six_month_follow_up() {
    let app = spawn_app().await;
    let mut m = app.api_as("mediator").await;
    let a = ank_person(&mut m, "Derya", "1996-04-02", None).await;
    let entry = |person: &str, on: &str| {
        json!({"person_id": person, "programme_code": "ISKEP", "entered_on": on,
        "labour_status": "long_term_unemployed", "education": "isced_2", "groups": ["slum_dweller"]})
    };
    let r = m.json(Method::POST, "/api/v1/participations", json!({"person_id": a, "programme_code": "NOPE", "entered_on": day(1), "labour_status": "x", "education": "isced_9"})).await;
    let fields: Vec<String> = field_codes(&r).into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, vec!["entered_on", "labour_status", "education"]);
    let r = m
        .json(
            Method::POST,
            "/api/v1/participations",
            entry(&a, &day(-200)),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let x: Value = r.json();
    assert!(x["age_at_entry"].as_i64().is_some());
    let r = m
        .json(
            Method::POST,
            "/api/v1/participations",
            entry(&a, &day(-100)),
        )
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("programme_code".into(), "err-participation-open".into())]
    );
    // Leaving: the results, and a follow-up for the worker six months later.
    let left_on = day(-181);
    let r = m
        .json(Method::POST, &format!("/api/v1/participations/{}/exit", x["id"].as_str().unwrap()),
            json!({"left_on": left_on, "results": ["gained_qualification", "job_searching"], "version": 1}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (due,): (String,) = kopru_store::Sql::new(
        "SELECT due_on FROM outcome_checks WHERE kind = 'six_month' AND subject_id = ",
    )
    .bind(x["id"].as_str().unwrap().to_owned())
    .fetch_one(app.store().pool())
    .await
    .unwrap();
    assert_eq!(due, add_months(&left_on, 6).unwrap());
    // Re-entering the same programme: a second participation, one participant.
    let r = m
        .json(Method::POST, "/api/v1/participations", entry(&a, &day(-30)))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let b = ank_person(&mut m, "Sevgi", "1970-01-01", None).await;
    m.json(Method::POST, "/api/v1/participations", entry(&b, &day(-20)))
        .await;
    let from = day(-365);
    let s = m
        .get(&format!(
            "/api/v1/outcomes/employment?unit=SHKB-ANK-01&from={from}"
        ))
        .await
        .json();
    assert_eq!(s["participants"], 2, "{s}");
    assert_eq!(s["leavers"], 1);
    let by_result: Vec<(String, i64)> = s["leavers_by_result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["key"].as_str().unwrap().to_owned(),
                c["count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        by_result,
        vec![
            ("gained_qualification".into(), 1),
            ("job_searching".into(), 1)
        ]
    );
    // Counted in the period of the first entry only: a period holding only the re-entry counts one (Sevgi).
    let s = m
        .get(&format!(
            "/api/v1/outcomes/employment?unit=SHKB-ANK-01&from={}",
            day(-40)
        ))
        .await
        .json();
    assert_eq!(s["participants"], 1, "{s}");
    // The six-month follow-up is in the worker's list when due, answered once.
    let due_list = m.get("/api/v1/outcome-checks").await.json();
    let six: Vec<&Value> = due_list["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "six_month")
        .collect();
    assert_eq!(six.len(), 1, "{due_list}");
    let cid = six[0]["id"].as_str().unwrap();
    let r = m
        .json(
            Method::POST,
            &format!("/api/v1/outcome-checks/{cid}"),
            json!({"labour_status": "employed", "improved": true, "version": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = m
        .json(
            Method::POST,
            &format!("/api/v1/outcome-checks/{cid}"),
            json!({"labour_status": "employed", "version": 2}),
        )
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("answered_on".into(), "err-check-answered".into())]
    );
    let s = m
        .get(&format!(
            "/api/v1/outcomes/employment?unit=SHKB-ANK-01&from={from}&to={}",
            day(60)
        ))
        .await
        .json();
    assert_eq!(
        (
            s["six_month_answered"].as_i64(),
            s["six_month_employed"].as_i64()
        ),
        (Some(1), Some(1))
    );
}

#[tokio::test]
async fn placements_create_retention_checks_on_the_right_dates_and_a_merge_moves_everything() {
    let app = spawn_app().await;
    let mut m = app.api_as("mediator").await;
    let employer = institution_id(&app, "EMP-ANK-TEKSTIL").await;
    let school = institution_id(&app, "SCH-ANK-ALTINDAG").await;
    // Employers are institutions of their own kind; the API lists and adds them.
    let list = m.get("/api/v1/employers").await.json();
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["kind"] == "employer"));
    let mut coord = app.api_as("coordinator").await;
    let r = coord
        .json(Method::POST, "/api/v1/employers", json!({"code": "EMP-ANK-NEW", "name": "Yeni Fırın", "area_code": "TR-06-ALTINDAG", "sector": "Food", "size": "huge"}))
        .await;
    assert_eq!(field_codes(&r), vec![("size".into(), "err-choice".into())]);
    let a = ank_person(&mut m, "Gül", "1990-06-15", None).await;
    let r = m
        .json(Method::PUT, &format!("/api/v1/persons/{a}/job-seeker"),
            json!({"agency": "iskur", "registered_on": day(-300), "agency_number": "123456", "occupations": ["Cook"], "availability": "full_time", "labour_status": "unemployed", "groups": ["slum_dweller"]}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "active");
    // A placement at a school is refused; at an employer it makes three checks.
    let started = day(-100);
    let body = |emp: &str| {
        json!({"person_id": a, "employer_id": emp, "occupation": "Sewing machine operator", "started_on": started,
        "contract_type": "permanent", "hours_per_week": 40, "wage_band": "minimum", "social_security": "registered", "subsidised": true, "programme_code": "ISKEP"})
    };
    let r = m
        .json(Method::POST, "/api/v1/placements", body(&school))
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("employer_id".into(), "err-employer-unknown".into())]
    );
    let r = m
        .json(Method::POST, "/api/v1/placements", body(&employer))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let pl: Value = r.json();
    let pid = pl["id"].as_str().unwrap().to_owned();
    let checks = m
        .get(&format!("/api/v1/placements/{pid}/retention-checks"))
        .await
        .json();
    let dues: Vec<(i64, String)> = checks
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["months"].as_i64().unwrap(),
                c["due_on"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        dues,
        vec![
            (3, add_months(&started, 3).unwrap()),
            (6, add_months(&started, 6).unwrap()),
            (12, add_months(&started, 12).unwrap())
        ]
    );
    assert_eq!(
        m.get(&format!("/api/v1/persons/{a}/job-seeker"))
            .await
            .json()["status"],
        "placed"
    );
    // The 3-month check is due (started 100 days ago): it is on the mediator's list, not on another worker's.
    let mine = m.get("/api/v1/outcome-checks").await.json();
    let three: Vec<&Value> = mine["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["subject_id"] == json!(pid))
        .collect();
    assert_eq!(three.len(), 1, "{mine}");
    assert_eq!(three[0]["months"], 3);
    let mut other = app.api_as("healthmediator").await;
    assert_eq!(other.get("/api/v1/outcome-checks").await.json()["count"], 0);
    let cid = three[0]["id"].as_str().unwrap();
    let r = m
        .json(
            Method::POST,
            &format!("/api/v1/outcome-checks/{cid}"),
            json!({"still_working": "same_employer", "version": 1}),
        )
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("insured".into(), "err-required".into())]
    );
    let r = m
        .json(
            Method::POST,
            &format!("/api/v1/outcome-checks/{cid}"),
            json!({"still_working": "same_employer", "insured": true, "version": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The unit's employment page counts it: retention at 3 months, by sex, age and group.
    let s = m
        .get(&format!(
            "/api/v1/outcomes/employment?unit=SHKB-ANK-01&from={}&to={}",
            day(-365),
            day(400)
        ))
        .await
        .json();
    assert_eq!(s["placements"], 1);
    assert_eq!(s["retention"][0]["months"], 3);
    assert_eq!(
        (
            s["retention"][0]["working"].as_i64(),
            s["retention"][0]["insured"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(s["placements_by_group"][0]["key"], "slum_dweller");
    assert_eq!(s["placements_by_age"][0]["key"], "30_54");
    // Counts only for those who may count: an institution's focal point may not.
    let mut fp = app.api_as("school").await;
    assert_eq!(
        fp.get("/api/v1/outcomes/employment").await.status,
        StatusCode::FORBIDDEN
    );
    // Ending: once, not before the start.
    let r = m
        .json(
            Method::POST,
            &format!("/api/v1/placements/{pid}/end"),
            json!({"ended_on": day(-200), "end_reason": "resigned", "version": 1}),
        )
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("ended_on".into(), "err-ends-before-start".into())]
    );
    let r = m
        .json(
            Method::POST,
            &format!("/api/v1/placements/{pid}/end"),
            json!({"ended_on": day(-1), "end_reason": "better_job", "version": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // A second record of the same woman with a school year: a merge moves every outcome, an unmerge puts them back.
    let b = ank_person(&mut m, "Gul", "1990-06-15", None).await;
    m.json(
        Method::POST,
        &format!("/api/v1/persons/{b}/health-coverage"),
        json!({"kind": "insurance", "scheme": "general_health_insurance", "started_on": day(-50)}),
    )
    .await;
    let va = m.get(&format!("/api/v1/persons/{a}")).await.json()["version"].clone();
    let vb = m.get(&format!("/api/v1/persons/{b}")).await.json()["version"].clone();
    let r = coord.json(Method::POST, "/api/v1/merges", json!({"survivor_id": a, "merged_id": b, "survivor_version": va, "merged_version": vb, "take_from_merged": []})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let merge = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(
        m.get(&format!("/api/v1/persons/{a}/health-coverage"))
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // The merged record is read-only: no outcome is written on it.
    let r = m.json(Method::POST, &format!("/api/v1/persons/{b}/health-coverage"), json!({"kind": "family_doctor", "institution_id": institution_id(&app, "ASM-ANK-ALTINDAG").await, "started_on": day(-5)})).await;
    assert_eq!(
        field_codes(&r),
        vec![("person_id".into(), "err-person-merged".into())]
    );
    let r = coord
        .json(
            Method::POST,
            &format!("/api/v1/merges/{merge}/unmerge"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        m.get(&format!("/api/v1/persons/{a}/health-coverage"))
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        m.get(&format!("/api/v1/persons/{b}/health-coverage"))
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        m.get(&format!("/api/v1/placements?person_id={a}"))
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // The family moves to Polatlı: the placement and its checks are counted
    // by the unit that serves her now, and by the old unit no more.
    let r = m
        .json(
            Method::POST,
            &format!("/api/v1/persons/{a}/transfers"),
            json!({"to_unit": "SHKB-ANK-02", "to_area": "TR-06-POLATLI", "reason": "Moved"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let tid = r.json()["id"].as_str().unwrap().to_owned();
    crate::cases::add_user(
        &app,
        "polcoord",
        kopru_domain::Role::UnitCoordinator,
        "unit:SHKB-ANK-02",
    )
    .await;
    let mut pol = app.api_as("polcoord").await;
    let r = pol
        .json(
            Method::POST,
            &format!("/api/v1/person-transfers/{tid}/answer"),
            json!({"accept": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut manager = app.api_as("manager").await;
    let placed = |unit: &str| {
        format!(
            "/api/v1/outcomes/employment?unit={unit}&from={}&to={}",
            day(-365),
            day(400)
        )
    };
    let old_unit = manager.get(&placed("SHKB-ANK-01")).await.json();
    let new_unit = manager.get(&placed("SHKB-ANK-02")).await.json();
    assert_eq!(
        (
            old_unit["retention"][0]["answered"].as_i64(),
            new_unit["retention"][0]["answered"].as_i64(),
            new_unit["placements"].as_i64()
        ),
        (Some(0), Some(1), Some(1)),
        "{old_unit} {new_unit}"
    );
}

async fn send_list(m: &mut Client<'_>, url: String, body: &str) -> TestResponse {
    m.raw(Method::POST, &url, "text/csv", body.as_bytes().to_vec())
        .await
}

/// A school's enrolment list: each pupil found in the registry by the
/// duplicate check, their school year recorded once; pupils not found, found
/// twice or listed twice, and rows with problems are reported by row; the
/// same list again adds nothing; a changed status is a dated event.
#[tokio::test]
async fn a_schools_enrolment_list_finds_pupils_and_records_each_year_once() {
    let app = spawn_app().await;
    let school = institution_id(&app, "SCH-ANK-ALTINDAG").await;
    let mut m = app.api_as("mediator").await;
    let elif = ank_person(&mut m, "Elif", "2016-05-04", None).await;
    let derya = ank_person(&mut m, "Derya", "2015-02-10", None).await;
    // Two records of one girl not yet merged: the list cannot tell which.
    ank_person(&mut m, "Sevgi", "2014-11-20", None).await;
    ank_person(&mut m, "Sevgi", "2014-11-20", None).await;
    let year = kopru_domain::outcome::school_year_of(&day(0));
    let url = |dry: bool| {
        format!(
            "/api/v1/enrolment-lists?school_id={school}&level=primary&status_on={}&dry_run={dry}",
            day(-30)
        )
    };
    let list = "Adı Soyadı;Doğum Tarihi;Sınıfı;Durum;Devamsızlık\n\
        Elif Çelik;04.05.2016;3;Devam ediyor;2\n\
        Derya Çelik;10.02.2015;4.;Kayıtlı;\n\
        Zeynep Hiçkimse;01.01.2016;2;Kayıtlı;\n\
        Sevgi Çelik;20.11.2014;5;Kayıtlı;\n\
        ;01.01.2016;2;Belki;\n\
        Elif Çelik;04.05.2016;3;Devam ediyor;2\n";
    // A dry run reports every row and records nothing.
    let r = send_list(&mut m, url(true), list).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rep = r.json();
    let results: Vec<(i64, String)> = rep["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["row"].as_i64().unwrap(),
                r["result"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want = |first: &str| {
        vec![
            (2, first.to_owned()),
            (3, first.to_owned()),
            (4, "not_found".to_owned()),
            (5, "to_check".to_owned()),
            (6, "rejected".to_owned()),
            (7, "rejected".to_owned()),
        ]
    };
    assert_eq!(results, want("enrolled"), "{rep}");
    assert_eq!(rep["school_year"], json!(year));
    assert_eq!(rep["rows"][3]["candidates"].as_array().unwrap().len(), 2);
    let codes = |row: usize| -> Vec<String> {
        rep["rows"][row]["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                format!(
                    "{}:{}",
                    e["field"].as_str().unwrap(),
                    e["code"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert!(
        codes(4).contains(&"given_names:err-required".to_owned()),
        "{:?}",
        codes(4)
    );
    assert!(
        codes(4).contains(&"status:err-choice".to_owned()),
        "{:?}",
        codes(4)
    );
    assert_eq!(codes(5), vec!["full_name:err-list-pupil-twice".to_owned()]);
    assert_eq!(
        m.get(&format!("/api/v1/persons/{elif}/enrolments"))
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        0,
        "a dry run records nothing"
    );
    // For real: two school years, dated as the list says.
    let rep = send_list(&mut m, url(false), list).await.json();
    assert_eq!(
        (
            rep["enrolled"].as_i64(),
            rep["not_found"].as_i64(),
            rep["to_check"].as_i64(),
            rep["rejected"].as_i64()
        ),
        (Some(2), Some(1), Some(1), Some(2))
    );
    let e = m
        .get(&format!("/api/v1/persons/{elif}/enrolments"))
        .await
        .json();
    assert_eq!(
        (
            e[0]["school_year"].as_str(),
            e[0]["status"].as_str(),
            e[0]["grade"].as_i64(),
            e[0]["absent_days_term1"].as_i64(),
            e[0]["status_on"].as_str(),
            e[0]["school_id"].as_str()
        ),
        (
            Some(year.as_str()),
            Some("attending_regularly"),
            Some(3),
            Some(2),
            Some(day(-30).as_str()),
            Some(school.as_str())
        )
    );
    // The same list again adds nothing.
    let rep = send_list(&mut m, url(false), list).await.json();
    assert_eq!(
        (
            rep["enrolled"].as_i64(),
            rep["updated"].as_i64(),
            rep["unchanged"].as_i64()
        ),
        (Some(0), Some(0), Some(2)),
        "{rep}"
    );
    // Derya left the school: the term's list says so, with the reason and
    // date; her year changes with a dated event and keeps its grade.
    let later = format!(
        "Ad;Soyad;Doğum Tarihi;Durum;Neden;Tarih\nDerya;Çelik;10.02.2015;Okulu bıraktı;work_or_care;{}\n",
        day(-3)
    );
    let rep = send_list(&mut m, url(false), &later).await.json();
    assert_eq!(rep["updated"], 1, "{rep}");
    let e = m
        .get(&format!("/api/v1/persons/{derya}/enrolments"))
        .await
        .json();
    assert_eq!(
        (
            e[0]["status"].as_str(),
            e[0]["grade"].as_i64(),
            e[0]["reason"].as_str()
        ),
        (Some("dropped_out"), Some(4), Some("work_or_care"))
    );
    let events: Vec<&str> = e[0]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["status"].as_str().unwrap())
        .collect();
    assert_eq!(events, vec!["enrolled", "dropped_out"]);
    // The list as a whole: an unknown school, a file without names.
    let r = m
        .raw(
            Method::POST,
            "/api/v1/enrolment-lists?school_id=nope",
            "text/csv",
            list.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("school_id".into(), "err-school-unknown".into())]
    );
    let r = m
        .raw(
            Method::POST,
            &url(true),
            "text/csv",
            b"Sinif;Durum\n3;Kayitli\n".to_vec(),
        )
        .await;
    assert_eq!(
        field_codes(&r),
        vec![("file".into(), "err-import-missing-columns".into())]
    );
    // Who may not edit people may not send a list.
    let mut analyst = app.api_as("analyst").await;
    assert_eq!(
        analyst
            .raw(
                Method::POST,
                &url(true),
                "text/csv",
                list.as_bytes().to_vec()
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // The pages: upload, check, record — an XLSX this time, for a new pupil.
    let ayse = ank_person(&mut m, "Ayşe", "2018-09-01", None).await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["Adı", "Soyadı", "Doğum Tarihi", "Kademe"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in ["Ayşe", "Çelik", "01.09.2018", "Okul öncesi"]
        .iter()
        .enumerate()
    {
        sheet.write_string(1, c as u16, *v).unwrap();
    }
    let xlsx = book.save_to_buffer().unwrap();
    let mut web = app.signed_in("mediator").await;
    assert!(web
        .get("/enrolment-lists")
        .await
        .body
        .contains("name=\"school_id\""));
    let (ct, body) =
        crate::imports::multipart(&[("school_id", &school), ("school_year", &year)], &xlsx);
    let csrf = web.csrf();
    let r = web
        .send(
            axum::http::Request::post(format!("/enrolment-lists?_csrf={csrf}"))
                .header("content-type", ct)
                .body(axum::body::Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let at = r.header("location").unwrap();
    let page = web.get(&at).await;
    assert!(page.body.contains("id=\"enrolled\">1<"), "{}", page.body);
    let upload = at.split('?').next().unwrap().to_owned();
    let page = web
        .post_form(
            &upload,
            &[
                ("school_id", &school),
                ("school_year", &year),
                ("level", ""),
                ("status", ""),
                ("status_on", ""),
            ],
        )
        .await;
    assert!(page.body.contains("id=\"done\""), "{}", page.body);
    let e = m
        .get(&format!("/api/v1/persons/{ayse}/enrolments"))
        .await
        .json();
    assert_eq!(
        (e[0]["level"].as_str(), e[0]["status"].as_str()),
        (Some("pre_school"), Some("enrolled"))
    );
}
