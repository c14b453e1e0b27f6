//! Record linkage in the registry: the review queue, decisions, merge and unmerge.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::{Column, Row, ValueRef};

async fn create(c: &mut Client<'_>, body: Value) -> String {
    let r = c.json(Method::POST, "/api/v1/persons", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_owned()
}

/// Every row of the registry's tables, as text, in a stable order: what
/// "the database exactly as before" is checked against. Logs (audit, field
/// history), the queue and the merge records themselves are left out: they
/// record that a merge and an unmerge happened.
async fn registry_dump(app: &TestApp) -> String {
    let mut conn = app.store().acquire().await.unwrap();
    let mut out = String::new();
    for table in [
        "persons",
        "person_names",
        "name_words",
        "households",
        "household_members",
        "consents",
        "person_special",
        "import_fingerprints",
    ] {
        let rows = sqlx::query(&format!("SELECT * FROM {table}"))
            .fetch_all(&mut *conn)
            .await
            .unwrap();
        let mut lines: Vec<String> = rows
            .iter()
            .map(|row| {
                (0..row.columns().len())
                    .map(|i| {
                        let name = row.column(i).name().to_owned();
                        let value = if row.try_get_raw(i).unwrap().is_null() {
                            "NULL".to_owned()
                        } else if let Ok(s) = row.try_get::<String, _>(i) {
                            s
                        } else if let Ok(n) = row.try_get::<i64, _>(i) {
                            n.to_string()
                        } else {
                            row.try_get::<f64, _>(i).unwrap().to_string()
                        };
                        format!("{name}={value}")
                    })
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect();
        lines.sort();
        out.push_str(&format!("## {table}\n{}\n", lines.join("\n")));
    }
    out
}

/// Two records of one Serbian woman (Latin and Cyrillic, one with an ID number,
/// consent and a household) and her sister; all in the health mediator's team.
async fn two_records_of_one_person(c: &mut Client<'_>) -> (String, String, String) {
    let hh = c
        .json(
            Method::POST,
            "/api/v1/households",
            json!({"unit_code": "MT-NIS", "area_code": "RS-20-NIS",
        "address": "Stočni trg 4", "tenure": "informal"}),
        )
        .await;
    assert_eq!(hh.status, StatusCode::CREATED, "{}", hh.body);
    let hh = hh.json()["id"].as_str().unwrap().to_owned();
    let a = create(c, json!({"given_names": "Šemsa", "family_name": "Đorđević", "father_name": "Redžep", "sex": "female",
        "birth_date": "1984-03-12", "unit_code": "MT-NIS", "area_code": "RS-20-NIS"})).await;
    let b = create(c, json!({"given_names": "Шемса", "family_name": "Ђорђевић", "father_name": "Реџеп", "sex": "female",
        "birth_date": "1984", "national_id": "1203984715007", "phone": "064 123 4567", "unit_code": "MT-NIS", "area_code": "RS-20-NIS",
        "household_id": hh, "relationship": "head", "confirm_new": true})).await;
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/persons/{b}/consents"),
            json!({"purpose": "services",
            "legal_basis": "explicit_consent", "text_version": "2026-01", "language": "sr-Cyrl"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = c
        .json(
            Method::PUT,
            &format!("/api/v1/persons/{b}/special/health"),
            json!({"value": "yes"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let sister = create(c, json!({"given_names": "Fatima", "family_name": "Đorđević", "father_name": "Redžep", "sex": "female",
        "birth_date": "1984-03-12", "unit_code": "MT-NIS", "area_code": "RS-20-NIS", "confirm_new": true})).await;
    (a, b, sister)
}

#[tokio::test]
async fn merge_then_unmerge_leaves_the_registry_exactly_as_before() {
    let app = spawn_app().await;
    let mut c = app.api_as("healthmediator").await;
    let (a, b, _) = two_records_of_one_person(&mut c).await;
    let before = registry_dump(&app).await;
    let va = c.get(&format!("/api/v1/persons/{a}")).await.json()["version"].clone();
    let vb = c.get(&format!("/api/v1/persons/{b}")).await.json()["version"].clone();
    // A stale version is refused.
    let r = c
        .json(
            Method::POST,
            "/api/v1/merges",
            json!({"survivor_id": a, "merged_id": b,
            "survivor_version": 99, "merged_version": vb, "take_from_merged": []}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = c
        .json(Method::POST, "/api/v1/merges", json!({"survivor_id": a, "merged_id": b,
            "survivor_version": va, "merged_version": vb, "take_from_merged": ["national_id", "phone"]}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let merge = r.json()["id"].as_str().unwrap().to_owned();
    assert_ne!(registry_dump(&app).await, before);
    // The survivor has the chosen values, the other spelling, the household, consent and special value.
    let survivor = c.get(&format!("/api/v1/persons/{a}")).await.json();
    assert_eq!(survivor["national_id"], "1203984715007");
    assert_eq!(survivor["given_names"], "Šemsa");
    assert!(survivor["household_id"].is_string());
    let consents = c.get(&format!("/api/v1/persons/{a}/consents")).await.json();
    assert_eq!(consents.as_array().unwrap().len(), 1);
    let special = c.get(&format!("/api/v1/persons/{a}/special")).await;
    assert!(special.body.contains("health"), "{}", special.body);
    // The merged record is closed: read-only, out of lists and searches, pointing at the survivor.
    let merged = c.get(&format!("/api/v1/persons/{b}")).await.json();
    assert_eq!(merged["merged_into"], json!(a));
    let found = c
        .get("/api/v1/persons?q=%D0%A8%D0%B5%D0%BC%D1%81%D0%B0")
        .await
        .json();
    let found: Vec<&str> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(found, vec![a.as_str()]);
    let r = c
        .json(
            Method::PUT,
            &format!("/api/v1/persons/{b}"),
            json!({"given_names": "X", "family_name": "Y",
            "unit_code": "MT-NIS", "area_code": "RS-20-NIS", "version": merged["version"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let merges = c.get(&format!("/api/v1/persons/{b}/merges")).await.json();
    assert_eq!(merges[0]["id"], json!(merge));
    // Unmerge: exactly as before, on every registry table.
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/merges/{merge}/unmerge"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.json()["unmerged_at"].is_string());
    assert_eq!(registry_dump(&app).await, before);
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/merges/{merge}/unmerge"),
            json!({}),
        )
        .await;
    assert_eq!(r.json()["errors"][0]["code"], "err-merge-undone");
    // Merged again, then the survivor edited: unmerging would lose the edit, so it is refused.
    let r = c
        .json(
            Method::POST,
            "/api/v1/merges",
            json!({"survivor_id": b, "merged_id": a,
            "survivor_version": vb, "merged_version": va, "take_from_merged": ["given_names"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let merge = r.json()["id"].as_str().unwrap().to_owned();
    let survivor = c.get(&format!("/api/v1/persons/{b}")).await.json();
    assert_eq!(survivor["given_names"], "Šemsa");
    // The two spellings fold to the same words: no alias is needed to find either.
    let aliases: Vec<&str> = survivor["aliases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert!(aliases.is_empty(), "{aliases:?}");
    let mut edit = survivor.clone();
    edit["phone"] = json!("064 999 0000");
    edit["aliases"] = json!(aliases);
    let r = c
        .json(Method::PUT, &format!("/api/v1/persons/{b}"), edit)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/merges/{merge}/unmerge"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["errors"][0]["code"], "err-merge-changed");
    // Both operations are in the audit log.
    let mut conn = app.store().acquire().await.unwrap();
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM audit_log WHERE action IN ('person.merge', 'person.unmerge')",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(n, 3);
}

#[tokio::test]
async fn the_review_queue_is_scoped_remembers_decisions_and_merges_through_the_pages() {
    let app = spawn_app().await;
    let mut hm = app.api_as("healthmediator").await;
    let (a, b, sister) = two_records_of_one_person(&mut hm).await;
    // The same man in two Turkish units: one the coordinator sees, one she does not.
    let mut admin = app.api_as("admin").await;
    let t1 = create(&mut admin, json!({"given_names": "Mehmet", "family_name": "Kalaycı", "father_name": "Hüseyin", "sex": "male",
        "birth_date": "1979-06-02", "unit_code": "SHKB-ANK-01", "area_code": "TR-06-ALTINDAG"})).await;
    let t2 = create(&mut admin, json!({"given_names": "Mehmed", "family_name": "Kalayci", "father_name": "Huseyin", "sex": "male",
        "birth_date": "1979-06-02", "unit_code": "SHKB-ANK-02", "area_code": "TR-06-POLATLI", "confirm_new": true})).await;
    // Registered anyway (as imports from two units would be): nobody has judged the pairs yet.
    sql(&app, "DELETE FROM duplicate_decisions").await;
    let r = admin
        .json(Method::POST, "/api/v1/duplicates/runs", json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.json()["pairs_queued"].as_u64().unwrap() >= 2,
        "{}",
        r.body
    );
    let pair_of = |list: &Value, x: &str, y: &str| -> Option<String> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| {
                let ids = [
                    p["person_id"].as_str().unwrap(),
                    p["other_person_id"].as_str().unwrap(),
                ];
                ids.contains(&x) && ids.contains(&y)
            })
            .map(|p| p["id"].as_str().unwrap().to_owned())
    };
    let all = admin.get("/api/v1/duplicates").await.json();
    let serbian = pair_of(&all, &a, &b).expect("the two spellings are queued");
    let turkish = pair_of(&all, &t1, &t2).expect("the two units' records are queued");
    assert!(
        pair_of(&all, &a, &sister).is_none(),
        "sisters are not proposed"
    );
    // Each user sees the pairs whose two records they may both see.
    let mut coordinator = app.api_as("coordinator").await;
    let theirs = coordinator.get("/api/v1/duplicates").await.json();
    assert!(pair_of(&theirs, &t1, &t2).is_none() && pair_of(&theirs, &a, &b).is_none());
    assert_eq!(
        coordinator
            .get(&format!("/api/v1/duplicates/{turkish}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let mine = hm.get("/api/v1/duplicates").await.json();
    assert!(pair_of(&mine, &a, &b).is_some() && pair_of(&mine, &t1, &t2).is_none());
    let detail = hm
        .get(&format!("/api/v1/duplicates/{serbian}"))
        .await
        .json();
    let fields: Vec<&str> = detail["explanation"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"family_name") && fields.contains(&"birth_date"),
        "{detail}"
    );
    // "Different" is remembered: the next run does not propose the pair again.
    let r = admin
        .json(
            Method::POST,
            &format!("/api/v1/duplicates/{turkish}/decision"),
            json!({"decision": "different"}),
        )
        .await;
    assert_eq!(r.json()["status"], "different", "{}", r.body);
    let r = admin
        .json(
            Method::POST,
            &format!("/api/v1/duplicates/{turkish}/decision"),
            json!({"decision": "maybe"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    admin
        .json(Method::POST, "/api/v1/duplicates/runs", json!({}))
        .await;
    let open = admin.get("/api/v1/duplicates").await.json();
    assert!(pair_of(&open, &t1, &t2).is_none());
    let different = admin
        .get("/api/v1/duplicates?status=different")
        .await
        .json();
    assert_eq!(pair_of(&different, &t1, &t2), Some(turkish));
    let serbian = pair_of(&open, &a, &b).expect("still queued");
    // Through the pages: the queue, the side-by-side review, the merge, the unmerge.
    let mut page = app.signed_in("healthmediator").await;
    let r = page.get("/duplicates").await;
    assert!(
        r.body.contains(&format!("/duplicates/{serbian}")),
        "{}",
        r.body
    );
    let r = page.get(&format!("/duplicates/{serbian}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("Шемса")
            && r.body.contains("Šemsa")
            && r.body.contains("class=\"differs\"")
    );
    let detail = hm
        .get(&format!("/api/v1/duplicates/{serbian}"))
        .await
        .json();
    let (va, vb) = (
        detail["person"]["version"].to_string(),
        detail["other"]["version"].to_string(),
    );
    let r = page
        .post_form(
            &format!("/duplicates/{serbian}/merge"),
            &[
                ("survivor", "a"),
                ("version_a", &va),
                ("version_b", &vb),
                ("national_id", "b"),
                ("phone", "b"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let merge_page = r.location();
    let r = page.get(&merge_page).await;
    assert!(r.body.contains("/unmerge"), "{}", r.body);
    let survivor = detail["person"]["id"].as_str().unwrap();
    let merged = hm.get(&format!("/api/v1/persons/{survivor}")).await.json();
    assert!(merged["national_id"].is_string(), "{merged}");
    let r = page.post_form(&format!("{merge_page}/unmerge"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let open = hm.get("/api/v1/duplicates").await.json();
    assert_eq!(
        pair_of(&open, &a, &b),
        Some(serbian),
        "back in the queue after the unmerge"
    );
}

/// The code review's duplicate runs: anybody who could edit people (volunteers
/// too) could start one; an area-less run deleted every open pair of earlier
/// area-less runs, the administrator's installation-wide queue included; and
/// the model a small scope estimated became everybody's.
#[tokio::test]
async fn duplicate_runs_are_for_coordinators_and_administrators_and_keep_to_their_scope() {
    let app = spawn_app().await;
    let mut hm = app.api_as("healthmediator").await;
    two_records_of_one_person(&mut hm).await;
    let mut admin = app.api_as("admin").await;
    create(&mut admin, json!({"given_names": "Mehmet", "family_name": "Kalaycı", "father_name": "Hüseyin", "sex": "male",
        "birth_date": "1979-06-02", "unit_code": "SHKB-ANK-01", "area_code": "TR-06-ALTINDAG"})).await;
    create(&mut admin, json!({"given_names": "Mehmed", "family_name": "Kalayci", "father_name": "Huseyin", "sex": "male",
        "birth_date": "1979-06-02", "unit_code": "SHKB-ANK-01", "area_code": "TR-06-ALTINDAG", "confirm_new": true})).await;
    // Registered anyway (as imports would be): nobody has judged the pairs yet.
    sql(&app, "DELETE FROM duplicate_decisions").await;
    for who in ["volunteer", "mediator", "healthmediator", "auditor"] {
        let mut c = app.api_as(who).await;
        let r = c
            .json(Method::POST, "/api/v1/duplicates/runs", json!({}))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}: {}", r.body);
        let page = app.signed_in(who).await.get("/duplicates").await;
        assert!(
            !page.body.contains("action=\"/duplicates/run\""),
            "{who} is offered a run"
        );
    }
    let r = admin
        .json(Method::POST, "/api/v1/duplicates/runs", json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let queued = r.json()["pairs_queued"].as_i64().unwrap();
    assert!(queued >= 1, "{}", r.body);
    let open_pairs = |app: &TestApp| {
        let pool = app.store().pool().clone();
        async move {
            let (n,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM duplicate_pairs p JOIN duplicate_runs r ON r.id = p.run_id \
                 WHERE p.status = 'open' AND r.scope_key = 'installation'",
            )
            .fetch_one(&pool)
            .await
            .unwrap();
            n
        }
    };
    assert_eq!(open_pairs(&app).await, queued);
    let model = app.store().linkage_model().await.unwrap().to_json();
    // A coordinator's run covers her unit: the installation's queue and model stay.
    let mut coord = app.api_as("coordinator").await;
    let r = coord
        .json(Method::POST, "/api/v1/duplicates/runs", json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (key,): (String,) =
        sqlx::query_as("SELECT scope_key FROM duplicate_runs WHERE started_by = 'coordinator'")
            .fetch_one(app.store().pool())
            .await
            .unwrap();
    assert_eq!(key, "unit:SHKB-ANK-01");
    assert_eq!(
        open_pairs(&app).await,
        queued,
        "the administrator's queue is untouched"
    );
    assert_eq!(app.store().linkage_model().await.unwrap().to_json(), model);
    // The administrator's next run replaces her own open pairs, not adds to them.
    admin
        .json(Method::POST, "/api/v1/duplicates/runs", json!({}))
        .await;
    assert_eq!(open_pairs(&app).await, queued);
}
