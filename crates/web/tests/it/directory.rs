use crate::helpers::*;
use axum::http::{Method, StatusCode};

#[tokio::test]
async fn reference_areas_are_complete_and_searchable_in_any_script() {
    let app = spawn_app().await;
    let s = app.store();
    assert_eq!(s.area_count("TR", "province").await.unwrap(), 81);
    assert!(s.area_count("TR", "district").await.unwrap() >= 970);
    assert_eq!(s.area_count("RS", "district").await.unwrap(), 29);
    assert!(s.area_count("RS", "municipality").await.unwrap() >= 140);
    // Migrating again changes nothing and duplicates nothing.
    s.migrate().await.unwrap();
    assert_eq!(s.area_count("TR", "province").await.unwrap(), 81);

    let mut c = app.api_as("mediator").await;
    for q in ["Врњачка", "vrnjacka", "VRNJAČKA"] {
        let hits = c
            .get(&format!("/api/v1/areas?q={}", urlencode(q)))
            .await
            .json();
        assert!(
            hits.as_array()
                .unwrap()
                .iter()
                .any(|a| a["code"] == "RS-18-VRNJACKABANJA"),
            "{q}: {hits}"
        );
    }
    let hits = c
        .get(&format!("/api/v1/areas?q={}", urlencode("ALTINDAĞ")))
        .await
        .json();
    assert_eq!(hits[0]["code"], "TR-06-ALTINDAG");
    let kids = c.get("/api/v1/areas?parent=TR-06").await.json();
    assert_eq!(
        kids.as_array().unwrap().len(),
        25,
        "Ankara has 25 districts"
    );
    let zv = c.get("/api/v1/areas/RS-00-ZVEZDARA").await.json();
    assert_eq!(zv["name_alt"], "Звездара");
    assert_eq!(
        c.get("/api/v1/areas/XX-99").await.status,
        StatusCode::NOT_FOUND
    );

    // The demo world has an institution of every kind.
    let mut admin = app.api_as("admin").await;
    let kinds: std::collections::BTreeSet<String> =
        admin.get("/api/v1/institutions?limit=500").await.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["kind"].as_str().unwrap().to_owned())
            .collect();
    assert_eq!(
        kinds.len(),
        kopru_domain::reference::InstitutionKind::ALL.len(),
        "{kinds:?}"
    );

    // In Serbian Cyrillic the page shows Cyrillic names.
    let mut web = app.signed_in("healthmediator").await;
    web.post_form("/lang", &[("lang", "sr-Cyrl"), ("next", "/areas")])
        .await;
    let page = web.get("/areas?parent=RS-20").await.body;
    assert!(page.contains("Ниш"), "{page}");
}

#[tokio::test]
async fn units_are_created_validated_and_listed_through_pages() {
    let app = spawn_app().await;
    let mut c = app.signed_in("admin").await;
    let r = c
        .post_form(
            "/units/new",
            &[
                ("code", "x"),
                ("name", ""),
                ("kind", "castle"),
                ("area_code", "TR-99-NOWHERE"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for msg in [
        "2 ile 40 karakter",
        "Bu alan zorunludur",
        "Seçeneklerden birini seçin",
    ] {
        assert!(r.body.contains(msg), "{msg} in {}", r.body);
    }
    let r = c
        .post_form(
            "/units/new",
            &[
                ("code", "MT-NOWHERE"),
                ("name", "x"),
                ("kind", "mobile_team"),
                ("area_code", "TR-99-NOWHERE"),
            ],
        )
        .await;
    assert!(
        r.body.contains("Bu kodla bir bölge yok"),
        "unknown area: {}",
        r.body
    );
    let r = c
        .post_form(
            "/units/new",
            &[
                ("code", "mt-odzaci"),
                ("name", "Mobilni tim Odžaci"),
                ("kind", "mobile_team"),
                ("area_code", "rs-05-odzaci"),
                ("programme_code", "ROMACTED"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let list = c.get("/units?q=odzaci").await;
    assert!(
        list.body.contains(">MT-ODZACI</a>"),
        "code normalised to upper case and found by folded name"
    );
    // The same code again is refused on the code field.
    let r = c
        .post_form(
            "/units/new",
            &[
                ("code", "MT-ODZACI"),
                ("name", "again"),
                ("kind", "mobile_team"),
                ("area_code", "RS-05-ODZACI"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Bu zaten kullanılıyor"));
    let mut api = app.api_as("admin").await;
    let r = api.json(Method::POST, "/api/v1/units", serde_json::json!({"code": "MT-ODZACI", "name": "again", "kind": "mobile_team", "area_code": "RS-05-ODZACI"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "code");
    assert_eq!(r.json()["errors"][0]["code"], "err-taken");
}

#[tokio::test]
async fn a_stale_edit_is_refused_and_shows_what_changed() {
    let app = spawn_app().await;
    let mut api = app.api_as("admin").await;
    let list = api.get("/api/v1/institutions?q=CSR-NIS").await.json();
    let inst = list["items"][0].clone();
    let id = inst["id"].as_str().unwrap().to_owned();
    let mut body = serde_json::json!({"code": inst["code"], "name": inst["name"], "kind": inst["kind"],
        "area_code": inst["area_code"], "services": inst["services"], "phone": "+381 18 555 200", "version": inst["version"]});
    let first = api
        .json(
            Method::PUT,
            &format!("/api/v1/institutions/{id}"),
            body.clone(),
        )
        .await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.json()["version"], 2);
    // A second writer still holding version 1.
    body["phone"] = "+381 18 555 300".into();
    let stale = api
        .json(Method::PUT, &format!("/api/v1/institutions/{id}"), body)
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let p = stale.json();
    assert_eq!(
        p["current"]["phone"], "+381 18 555 200",
        "the 409 carries the saved record: {p}"
    );
    assert_eq!(p["current"]["version"], 2);
    // The same through the page: the form comes back with the saved values and the differences.
    let mut web = app.signed_in("admin").await;
    web.accept_language = Some("en".into());
    let r = web
        .post_form(
            &format!("/institutions/{id}"),
            &[
                ("code", "CSR-NIS"),
                ("name", "CSR Niš"),
                ("kind", "social_service_centre"),
                ("area_code", "RS-20-NIS"),
                ("phone", "+381 18 555 999"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.body.contains("Someone else saved this record"),
        "{}",
        r.body
    );
    assert!(r.body.contains("+381 18 555 999") && r.body.contains("+381 18 555 200"));
    let saved = api.get(&format!("/api/v1/institutions/{id}")).await.json();
    assert_eq!(saved["phone"], "+381 18 555 200", "nothing was overwritten");
}

#[tokio::test]
async fn programmes_and_institutions_round_trip_through_the_api() {
    let app = spawn_app().await;
    let mut api = app.api_as("manager").await;
    let r = api.json(Method::POST, "/api/v1/programmes", serde_json::json!({
        "code": "EU-ROMA-2030", "name": "EU Roma strategic framework 2020–2030", "donor": "EU",
        "starts_on": "2020-10-07", "ends_on": "2030-12-31", "result_areas": ["Education", "Employment", "Health", "Housing"]})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["result_areas"][3], "Housing");
    let bad = api.json(Method::POST, "/api/v1/programmes", serde_json::json!({"code": "P2", "name": "x", "starts_on": "2030-01-01", "ends_on": "2020-01-01"})).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["errors"][0]["field"], "ends_on");
    let r = api.json(Method::POST, "/api/v1/institutions", serde_json::json!({
        "code": "SCH-EDIRNE-1", "name": "Edirne İlkokulu", "kind": "school", "area_code": "TR-22-MERKEZ",
        "email": "okul@example.org", "services": ["school_enrolment", "after_school_support"]})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let inst = r.json();
    assert_eq!(
        inst["services"],
        serde_json::json!(["school_enrolment", "after_school_support"])
    );
    let bad = api.json(Method::POST, "/api/v1/institutions", serde_json::json!({
        "code": "SCH-2", "name": "x", "kind": "school", "area_code": "TR-22-MERKEZ", "email": "not-an-address", "services": ["teleportation"]})).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = bad.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, vec!["email", "services"]);
    // A field worker reads but does not write the programme list.
    let mut fw = app.api_as("mediator").await;
    assert_eq!(
        fw.get("/api/v1/programmes")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        6
    );
    let r = fw
        .json(
            Method::POST,
            "/api/v1/programmes",
            serde_json::json!({"code": "X1", "name": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn exports_neutralise_formulas_and_carry_a_bom() {
    let app = spawn_app().await;
    let mut api = app.api_as("admin").await;
    let r = api
        .json(
            Method::POST,
            "/api/v1/institutions",
            serde_json::json!({
        "code": "NGO-EVIL", "name": "=HYPERLINK(\"http://x\")", "kind": "ngo", "area_code": "TR-06",
        "contact_person": "@SUM(A1)", "address": "-1+2"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let csv = api.get("/api/v1/institutions/export?q=NGO-EVIL").await;
    assert!(csv.bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 BOM");
    assert_eq!(
        csv.header("content-type").unwrap(),
        "text/csv; charset=utf-8"
    );
    assert!(
        csv.body.contains("'=HYPERLINK")
            && csv.body.contains("'@SUM(A1)")
            && csv.body.contains("'-1+2"),
        "{}",
        csv.body
    );
    // The same list as a workbook, and an unknown format refused; both audited or not as they went.
    let xlsx = api
        .get("/api/v1/institutions/export?q=NGO-EVIL&format=xlsx")
        .await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.bytes.starts_with(b"PK"), "an XLSX (zip) file");
    let bad = api.get("/api/v1/units/export?format=pdf").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let audit = api
        .get("/api/v1/audit?action=institution.export")
        .await
        .json();
    let formats: Vec<String> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["details"].as_str())
        .filter_map(|d| serde_json::from_str::<serde_json::Value>(d).ok())
        .filter_map(|d| d["format"].as_str().map(str::to_owned))
        .collect();
    assert!(
        formats.iter().any(|f| f == "xlsx") && formats.iter().any(|f| f == "csv"),
        "{audit}"
    );
}
