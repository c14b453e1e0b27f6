use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

async fn create(c: &mut Client<'_>, body: Value) -> TestResponse {
    c.json(Method::POST, "/api/v1/persons", body).await
}

fn ids(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn names_are_found_across_scripts_spellings_and_small_typos() {
    let app = spawn_app().await;
    let mut c = app.api_as("healthmediator").await;
    let hh = c.json(Method::POST, "/api/v1/households", json!({"unit_code": "MT-NIS", "area_code": "RS-20-NIS",
        "address": "Ulica Cara Dušana 12", "settlement": "Stočni trg", "tenure": "informal", "tap_water": "no"})).await;
    assert_eq!(hh.status, StatusCode::CREATED, "{}", hh.body);
    let hh = hh.json()["id"].as_str().unwrap().to_owned();
    let saban = create(&mut c, json!({"given_names": "Шабан", "family_name": "Ђорђевић", "father_name": "Реџеп", "sex": "male",
        "birth_date": "1984", "unit_code": "MT-NIS", "area_code": "RS-20-NIS", "household_id": hh, "relationship": "head"})).await;
    assert_eq!(saban.status, StatusCode::CREATED, "{}", saban.body);
    let saban = saban.json()["id"].as_str().unwrap().to_owned();
    let sukru = create(&mut c, json!({"given_names": "Şükrü", "family_name": "Yılmaz", "sex": "male", "birth_date": "1990-05",
        "unit_code": "MT-NIS", "area_code": "RS-20-NIS", "phone": "+381 64 123 4567"})).await;
    let sukru = sukru.json()["id"].as_str().unwrap().to_owned();
    for q in [
        "Đorđević",
        "Djordjevic",
        "Dordevic",
        "Ђорђевић",
        "djordjevic saban",
        "Šaban Đorđević",
        "DJORDJEVIĆ",
        "Djordjavic",
        "djor",
        "Redžep",
        // Consonant slips: a letter wrong, two letters swapped.
        "Djordjevik",
        "Djorjdevic",
        "Šaban Đorđevik",
    ] {
        let found = c
            .get(&format!("/api/v1/persons?q={}", urlencode(q)))
            .await
            .json();
        assert!(ids(&found).contains(&saban), "{q}: {found}");
    }
    for q in [
        "Sukru",
        "SÜKRÜ",
        "şükrü yilmaz",
        "Yilmaz",
        "YILMAZ",
        "Yilmas",
        "064 123 4567",
        "+381641234567",
    ] {
        let found = c
            .get(&format!("/api/v1/persons?q={}", urlencode(q)))
            .await
            .json();
        assert!(ids(&found).contains(&sukru), "{q}: {found}");
    }
    // By household address.
    let found = c
        .get(&format!("/api/v1/persons?q={}", urlencode("cara dusana")))
        .await
        .json();
    assert_eq!(ids(&found), vec![saban.clone()]);
    // Ranked: the exact name first.
    let found = c.get("/api/v1/persons?q=Sukru").await.json();
    assert_eq!(ids(&found)[0], sukru);
    // Too far from every name word (and not a sound match): nobody.
    let found = c.get("/api/v1/persons?q=Dokic").await.json();
    assert!(ids(&found).is_empty(), "{found}");
    // Not every word matching means no match.
    let found = c.get("/api/v1/persons?q=sukru%20djordjevic").await.json();
    assert!(ids(&found).is_empty(), "{found}");
    // Within scope only: a mediator in Ankara finds nobody in Niš, and cannot open the record.
    let mut ankara = app.api_as("mediator").await;
    let found = ankara.get("/api/v1/persons?q=Djordjevic").await.json();
    assert!(ids(&found).is_empty());
    assert_eq!(
        ankara.get(&format!("/api/v1/persons/{saban}")).await.status,
        StatusCode::NOT_FOUND
    );
    // Roles without registry access are refused.
    let mut manager = app.api_as("manager").await;
    assert_eq!(
        manager.get("/api/v1/persons").await.status,
        StatusCode::FORBIDDEN
    );
    let mut school = app.api_as("school").await;
    assert_eq!(
        school.get("/api/v1/persons").await.status,
        StatusCode::FORBIDDEN
    );
    // Viewing the record is audited.
    let r = c.get(&format!("/api/v1/persons/{saban}")).await;
    assert_eq!(r.json()["household_id"], hh);
    let last = app
        .store()
        .audit_entries(&[kopru_domain::Scope::Installation], &Default::default(), 1)
        .await
        .unwrap();
    assert_eq!(
        (last[0].action.as_str(), last[0].record_id.as_deref()),
        ("person.view", Some(saban.as_str()))
    );
}

#[tokio::test]
async fn national_ids_are_checked_and_likely_duplicates_are_shown_before_creating() {
    let app = spawn_app().await;
    let mut c = app.api_as("mediator").await;
    let base = json!({"given_names": "Mehmet", "family_name": "Demir", "father_name": "Ali", "sex": "male", "birth_date": "1980-03-04",
        "unit_code": "SHKB-ANK-01", "area_code": "TR-06-ALTINDAG", "national_id": "10000000146"});
    let bad = create(&mut c, json!({"given_names": "Mehmet", "family_name": "Demir", "national_id": "10000000147", "unit_code": "SHKB-ANK-01", "area_code": "TR-06-ALTINDAG"})).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["errors"][0]["code"], "err-tckn-checksum");
    let first = create(&mut c, base.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let first_id = first.json()["id"].as_str().unwrap().to_owned();
    // The same person spelled by ear, a year off, no ID: a likely duplicate.
    let again = json!({"given_names": "Mehmed", "family_name": "Demır", "father_name": "Ali", "birth_date": "1981",
        "unit_code": "SHKB-ANK-01", "area_code": "TR-06-ALTINDAG"});
    let r = create(&mut c, again.clone()).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let p = r.json();
    assert_eq!(p["type"], "/problems/possible-duplicate");
    assert_eq!(p["current"]["candidates"][0]["person"]["id"], first_id);
    // The same ID number: always a candidate; if confirmed anyway, the unique ID refuses it.
    let mut same_id = again.clone();
    same_id["national_id"] = json!("10000000146");
    same_id["given_names"] = json!("Ahmet");
    let r = create(&mut c, same_id.clone()).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.json()["current"]["candidates"][0]["reasons"]
        .as_array()
        .unwrap()
        .contains(&json!("dup-same-id")));
    same_id["confirm_new"] = json!(true);
    let r = create(&mut c, same_id).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "national_id");
    // The user confirms a different person: created, and the decision is remembered.
    let mut confirmed = again.clone();
    confirmed["confirm_new"] = json!(true);
    let r = create(&mut c, confirmed).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let second = r.json()["id"].as_str().unwrap().to_owned();
    let mut conn = app.store().acquire().await.unwrap();
    let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM duplicate_decisions WHERE person_id = '{second}' AND other_person_id = '{first_id}' AND decision = 'different'"))
        .fetch_one(&mut *conn).await.unwrap();
    assert_eq!(n, 1);
    // Twins: same parents and birth date, different given names, are not flagged.
    let twin = json!({"given_names": "Ayşe", "family_name": "Demir", "father_name": "Ali", "sex": "female", "birth_date": "1980-03-04",
        "unit_code": "SHKB-ANK-01", "area_code": "TR-06-ALTINDAG"});
    assert_eq!(create(&mut c, twin).await.status, StatusCode::CREATED);
    // A JMBG whose date disagrees with the birth date is saved with a warning.
    let mut rs = app.api_as("healthmediator").await;
    let r = create(&mut rs, json!({"given_names": "Ramiz", "family_name": "Ajdini", "birth_date": "1990", "national_id": "0101985710008",
        "unit_code": "MT-NIS", "area_code": "RS-20-NIS"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["warnings"], json!(["warn-jmbg-birth-date"]));
    assert_eq!(r.json()["id_type"], "rs_jmbg");
}

#[tokio::test]
async fn special_categories_need_consent_are_encrypted_and_readable_only_by_those_who_need_them() {
    let app = spawn_app().await;
    let mut hm = app.api_as("healthmediator").await;
    let r = create(&mut hm, json!({"given_names": "Fatima", "family_name": "Osmani", "sex": "female", "birth_date": "1975",
        "unit_code": "MT-NIS", "area_code": "RS-20-NIS"})).await;
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let secret_note = "dijabetes tip 2 kontrola";
    let put = |v: Value| v;
    let r = hm
        .json(
            Method::PUT,
            &format!("/api/v1/persons/{id}/special/health"),
            put(json!({"value": "yes", "notes": secret_note})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "refused without consent: {}",
        r.body
    );
    assert_eq!(r.json()["errors"][0]["code"], "err-consent-missing");
    let r = hm
        .json(
            Method::POST,
            &format!("/api/v1/persons/{id}/consents"),
            json!({"purpose": "services", "legal_basis": "explicit_consent",
        "text_version": "2026-01", "language": "sr-Latn"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let consent_id = r.json()[0]["id"].as_str().unwrap().to_owned();
    let r = hm
        .json(
            Method::PUT,
            &format!("/api/v1/persons/{id}/special/health"),
            json!({"value": "yes", "notes": secret_note}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = hm
        .json(
            Method::PUT,
            &format!("/api/v1/persons/{id}/special/ethnicity"),
            json!({"value": "roma"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    // A health mediator may not record criminal records.
    let r = hm
        .json(
            Method::PUT,
            &format!("/api/v1/persons/{id}/special/criminal_record"),
            json!({"value": "yes"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let got = hm
        .get(&format!("/api/v1/persons/{id}/special"))
        .await
        .json();
    assert_eq!(got["health"]["notes"], secret_note);
    assert_eq!(got["ethnicity"]["value"], "roma");
    // Nothing readable at rest.
    let mut conn = app.store().acquire().await.unwrap();
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT category, ciphertext FROM person_special")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows
        .iter()
        .all(|(_, c)| c.starts_with("v1.") && !c.contains("roma") && !c.contains("dijabetes")));
    let history: Vec<(Option<String>,)> = sqlx::query_as(
        "SELECT new_value FROM record_history WHERE field IN ('health', 'ethnicity')",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    assert!(
        history
            .iter()
            .all(|(v,)| v.as_deref() == Some("(recorded)")),
        "history says that, not what: {history:?}"
    );
    let audit: Vec<(String,)> = sqlx::query_as("SELECT details FROM audit_log")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    assert!(
        audit
            .iter()
            .all(|(d,)| !d.contains("dijabetes") && !d.contains("roma\"")),
        "never in the audit log"
    );
    drop(conn);
    // Other roles: an auditor and an administrator see the person but no special category;
    // the coordinator of another unit does not see the person at all.
    for who in ["auditor", "admin"] {
        let mut other = app.api_as(who).await;
        let got = other.get(&format!("/api/v1/persons/{id}/special")).await;
        assert_eq!(got.status, StatusCode::OK, "{who}");
        assert_eq!(got.json(), json!({}), "{who}");
    }
    let mut coord = app.api_as("coordinator").await;
    assert_eq!(
        coord
            .get(&format!("/api/v1/persons/{id}/special"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Every read that decrypts is audited, by category (those who may read none decrypt nothing).
    let reads = app
        .store()
        .audit_entries(
            &[kopru_domain::Scope::Installation],
            &kopru_store::audit::Filter {
                action: Some("person.special.read".into()),
                ..Default::default()
            },
            10,
        )
        .await
        .unwrap();
    assert_eq!(reads.len(), 1);
    assert_eq!(reads[0].actor_name, "healthmediator");
    assert!(
        reads[0].details.contains("health")
            && reads[0].details.contains("ethnicity")
            && !reads[0].details.contains("criminal"),
        "{}",
        reads[0].details
    );
    // Withdrawn consent: no new special data.
    let r = hm
        .json(
            Method::POST,
            &format!("/api/v1/persons/{id}/consents/{consent_id}/withdraw"),
            json!({"reason": "Artık istemiyor"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let consents = hm
        .get(&format!("/api/v1/persons/{id}/consents"))
        .await
        .json();
    let withdrawn = consents
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == consent_id.as_str())
        .unwrap();
    assert_eq!(withdrawn["withdrawal_reason"], "Artık istemiyor");
    assert!(withdrawn["withdrawn_on"].is_string());
    let r = hm
        .json(
            Method::PUT,
            &format!("/api/v1/persons/{id}/special/disability"),
            json!({"value": "yes"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    if let kopru_store::Location::SqliteFile(path) = &app.db.location {
        app.store().pool().close().await;
        let mut bytes = std::fs::read(path).unwrap();
        if let Ok(wal) = std::fs::read(path.with_extension("db-wal")) {
            bytes.extend(wal);
        }
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(secret_note),
            "the database file holds no plaintext special-category value"
        );
    }
}

#[tokio::test]
async fn keys_rotate_and_data_stays_readable() {
    let app = spawn_app().await;
    let mut hm = app.api_as("healthmediator").await;
    let id = create(&mut hm, json!({"given_names": "Ljiljana", "family_name": "Nikolić", "unit_code": "MT-NIS", "area_code": "RS-20-NIS"})).await.json()["id"].as_str().unwrap().to_owned();
    hm.json(Method::POST, &format!("/api/v1/persons/{id}/consents"), json!({"purpose": "services", "legal_basis": "consent", "text_version": "1", "language": "sr-Cyrl"})).await;
    hm.json(
        Method::PUT,
        &format!("/api/v1/persons/{id}/special/disability"),
        json!({"value": "yes", "notes": "kolica"}),
    )
    .await;
    // An immunisation status is sealed too (health).
    let imm = format!("/api/v1/persons/{id}/immunisations");
    let r = hm
        .json(Method::POST, &imm, json!({"status": "up_to_date"}))
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let old = kopru_store::testing::test_keyring();
    let new_line = kopru_store::crypto::Keyring::new_key_line();
    // The old key line is not exposed; rebuild a ring from a fresh pair to simulate the file.
    let store = app.store().clone();
    let both =
        kopru_store::crypto::Keyring::parse(&format!("{}\n{new_line}", test_key_line())).unwrap();
    let rotated = store.with_keyring(both);
    assert_eq!(rotated.reencrypt_sealed().await.unwrap(), 2);
    assert_eq!(rotated.reencrypt_sealed().await.unwrap(), 0, "done once");
    let mut conn = rotated.acquire().await.unwrap();
    for table in ["person_special", "immunisations"] {
        let (key_id,): (String,) = sqlx::query_as(&format!("SELECT key_id FROM {table}"))
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_ne!(key_id, old.active_id(), "{table}");
    }
    drop(conn);
    let hm_user = rotated
        .user_by_username("healthmediator")
        .await
        .unwrap()
        .unwrap();
    let principal = rotated.principal(&hm_user.id).await.unwrap().unwrap();
    let values = rotated
        .special(&kopru_store::audit::Actor::system("t"), &principal, &id)
        .await
        .unwrap();
    assert_eq!(values[0].1.notes.as_deref(), Some("kolica"));
    let status = rotated
        .immunisations(&kopru_store::audit::Actor::system("t"), &principal, &id)
        .await
        .unwrap();
    assert_eq!(
        status.map(|s| s[0].status.clone()).as_deref(),
        Some("up_to_date")
    );
}

fn test_key_line() -> String {
    kopru_store::testing::test_key_line()
}

#[tokio::test]
async fn edits_keep_history_and_refuse_stale_versions() {
    let app = spawn_app().await;
    let mut c = app.api_as("coordinator").await;
    let r = create(&mut c, json!({"given_names": "Ayten", "family_name": "Kaya", "birth_date": "1999", "unit_code": "SHKB-ANK-01", "area_code": "TR-06-ALTINDAG"})).await;
    let p = r.json();
    let id = p["id"].as_str().unwrap().to_owned();
    let mut body = json!({"given_names": "Ayten", "family_name": "Kaya Yıldız", "birth_date": "1999-07", "unit_code": "SHKB-ANK-01",
        "area_code": "TR-06-ALTINDAG", "version": p["version"]});
    let r = c
        .json(Method::PUT, &format!("/api/v1/persons/{id}"), body.clone())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    body["family_name"] = json!("Kaya Demir");
    let stale = c
        .json(Method::PUT, &format!("/api/v1/persons/{id}"), body)
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(stale.json()["current"]["family_name"], "Kaya Yıldız");
    let history = c.get(&format!("/api/v1/persons/{id}/history")).await.json();
    let fam = history
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["field"] == "family_name")
        .unwrap();
    assert_eq!(
        (fam["old_value"].as_str(), fam["new_value"].as_str()),
        (Some("Kaya"), Some("Kaya Yıldız"))
    );
    assert_eq!(fam["changed_by"], "coordinator");
    assert!(history
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["field"] == "birth_date" && h["new_value"] == "1999-07 (month)"));
    // Another unit's coordinator cannot edit (not found for them).
    let mut other = app.api_as("assistant").await;
    let r = other.json(Method::PUT, &format!("/api/v1/persons/{id}"), json!({"given_names": "x", "family_name": "y", "unit_code": "SHKB-ANK-01", "area_code": "TR-06-ALTINDAG", "version": 2})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Nobody places a person in a unit outside their scope.
    let r = create(&mut c, json!({"given_names": "Ali", "family_name": "Veli", "unit_code": "MT-NIS", "area_code": "RS-20-NIS"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn household_membership_keeps_its_history() {
    let app = spawn_app().await;
    let mut c = app.api_as("mediator").await;
    let new_hh = |addr: &'static str| json!({"unit_code": "SHKB-ANK-01", "area_code": "TR-06-ALTINDAG", "address": addr, "rooms": 2, "electricity": "yes"});
    let a = c
        .json(Method::POST, "/api/v1/households", new_hh("Önder Mah. 1"))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = c
        .json(Method::POST, "/api/v1/households", new_hh("Önder Mah. 7"))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let head = create(&mut c, json!({"given_names": "Hasan", "family_name": "Çelik", "unit_code": "SHKB-ANK-01", "area_code": "TR-06-ALTINDAG", "household_id": a, "relationship": "head"})).await.json()["id"].as_str().unwrap().to_owned();
    let son = create(&mut c, json!({"given_names": "Emre", "family_name": "Çelik", "unit_code": "SHKB-ANK-01", "area_code": "TR-06-ALTINDAG", "household_id": a, "relationship": "child"})).await.json()["id"].as_str().unwrap().to_owned();
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/households/{a}/members"),
            json!({"person_id": son, "relationship": "head"}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "already a member"
    );
    // The son marries and moves to household b as its head: his membership in a ends.
    let r = c.json(Method::POST, &format!("/api/v1/households/{b}/members"), json!({"person_id": son, "relationship": "head", "on": "2026-06-01", "reason": "marriage"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let members_a = c
        .get(&format!("/api/v1/households/{a}/members"))
        .await
        .json();
    let son_in_a = members_a
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["person_id"] == son.as_str())
        .unwrap();
    assert_eq!(
        (
            son_in_a["left_on"].as_str(),
            son_in_a["leave_reason"].as_str()
        ),
        (Some("2026-06-01"), Some("moved"))
    );
    assert_eq!(
        c.get(&format!("/api/v1/households/{b}")).await.json()["head_person_id"],
        son
    );
    assert_eq!(
        c.get(&format!("/api/v1/persons/{son}")).await.json()["household_id"],
        b
    );
    // A second head is refused.
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/households/{b}/members"),
            json!({"person_id": head, "relationship": "head"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Listed within scope only.
    let list = c.get("/api/v1/households?area=TR-06").await.json();
    let ids: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&a.as_str()) && ids.contains(&b.as_str()));
    let mut nis = app.api_as("healthmediator").await;
    assert!(nis.get("/api/v1/households").await.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["unit_code"] == "MT-NIS"));
    // Household edits are versioned too.
    let hh = c.get(&format!("/api/v1/households/{a}")).await.json();
    let mut upd = json!({"unit_code": "SHKB-ANK-01", "area_code": "TR-06-ALTINDAG", "address": "Önder Mah. 1/2", "tap_water": "yes", "version": hh["version"]});
    assert_eq!(
        c.json(Method::PUT, &format!("/api/v1/households/{a}"), upd.clone())
            .await
            .status,
        StatusCode::OK
    );
    upd["address"] = json!("x");
    assert_eq!(
        c.json(Method::PUT, &format!("/api/v1/households/{a}"), upd)
            .await
            .status,
        StatusCode::CONFLICT
    );
    let r = c.json(Method::POST, "/api/v1/households", json!({"unit_code": "SHKB-ANK-01", "area_code": "TR-06-ALTINDAG", "latitude": 95.0, "longitude": 32.0, "rooms": 99})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = r.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, vec!["latitude", "rooms"]);
}

fn person_id_from(location: &str) -> String {
    location.trim_start_matches("/persons/").to_owned()
}

#[tokio::test]
async fn a_mediator_registers_a_household_and_its_people_through_the_pages() {
    let app = spawn_app().await;
    let mut c = app.signed_in("mediator").await;
    assert!(
        c.get("/").await.body.contains("href=\"/persons\""),
        "the registry is in the navigation"
    );
    let r = c
        .post_form(
            "/households/new",
            &[
                ("unit_code", "SHKB-ANK-01"),
                ("area_code", "TR-06-ALTINDAG"),
                ("address", "Önder Mahallesi 1024. Sokak 5"),
                ("settlement", "Önder"),
                ("tenure", "informal"),
                ("rooms", "2"),
                ("tap_water", "no"),
                ("indoor_toilet", "no"),
                ("electricity", "yes"),
                ("damp_roof", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let hh = r.location();
    let page = c.get(&hh).await;
    assert!(
        page.body.contains("Önder Mahallesi 1024. Sokak 5") && page.body.contains("Tapusuz"),
        "{}",
        page.body
    );
    let hh_id = hh.trim_start_matches("/households/").to_owned();
    let form = c.get(&format!("/persons/new?household={hh_id}")).await;
    assert!(
        form.body.contains(&format!("value=\"{hh_id}\"")),
        "household carried into the form"
    );
    let fields = |given: &'static str, rel: &'static str| {
        vec![
            ("given_names", given),
            ("family_name", "Kaya"),
            ("father_name", "İsmail"),
            ("sex", "female"),
            ("birth_date", "2015"),
            ("unit_code", "SHKB-ANK-01"),
            ("area_code", "TR-06-ALTINDAG"),
            ("household_id", ""),
            ("relationship", rel),
            ("groups", "informal_settlement"),
            ("languages", "romani, tr"),
        ]
    };
    let mut first = fields("Elif", "child");
    first[7] = ("household_id", Box::leak(hh_id.clone().into_boxed_str()));
    let r = c.post_form("/persons/new", &first).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let elif = person_id_from(&r.location());
    // The same girl typed again with another spelling: the form warns and keeps what was typed.
    let mut again = fields("Elıf", "child");
    again[7] = ("household_id", Box::leak(hh_id.clone().into_boxed_str()));
    let r = c.post_form("/persons/new", &again).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.body.contains("zaten kayıtlı olabilir") && r.body.contains(&format!("/persons/{elif}")),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"Elıf\""));
    // Her sister, confirmed as a different person.
    let mut sister = fields("Eda", "child");
    sister[7] = ("household_id", Box::leak(hh_id.clone().into_boxed_str()));
    sister.push(("confirm_new", "1"));
    let r = c.post_form("/persons/new", &sister).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // The person page: profile, household, consent; then consent and a sensitive value.
    let page = c.get(&format!("/persons/{elif}")).await.body;
    assert!(
        page.contains("Gecekondu")
            && page.contains("Eda Kaya")
            && page.contains("Hizmetler için açık rıza yok"),
        "{page}"
    );
    let r = c
        .post_form(
            &format!("/persons/{elif}/special"),
            &[("category", "ethnicity"), ("value", "roma")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = c
        .post_form(
            &format!("/persons/{elif}/consents"),
            &[
                ("purpose", "services"),
                ("legal_basis", "explicit_consent"),
                ("text_version", "2026-01"),
                ("language", "tr"),
                ("given_by", "Fatma Yılmaz, annesi"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = c
        .post_form(
            &format!("/persons/{elif}/special"),
            &[("category", "ethnicity"), ("value", "roma")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = c.get(&format!("/persons/{elif}")).await.body;
    assert!(page.contains("<option value=\"roma\" selected>"), "{page}");
    // A volunteer sees the person but not the sensitive section.
    add_volunteer(&app).await;
    let mut v = app.signed_in("ankvolunteer").await;
    let page = v.get(&format!("/persons/{elif}")).await.body;
    assert!(
        page.contains("Elif Kaya") && !page.contains("id=\"special\""),
        "{page}"
    );

    // Editing from a stale form: refused, differences shown.
    let form = c.get(&format!("/persons/{elif}/edit")).await.body;
    assert!(
        form.contains("name=\"version\" value=\"2\""),
        "joining the household bumped the version"
    );
    let mut edit = fields("Elif", "child");
    edit.push(("version", "1"));
    let r = c.post_form(&format!("/persons/{elif}/edit"), &edit).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let mut edit = fields("Elif Naz", "child");
    edit.push(("version", "2"));
    let r = c.post_form(&format!("/persons/{elif}/edit"), &edit).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = c.get(&format!("/persons/{elif}")).await.body;
    assert!(
        page.contains("Elif Naz Kaya") && page.contains("<td>Elif</td><td>Elif Naz</td>"),
        "history shows before and after: {page}"
    );
    // The search page finds her by a Latin spelling without Turkish letters.
    let list = c.get("/persons?q=elif%20kaya").await.body;
    assert!(list.contains(&format!("/persons/{elif}")));
}

async fn add_volunteer(app: &TestApp) {
    use kopru_domain::{codes::*, policy::Assignment, Role, Scope};
    app.store()
        .create_user(
            &kopru_store::audit::Actor::system("t"),
            None,
            kopru_store::accounts::NewUser {
                username: Username::parse("ankvolunteer").unwrap(),
                display_name: Label::parse("Gönüllü").unwrap(),
                password: Password::parse(DEMO_PASSWORD).unwrap(),
                assignments: vec![Assignment {
                    role: Role::Volunteer,
                    scope: Scope::parse("unit:SHKB-ANK-01").unwrap(),
                }],
                must_change_password: false,
            },
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn demo_people_are_realistic_and_loaded_once() {
    let app = spawn_app().await;
    let n = kopru_store::demo::load_people(app.store(), 28)
        .await
        .unwrap();
    assert!(n >= 28, "{n}");
    assert_eq!(
        kopru_store::demo::load_people(app.store(), 28)
            .await
            .unwrap(),
        0,
        "loaded once"
    );
    let mut conn = app.store().acquire().await.unwrap();
    let names: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT family_name, area_code, national_id FROM persons")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    assert!(
        names.iter().any(|(f, a, _)| a.starts_with("RS")
            && f.chars().any(|c| ('\u{400}'..='\u{4ff}').contains(&c))),
        "some Serbian names in Cyrillic"
    );
    assert!(
        names
            .iter()
            .any(|(f, a, _)| a.starts_with("TR") && f.chars().any(|c| "çğıöşüÇĞİÖŞÜ".contains(c))),
        "Turkish names with Turkish letters"
    );
    for (_, a, id) in &names {
        if let Some(id) = id {
            if a.starts_with("TR") {
                assert!(kopru_domain::person::validate_tckn(id).is_ok(), "{id}");
            } else {
                assert!(kopru_domain::person::validate_jmbg(id).is_ok(), "{id}");
            }
        }
    }
    let (special,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM person_special")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert!(special > 0);
}

#[tokio::test]
async fn exports_of_people_respect_scope_columns_and_special_category_rights() {
    let app = spawn_app().await;
    kopru_store::demo::load_people(app.store(), 28)
        .await
        .unwrap();
    let mut coord = app.api_as("coordinator").await;
    let mut c = app.api_as("mediator").await;
    let r = create(&mut c, json!({"given_names": "Ayşe", "family_name": "Kaya", "nationality": "=HYPERLINK(\"x\")", "unit_code": "SHKB-ANK-01", "area_code": "TR-06-ALTINDAG"})).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(
        c.get("/api/v1/persons/export").await.status,
        StatusCode::FORBIDDEN,
        "field workers do not export lists"
    );
    let csv = coord.get("/api/v1/persons/export?columns=id,family_name,nationality,unit_code,ethnicity,criminal_record").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
    let mut rdr = csv::Reader::from_reader(csv.body.trim_start_matches('\u{feff}').as_bytes());
    assert_eq!(
        rdr.headers().unwrap().iter().collect::<Vec<_>>(),
        vec![
            "id",
            "family_name",
            "nationality",
            "unit_code",
            "ethnicity",
            "criminal_record"
        ]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert!(rows.len() > 3);
    assert!(
        rows.iter().all(|r| &r[3] == "SHKB-ANK-01"),
        "only the coordinator's unit"
    );
    assert!(
        rows.iter().any(|r| &r[4] == "roma"),
        "the coordinator reads self-identification"
    );
    assert!(
        rows.iter().any(|r| r[2].starts_with("'=HYPERLINK")),
        "formulas neutralised"
    );
    // An administrator exports the same people without any special-category value.
    let mut admin = app.api_as("admin").await;
    let all = admin
        .get("/api/v1/persons/export?columns=id,ethnicity&unit=SHKB-ANK-01")
        .await
        .body;
    let mut rdr = csv::Reader::from_reader(all.trim_start_matches('\u{feff}').as_bytes());
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert!(
        rows.len() > 3 && rows.iter().all(|r| r[1].is_empty()),
        "administrators never read special categories"
    );
    let bad = admin
        .get("/api/v1/persons/export?columns=id,password_hash")
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let xlsx = coord.get("/api/v1/persons/export?format=xlsx").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.bytes.starts_with(b"PK"), "an XLSX (zip) file");
    let exports = app
        .store()
        .audit_entries(
            &[kopru_domain::Scope::Installation],
            &kopru_store::audit::Filter {
                action: Some("person.export".into()),
                ..Default::default()
            },
            10,
        )
        .await
        .unwrap();
    assert_eq!(exports.len(), 3, "every export audited, with its columns");
    assert!(exports.iter().any(|e| e.details.contains("ethnicity")));
}

#[tokio::test]
async fn households_split_and_merge_with_their_history() {
    let app = spawn_app().await;
    let mut c = app.api_as("mediator").await;
    let place = json!({"unit_code": "SHKB-ANK-01", "area_code": "TR-06-ALTINDAG"});
    let mut hh = place.clone();
    hh["address"] = json!("Önder Mah. 3");
    let a = c.json(Method::POST, "/api/v1/households", hh).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let person = |given: &str, rel: &str| {
        let mut p = place.clone();
        p["given_names"] = json!(given);
        p["family_name"] = json!("Kılıç");
        p["birth_date"] = json!(if rel == "head" { "1970" } else { "1998" });
        p["household_id"] = json!(a);
        p["relationship"] = json!(rel);
        p["confirm_new"] = json!(true);
        p
    };
    let head = create(&mut c, person("Cengiz", "head")).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let son = create(&mut c, person("Tuncay", "child")).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let wife = create(&mut c, person("Elif", "child")).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Someone who is not a member cannot be split off; nothing is written.
    let r = c
        .json(Method::POST, &format!("/api/v1/households/{a}/split"),
            json!({"members": [{"person_id": "nobody", "relationship": "head"}], "household": place}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    // The son and his wife form their own household.
    let mut new_hh = place.clone();
    new_hh["address"] = json!("Önder Mah. 9");
    let r = c
        .json(Method::POST, &format!("/api/v1/households/{a}/split"), json!({
            "members": [{"person_id": son, "relationship": "head"}, {"person_id": wife, "relationship": "spouse"}],
            "household": new_hh, "on": "2026-09-01"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let b = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(r.json()["head_person_id"], son.as_str());
    let left: Vec<Value> = c
        .get(&format!("/api/v1/households/{a}/members"))
        .await
        .json()
        .as_array()
        .unwrap()
        .clone();
    let son_in_a = left
        .iter()
        .find(|m| m["person_id"] == son.as_str())
        .unwrap();
    assert_eq!(
        (
            son_in_a["left_on"].as_str(),
            son_in_a["leave_reason"].as_str()
        ),
        (Some("2026-09-01"), Some("split"))
    );
    let joined: Vec<Value> = c
        .get(&format!("/api/v1/households/{b}/members"))
        .await
        .json()
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(joined.len(), 2);
    assert!(joined
        .iter()
        .all(|m| m["join_reason"] == "split" && m["left_on"].is_null()));
    // A case for the old household, which the merge below carries over.
    let r = c
        .json(
            Method::POST,
            "/api/v1/cases",
            json!({"household_id": a, "unit_code": "SHKB-ANK-01", "domains": ["housing"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let household_case = r.json()["id"].as_str().unwrap().to_owned();
    // Later the old household merges into the new one: the old head is not a second head.
    let version_a = c.get(&format!("/api/v1/households/{a}")).await.json()["version"]
        .as_i64()
        .unwrap();
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/households/{b}/merge"),
            json!({"from": a, "from_version": version_a - 1}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "a stale version is refused: {}",
        r.body
    );
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/households/{b}/merge"),
            json!({"from": a, "from_version": version_a, "on": "2026-10-01"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["head_person_id"], son.as_str());
    let merged = c
        .get(&format!("/api/v1/households/{b}/members"))
        .await
        .json();
    let father = merged
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["person_id"] == head.as_str() && m["left_on"].is_null())
        .unwrap();
    assert_eq!(
        (
            father["relationship"].as_str(),
            father["join_reason"].as_str()
        ),
        (Some("other_relative"), Some("merge"))
    );
    assert_eq!(
        c.get(&format!("/api/v1/households/{a}")).await.json()["merged_into"],
        b.as_str()
    );
    assert_eq!(
        c.get(&format!("/api/v1/persons/{head}")).await.json()["household_id"],
        b.as_str()
    );
    assert_eq!(
        c.get(&format!("/api/v1/cases/{household_case}"))
            .await
            .json()["case"]["household_id"],
        b.as_str(),
        "the household's case follows it (person_links::HOUSEHOLD_LINKS)"
    );
    let audit = app
        .api_as("admin")
        .await
        .get("/api/v1/audit?action=household.merge")
        .await
        .json();
    assert!(
        audit.to_string().contains(r#"\"moved\":{\"cases\":1}"#),
        "the merge's audit entry counts what moved: {audit}"
    );
    // A closed household takes no new members and cannot be merged again.
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/households/{a}/members"),
            json!({"person_id": head, "relationship": "head"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    // The pages show the closure and offer the forms on open households.
    let mut web = app.signed_in("mediator").await;
    let page = web.get(&format!("/households/{a}")).await;
    assert!(
        page.body.contains(&format!("/households/{b}")),
        "{}",
        page.body
    );
    assert!(!page.body.contains("/split\""));
    let page = web.get(&format!("/households/{b}")).await;
    assert!(page
        .body
        .contains(&format!("action=\"/households/{b}/split\"")));
}

#[tokio::test]
async fn an_edit_that_makes_a_record_look_like_another_asks_first() {
    let app = spawn_app().await;
    let mut c = app.api_as("mediator").await;
    let base = json!({"unit_code": "SHKB-ANK-01", "area_code": "TR-06-ALTINDAG", "birth_date": "1988", "sex": "male"});
    let mut one = base.clone();
    one["given_names"] = json!("Recep");
    one["family_name"] = json!("Aslan");
    let first = create(&mut c, one).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut two = base.clone();
    two["given_names"] = json!("Yusuf");
    two["family_name"] = json!("Koç");
    two["aliases"] = json!(["Јусуф Коч", "Yusuf K."]);
    let r = create(&mut c, two.clone()).await;
    let second = r.json()["id"].as_str().unwrap().to_owned();
    // Aliases come back with the script each is written in.
    assert_eq!(
        r.json()["aliases"][0],
        json!({"name": "Јусуф Коч", "script": "Cyrl"})
    );
    assert_eq!(r.json()["aliases"][1]["script"], "Latn");
    // Renaming the second to the first's name: the candidate is shown, nothing saved.
    let mut edit = base.clone();
    edit["given_names"] = json!("Recep");
    edit["family_name"] = json!("Aslan");
    edit["version"] = json!(1);
    let r = c
        .json(
            Method::PUT,
            &format!("/api/v1/persons/{second}"),
            edit.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains(&first), "{}", r.body);
    assert_eq!(
        c.get(&format!("/api/v1/persons/{second}")).await.json()["given_names"],
        "Yusuf"
    );
    // Confirmed as a different person: saved, and not asked again on the next edit.
    edit["confirm_new"] = json!(true);
    let r = c
        .json(
            Method::PUT,
            &format!("/api/v1/persons/{second}"),
            edit.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    edit["confirm_new"] = json!(false);
    edit["version"] = json!(2);
    edit["phone"] = json!("0532 111 22 33");
    let r = c
        .json(Method::PUT, &format!("/api/v1/persons/{second}"), edit)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// The option a page's `<select name=…>` shows chosen.
fn selected(html: &str, name: &str) -> Option<String> {
    let start = html.find(&format!("<select name=\"{name}\""))?;
    let end = start + html[start..].find("</select>")?;
    let select = &html[start..end];
    let at = select.find(" selected")?;
    let open = select[..at].rfind("<option value=\"")? + "<option value=\"".len();
    let close = open + select[open..].find('"')?;
    Some(select[open..close].to_owned())
}

/// Nothing is recorded that nobody said: a new person's and a new household's
/// forms open on "not known" for every answer, not on the first option of
/// each list (female, no schooling, birth registered, owner, tap water yes…).
#[tokio::test]
async fn new_forms_assume_nothing() {
    let app = spawn_app().await;
    let mut c = app.signed_in("mediator").await;
    let person = c.get("/persons/new").await;
    assert_eq!(person.status, StatusCode::OK);
    for field in [
        "sex",
        "education",
        "birth_registered",
        "id_card",
        "statelessness",
    ] {
        assert_eq!(
            selected(&person.body, field).as_deref(),
            Some("unknown"),
            "person form: {field}"
        );
    }
    let household = c.get("/households/new").await;
    assert_eq!(household.status, StatusCode::OK);
    for field in [
        "tenure",
        "tap_water",
        "indoor_toilet",
        "electricity",
        "damp_roof",
    ] {
        assert_eq!(
            selected(&household.body, field).as_deref(),
            Some("unknown"),
            "household form: {field}"
        );
    }
}

/// Dates are read as people here write them (day first), on the forms and the
/// API alike, and kept as ISO dates.
#[tokio::test]
async fn dates_are_read_day_first() {
    let app = spawn_app().await;
    let mut c = app.api_as("mediator").await;
    let r = create(
        &mut c,
        json!({"given_names": "Sevgi", "family_name": "Aydın", "birth_date": "15.04.1982",
               "unit_code": "SHKB-ANK-01", "area_code": "TR-06-ALTINDAG", "confirm_new": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["birth_date"], "1982-04-15");
    let r = create(
        &mut c,
        json!({"given_names": "Sevgi", "family_name": "Aydın", "birth_date": "31.02.1982",
               "unit_code": "SHKB-ANK-01", "area_code": "TR-06-ALTINDAG", "confirm_new": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("12.03.1985"),
        "the message shows the form to use: {}",
        r.body
    );
}

#[tokio::test]
async fn the_household_merge_picker_searches_instead_of_listing_every_household() {
    let app = spawn_app().await;
    let mut c = app.api_as("mediator").await;
    let mut ids = Vec::new();
    for (addr, family) in [
        ("Önder Mah. 1", "Çelik"),
        ("Önder Mah. 7", "Yıldız"),
        ("Baraj Yolu 3", "Kaya"),
    ] {
        let h = c
            .json(
                Method::POST,
                "/api/v1/households",
                json!({"unit_code": "SHKB-ANK-01", "area_code": "TR-06-ALTINDAG", "address": addr}),
            )
            .await
            .json()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = create(&mut c, json!({"given_names": "Ayşe", "family_name": family, "unit_code": "SHKB-ANK-01",
            "area_code": "TR-06-ALTINDAG", "household_id": h, "relationship": "head", "confirm_new": true})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        ids.push(h);
    }
    let mut web = app.signed_in("mediator").await;
    // Nothing listed until someone searches.
    let page = web.get(&format!("/households/{}", ids[0])).await;
    assert!(
        !page.body.contains("name=\"into\""),
        "no list of every household"
    );
    // By a member's family name, in another case and without the dots.
    let page = web
        .get(&format!("/households/{}?merge_q=YILDIZ", ids[0]))
        .await;
    assert!(
        page.body.contains(&format!("value=\"{}\"", ids[1])),
        "{}",
        page.body
    );
    assert!(!page.body.contains(&format!("value=\"{}\"", ids[2])));
    assert!(
        !page
            .body
            .contains(&format!("name=\"into\" value=\"{}\"", ids[0])),
        "not itself"
    );
    // By the address.
    let page = web
        .get(&format!("/households/{}?merge_q=baraj", ids[0]))
        .await;
    assert!(page.body.contains(&format!("value=\"{}\"", ids[2])));
    // The choice merges.
    let version = c
        .get(&format!("/api/v1/households/{}", ids[0]))
        .await
        .json()["version"]
        .as_i64()
        .unwrap()
        .to_string();
    let r = web
        .post_form(
            &format!("/households/{}/merge", ids[0]),
            &[("into", ids[1].as_str()), ("version", version.as_str())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // A merged household is not offered again.
    let page = web
        .get(&format!("/households/{}?merge_q=Önder", ids[2]))
        .await;
    assert!(page.body.contains(&format!("value=\"{}\"", ids[1])));
    assert!(
        !page.body.contains(&format!("value=\"{}\"", ids[0])),
        "{}",
        page.body
    );
}
