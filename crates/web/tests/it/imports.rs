//! Imports: a corpus of awkward files, each with a clear report and nothing half-written.

use crate::helpers::*;
use axum::http::{Method, StatusCode};

async fn import(c: &mut Client<'_>, query: &str, body: Vec<u8>) -> TestResponse {
    c.raw(
        Method::POST,
        &format!("/api/v1/imports/persons?unit=SHKB-ANK-01&area=TR-06-ALTINDAG{query}"),
        "application/octet-stream",
        body,
    )
    .await
}

async fn persons(app: &TestApp) -> i64 {
    let mut conn = app.store().acquire().await.unwrap();
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM persons")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    n
}

fn rejected_rows(r: &serde_json::Value) -> Vec<(u64, String)> {
    r["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["row"].as_u64().unwrap(),
                x["errors"][0]["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

const GOOD: &str = "Adı;Soyadı;Baba Adı;Doğum Tarihi;T.C. Kimlik No;Telefon\n\
    Şükrü;Yılmaz;Ali;12.03.1985;10000000146;0532 111 22 33\n\
    Ayşe;Kaya;;31048;;\n\
    ;Eksik;;1990;;\n\
    Mehmet;Demir;;2090;12345678901;\n\
    Şükrü;Yılmaz;Ali;12.03.1985;10000000146;0532 111 22 33\n\
    =HYPERLINK(\"x\");Zararlı;;1990;;\n";

#[tokio::test]
async fn a_windows_1254_file_with_semicolons_imports_once_and_reports_every_rejected_row() {
    let app = spawn_app().await;
    let mut c = app.api_as("coordinator").await;
    let before = persons(&app).await;
    let (bytes, _, _) = encoding_rs::WINDOWS_1254.encode(GOOD);
    let dry = import(&mut c, "&dry_run=true", bytes.to_vec()).await;
    assert_eq!(dry.status, StatusCode::OK, "{}", dry.body);
    let d = dry.json();
    assert_eq!(
        (
            d["encoding"].as_str(),
            d["delimiter"].as_str(),
            d["total_rows"].as_u64(),
            d["imported"].as_u64()
        ),
        (Some("windows-1254"), Some(";"), Some(6), Some(2))
    );
    assert_eq!(
        rejected_rows(&d),
        vec![
            (4, "err-required".into()),
            (5, "err-birth-future".into()),
            (6, "err-import-duplicate-row".into()),
            (7, "err-name-chars".into())
        ]
    );
    assert_eq!(persons(&app).await, before, "a dry run writes nothing");
    let r = import(&mut c, "", bytes.to_vec()).await.json();
    assert_eq!(r["imported"], 2);
    assert_eq!(persons(&app).await, before + 2);
    // Excel serial date and the Turkish letters came through.
    let found = c.get("/api/v1/persons?q=ayse%20kaya").await.json();
    assert_eq!(found["items"][0]["birth_date"], "1985-01-01");
    let found = c.get("/api/v1/persons?q=sukru").await.json();
    assert_eq!(found["items"][0]["given_names"], "Şükrü");
    // Imported names join the vocabulary typo tolerance compares with.
    let found = c.get("/api/v1/persons?q=sukru%20yilmas").await.json();
    assert_eq!(found["items"][0]["family_name"], "Yılmaz", "{found}");
    // Again: nothing new, every accepted row reported as already imported.
    let again = import(&mut c, "", bytes.to_vec()).await.json();
    assert_eq!(again["imported"], 0);
    assert_eq!(
        again["already_imported"],
        serde_json::json!([2, 3, 6]),
        "row 6 repeats row 2"
    );
    assert_eq!(persons(&app).await, before + 2);
    // The rejected rows as a file, formulas neutralised.
    let csv = import(&mut c, "&dry_run=true&report=csv", bytes.to_vec()).await;
    assert!(
        csv.body.contains("'=HYPERLINK") && csv.body.contains("Bu alan zorunludur"),
        "{}",
        csv.body
    );
    let xlsx = import(&mut c, "&dry_run=true&report=xlsx", bytes.to_vec()).await;
    assert!(xlsx.bytes.starts_with(b"PK"));
    let audit = app
        .store()
        .audit_entries(
            &[kopru_domain::Scope::Installation],
            &kopru_store::audit::Filter {
                action: Some("person.import".into()),
                ..Default::default()
            },
            5,
        )
        .await
        .unwrap();
    assert_eq!(audit.len(), 2, "each committed import is audited");
}

fn last_cell_workbook() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "Adı").unwrap();
    sheet.write_string(0, 1, "Soyadı").unwrap();
    sheet.write_string(1, 0, "Ayşe").unwrap();
    sheet.write_string(1, 1, "Yılmaz").unwrap();
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    assert!(bytes.len() < 16 * 1024, "{}", bytes.len());
    bytes
}

#[tokio::test]
async fn awkward_files_get_clear_reports_and_change_nothing() {
    let app = spawn_app().await;
    let mut c = app.api_as("coordinator").await;
    let before = persons(&app).await;
    let garbage: Vec<u8> = (0..10 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", vec![], "err-import-empty"),
        ("blank", b"\n\n  \n".to_vec(), "err-import-empty"),
        (
            "header only",
            "Adı;Soyadı\n".as_bytes().to_vec(),
            "err-import-no-rows",
        ),
        (
            "no name columns",
            b"a,b,c\n1,2,3\n".to_vec(),
            "err-import-missing-columns",
        ),
        (
            "broken xlsx",
            b"PK\x03\x04this is not a workbook".to_vec(),
            "err-import-xlsx",
        ),
        ("10 MB of binary", garbage, "err-import-binary"),
        // The outside test's 1.6 KB workbook whose one extra cell, XFD1048576,
        // made the reader allocate 512 GiB and abort the server.
        (
            "last cell of the sheet",
            last_cell_workbook(),
            "err-import-too-wide",
        ),
        (
            "1,000 columns",
            format!(
                "{}\n{}\n",
                vec!["Adı"; 1000].join(";"),
                vec!["x"; 1000].join(";")
            )
            .into_bytes(),
            "err-import-too-wide",
        ),
    ];
    for (name, body, code) in cases {
        let r = import(&mut c, "", body).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}: {}",
            r.body.chars().take(300).collect::<String>()
        );
        assert_eq!(r.json()["errors"][0]["code"], code, "{name}");
    }
    let r = import(&mut c, "", vec![b'a'; 30 * 1024 * 1024]).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(persons(&app).await, before);
    // Roles without import rights.
    let mut fw = app.api_as("mediator").await;
    assert_eq!(
        import(&mut fw, "", GOOD.as_bytes().to_vec()).await.status,
        StatusCode::FORBIDDEN
    );
    // A unit outside the importer's scope: every row refused, nothing written.
    let r = c
        .raw(
            Method::POST,
            "/api/v1/imports/persons?unit=MT-NIS&area=RS-20-NIS",
            "text/csv",
            "Ime,Prezime\nŠaban,Ajdini\n".as_bytes().to_vec(),
        )
        .await
        .json();
    assert_eq!(
        (r["imported"].as_u64(), rejected_rows(&r)),
        (Some(0), vec![(2, "err-import-place".into())])
    );
    assert_eq!(persons(&app).await, before);
}

#[tokio::test]
async fn utf8_with_bom_cp1250_and_xlsx_files_import() {
    let app = spawn_app().await;
    let mut c = app.api_as("admin").await;
    let bom = [
        b"\xEF\xBB\xBF".as_slice(),
        "Ime,Prezime,JMBG,Datum rođenja\nFatima,Osmani,,1975\n".as_bytes(),
    ]
    .concat();
    let r = c
        .raw(
            Method::POST,
            "/api/v1/imports/persons?unit=MT-NIS&area=RS-20-NIS",
            "text/csv",
            bom,
        )
        .await;
    assert_eq!(r.json()["imported"], 1, "{}", r.body);
    let (cp1250, _, _) =
        encoding_rs::WINDOWS_1250.encode("Ime;Prezime;Ime oca\nĆazim;Đorđević;Šaban\n");
    let r = c
        .raw(
            Method::POST,
            "/api/v1/imports/persons?unit=MT-NIS&area=RS-20-NIS",
            "text/csv",
            cp1250.to_vec(),
        )
        .await
        .json();
    assert_eq!(
        (r["encoding"].as_str(), r["imported"].as_u64()),
        (Some("windows-1250"), Some(1))
    );
    assert_eq!(
        c.get("/api/v1/persons?q=cazim%20djordjevic").await.json()["items"][0]["father_name"],
        "Šaban"
    );
    // An XLSX file as Excel writes it: numbers as floats, a date cell.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (i, h) in ["Име", "Презиме", "ЈМБГ", "Датум рођења"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, i as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "Љубица").unwrap();
    sheet.write_string(1, 1, "Јовановић").unwrap();
    sheet
        .write_number(
            1,
            2,
            150398571555.0f64 * 10.0 + f64::from(jmbg_check("150398571555")),
        )
        .unwrap();
    let fmt = rust_xlsxwriter::Format::new().set_num_format("dd.mm.yyyy");
    sheet.write_number_with_format(1, 3, 31121.0, &fmt).unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let r = c
        .raw(
            Method::POST,
            "/api/v1/imports/persons?unit=MT-NIS&area=RS-20-NIS",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            bytes,
        )
        .await;
    let j = r.json();
    assert_eq!(
        (j["encoding"].as_str(), j["imported"].as_u64()),
        (Some("xlsx"), Some(1)),
        "{}",
        r.body
    );
    let p = c.get("/api/v1/persons?q=ljubica").await.json();
    assert_eq!(p["items"][0]["birth_date"], "1985-03-15");
    assert_eq!(p["items"][0]["id_type"], "rs_jmbg");
}

fn jmbg_check(twelve: &str) -> u8 {
    let d: Vec<u32> = twelve.bytes().map(|b| u32::from(b - b'0')).collect();
    let sum = 7 * (d[0] + d[6])
        + 6 * (d[1] + d[7])
        + 5 * (d[2] + d[8])
        + 4 * (d[3] + d[9])
        + 3 * (d[4] + d[10])
        + 2 * (d[5] + d[11]);
    match 11 - (sum % 11) {
        k if k > 9 => 0,
        k => k as u8,
    }
}

pub(crate) fn multipart(fields: &[(&str, &str)], file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "kopruTESTboundary";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"liste.csv\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes());
    body.extend(file);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Uploads a multipart body through the page, with the CSRF token in the query string.
async fn upload(c: &mut Client<'_>, content_type: String, body: Vec<u8>) -> TestResponse {
    let csrf = c.csrf();
    c.send(
        axum::http::Request::post(format!("/imports?_csrf={csrf}"))
            .header("content-type", content_type)
            .body(axum::body::Body::from(body))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn a_coordinator_uploads_checks_adjusts_and_commits_through_the_pages() {
    let app = spawn_app().await;
    let mut c = app.signed_in("coordinator").await;
    assert!(c.get("/persons").await.body.contains("href=\"/imports\""));
    let file = "Ad;Soyad;Doğum\nŞükrü;Yılmaz;1985\nAyşe;Kaya;1990\n;Eksik;1990\n";
    let (ct, body) = multipart(
        &[("unit", "SHKB-ANK-01"), ("area", "TR-06-ALTINDAG")],
        file.as_bytes(),
    );
    // Without the CSRF token in the query string the upload is refused.
    let r = c.raw(Method::POST, "/imports", &ct, body.clone()).await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "the test client sends the header: {}",
        r.body
    );
    let mut bare = app.signed_in("coordinator").await;
    let r = bare
        .send(
            axum::http::Request::post("/imports")
                .header("content-type", ct.clone())
                .body(axum::body::Body::from(body.clone()))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = upload(&mut c, ct, body).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let check = r.location();
    let page = c.get(&check).await.body;
    // "Doğum" is not a known header: the column is ignored until the user maps it.
    assert!(
        page.contains("id=\"imported\">2<") && page.contains("id=\"rejected\">1<"),
        "{page}"
    );
    let id = check
        .trim_start_matches("/imports/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let adjusted = c.get(&format!("/imports/{id}?unit=SHKB-ANK-01&area=TR-06-ALTINDAG&col=given_names&col=family_name&col=birth_date")).await.body;
    assert!(
        adjusted.contains("<option value=\"birth_date\" selected>"),
        "{adjusted}"
    );
    let rejected = c.get(&format!("/imports/{id}/rejected.csv?unit=SHKB-ANK-01&area=TR-06-ALTINDAG&col=given_names&col=family_name&col=birth_date")).await;
    assert!(rejected.body.contains("Bu alan zorunludur") && rejected.body.contains("Eksik"));
    let r = c
        .post_form(
            &format!("/imports/{id}/commit"),
            &[
                ("unit", "SHKB-ANK-01"),
                ("area", "TR-06-ALTINDAG"),
                ("col", "given_names"),
                ("col", "family_name"),
                ("col", "birth_date"),
                ("save_as", "SHKB listesi"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("İçe aktarma tamamlandı") && r.body.contains("id=\"imported\">2<"),
        "{}",
        r.body
    );
    let found = c.get("/api/v1/persons?q=sukru").await.json();
    assert_eq!(found["items"][0]["birth_date"], "1985");
    // The mapping was saved for next time, and offered on the upload page.
    assert!(c
        .get("/imports")
        .await
        .body
        .contains("<option value=\"SHKB listesi\">"));
    // Someone else cannot see this upload.
    let mut other = app.signed_in("admin").await;
    assert_eq!(other.get(&check).await.status, StatusCode::NOT_FOUND);
}

/// `n` distinct people, one per row.
fn many_rows(n: usize) -> Vec<u8> {
    let mut s = String::from("Adı,Soyadı,Doğum Tarihi\n");
    for i in 0..n {
        // Each serial as letters: a name word, so every row is another person.
        let mut word = String::new();
        let mut k = i;
        loop {
            word.push((b'a' + (k % 26) as u8) as char);
            k /= 26;
            if k == 0 {
                break;
            }
        }
        s.push_str(&format!("Ali {word},Kaya,{}\n", 1950 + i % 60));
    }
    s.into_bytes()
}

#[tokio::test]
async fn a_long_import_answers_with_a_job_whose_progress_and_report_can_be_followed() {
    // No waiting: every commit answers with its job, as a long one would.
    let app = spawn_app_with(|c| c.import_wait = std::time::Duration::ZERO).await;
    let mut c = app.api_as("coordinator").await;
    let before = persons(&app).await;
    let (bytes, _, _) = encoding_rs::WINDOWS_1254.encode(GOOD);
    let r = import(&mut c, "", bytes.to_vec()).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let job = r.location();
    assert!(job.starts_with("/api/v1/imports/jobs/"), "{job}");
    let j = r.json();
    assert_eq!(j["rows_total"], 3, "{j}");
    let mut state = j;
    for _ in 0..500 {
        if state["status"] != "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        state = c.get(&job).await.json();
    }
    assert_eq!(state["status"], "done", "{state}");
    assert_eq!(state["rows_done"], 3);
    assert_eq!(state["report"]["imported"], 2);
    assert_eq!(persons(&app).await, before + 2);
    // The rows the commit refused, including the repeated row (which a new
    // dry run, seeing it as imported before, would not call a duplicate).
    let csv = c.get(&format!("{job}?report=csv")).await;
    assert!(
        csv.body.contains("Eksik") && csv.body.contains("\n6,"),
        "{}",
        csv.body
    );
    // Another user does not see the job.
    let mut other = app.api_as("admin").await;
    assert_eq!(other.get(&job).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_long_import_through_the_pages_shows_progress_then_the_report() {
    let app = spawn_app_with(|c| c.import_wait = std::time::Duration::ZERO).await;
    let mut c = app.signed_in("coordinator").await;
    let (ct, body) = multipart(
        &[("unit", "SHKB-ANK-01"), ("area", "TR-06-ALTINDAG")],
        "Ad;Soyad\nŞükrü;Yılmaz\nAyşe;Kaya\n;Eksik\n".as_bytes(),
    );
    let r = upload(&mut c, ct, body).await;
    let id = r
        .location()
        .trim_start_matches("/imports/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let r = c
        .post_form(
            &format!("/imports/{id}/commit"),
            &[("unit", "SHKB-ANK-01"), ("area", "TR-06-ALTINDAG")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let job = r.location();
    assert!(job.starts_with("/imports/jobs/"), "{job}");
    // While it runs the page polls its progress; once done, the poll sends the
    // browser to the job's page, which holds the report.
    let mut page = c.get(&job).await.body;
    for _ in 0..500 {
        if !page.contains("id=\"import-progress\"") {
            break;
        }
        assert!(
            page.contains(&format!("hx-get=\"{job}/progress\"")),
            "{page}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let poll = c.get(&format!("{job}/progress")).await;
        if poll.status == StatusCode::NO_CONTENT {
            assert_eq!(poll.header("hx-redirect").as_deref(), Some(job.as_str()));
        }
        page = c.get(&job).await.body;
    }
    assert!(
        page.contains("İçe aktarma tamamlandı") && page.contains("id=\"imported\">2<"),
        "{page}"
    );
    assert!(
        page.contains(&format!("href=\"{job}/rejected.csv\"")),
        "{page}"
    );
    let rejected = c.get(&format!("{job}/rejected.csv")).await;
    assert!(rejected.body.contains("Eksik"), "{}", rejected.body);
    let mut other = app.signed_in("admin").await;
    assert_eq!(other.get(&job).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_import_commits_in_batches_reports_progress_and_resumes_after_a_failure() {
    let app = spawn_app().await;
    let store = app.store().clone();
    let rows = kopru_store::imports::BATCH_ROWS + 50;
    let file = many_rows(rows);
    let admin = kopru_domain::Principal {
        user_id: String::new(),
        username: "test".into(),
        assignments: vec![kopru_domain::policy::Assignment {
            role: kopru_domain::Role::Administrator,
            scope: kopru_domain::Scope::Installation,
        }],
    };
    let tr = kopru_web::i18n::Tr::new(kopru_domain::Locale::En);
    let prepare = || {
        kopru_web::imports::service::prepare(
            tr,
            kopru_web::imports::service::ImportRequest {
                file_name: "big.csv",
                bytes: &file,
                unit_code: "SHKB-ANK-01",
                area_code: "TR-06-ALTINDAG",
                mapping: None,
                dry_run: false,
            },
        )
        .unwrap()
    };
    let before = persons(&app).await;
    // After the first batch is committed, the vocabulary table disappears, so
    // the second batch fails. The progress callback runs between batches; it
    // waits for the table to be gone.
    let seen = std::sync::Mutex::new(Vec::new());
    let (go, gone) = (
        std::sync::Mutex::new(None::<tokio::sync::oneshot::Sender<()>>),
        std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
    );
    let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
    *go.lock().unwrap() = Some(go_tx);
    {
        let (store, gone) = (store.clone(), gone.clone());
        tokio::spawn(async move {
            if go_rx.await.is_ok() {
                let mut conn = store.acquire().await.unwrap();
                sqlx::query("ALTER TABLE name_words RENAME TO name_words_away")
                    .execute(&mut *conn)
                    .await
                    .unwrap();
                gone.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        });
    }
    let progress = |done: usize| {
        seen.lock().unwrap().push(done);
        if let Some(go) = go.lock().unwrap().take() {
            let _ = go.send(());
            // Blocks this worker (the test runs on two) until the table is gone.
            while !gone.load(std::sync::atomic::Ordering::SeqCst) {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        }
    };
    let actor = kopru_store::audit::Actor::system("test");
    let report = kopru_web::imports::service::commit(&store, &actor, &admin, prepare(), &progress)
        .await
        .unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        vec![kopru_store::imports::BATCH_ROWS]
    );
    assert_eq!(report.imported, kopru_store::imports::BATCH_ROWS);
    // Without Fluent's bidi isolation marks around the numbers.
    let stopped = report
        .stopped
        .clone()
        .unwrap_or_default()
        .replace(['\u{2068}', '\u{2069}'], "");
    let row = tr.num((kopru_store::imports::BATCH_ROWS + 2) as i64);
    assert!(stopped.contains(&format!("before row {row}.")), "{stopped}");
    assert_eq!(
        persons(&app).await,
        before + kopru_store::imports::BATCH_ROWS as i64
    );
    // The import record says what was committed.
    let mut conn = store.acquire().await.unwrap();
    let (total, imported): (i64, i64) =
        sqlx::query_as("SELECT rows_total, rows_imported FROM imports WHERE id = $1")
            .bind(report.import_id.clone().unwrap())
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert_eq!(
        (total, imported),
        (rows as i64, kopru_store::imports::BATCH_ROWS as i64)
    );
    sqlx::query("ALTER TABLE name_words_away RENAME TO name_words")
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    // The same file again carries on where it stopped.
    let seen = std::sync::Mutex::new(Vec::new());
    let report = kopru_web::imports::service::commit(&store, &actor, &admin, prepare(), &|d| {
        seen.lock().unwrap().push(d)
    })
    .await
    .unwrap();
    assert_eq!(report.stopped, None);
    assert_eq!(
        (report.imported, report.already_imported.len()),
        (50, kopru_store::imports::BATCH_ROWS)
    );
    assert_eq!(
        *seen.lock().unwrap(),
        vec![kopru_store::imports::BATCH_ROWS, rows]
    );
    assert_eq!(persons(&app).await, before + rows as i64);
    // Every committed batch is audited.
    let audit = store
        .audit_entries(
            &[kopru_domain::Scope::Installation],
            &kopru_store::audit::Filter {
                action: Some("person.import".into()),
                ..Default::default()
            },
            10,
        )
        .await
        .unwrap();
    assert_eq!(audit.len(), 3);
}
