//! ROMACTED (issue 20 §5): a community meeting made the municipality's
//! community action group (its participants the members, its sessions the
//! meetings, with minutes), the group's needs by sector and votes, and the
//! joint local action plan: measures answering the needs, the council's
//! adoption, progress per measure; who sees and writes what.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use kopru_domain::Role;
use serde_json::{json, Value};

fn codes(r: &TestResponse) -> Vec<String> {
    r.json()["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["code"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_group_assesses_needs_and_the_municipality_adopts_and_follows_a_joint_plan() {
    let app = spawn_app().await;
    crate::cases::add_user(&app, "niscoord", Role::UnitCoordinator, "unit:MT-NIS").await;
    let mut me = app.api_as("niscoord").await;
    let today = kopru_store::clock::today();
    let body = json!({
        "programme_code": "ROMACTED", "result_area": "Empowerment of Roma communities",
        "unit_code": "MT-NIS", "kind": "community_meeting",
        "titles": {"sr-Cyrl": "Акциона група заједнице — Ниш", "en": "Community action group — Niš"},
        "area_code": "RS-20-NIS", "venue": "Месна заједница", "starts_on": today, "ends_on": today,
    });
    let r = me.json(Method::POST, "/api/v1/activities", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let activity = r.json()["id"].as_str().unwrap().to_owned();
    let r = me
        .json(Method::POST, &format!("/api/v1/activities/{activity}/participants"),
            json!({"professional": {"name": "Dragana Stanković", "position": "Gradska uprava", "sex": "female"}}))
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let r = me
        .json(
            Method::POST,
            &format!("/api/v1/activities/{activity}/sessions"),
            json!({"held_on": today, "topic": "Prioriteti"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let session = r.json()["id"].as_str().unwrap().to_owned();

    // The group: only a community meeting can be one, and only once.
    let r = me
        .json(
            Method::POST,
            "/api/v1/local-groups",
            json!({"activity_id": activity, "kind": "club"}),
        )
        .await;
    assert_eq!(codes(&r), ["err-choice"]);
    let r = me
        .json(
            Method::POST,
            "/api/v1/local-groups",
            json!({"activity_id": activity, "kind": "community_action_group"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let group = r.json();
    let gid = group["id"].as_str().unwrap().to_owned();
    assert_eq!(
        (group["municipality"].as_str(), group["members"].as_i64()),
        (Some("RS-20-NIS"), Some(1))
    );
    let r = me
        .json(
            Method::POST,
            "/api/v1/local-groups",
            json!({"activity_id": activity, "kind": "community_action_group"}),
        )
        .await;
    assert_eq!(codes(&r), ["err-taken"]);

    // Minutes of the meeting; a stale version is refused.
    let minutes = format!("/api/v1/local-groups/{gid}/minutes/{session}");
    assert_eq!(
        me.json(
            Method::PUT,
            &minutes,
            json!({"minutes": "Tri prioriteta.", "version": 0})
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        me.json(Method::PUT, &minutes, json!({"minutes": "x", "version": 0}))
            .await
            .status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        me.json(
            Method::PUT,
            &minutes,
            json!({"minutes": "Tri prioriteta; voda prva.", "version": 1})
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );

    // Needs by sector, ranked by votes.
    let needs_url = format!("/api/v1/local-groups/{gid}/needs");
    let r = me
        .json(
            Method::POST,
            &needs_url,
            json!({"sector": "sport", "problem": "", "votes": "-1", "raised_on": today}),
        )
        .await;
    assert_eq!(codes(&r), ["err-policy-area", "err-required", "err-votes"]);
    let mut need_ids = Vec::new();
    for (sector, problem, votes) in [
        ("Stanovanje", "Nema vode", "23"),
        ("housing", "Nema struje", "30"),
        ("education", "Nema prevoza do vrtića", "17"),
    ] {
        let r = me
            .json(
                Method::POST,
                &needs_url,
                json!({"sector": sector, "problem": problem, "votes": votes, "raised_on": today}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        need_ids.push(r.json()["id"].as_str().unwrap().to_owned());
    }
    let r = me
        .json(
            Method::PUT,
            &format!("/api/v1/community-needs/{}/votes", need_ids[0]),
            json!({"votes": "31", "version": 1}),
        )
        .await;
    assert_eq!(r.json()["votes"], 31, "{}", r.body);
    let file = me.get(&format!("/api/v1/local-groups/{gid}")).await.json();
    let problems: Vec<&str> = file["needs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["problem"].as_str().unwrap())
        .collect();
    assert_eq!(
        problems,
        ["Nema prevoza do vrtića", "Nema vode", "Nema struje"],
        "by sector, the most voted first"
    );
    assert_eq!(file["meetings"][0]["minutes"], "Tri prioriteta; voda prva.");
    assert_eq!(file["members"][0]["name"], "Dragana Stanković");

    // The joint plan: adoption needs both the date and the decision number.
    let r = me
        .json(Method::POST, "/api/v1/local-action-plans", json!({"municipality": "RS-20-NIS", "title": "Zajednički akcioni plan", "starts_year": 2026, "ends_year": 2028, "adopted_on": today}))
        .await;
    assert_eq!(r.json()["errors"][0]["field"], "decision_number");
    let r = me
        .json(Method::POST, "/api/v1/local-action-plans", json!({"municipality": "RS-20-NIS", "title": "Zajednički akcioni plan", "starts_year": 2026, "ends_year": 2028}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let pid = r.json()["id"].as_str().unwrap().to_owned();
    let plan_url = format!("/api/v1/local-action-plans/{pid}");
    let measure = |number: &str, need: &str| {
        json!({"number": number, "text": "Vodovodna mreža", "need_id": need, "responsible": "JKP Naissus",
            "starts": "2026-Q2", "ends": "2027", "budget": "12.000.000,00", "funding": "municipal_budget", "budget_line": "0601-4001"})
    };
    let r = me
        .json(
            Method::POST,
            &format!("{plan_url}/measures"),
            measure("1", "not-a-need"),
        )
        .await;
    assert_eq!(r.json()["errors"][0]["field"], "need_id");
    let r = me
        .json(
            Method::POST,
            &format!("{plan_url}/measures"),
            measure("1", &need_ids[0]),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let m = r.json();
    assert_eq!(
        (m["budget_minor"].as_i64(), m["need_problem"].as_str()),
        (Some(1_200_000_000), Some("Nema vode"))
    );
    assert_eq!(
        codes(
            &me.json(
                Method::POST,
                &format!("{plan_url}/measures"),
                measure("1", "")
            )
            .await
        ),
        ["err-taken"]
    );
    let mid = m["id"].as_str().unwrap().to_owned();
    let progress = format!("{plan_url}/measures/{mid}/progress");
    let r = me.json(Method::POST, &progress, json!({"reported_on": today, "status": "on_track", "note": "Projekat gotov.", "spending": "300.000,00", "version": 1})).await;
    assert_eq!(r.json()["status"], "on_track", "{}", r.body);
    let r = me.json(Method::POST, &progress, json!({"reported_on": today, "status": "delayed", "note": "Tender kasni.", "spending": "50.000,00", "version": 1})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = me.json(Method::POST, &progress, json!({"reported_on": today, "status": "delayed", "note": "Tender kasni.", "spending": "50.000,00", "version": 2})).await;
    assert_eq!(r.json()["spent_minor"], 35_000_000, "spending adds up");
    // Adopted by the council.
    let r = me
        .json(Method::PUT, &plan_url, json!({"version": 1, "municipality": "RS-20-NIS", "title": "Zajednički akcioni plan", "starts_year": 2026, "ends_year": 2028, "adopted_on": today, "decision_number": "06-1234/2026"}))
        .await;
    assert_eq!(r.json()["decision_number"], "06-1234/2026", "{}", r.body);
    let f = me.get(&plan_url).await.json();
    assert_eq!(f["progress"].as_array().unwrap().len(), 2);
    assert_eq!(f["plan"]["budget_minor"], 1_200_000_000);

    // Scope: a Niš worker reads, an Ankara one sees nothing, an institution nothing.
    let mut nis = app.api_as("healthmediator").await;
    assert_eq!(nis.get(&plan_url).await.status, StatusCode::OK);
    assert_eq!(
        nis.get(&format!("/api/v1/local-groups/{gid}")).await.status,
        StatusCode::OK
    );
    let mut ankara = app.api_as("mediator").await;
    assert_eq!(ankara.get(&plan_url).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        ankara.get("/api/v1/local-action-plans").await.json(),
        json!([])
    );
    let mut ministry = app.api_as("ministry").await;
    assert_eq!(ministry.get("/api/v1/local-groups").await.json(), json!([]));
    // An auditor of the installation reads but does not write.
    let mut auditor = app.api_as("auditor").await;
    let r = auditor
        .json(
            Method::POST,
            &needs_url,
            json!({"sector": "health", "problem": "x", "raised_on": today}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    // The pages: the plan and the group, a bad need coming back with its error.
    let mut web = app.signed_in("niscoord").await;
    let page = web.get(&format!("/local-action-plans/{pid}")).await;
    assert!(
        page.body.contains("06-1234/2026") && page.body.contains("Tender kasni."),
        "{}",
        page.body
    );
    let r = web
        .post_form(
            &format!("/local-groups/{gid}"),
            &[
                ("form", "need"),
                ("sector", "health"),
                ("problem", ""),
                ("raised_on", &today),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = web
        .post_form(
            &format!("/local-groups/{gid}"),
            &[
                ("form", "need"),
                ("sector", "health"),
                ("problem", "Nema ambulante"),
                ("votes", "5"),
                ("raised_on", &today),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let index: Value = web.get("/local-action-plans").await.body.into();
    assert!(index.as_str().unwrap().contains("Zajednički akcioni plan"));
}
