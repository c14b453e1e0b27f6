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

fn docx_text(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a DOCX is a zip");
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .expect("the document part")
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

#[tokio::test]
async fn the_annual_report_comes_from_approved_reports_with_its_narrative_as_pdf_and_docx() {
    let app = spawn_app().await;
    let (mut me, pid) = plan(&app).await;
    import(&mut me, &pid, &[A1, A2, A3], false).await;
    let today = kopru_store::clock::today();
    let year: i64 = today[..4].parse().unwrap();
    let r = me
        .json(
            Method::POST,
            "/api/v1/reporting-cycles",
            json!({"plan_id": pid, "title": format!("{year}-Q4"), "opens_on": today, "due_on": today}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // The ministry reports both its actions; only 1.1.1's report is approved.
    let mut meb = app.api_as("ministry").await;
    let due = meb.get("/api/v1/progress-reports?due=true").await.json();
    let report = |done: &str| {
        json!({"action_status": "on_track", "done_text": done, "version": 1,
            "values": [{"indicator": "IND-1", "sex": "female", "value": "40"}, {"indicator": "IND-1", "sex": "male", "value": "35"}]})
    };
    let first = due[0]["id"].as_str().unwrap().to_owned();
    let r = meb
        .json(
            Method::POST,
            &format!("/api/v1/progress-reports/{first}/submit"),
            report("Kampanya 12 ilde yapıldı."),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let version = r.json()["version"].as_i64().unwrap();
    let r = me
        .json(
            Method::POST,
            &format!("/api/v1/progress-reports/{first}/approve"),
            json!({"version": version}),
        )
        .await;
    assert_eq!(r.json()["status"], "approved", "{}", r.body);
    let second = due[1]["id"].as_str().unwrap().to_owned();
    let body = json!({"action_status": "delayed", "done_text": "Henüz onaylanmadı.", "version": 1});
    let r = meb
        .json(
            Method::POST,
            &format!("/api/v1/progress-reports/{second}/submit"),
            body,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let url = format!("/api/v1/action-plans/{pid}/annual-reports/{year}");
    let a = me.get(&format!("{url}?language=en")).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let a = a.json();
    assert_eq!(
        (
            a["reports_approved"].as_i64(),
            a["reports_expected"].as_i64()
        ),
        (Some(1), Some(3))
    );
    let actions = a["actions"].as_array().unwrap();
    assert_eq!(numbers(&a["actions"]), ["1.1.1", "1.1.2", "2.1.1"]);
    assert_eq!(actions[0]["status"], "on_track");
    assert_eq!(actions[0]["done_text"], "Kampanya 12 ilde yapıldı.");
    // A submitted, unapproved report counts for nothing.
    assert_eq!(actions[1]["status"], "not_started");
    assert!(actions[1]["done_text"].is_null());
    let education = a["by_policy_area"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "education")
        .unwrap();
    assert_eq!(
        (education["total"].as_i64(), education["on_track"].as_i64()),
        (Some(2), Some(1))
    );
    let ind = a["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["indicator"]["code"] == "IND-1")
        .unwrap();
    assert_eq!(ind["values"][0]["value"], "75", "the two sexes summed");
    let expected_target = match year {
        2026 => "1500",
        _ => "1800",
    };
    assert_eq!(ind["target"], expected_target);

    // The narrative: known sections only; two writers never overwrite each other unseen.
    let r = me
        .json(Method::PUT, &url, json!({"language": "en", "version": 0, "sections": {"summary": "A year of campaigns.", "area.space": "x"}}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "sections.area.space");
    let narrative = json!({"language": "en", "version": 0, "sections": {"summary": "A year of campaigns.", "area.education": "Pre-school enrolment rose in twelve provinces."}});
    let r = me.json(Method::PUT, &url, narrative.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["version"], 1);
    assert_eq!(
        me.json(Method::PUT, &url, narrative.clone()).await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        meb.json(Method::PUT, &url, narrative).await.status,
        StatusCode::FORBIDDEN
    );
    // Each language has its own narrative; a Turkish plan is not written in Serbian.
    assert_eq!(
        me.get(&format!("{url}?language=tr")).await.json()["sections"],
        json!({})
    );
    let r = me.get(&format!("{url}?language=sr-Cyrl")).await;
    assert_eq!(r.json()["errors"][0]["field"], "language", "{}", r.body);
    let r = me
        .get(&format!("/api/v1/action-plans/{pid}/annual-reports/2040"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Both files, whole: the DOCX's text holds the tables, the narrative and the charts.
    let docx = me.get(&format!("{url}/docx?language=en")).await;
    assert_eq!(docx.status, StatusCode::OK);
    assert!(docx
        .header("content-disposition")
        .unwrap()
        .contains("AP2-TEST"));
    let xml = docx_text(&docx.bytes);
    for expected in [
        "Annual monitoring report",
        "A year of campaigns.",
        "Pre-school enrolment rose in twelve provinces.",
        "Enrolment campaign",
        "Kampanya 12 ilde yapıldı.",
        "No approved report this year.",
        "Heading1",
        "█",
    ] {
        assert!(xml.contains(expected), "the DOCX lacks {expected}");
    }
    let pdf = me.get(&format!("{url}/pdf?language=tr")).await;
    assert_eq!(
        pdf.header("content-type").as_deref(),
        Some("application/pdf")
    );
    assert!(pdf.bytes.starts_with(b"%PDF-"));
    assert!(String::from_utf8_lossy(&pdf.bytes).contains("/Lang(tr)"));

    // A corrected report counts once, with what the correction says.
    let r = meb
        .json(
            Method::POST,
            &format!("/api/v1/progress-reports/{first}/corrections"),
            json!({"reason": "12 değil 14 il"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let cid = r.json()["id"].as_str().unwrap().to_owned();
    let r = meb
        .json(
            Method::POST,
            &format!("/api/v1/progress-reports/{cid}/submit"),
            report("Kampanya 14 ilde yapıldı."),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let version = r.json()["version"].as_i64().unwrap();
    let r = me
        .json(
            Method::POST,
            &format!("/api/v1/progress-reports/{cid}/approve"),
            json!({"version": version}),
        )
        .await;
    assert_eq!(r.json()["status"], "approved", "{}", r.body);
    let a = me.get(&format!("{url}?language=en")).await.json();
    assert_eq!(
        (
            a["reports_approved"].as_i64(),
            a["reports_expected"].as_i64()
        ),
        (Some(1), Some(3))
    );
    assert_eq!(a["actions"][0]["done_text"], "Kampanya 14 ilde yapıldı.");
    assert_eq!(
        a["indicators"][0]["values"][0]["value"], "75",
        "the correction's values, once"
    );

    // A focal point's report covers its institution's actions and those it cooperates on.
    let mine = meb.get(&format!("{url}?language=en")).await.json();
    assert_eq!(numbers(&mine["actions"]), ["1.1.1", "1.1.2", "2.1.1"]);
    let mut school = app.api_as("school").await;
    let theirs = school.get(&url).await.json();
    assert_eq!(
        theirs["actions"],
        json!([]),
        "a school has no action of the plan"
    );
    assert_eq!(theirs["reports_expected"], 0);

    // Through the page: the narrative saved from the form, a stale form refused.
    let page = format!("/action-plans/{pid}/annual-reports/{year}");
    let mut web = app.signed_in("analyst").await;
    let r = web.get(&format!("{page}?language=en")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("A year of campaigns.") && r.body.contains("id=\"download-docx\""));
    let r = web
        .post_form(
            &format!("{page}?language=en"),
            &[
                ("version", "1"),
                ("s.conclusions", "More classes are needed."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let a = me.get(&format!("{url}?language=en")).await.json();
    assert_eq!(a["sections"]["conclusions"], "More classes are needed.");
    assert!(
        a["sections"].get("summary").is_none(),
        "a section sent empty is cleared"
    );
    let r = web
        .post_form(
            &format!("{page}?language=en"),
            &[("version", "1"), ("s.summary", "Stale.")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_monitoring_visit_records_meetings_findings_and_recommendations_followed_up_to_closure() {
    let app = spawn_app().await;
    let mut me = app.api_as("analyst").await;
    // Institutions of İzmir met on the visit: a directorate, a muhtarlık, an NGO.
    let mut admin = app.api_as("admin").await;
    for (code, name, kind) in [
        ("IZM-MEB-T", "İzmir İl Millî Eğitim Müdürlüğü", "ministry"),
        (
            "MUH-EGE-T",
            "Ege Mahallesi Muhtarlığı",
            "neighbourhood_head",
        ),
        ("IZM-DER-T", "İzmir Roman Dernekleri Federasyonu", "ngo"),
    ] {
        let r = admin
            .json(
                Method::POST,
                "/api/v1/institutions",
                json!({"code": code, "name": name, "kind": kind, "area_code": "TR-35-KONAK"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let r = me
        .json(Method::POST, "/api/v1/monitoring-visits", json!({"province": "TR-35-KONAK", "title": "", "starts_on": "2022-02-25", "ends_on": "2022-02-23", "team": ""}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = r.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["title", "ends_on", "team"]);
    let r = me
        .json(Method::POST, "/api/v1/monitoring-visits", json!({"province": "TR-35-KONAK", "title": "İzmir", "starts_on": "2022-02-23", "ends_on": "2022-02-25", "team": "Ayşe"}))
        .await;
    assert_eq!(
        r.json()["errors"][0]["field"],
        "province",
        "a district is not a province"
    );
    let r = me
        .json(Method::POST, "/api/v1/monitoring-visits", json!({"province": "TR-35", "title": "1. İzleme Ziyareti", "starts_on": "2022-02-23", "ends_on": "2022-02-25", "team": "Ayşe Kaya\nMehmet Demir"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let visit = r.json();
    let vid = visit["id"].as_str().unwrap().to_owned();
    assert_eq!(visit["team"], json!(["Ayşe Kaya", "Mehmet Demir"]));
    // The mediator does not plan visits; a focal point does not either.
    let mut ministry = app.api_as("ministry").await;
    assert_eq!(
        ministry
            .json(
                Method::POST,
                &format!("/api/v1/monitoring-visits/{vid}/meetings"),
                json!({"held_on": "2022-02-24", "institution": "MUH-EGE-T"})
            )
            .await
            .status,
        StatusCode::NOT_FOUND,
        "a focal point the visit never met does not see it"
    );

    let url = format!("/api/v1/monitoring-visits/{vid}");
    let r = me
        .json(
            Method::POST,
            &format!("{url}/meetings"),
            json!({"held_on": "2022-03-01", "institution": "NOPE"}),
        )
        .await;
    let codes: Vec<String> = r.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes, ["err-meeting-outside-visit"]);
    let r = me
        .json(
            Method::POST,
            &format!("{url}/meetings"),
            json!({"held_on": "2022-02-24", "institution": "NOPE"}),
        )
        .await;
    assert_eq!(r.json()["errors"][0]["code"], "err-institution-unknown");
    let r = me
        .json(Method::POST, &format!("{url}/meetings"), json!({"held_on": "2022-02-24", "institution": "MUH-EGE-T", "participants": "Muhtar", "notes": "Okul servisi yok."}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["institution_kind"], "neighbourhood_head");
    let meeting = r.json()["id"].as_str().unwrap().to_owned();
    let r = me
        .json(
            Method::POST,
            &format!("{url}/findings"),
            json!({"meeting_id": meeting, "text": "Servis yok"}),
        )
        .await;
    assert_eq!(r.json()["errors"][0]["code"], "err-finding-link");
    let r = me
        .json(Method::POST, &format!("{url}/findings"), json!({"meeting_id": meeting, "text": "Çocuklar okula yürüyerek 4 km gidiyor.", "policy_area": "Eğitim"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let finding = r.json()["id"].as_str().unwrap().to_owned();
    let r = me
        .json(Method::POST, &format!("{url}/recommendations"), json!({"finding_id": finding, "text": "Taşımalı eğitim planlansın.", "responsible": "IZM-MEB-T", "due_on": "2022-01-01"}))
        .await;
    assert_eq!(r.json()["errors"][0]["code"], "err-due-before-visit");
    let r = me
        .json(Method::POST, &format!("{url}/recommendations"), json!({"finding_id": finding, "text": "Taşımalı eğitim planlansın.", "responsible": "IZM-MEB-T", "due_on": "2022-09-01"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let rec = r.json();
    let rid = rec["id"].as_str().unwrap().to_owned();
    assert_eq!(
        (rec["status"].as_str(), rec["overdue"].as_i64()),
        (Some("open"), Some(1))
    );

    // The owner's focal point sees the visit and its recommendation, follows it up; a stale version is refused.
    crate::cases::add_user(
        &app,
        "izmmeb",
        Role::InstitutionFocalPoint,
        "institution:IZM-MEB-T",
    )
    .await;
    let mut owner = app.api_as("izmmeb").await;
    let mine = owner.get("/api/v1/recommendations").await.json();
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(owner.get(&url).await.status, StatusCode::OK);
    let work = owner.get("/api/v1/my-work").await;
    assert!(
        work.body.contains(&rid),
        "the owner's work lists it: {}",
        work.body
    );
    let follow = format!("/api/v1/recommendations/{rid}/follow-ups");
    let r = owner
        .json(
            Method::POST,
            &follow,
            json!({"version": 1, "status": "in_progress", "note": ""}),
        )
        .await;
    assert_eq!(r.json()["errors"][0]["field"], "note");
    let r = owner
        .json(
            Method::POST,
            &follow,
            json!({"version": 1, "status": "in_progress", "note": "Güzergâh belirlendi."}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        owner
            .json(
                Method::POST,
                &follow,
                json!({"version": 1, "status": "implemented", "note": "x"})
            )
            .await
            .status,
        StatusCode::CONFLICT
    );
    let r = owner
        .json(
            Method::POST,
            &follow,
            json!({"version": 2, "status": "implemented", "note": "Servis Eylül'de başladı."}),
        )
        .await;
    assert_eq!(r.json()["status"], "implemented");
    assert_eq!(r.json()["closed_on"], json!(kopru_store::clock::today()));
    // Closed: off the open list, on the closed one, with its history.
    assert_eq!(me.get("/api/v1/recommendations").await.json(), json!([]));
    assert_eq!(
        me.get("/api/v1/recommendations?state=closed")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let file = me
        .get(&format!("/api/v1/recommendations/{rid}"))
        .await
        .json();
    assert_eq!(file["follow_ups"].as_array().unwrap().len(), 2);
    // Another institution neither sees nor follows it up.
    assert_eq!(
        ministry
            .get(&format!("/api/v1/recommendations/{rid}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The visit report.
    let pdf = me.get(&format!("{url}/pdf")).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.bytes.starts_with(b"%PDF-"));
    let officer = kopru_domain::Principal {
        user_id: String::new(),
        username: "analyst".into(),
        assignments: vec![kopru_domain::policy::Assignment {
            role: Role::MeOfficer,
            scope: kopru_domain::Scope::Installation,
        }],
    };
    let f = app.store().monitoring_visit(&officer, &vid).await.unwrap();
    let blocks = kopru_web::strategy::visit_api::visit_blocks(
        kopru_web::i18n::Tr::new(kopru_domain::Locale::En),
        &f,
    );
    let text: Vec<String> = blocks
        .iter()
        .map(|b| match b {
            kopru_web::pdf::Block::Text(t) | kopru_web::pdf::Block::Heading(t) => t.clone(),
            kopru_web::pdf::Block::Row { cells, .. } => cells
                .iter()
                .map(|c| c.0.clone())
                .collect::<Vec<_>>()
                .join("|"),
            _ => String::new(),
        })
        .collect();
    assert!(text.iter().any(|t| t.contains("Ege Mahallesi Muhtarlığı")));
    assert!(text
        .iter()
        .any(|t| t.contains("Çocuklar okula yürüyerek 4 km gidiyor. (Education)")));
    assert!(text.iter().any(|t| t
        .starts_with("Taşımalı eğitim planlansın.|İzmir İl Millî Eğitim Müdürlüğü|")
        && t.ends_with("implemented")));

    // Through the pages: a meeting added from the form; a bad one comes back with its error.
    let mut web = app.signed_in("analyst").await;
    let page = format!("/monitoring-visits/{vid}");
    let r = web
        .post_form(
            &format!("{page}/meetings"),
            &[
                ("held_on", "2022-02-25"),
                ("institution", "IZM-DER-T"),
                ("notes", "STK'lara bilgilendirme."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = web
        .post_form(
            &format!("{page}/meetings"),
            &[("held_on", "2022-03-25"), ("institution", "IZM-DER-T")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("outside the visit") || r.body.contains("ziyaret günlerinin dışında"),
        "the meeting form comes back with its error"
    );
    let r = web.get(&page).await;
    assert!(
        r.body.contains("İzmir Roman Dernekleri Federasyonu"),
        "{}",
        r.body
    );
    assert!(r.body.contains("bilgilendirme."));
    assert_eq!(
        web.get("/recommendations?state=closed").await.status,
        StatusCode::OK
    );

    // The visit's own details changed from its page; a stale form
    // overwrites nothing and comes back with the saved values.
    let mut api = app.api_as("analyst").await;
    let saved = api.get(&url).await.json()["visit"].clone();
    let version = saved["version"].as_i64().unwrap().to_string();
    assert!(web.get(&page).await.body.contains("id=\"visit\""));
    let fields = |title: &str, ends_on: &str, version: &str| -> Vec<(&'static str, String)> {
        vec![
            ("title", title.to_owned()),
            ("province", saved["province"].as_str().unwrap().to_owned()),
            ("starts_on", saved["starts_on"].as_str().unwrap().to_owned()),
            ("ends_on", ends_on.to_owned()),
            ("team", "Ayşe Kaya\nMarko Jovanović".to_owned()),
            ("purpose", "Okul taşımacılığı.".to_owned()),
            ("version", version.to_owned()),
        ]
    };
    fn pairs<'a>(form: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
        form.iter().map(|(k, v)| (*k, v.as_str())).collect()
    }
    let ends = saved["ends_on"].as_str().unwrap().to_owned();
    let form = fields("İzmir izleme ziyareti (gözden geçirildi)", &ends, &version);
    let r = web.post_form(&format!("{page}/visit"), &pairs(&form)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let now = api.get(&url).await.json()["visit"].clone();
    assert_eq!(now["title"], "İzmir izleme ziyareti (gözden geçirildi)");
    assert_eq!(now["team"], json!(["Ayşe Kaya", "Marko Jovanović"]));
    assert_eq!(
        now["version"].as_i64().unwrap(),
        saved["version"].as_i64().unwrap() + 1
    );
    // The same form again, with the version it was read at: refused.
    let form = fields("Eski başlık", &ends, &version);
    let r = web.post_form(&format!("{page}/visit"), &pairs(&form)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(
        r.body.contains("changed by someone else") || r.body.contains("başka biri tarafından"),
        "the conflict is said"
    );
    assert!(
        r.body
            .contains("value=\"İzmir izleme ziyareti (gözden geçirildi)\""),
        "the saved title is in the form"
    );
    assert_eq!(
        api.get(&url).await.json()["visit"]["title"],
        "İzmir izleme ziyareti (gözden geçirildi)"
    );
    // Ending before it starts: the form comes back with the error and what was typed.
    let current = now["version"].as_i64().unwrap().to_string();
    let form = fields("Tarihler ters", "2000-01-01", &current);
    let r = web.post_form(&format!("{page}/visit"), &pairs(&form)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("value=\"Tarihler ters\""));
    assert!(r.body.contains("class=\"err\""));
    assert_eq!(
        api.get(&url).await.json()["visit"]["version"],
        now["version"]
    );
}
