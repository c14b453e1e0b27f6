//! Strategy monitoring (issue 20): a plan imported from a ministry's sheet
//! (every refused row named, a re-import updates and takes out without
//! duplicating, what an action was is kept per revision, the export imports
//! back unchanged), a reporting cycle opened, a focal point's report saved,
//! submitted, returned with a comment, resubmitted, approved and corrected;
//! who sees and writes what.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use kopru_domain::Role;
use serde_json::{json, Value};

const HEADER: &str = "Politika Alanı;Hedef No;Hedef;Eylem No;Eylem;Action;Sorumlu Kurum;İşbirliği Yapılacak Kurumlar;Başlangıç;Bitiş;Bütçe;Gösterge Kodu;Gösterge;Birim;Baz Değer;Hedef Değerler;Kırılım\n";

fn sheet(rows: &[&str]) -> Vec<u8> {
    let mut s = HEADER.to_owned();
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s.into_bytes()
}

const A1: &str = "Eğitim;1.1;Okul öncesi;1.1.1;Kayıt kampanyası;Enrolment campaign;MIN-MEB;MIN-ASHB;2026-Q1;2027;1.000.000;IND-1;Kayıtlı çocuk;çocuk;1200;\"2026: 1500; 2027: 1800\";sex";
const A2: &str =
    "Eğitim;1.1;Okul öncesi;1.1.2;Anasınıfları;Pre-school classes;MIN-MEB;;2026;2028;;;;;;;";
const A3: &str = "İstihdam;2.1;İşgücü;2.1.1;Meslek kursları;Vocational courses;ISKUR-GM;MIN-MEB;2026;2027;500000;IND-2;Kursu bitiren;kişi;;2026: 600;none";
const BAD: &str = "Spor;2.1;;2.2.1;;;NOPE-ORG;;2027;2026;çok;;;;;;";

async fn import(c: &mut Client<'_>, plan: &str, rows: &[&str], dry: bool) -> TestResponse {
    c.raw(
        Method::POST,
        &format!("/api/v1/action-plans/{plan}/import?dry_run={dry}"),
        "text/csv",
        sheet(rows),
    )
    .await
}

async fn plan(app: &TestApp) -> (Client<'_>, String) {
    let mut me = app.api_as("analyst").await;
    let r = me
        .json(Method::POST, "/api/v1/strategies", json!({"code": "TR-ROMA-TEST", "title_tr": "Strateji", "country": "TR", "starts_year": 2023, "ends_year": 2030}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let sid = r.json()["id"].as_str().unwrap().to_owned();
    let r = me
        .json(Method::POST, "/api/v1/action-plans", json!({"strategy_id": sid, "code": "AP2-TEST", "title_tr": "II. Aşama", "starts_year": 2026, "ends_year": 2030}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let pid = r.json()["id"].as_str().unwrap().to_owned();
    (me, pid)
}

fn numbers(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|a| a["number"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_plan_is_imported_revised_and_exported_without_duplicates() {
    let app = spawn_app().await;
    let (mut me, pid) = plan(&app).await;
    // Only M&E officers (and administrators) write plans.
    let mut mediator = app.api_as("mediator").await;
    assert_eq!(
        mediator.json(Method::POST, "/api/v1/strategies", json!({"code": "X", "title_tr": "x", "country": "TR", "starts_year": 2023, "ends_year": 2030})).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        import(&mut mediator, &pid, &[A1], false).await.status,
        StatusCode::FORBIDDEN
    );

    // A dry run: every refused row and why; nothing written.
    let r = import(&mut me, &pid, &[A1, A2, A3, BAD], true).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rep = r.json();
    assert_eq!(rep["actions_added"], 3, "{rep}");
    assert_eq!(rep["rejected"][0]["row"], 5);
    let fields: Vec<&str> = rep["rejected"][0]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in ["policy_area", "text_tr", "ends", "budget"] {
        assert!(fields.contains(&f), "{f}: {fields:?}");
    }
    assert_eq!(
        me.get(&format!("/api/v1/actions?plan_id={pid}"))
            .await
            .json(),
        json!([])
    );
    // An unknown institution is refused by row too.
    let unknown = "Eğitim;1.1;;1.1.9;Bir eylem;;NOPE-ORG;;2026;2026;;;;;;;";
    let rep = import(&mut me, &pid, &[A1, unknown], true).await.json();
    assert_eq!(
        rep["rejected"][0]["errors"][0]["code"], "err-institution-unknown",
        "{rep}"
    );

    // For real, with the refused row: three actions, revision 1.
    let rep = import(&mut me, &pid, &[A1, A2, A3, BAD], false)
        .await
        .json();
    assert_eq!(
        (rep["actions_added"].as_i64(), rep["revision"].as_i64()),
        (Some(3), Some(1))
    );
    assert_eq!(
        numbers(
            &me.get(&format!("/api/v1/actions?plan_id={pid}"))
                .await
                .json()
        ),
        ["1.1.1", "1.1.2", "2.1.1"]
    );
    // The same sheet again adds nothing and keeps the revision.
    let rep = import(&mut me, &pid, &[A1, A2, A3], false).await.json();
    assert_eq!(
        (
            rep["actions_added"].as_i64(),
            rep["actions_unchanged"].as_i64(),
            rep["revision"].as_i64()
        ),
        (Some(0), Some(3), Some(1)),
        "{rep}"
    );
    // A revision: 1.1.1's text changes, 1.1.2 is no longer in the plan.
    let changed = A1.replace("Kayıt kampanyası", "Kayıt ve devam kampanyası");
    let rep = import(&mut me, &pid, &[&changed, A3], false).await.json();
    assert_eq!(
        (
            rep["actions_updated"].as_i64(),
            rep["actions_removed"].as_i64(),
            rep["revision"].as_i64()
        ),
        (Some(1), Some(1), Some(2)),
        "{rep}"
    );
    assert_eq!(
        numbers(
            &me.get(&format!("/api/v1/actions?plan_id={pid}"))
                .await
                .json()
        ),
        ["1.1.1", "2.1.1"]
    );
    let all = me
        .get(&format!("/api/v1/actions?plan_id={pid}&with_removed=true"))
        .await
        .json();
    assert_eq!(all[1]["removed_in"], 2);
    // What 1.1.1 was in revision 1 is kept.
    let (kept,): (String,) = kopru_store::Sql::new(
        "SELECT r.snapshot FROM action_revisions r JOIN plan_actions a ON a.id = r.action_id WHERE a.number = '1.1.1' AND r.revision = 1",
    )
    .fetch_one(app.store().pool())
    .await
    .unwrap();
    assert!(kept.contains("Kayıt kampanyası"), "{kept}");
    // The API and the action's page show it, the latest revision first.
    let first = all[0]["id"].as_str().unwrap().to_owned();
    let out = me.get(&format!("/api/v1/actions/{first}")).await.json();
    assert_eq!(out["revisions"][0]["revision"], 1, "{out}");
    assert_eq!(
        out["revisions"][0]["snapshot"]["texts"]["tr"],
        "Kayıt kampanyası"
    );
    assert_eq!(out["action"]["number"], "1.1.1");
    let mut web = app.signed_in("analyst").await;
    let page = web.get(&format!("/actions/{first}")).await;
    assert!(
        page.body.contains("Kayıt kampanyası") && page.body.contains("Kayıt ve devam kampanyası"),
        "{}",
        page.body
    );

    // The export imports back unchanged.
    let r = me.get(&format!("/api/v1/action-plans/{pid}/export")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.bytes.starts_with(b"PK"));
    let back = me
        .raw(
            Method::POST,
            &format!("/api/v1/action-plans/{pid}/import"),
            "application/octet-stream",
            r.bytes.clone(),
        )
        .await
        .json();
    assert_eq!(
        (
            back["actions_unchanged"].as_i64(),
            back["actions_updated"].as_i64(),
            back["actions_removed"].as_i64(),
            back["rejected"].as_array().map(Vec::len)
        ),
        (Some(2), Some(0), Some(0), Some(0)),
        "{back}"
    );
    let a = me
        .get(&format!("/api/v1/actions?plan_id={pid}"))
        .await
        .json();
    assert_eq!(a[0]["partners"], json!(["MIN-ASHB"]));
    assert_eq!(a[0]["budget_minor"], 100_000_000);
}

#[tokio::test]
async fn a_report_is_filled_returned_resubmitted_approved_and_corrected() {
    let app = spawn_app().await;
    let (mut me, pid) = plan(&app).await;
    let rep = import(&mut me, &pid, &[A1, A2, A3], false).await.json();
    assert_eq!(rep["actions_added"], 3, "{rep}");
    let today = kopru_store::clock::today();
    let r = me
        .json(
            Method::POST,
            "/api/v1/reporting-cycles",
            json!({"plan_id": pid, "title": "2026-Q3", "opens_on": today, "due_on": "2020-01-01"}),
        )
        .await;
    assert_eq!(r.json()["errors"][0]["field"], "due_on", "{}", r.body);
    let r = me
        .json(
            Method::POST,
            "/api/v1/reporting-cycles",
            json!({"plan_id": pid, "title": "2026-Q3", "opens_on": today, "due_on": today}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["reports"], 3);

    // The ministry's focal point has its two actions to report; İŞKUR's has one.
    let mut meb = app.api_as("ministry").await;
    let due = meb.get("/api/v1/progress-reports?due=true").await.json();
    let due_numbers: Vec<&str> = due
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action_number"].as_str().unwrap())
        .collect();
    assert_eq!(due_numbers, ["1.1.1", "1.1.2"]);
    crate::cases::add_user(
        &app,
        "iskurfocal",
        Role::InstitutionFocalPoint,
        "institution:ISKUR-GM",
    )
    .await;
    crate::cases::add_user(
        &app,
        "ashbfocal",
        Role::InstitutionFocalPoint,
        "institution:MIN-ASHB",
    )
    .await;
    let mut iskur = app.api_as("iskurfocal").await;
    let mut ashb = app.api_as("ashbfocal").await;
    assert_eq!(
        iskur
            .get("/api/v1/progress-reports?due=true")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // A cooperating institution sees the action it shares, not the others; it does not report it.
    assert_eq!(
        numbers(
            &ashb
                .get(&format!("/api/v1/actions?plan_id={pid}"))
                .await
                .json()
        ),
        ["1.1.1"]
    );
    let id = due[0]["id"].as_str().unwrap().to_owned();
    let url = format!("/api/v1/progress-reports/{id}");
    assert_eq!(ashb.get(&url).await.status, StatusCode::OK);
    let body = |version: i64, done: &str| {
        json!({"action_status": "on_track", "done_text": done, "spending": "12.500,50", "version": version,
            "values": [{"indicator": "IND-1", "sex": "female", "value": "40"}, {"indicator": "IND-1", "sex": "male", "value": "35"}]})
    };
    assert_eq!(
        ashb.json(Method::PUT, &url, body(1, "x")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(iskur.get(&url).await.status, StatusCode::NOT_FOUND);

    // Saved as a draft; submitting asks for what was done; values follow the breakdown.
    let r = meb.json(Method::PUT, &url, json!({"version": 1})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = meb.json(Method::POST, &format!("{url}/submit"), json!({"version": 2, "values": [{"indicator": "IND-1", "province": "TR-06", "value": "4"}]})).await;
    let errs = r.json();
    let codes: Vec<&str> = errs["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["err-required", "err-required", "err-value-province"],
        "{}",
        r.body
    );
    let r = meb
        .json(
            Method::POST,
            &format!("{url}/submit"),
            body(2, "Kampanya 12 ilde yapıldı."),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "submitted");
    // Locked once submitted.
    assert_eq!(
        meb.json(Method::PUT, &url, body(3, "y")).await.json()["errors"][0]["code"],
        "err-report-locked"
    );

    // The M&E officer returns it: a comment is needed; a stale version is refused.
    let r = me
        .json(
            Method::POST,
            &format!("{url}/return"),
            json!({"version": 3, "comments": {}}),
        )
        .await;
    assert_eq!(r.json()["errors"][0]["code"], "err-return-comment");
    let r = me
        .json(
            Method::POST,
            &format!("{url}/return"),
            json!({"version": 2, "comments": {"done_text": "Hangi illerde?"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = me
        .json(
            Method::POST,
            &format!("{url}/return"),
            json!({"version": 3, "comments": {"done_text": "Hangi illerde?"}}),
        )
        .await;
    assert_eq!(r.json()["status"], "returned", "{}", r.body);
    assert_eq!(r.json()["review_comments"]["done_text"], "Hangi illerde?");
    // Evidence: a PDF attached while returned, sealed at rest, read back by
    // the reviewer; a file that is neither picture, PDF nor spreadsheet is refused.
    let pdf = kopru_domain::attachment::samples::pdf();
    let r = meb
        .raw(
            Method::POST,
            &format!("{url}/evidence?name=tutanak.pdf"),
            "application/octet-stream",
            pdf.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let eid = r.json()["id"].as_str().unwrap().to_owned();
    let r = meb
        .raw(
            Method::POST,
            &format!("{url}/evidence?name=x.exe"),
            "application/octet-stream",
            b"MZ\x90\x00".to_vec(),
        )
        .await;
    assert_eq!(r.json()["errors"][0]["code"], "err-attachment-type");
    assert_eq!(
        ashb.raw(
            Method::POST,
            &format!("{url}/evidence?name=a.pdf"),
            "application/octet-stream",
            pdf.clone()
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let got = me.get(&format!("{url}/evidence/{eid}")).await;
    assert_eq!(got.bytes, pdf);
    let (sealed,): (String,) =
        kopru_store::Sql::new("SELECT ciphertext FROM report_evidence WHERE id = ")
            .bind(eid.clone())
            .fetch_one(app.store().pool())
            .await
            .unwrap();
    assert!(!sealed.contains("%PDF"));
    assert_eq!(
        me.get(&url).await.json()["evidence"][0]["file_name"],
        "tutanak.pdf"
    );
    // The focal point sees the comment, reworks and resubmits; it is approved.
    assert_eq!(
        meb.get("/api/v1/progress-reports?due=true").await.json()[0]["status"],
        "returned"
    );
    let r = meb
        .json(
            Method::POST,
            &format!("{url}/submit"),
            body(4, "Ankara, İzmir ve 10 ilde; 1.520 çocuk."),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // A focal point does not approve its own report.
    assert_eq!(
        meb.json(
            Method::POST,
            &format!("{url}/approve"),
            json!({"version": 5})
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let r = me
        .json(
            Method::POST,
            &format!("{url}/approve"),
            json!({"version": 5}),
        )
        .await;
    assert_eq!(r.json()["status"], "approved", "{}", r.body);

    // The plan's progress: the action on track, its values against the target.
    let p = me
        .get(&format!("/api/v1/action-plans/{pid}/progress"))
        .await
        .json();
    assert_eq!(p["overall"]["on_track"], 1, "{p}");
    let share = p["on_track_share"].as_f64().unwrap();
    assert!((share - 100.0 / 3.0).abs() < 0.01, "{share}");
    let ind = p["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["indicator"]["code"] == "IND-1")
        .unwrap()
        .clone();
    assert_eq!(ind["values"][0]["value"], "75", "{ind}");
    assert_eq!(ind["target"], "1500");
    let not_reported: Vec<&str> = p["not_reported"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["responsible_code"].as_str().unwrap())
        .collect();
    assert_eq!(not_reported, ["MIN-MEB", "ISKUR-GM"], "by name");

    // A correction: a new draft with its reason; the approved one stays until
    // the correction is approved, then it is superseded.
    let r = meb
        .json(
            Method::POST,
            &format!("{url}/corrections"),
            json!({"reason": ""}),
        )
        .await;
    assert_eq!(r.json()["errors"][0]["field"], "reason");
    let r = meb
        .json(
            Method::POST,
            &format!("{url}/corrections"),
            json!({"reason": "Kız çocuk sayısı yanlış girilmiş"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let cid = r.json()["id"].as_str().unwrap().to_owned();
    let curl = format!("/api/v1/progress-reports/{cid}");
    let fixed = json!({"action_status": "on_track", "done_text": "Ankara, İzmir ve 10 ilde.", "version": 1,
        "values": [{"indicator": "IND-1", "sex": "female", "value": "45"}, {"indicator": "IND-1", "sex": "male", "value": "35"}]});
    assert_eq!(
        meb.json(Method::POST, &format!("{curl}/submit"), fixed)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(me.get(&url).await.json()["report"]["status"], "approved");
    let r = me
        .json(
            Method::POST,
            &format!("{curl}/approve"),
            json!({"version": 2}),
        )
        .await;
    assert_eq!(r.json()["status"], "approved", "{}", r.body);
    assert_eq!(me.get(&url).await.json()["report"]["status"], "superseded");
    let p = me
        .get(&format!("/api/v1/action-plans/{pid}/progress"))
        .await
        .json();
    let ind = p["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["indicator"]["code"] == "IND-1")
        .unwrap()
        .clone();
    assert_eq!(
        ind["values"][0]["value"], "80",
        "the correction counts, once: {ind}"
    );

    // The pages: the plan, the report with its review, my work of the focal point.
    let mut web = app.signed_in("analyst").await;
    let page = web.get(&format!("/action-plans/{pid}")).await;
    assert!(page.body.contains("id=\"on-track-share\""), "{}", page.body);
    let page = web.get(&format!("/progress-reports/{cid}")).await;
    assert!(page.body.contains("Kız çocuk sayısı yanlış girilmiş"));
    let mut fp = app.signed_in("ministry").await;
    let page = fp.get("/my-work").await;
    assert!(
        page.body.contains("id=\"progress-reports\""),
        "{}",
        page.body
    );
}

/// Values by province: the report's form adds a province's cells; they come
/// back as cells of their own and are summed into the cycle's total.
#[tokio::test]
async fn a_province_is_added_to_a_report_on_its_form() {
    let app = spawn_app().await;
    let (mut me, pid) = plan(&app).await;
    let by_province = "Eğitim;1.1;Okul öncesi;1.1.5;İl bazlı kampanya;;MIN-MEB;;2026;2027;;IND-P;Kayıt;çocuk;;;province";
    let rep = import(&mut me, &pid, &[by_province], false).await.json();
    assert_eq!(rep["actions_added"], 1, "{rep}");
    let today = kopru_store::clock::today();
    me.json(
        Method::POST,
        "/api/v1/reporting-cycles",
        json!({"plan_id": pid, "title": "Q", "opens_on": today, "due_on": today}),
    )
    .await;
    let mut meb = app.api_as("ministry").await;
    let id = meb.get("/api/v1/progress-reports?due=true").await.json()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut web = app.signed_in("ministry").await;
    let page = web.get(&format!("/progress-reports/{id}")).await;
    assert!(page.body.contains("name=\"np.IND-P\""), "{}", page.body);
    assert!(
        page.body.contains("value=\"TR-06\""),
        "the provinces are offered"
    );
    let r = web
        .post_form(
            &format!("/progress-reports/{id}"),
            &[
                ("version", "1"),
                ("submit", "0"),
                ("np.IND-P", "TR-06"),
                ("npv.IND-P.", "12"),
                ("v.IND-P..", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let values = meb
        .get(&format!("/api/v1/progress-reports/{id}"))
        .await
        .json()["values"]
        .clone();
    assert_eq!(values[0]["province"], "TR-06");
    assert_eq!(values[0]["value"], "12");
    // A second province on the next save; the first stays as a cell of its own.
    let r = web
        .post_form(
            &format!("/progress-reports/{id}"),
            &[
                ("version", "2"),
                ("submit", "0"),
                ("v.IND-P..TR-06", "12"),
                ("np.IND-P", "TR-35"),
                ("npv.IND-P.", "7"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let values = meb
        .get(&format!("/api/v1/progress-reports/{id}"))
        .await
        .json()["values"]
        .clone();
    assert_eq!(values.as_array().unwrap().len(), 2, "{values}");
}
