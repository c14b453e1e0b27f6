//! Every export, under every encoding a browser asks for, arrives whole: the
//! outside test found person exports cut short under gzip (a body stream
//! polled after its end panicked, mid-file, after a 200).

use crate::helpers::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use std::io::Read;

/// What browsers and tools send; the server answers gzip or nothing.
const ENCODINGS: [&str; 4] = [
    "identity",
    "gzip",
    "gzip, deflate, br, zstd",
    "br;q=1.0, gzip;q=0.8, *;q=0.1",
];

fn decoded(r: &TestResponse) -> Vec<u8> {
    match r.header("content-encoding").as_deref() {
        None => r.bytes.clone(),
        Some("gzip") => {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(r.bytes.as_slice())
                .read_to_end(&mut out)
                .expect("a whole gzip stream");
            out
        }
        Some(other) => panic!("unexpected encoding {other}"),
    }
}

fn xlsx_rows(bytes: &[u8]) -> Vec<String> {
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("a whole workbook");
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect()
}

#[tokio::test]
async fn every_export_is_whole_under_every_encoding() {
    let app = spawn_app().await;
    // Over 1,200 people: the person export streams three pages of 500.
    kopru_store::demo::load_people(app.store(), 400)
        .await
        .unwrap();
    kopru_store::demo::load_casework(app.store()).await.unwrap();
    let mut admin = app.api_as("admin").await;
    let mut coord = app.api_as("coordinator").await;
    let exports: [(&str, &str); 9] = [
        ("admin", "/api/v1/persons/export?format=csv"),
        (
            "coordinator",
            "/api/v1/persons/export?format=csv&columns=id,given_names,family_name,ethnicity",
        ),
        ("admin", "/api/v1/persons/export?format=xlsx"),
        ("coordinator", "/api/v1/cases/export"),
        ("coordinator", "/api/v1/cases/export?format=xlsx"),
        ("admin", "/api/v1/units/export"),
        ("admin", "/api/v1/institutions/export"),
        ("admin", "/api/v1/units/export?format=xlsx"),
        ("admin", "/api/v1/institutions/export?format=xlsx"),
    ];
    for (who, url) in exports {
        let client = if who == "admin" {
            &mut admin
        } else {
            &mut coord
        };
        let mut whole: Option<Vec<u8>> = None;
        for enc in ENCODINGS {
            let r = client
                .send(
                    Request::get(url)
                        .header("accept-encoding", enc)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{url} {enc}: {}", r.body);
            let mut body = decoded(&r);
            if url.contains("xlsx") {
                // A workbook carries the time it was made: compare its rows.
                body = xlsx_rows(&body).join("\n").into_bytes();
            }
            match &whole {
                None => whole = Some(body),
                Some(w) => assert!(
                    *w == body,
                    "{url} under {enc}: {} bytes, {} without encoding",
                    body.len(),
                    w.len()
                ),
            }
        }
        let body = whole.unwrap();
        if url.contains("xlsx") {
            assert!(body.iter().filter(|b| **b == b'\n').count() > 1, "{url}");
        } else {
            let lines = body.iter().filter(|b| **b == b'\n').count();
            assert!(lines > 1, "{url}: {lines} lines");
            assert_eq!(body.last(), Some(&b'\n'), "{url} ends with a whole line");
        }
    }
    // The person export has exactly one line per person the administrator sees, plus the header.
    let r = admin
        .send(
            Request::get("/api/v1/persons/export?format=csv&columns=id")
                .header("accept-encoding", "gzip")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let lines = decoded(&r).iter().filter(|b| **b == b'\n').count();
    let (people,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM persons")
        .fetch_one(app.store().pool())
        .await
        .unwrap();
    assert!(people > 1_200, "{people}");
    assert_eq!(lines as i64, people + 1);
}
