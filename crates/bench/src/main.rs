//! `cargo run --release -p kopru-bench [-- --institutions N] [--persons N] [--activities N] [--outcomes N] [--strategy N] [--indicators] [--duckdb] [--database-url URL]`
//!
//! Builds an installation with the demo world plus N synthetic institutions spread
//! over every district of Türkiye and Serbia, then measures requests through the
//! real router (in-process, no sockets) and prints a table. Figures go to
//! BENCHMARKS.md. Not a test: nothing here asserts a time.

use anyhow::{Context, Result};
use axum::body::Body;
use axum::http::{Method, Request};
use http_body_util::BodyExt;
use kopru_domain::policy::Assignment;
use kopru_domain::reference::InstitutionDraft;
use kopru_domain::{Role, Scope};
use kopru_store::audit::Actor;
use kopru_store::sql::Sql;
use kopru_store::{Location, Store};
use std::time::Instant;
use tower::ServiceExt;

mod activities;
mod indicators;
mod outcomes;
mod strategy;

struct Row {
    name: String,
    n: usize,
    p50: f64,
    p99: f64,
    per_sec: f64,
}

impl Row {
    /// One operation timed once: `seconds` as both its p50 and p99.
    fn once(name: String, seconds: f64) -> Row {
        Row {
            name,
            n: 1,
            p50: seconds * 1000.0,
            p99: seconds * 1000.0,
            per_sec: 1.0 / seconds.max(1e-9),
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn time_requests(
    router: &axum::Router,
    name: &str,
    n: usize,
    make: impl Fn(usize) -> Request<Body>,
) -> Result<Row> {
    let mut samples = Vec::with_capacity(n);
    let start = Instant::now();
    for i in 0..n {
        let t = Instant::now();
        let resp = router.clone().oneshot(make(i)).await?;
        let status = resp.status();
        let body = resp.into_body().collect().await?.to_bytes();
        if !status.is_success() {
            anyhow::bail!("{name}: {status} {}", String::from_utf8_lossy(&body));
        }
        samples.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let total = start.elapsed().as_secs_f64();
    samples.sort_by(f64::total_cmp);
    Ok(Row {
        name: name.into(),
        n,
        p50: percentile(&samples, 0.5),
        p99: percentile(&samples, 0.99),
        per_sec: n as f64 / total,
    })
}

/// A referral letter's PDF, laid out and written (fonts subset, streams
/// compressed) 100 times: the CPU cost of `GET /referrals/{id}/letter.pdf`
/// beyond reading the referral.
fn pdf_bench() -> Result<Row> {
    use kopru_web::pdf::{render, Block};
    let letter = || {
        let mut b = vec![
            Block::Title("Ankara Altındağ Sosyal Hizmet Koordinasyon Birimi".into()),
            Block::Small("Hükümet Cad. No: 11, Altındağ / Ankara".into()),
            Block::Small("Telefon: +90 312 555 00 11 · E-posta: shkb-ank-01@example.gov.tr".into()),
            Block::Rule,
            Block::Right("Sayı SHKB-ANK-01/2026/117 · 3 Ara 2026".into()),
            Block::Text("Sayın Altındağ Atatürk İlkokulu".into()),
            Block::Heading("Yönlendirme yazısı: Okula kayıt".into()),
            Block::Pair("Aciliyet".into(), "Yüksek".into()),
            Block::Pair("Yanıt için son tarih".into(), "10 Ara 2026".into()),
            Block::Heading("Gerekçe".into()),
            Block::Text("Dokuz yaşında, hiç okula kaydolmamış; nüfus kaydı yeni tamamlandı. Ailenin belgeleri hazır, kayıt için okulun yönlendirmesini bekliyor.".repeat(3)),
            Block::Heading("Paylaşılan bilgiler".into()),
        ];
        for (k, v) in [
            ("Ad", "Zehra Kaya"),
            ("Doğum tarihi", "4 Mar 2017"),
            ("Cinsiyet", "Kadın"),
            ("Diller", "Romanca, Türkçe"),
        ] {
            b.push(Block::Pair(k.into(), v.into()));
        }
        b.extend([
            Block::Space(10.0),
            Block::Text("Mehmet Demir".into()),
            Block::Text("Sosyal Çalışmacı".into()),
            Block::Rule,
        ]);
        b
    };
    let n = 100;
    let mut samples = Vec::with_capacity(n);
    let start = Instant::now();
    let mut bytes = 0;
    for _ in 0..n {
        let t = Instant::now();
        bytes = render("Yönlendirme yazısı", "tr", &letter())?.len();
        samples.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let total = start.elapsed().as_secs_f64();
    samples.sort_by(f64::total_cmp);
    Ok(Row {
        name: format!(
            "referral letter as PDF (web::pdf, one A4 page, {} KB)",
            bytes / 1024
        ),
        n,
        p50: percentile(&samples, 0.5),
        p99: percentile(&samples, 0.99),
        per_sec: n as f64 / total,
    })
}

fn get(path: &str, token: &str) -> Request<Body> {
    Request::get(path)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap_or_default()
}

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let institutions: usize = arg("--institutions")
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(20_000);
    let dir = std::env::temp_dir().join(format!("kopru-bench-{}", std::process::id()));
    let location = match arg("--database-url") {
        Some(u) => Location::Postgres(u),
        None => Location::SqliteFile(dir.join("kopru.db")),
    };
    eprintln!("building the installation on {location:?} …");
    // A keyring of its own, as `kopru serve` has: pages that read special
    // categories (the person page) need one.
    let keyring =
        kopru_store::crypto::Keyring::parse(&kopru_store::crypto::Keyring::new_key_line())?;
    let store = Store::open(&location).await?.with_keyring(keyring);
    store.migrate().await?;
    kopru_store::demo::load(&store).await?;

    let actor = Actor::system("bench");
    let admin = kopru_domain::Principal {
        user_id: String::new(),
        username: "bench".into(),
        assignments: vec![Assignment {
            role: Role::Administrator,
            scope: Scope::Installation,
        }],
    };
    let districts: Vec<String> = {
        let mut all = Vec::new();
        for country in ["TR", "RS"] {
            for p in store.areas(Some(country), None, 2000).await? {
                for d in store.areas(Some(&p.code), None, 2000).await? {
                    all.push(d.code);
                }
            }
        }
        all
    };
    let kinds = [
        "school",
        "family_health_centre",
        "employment_agency",
        "social_assistance_foundation",
        "ngo",
        "neighbourhood_head",
    ];
    let names = [
        "Atatürk İlkokulu",
        "Aile Sağlığı Merkezi",
        "Sosyal Yardımlaşma Vakfı",
        "Дом здравља",
        "Centar za socijalni rad",
        "Roman Derneği",
    ];
    let t = Instant::now();
    for i in 0..institutions {
        let d = InstitutionDraft {
            code: format!("B-{i:07}"),
            name: format!("{} {}", names[i % names.len()], i),
            kind: kinds[i % kinds.len()].into(),
            area_code: districts[i % districts.len()].clone(),
            services: vec!["social_services".into()],
            ..Default::default()
        }
        .validate()
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        store.create_institution(&actor, &admin, &d).await?;
    }
    let insert_rate = institutions as f64 / t.elapsed().as_secs_f64();

    let token_of = |username: &'static str| {
        let store = store.clone();
        let actor = actor.clone();
        async move {
            let u = store
                .user_by_username(username)
                .await?
                .context("demo user")?;
            Ok::<_, anyhow::Error>(store.create_token(&actor, &u.id, "bench").await?.1)
        }
    };
    let admin_t = token_of("admin").await?;
    let manager_t = token_of("manager").await?;
    let coord_t = token_of("coordinator").await?;
    let analyst_t = token_of("analyst").await?;
    let auditor_t = token_of("auditor").await?;

    let state = kopru_web::AppState {
        store: store.clone(),
        config: Default::default(),
        metrics: Default::default(),
        import_jobs: Default::default(),
    };
    let router = kopru_web::router(state);
    let n = 300;
    let mut rows = vec![Row {
        name: format!("create institution with audit entry ({institutions} sequential)"),
        n: institutions,
        p50: 0.0,
        p99: 0.0,
        per_sec: insert_rate,
    }];
    rows.push(
        time_requests(
            &router,
            "GET /api/v1/institutions (installation scope, page 1)",
            n,
            |_| get("/api/v1/institutions?limit=50", &admin_t),
        )
        .await?,
    );
    rows.push(
        time_requests(
            &router,
            "GET /api/v1/institutions?area=TR-34 (area filter)",
            n,
            |_| get("/api/v1/institutions?area=TR-34&limit=50", &admin_t),
        )
        .await?,
    );
    rows.push(
        time_requests(
            &router,
            "GET /api/v1/institutions (scope country:TR)",
            n,
            |_| get("/api/v1/institutions?limit=50", &manager_t),
        )
        .await?,
    );
    rows.push(
        time_requests(
            &router,
            "GET /api/v1/institutions (scope unit:SHKB-ANK-01)",
            n,
            |_| get("/api/v1/institutions?limit=50", &coord_t),
        )
        .await?,
    );
    rows.push(
        time_requests(
            &router,
            "GET /api/v1/institutions?q=… (name search, any script)",
            n,
            |i| {
                get(
                    &format!("/api/v1/institutions?q=zdravl{}&limit=50", i % 10),
                    &admin_t,
                )
            },
        )
        .await?,
    );
    rows.push(
        time_requests(&router, "GET /api/v1/audit (latest 100)", n, |_| {
            get("/api/v1/audit?limit=100", &auditor_t)
        })
        .await?,
    );
    rows.push(
        time_requests(&router, "GET /api/v1/areas?q=… (area search)", n, |i| {
            get(
                &format!(
                    "/api/v1/areas?q={}",
                    ["cankaya", "ниш", "merkez", "novi"][i % 4]
                ),
                &admin_t,
            )
        })
        .await?,
    );
    let create = |i: usize| {
        let body = serde_json::json!({"code": format!("BU-{i:06}"), "name": format!("Bench unit {i}"), "kind": "mobile_team", "area_code": "RS-20-NIS"});
        Request::builder()
            .method(Method::POST)
            .uri("/api/v1/units")
            .header("authorization", format!("Bearer {admin_t}"))
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap_or_default()
    };
    rows.push(time_requests(&router, "POST /api/v1/units (write + audit)", n, create).await?);
    let t = Instant::now();
    let v = store.verify_audit().await?;
    let secs = t.elapsed().as_secs_f64();
    rows.push(Row {
        name: format!("kopru audit verify ({} entries)", v.entries),
        n: v.entries as usize,
        p50: secs * 1000.0,
        p99: secs * 1000.0,
        per_sec: v.entries as f64 / secs,
    });

    let persons: usize = arg("--persons")
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(0);
    if persons > 0 {
        registry_bench(&store, &router, persons, &admin_t, &coord_t, &mut rows).await?;
        let cases: usize = arg("--cases")
            .map(|s| s.parse())
            .transpose()?
            .unwrap_or(persons * 3 / 10);
        let mediator_t = token_of("mediator").await?;
        casework_bench(
            &store,
            &router,
            cases,
            &mediator_t,
            &coord_t,
            &manager_t,
            &mut rows,
        )
        .await?;
    }

    let activity_count: usize = arg("--activities")
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(0);
    if activity_count > 0 {
        let people: usize = arg("--activity-persons")
            .map(|s| s.parse())
            .transpose()?
            .unwrap_or(1_000_000);
        activities::activities_bench(&store, &router, activity_count, people, &coord_t, &mut rows)
            .await?;
    }

    let placements: usize = arg("--outcomes")
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(0);
    if placements > 0 {
        let people: usize = arg("--outcome-persons")
            .map(|s| s.parse())
            .transpose()?
            .unwrap_or(1_000_000);
        outcomes::outcomes_bench(&store, &router, placements, people, &coord_t, &mut rows).await?;
    }

    let plan_actions: usize = arg("--strategy")
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(0);
    if plan_actions > 0 {
        strategy::strategy_bench(&store, &router, plan_actions, &analyst_t, &mut rows).await?;
    }

    if std::env::args().any(|a| a == "--indicators") {
        // What was measured before a failure is still printed (a national-
        // scale run takes twenty minutes to get there).
        if let Err(e) =
            indicators::indicators_bench(&store, &router, &analyst_t, &manager_t, &mut rows).await
        {
            eprintln!("the indicator benchmark stopped: {e:#}");
        }
    }

    if std::env::args().any(|a| a == "--duckdb") {
        match &location {
            Location::SqliteFile(db) => {
                if let Err(e) =
                    indicators::duckdb_comparison(&store, db, &dir.join("duckdb"), &mut rows).await
                {
                    eprintln!("the DuckDB comparison stopped: {e:#}");
                }
            }
            _ => eprintln!("--duckdb reads the SQLite file: run it without --database-url"),
        }
    }

    rows.push(pdf_bench()?);

    println!("\n| operation | n | p50 ms | p99 ms | per second |");
    println!("|---|---:|---:|---:|---:|");
    for r in rows {
        println!(
            "| {} | {} | {:.2} | {:.2} | {:.0} |",
            r.name, r.n, r.p50, r.p99, r.per_sec
        );
    }
    store.close().await;
    if std::env::var_os("KOPRU_BENCH_KEEP").is_some() {
        eprintln!("kept {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}

/// Inserts `values` rows of `columns` into `table`, 400 rows a statement.
async fn bulk_insert(
    conn: &mut sqlx::AnyConnection,
    table: &str,
    columns: &str,
    rows: &[Vec<Cell>],
) -> Result<()> {
    for chunk in rows.chunks(400) {
        let mut q = Sql::new(&format!("INSERT INTO {table} ({columns}) VALUES "));
        for (i, row) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" });
            for (j, c) in row.iter().enumerate() {
                if j > 0 {
                    q.push(", ");
                }
                match c {
                    Cell::T(t) => q.bind(t.clone()),
                    Cell::N(n) => q.bind(*n),
                    Cell::Null => q.bind(None::<String>),
                };
            }
            q.push(")");
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Drops the secondary indexes of `tables` (not those behind a primary key
/// or a constraint) for a bulk load and returns the statements that build
/// them again, as a bulk load is done: rows go in without index pages to
/// keep in order, then each index is built once, sorted. (On PostgreSQL
/// with default settings, keeping a random-keyed index of 10,000,000 rows
/// row by row is what made the national load outlast 16 minutes.) Where the
/// definitions are kept is the one thing that differs between the engines.
async fn drop_indexes(
    conn: &mut sqlx::AnyConnection,
    backend: kopru_store::Backend,
    tables: &[&str],
) -> Result<Vec<String>> {
    let mut again = Vec::new();
    for table in tables {
        let mut q = match backend {
            kopru_store::Backend::Sqlite => Sql::new(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name = ",
            ),
            kopru_store::Backend::Postgres => Sql::new(
                "SELECT CAST(indexname AS TEXT), indexdef FROM pg_indexes i WHERE NOT EXISTS \
                 (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) AND tablename = ",
            ),
        };
        let found: Vec<(String, String)> =
            q.bind((*table).to_owned()).fetch_all(&mut *conn).await?;
        for (name, definition) in found {
            Sql::new(&format!("DROP INDEX {name}"))
                .execute(&mut *conn)
                .await?;
            again.push(definition);
        }
    }
    Ok(again)
}

/// Builds again what `drop_indexes` dropped.
async fn create_indexes(conn: &mut sqlx::AnyConnection, definitions: &[String]) -> Result<()> {
    for d in definitions {
        Sql::new(d).execute(&mut *conn).await?;
    }
    Ok(())
}

enum Cell {
    T(String),
    N(i64),
    Null,
}

fn t(s: impl Into<String>) -> Cell {
    Cell::T(s.into())
}

/// Cases for `cases` of the registry's people (every unit gets its share),
/// each with a lead worker (100 per unit; the demo `mediator` is one of
/// Altındağ's), an opening event, a contact, two follow-ups due around today
/// and, for every other case, a referral in some status. Then "my work" and
/// the dashboard through the router.
async fn casework_bench(
    store: &Store,
    router: &axum::Router,
    cases: usize,
    mediator_t: &str,
    coord_t: &str,
    manager_t: &str,
    rows: &mut Vec<Row>,
) -> Result<()> {
    use kopru_domain::case::{date_of, day_number};
    let today = kopru_store::clock::today();
    let day0 = day_number(&today).context("today")?;
    let t0 = Instant::now();
    let mut tx = store.begin_write().await?;
    let people: Vec<(String, String, String)> =
        Sql::new("SELECT id, unit_code, area_code FROM persons ORDER BY id LIMIT ")
            .bind(cases as i64)
            .fetch_all(tx.conn())
            .await?;
    let units: Vec<String> = {
        let mut u: Vec<String> = people.iter().map(|p| p.1.clone()).collect();
        u.sort();
        u.dedup();
        u
    };
    let (mediator_id,): (String,) = Sql::new("SELECT id FROM users WHERE username = 'mediator'")
        .fetch_one(tx.conn())
        .await?;
    // 100 workers per unit.
    let mut workers: std::collections::HashMap<String, Vec<String>> = Default::default();
    let mut users = Vec::new();
    let mut roles = Vec::new();
    let now = kopru_store::clock::now();
    for u in &units {
        let list = workers.entry(u.clone()).or_default();
        for i in 0..100 {
            if u == "SHKB-ANK-01" && i == 0 {
                list.push(mediator_id.clone());
                continue;
            }
            let id = kopru_store::new_id();
            users.push(vec![
                t(id.clone()),
                t(format!("w{i}-{}", u.to_lowercase())),
                t(format!("Worker {i} {u}")),
                t("!"),
                Cell::N(0),
                Cell::N(1),
                t(now.clone()),
                t(now.clone()),
            ]);
            roles.push(vec![
                t(kopru_store::new_id()),
                t(id.clone()),
                t("social_mediator"),
                t("unit"),
                t(u.clone()),
                t(now.clone()),
            ]);
            list.push(id);
        }
    }
    bulk_insert(tx.conn(), "users", "id, username, display_name, password_hash, must_change_password, version, created_at, updated_at", &users).await?;
    bulk_insert(
        tx.conn(),
        "role_assignments",
        "id, user_id, role, scope_kind, scope_code, created_at",
        &roles,
    )
    .await?;
    let institutions: Vec<(String, String)> =
        Sql::new("SELECT code, kind FROM institutions ORDER BY code LIMIT 50")
            .fetch_all(tx.conn())
            .await?;
    let domains = [
        "education",
        "health",
        "employment",
        "housing",
        "social_assistance",
    ];
    let statuses = ["open", "assessed", "plan_agreed", "in_service", "closed"];
    let r_statuses = [
        "sent",
        "received",
        "accepted",
        "declined",
        "delivered",
        "closed",
    ];
    let mut batch = Batch::default();
    let mut per_unit: std::collections::HashMap<String, usize> = Default::default();
    let date = |delta: i64| date_of(day0 + delta);
    for (k, (person, unit, area)) in people.iter().enumerate() {
        let n = per_unit.entry(unit.clone()).or_default();
        let worker = workers[unit][*n % 100].clone();
        *n += 1;
        let id = kopru_store::new_id();
        let status = statuses[k % 5];
        let opened = date(-((k % 400) as i64) - 1);
        let contact = date(-((k * 7 % 90) as i64));
        batch.cases.push(vec![
            t(id.clone()),
            t(person.clone()),
            t(unit.clone()),
            t(area.clone()),
            t("normal"),
            t(format!("[\"{}\"]", domains[k % domains.len()])),
            t(status),
            t(opened.clone()),
            if status == "closed" {
                t(date(-1))
            } else {
                Cell::Null
            },
            t(contact.clone()),
            t(worker.clone()),
            Cell::N(1),
            t("bench"),
            t(now.clone()),
            t(now.clone()),
        ]);
        batch.workers.push(vec![
            t(id.clone()),
            t(worker.clone()),
            Cell::N(1),
            t(now.clone()),
            t("bench"),
        ]);
        batch.events.push(vec![
            t(kopru_store::new_id()),
            t(id.clone()),
            t(now.clone()),
            t("bench"),
            t("opened"),
            t("open"),
        ]);
        batch.contacts.push(vec![
            t(kopru_store::new_id()),
            t(id.clone()),
            t("home_visit"),
            t(contact),
            t("bench"),
            t(now.clone()),
        ]);
        for f in 0..2i64 {
            let due = (k as i64 * 13 + f * 31) % 120 - 60;
            let done = due < 0 && k % 3 != 0;
            batch.follow_ups.push(vec![
                t(kopru_store::new_id()),
                t(id.clone()),
                t(unit.clone()),
                t(area.clone()),
                t("Follow up"),
                t(date(due)),
                t(worker.clone()),
                if done { t(date(due)) } else { Cell::Null },
                Cell::N(1),
                t("bench"),
                t(now.clone()),
            ]);
        }
        if k % 2 == 0 && !institutions.is_empty() {
            let (code, kind) = &institutions[k % institutions.len()];
            let rs = r_statuses[k % r_statuses.len()];
            let sent = date(-((k % 60) as i64) - 1);
            let answered = !matches!(rs, "sent" | "received");
            batch.referrals.push(vec![
                t(kopru_store::new_id()),
                t(id.clone()),
                t(person.clone()),
                t(unit.clone()),
                t(area.clone()),
                t(code.clone()),
                t(kind.clone()),
                t("school_enrolment"),
                t("bench"),
                t("normal"),
                t("[\"name\"]"),
                t("{\"name\":\"x\"}"),
                t(rs),
                t(sent.clone()),
                t(date(-((k % 60) as i64) + 6)),
                if answered {
                    t(date(-((k % 60) as i64) + (k % 9) as i64))
                } else {
                    Cell::Null
                },
                t(now.clone()),
                Cell::N(1),
                t("bench"),
                t(worker.clone()),
            ]);
        }
        if batch.cases.len() >= 20_000 {
            batch.flush(tx.conn()).await?;
        }
    }
    batch.flush(tx.conn()).await?;
    tx.commit().await?;
    let secs = t0.elapsed().as_secs_f64();
    eprintln!(
        "  {} cases with workers, contacts, follow-ups and referrals in {secs:.0} s",
        people.len()
    );
    rows.push(Row {
        name: format!(
            "bulk SQL load: {} cases, {} follow-ups, {} referrals (not an app path)",
            people.len(),
            people.len() * 2,
            people.len().div_ceil(2)
        ),
        n: people.len(),
        p50: 0.0,
        p99: 0.0,
        per_sec: people.len() as f64 / secs,
    });
    rows.push(
        time_requests(
            router,
            &format!(
                "GET /api/v1/my-work, a mediator (one of 100 workers, {} cases in the unit)",
                per_unit.get("SHKB-ANK-01").copied().unwrap_or(0)
            ),
            200,
            |_| get("/api/v1/my-work", mediator_t),
        )
        .await?,
    );
    rows.push(
        time_requests(router, "GET /my-work page, a mediator", 200, |_| {
            get("/my-work", mediator_t)
        })
        .await?,
    );
    rows.push(
        time_requests(
            router,
            "GET /api/v1/my-work?unit=SHKB-ANK-01, the coordinator",
            100,
            |_| get("/api/v1/my-work?unit=SHKB-ANK-01", coord_t),
        )
        .await?,
    );
    rows.push(
        time_requests(
            router,
            "GET /api/v1/dashboard, unit coordinator (unit scope)",
            100,
            |_| get("/api/v1/dashboard", coord_t),
        )
        .await?,
    );
    rows.push(
        time_requests(
            router,
            "GET /dashboard page with SVG charts, unit coordinator",
            100,
            |_| get("/dashboard", coord_t),
        )
        .await?,
    );
    rows.push(
        time_requests(
            router,
            &format!(
                "GET /api/v1/dashboard, programme manager (country scope, {} cases in TR)",
                people.len() * 7 / 10
            ),
            20,
            |_| get("/api/v1/dashboard", manager_t),
        )
        .await?,
    );
    rows.push(
        time_requests(
            router,
            "GET /api/v1/cases?mine=true (first page), a mediator",
            200,
            |_| get("/api/v1/cases?mine=true&limit=50", mediator_t),
        )
        .await?,
    );
    Ok(())
}

#[derive(Default)]
struct Batch {
    cases: Vec<Vec<Cell>>,
    workers: Vec<Vec<Cell>>,
    events: Vec<Vec<Cell>>,
    contacts: Vec<Vec<Cell>>,
    follow_ups: Vec<Vec<Cell>>,
    referrals: Vec<Vec<Cell>>,
}

impl Batch {
    async fn flush(&mut self, conn: &mut sqlx::AnyConnection) -> Result<()> {
        bulk_insert(&mut *conn, "cases", "id, person_id, unit_code, area_code, priority, domains, status, opened_on, closed_on, last_contact_on, lead_worker_id, version, created_by, created_at, updated_at", &std::mem::take(&mut self.cases)).await?;
        bulk_insert(
            &mut *conn,
            "case_workers",
            "case_id, user_id, lead, assigned_at, assigned_by",
            &std::mem::take(&mut self.workers),
        )
        .await?;
        bulk_insert(
            &mut *conn,
            "case_events",
            "id, case_id, at, actor, kind, to_status",
            &std::mem::take(&mut self.events),
        )
        .await?;
        bulk_insert(
            &mut *conn,
            "case_contacts",
            "id, case_id, kind, contact_on, recorded_by, recorded_at",
            &std::mem::take(&mut self.contacts),
        )
        .await?;
        bulk_insert(&mut *conn, "follow_ups", "id, case_id, unit_code, area_code, title, due_on, assignee_id, done_on, version, created_by, created_at", &std::mem::take(&mut self.follow_ups)).await?;
        bulk_insert(&mut *conn, "referrals", "id, case_id, person_id, unit_code, area_code, institution_code, institution_kind, service, reason, urgency, shared_fields, shared_data, status, sent_on, due_on, answered_on, last_event_at, version, sent_by, sent_by_id", &std::mem::take(&mut self.referrals)).await?;
        Ok(())
    }
}

/// Anonymous resident memory of this process (heap and stacks, not mapped files), in KiB (Linux).
fn rss_anon_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("RssAnon:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Synthetic people: Turkish names, Serbian names (30% in Cyrillic), Romani names;
/// a tenth of them in one unit so that a unit-sized export has ~10% of the rows.
fn synthetic_csv(start: usize, n: usize) -> Vec<u8> {
    const TR_G: &[&str] = &[
        "Mehmet", "Ali", "Hasan", "Hüseyin", "İsmail", "Mustafa", "Ayşe", "Fatma", "Emine",
        "Hatice", "Zeynep", "Elif", "Şükrü", "Gülşen",
    ];
    const TR_F: &[&str] = &[
        "Yılmaz", "Kaya", "Demir", "Çelik", "Şahin", "Yıldız", "Aydın", "Öztürk", "Arslan",
        "Doğan", "Kılıç", "Işık", "Güneş", "Erdem",
    ];
    const RS_G: &[&str] = &[
        "Šaban", "Redžep", "Bajram", "Ramiz", "Ćazim", "Dževdet", "Fatima", "Ljiljana", "Snežana",
        "Dragana", "Jelena", "Sabina", "Nikola", "Marko",
    ];
    const RS_F: &[&str] = &[
        "Đorđević",
        "Jovanović",
        "Nikolić",
        "Petrović",
        "Ajdini",
        "Demirović",
        "Salihović",
        "Redžepović",
        "Bajramović",
        "Mustafić",
        "Osmani",
        "Saliji",
        "Ramić",
        "Ilić",
    ];
    const PLACES: &[(&str, &str, bool)] = &[
        ("SHKB-ANK-01", "TR-06-ALTINDAG", false),
        ("SHKB-ADA-01", "TR-01-SEYHAN", false),
        ("SHKB-IZM-01", "TR-35-BUCA", false),
        ("SHKB-IST-01", "TR-34-SARIYER", false),
        ("SHKB-EDI-01", "TR-22-MERKEZ", false),
        ("MT-NIS", "RS-20-NIS", true),
        ("MT-KRAGUJEVAC", "RS-12-KRAGUJEVAC", true),
        ("MT-VRANJE", "RS-24-VRANJE", true),
        ("CAG-ZVEZDARA", "RS-00-ZVEZDARA", true),
        ("SHKB-MAN-01", "TR-45-SEHZADELER", false),
    ];
    let mut out =
        String::from("given_names,family_name,father_name,birth_date,sex,unit_code,area_code\n");
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15 ^ start as u64;
    let mut next = |m: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % m as u64) as usize
    };
    for i in start..start + n {
        let (unit, area, rs) = PLACES[i % PLACES.len()];
        let (g, f) = if rs { (RS_G, RS_F) } else { (TR_G, TR_F) };
        let mut given = g[next(g.len())].to_owned();
        let mut family = f[next(f.len())].to_owned();
        let father = g[next(g.len())];
        if rs && next(10) < 3 {
            given = kopru_store::demo::latin_to_cyrillic(&given);
            family = kopru_store::demo::latin_to_cyrillic(&family);
        }
        // A serial number in the second given name keeps every row a distinct person.
        out.push_str(&format!(
            "{given} {},{family},{father},{},{},{unit},{area}\n",
            to_letters(i),
            1940 + next(80),
            if next(2) == 0 { "female" } else { "male" }
        ));
    }
    out.into_bytes()
}

/// 0 → "a", 25 → "z", 26 → "ab"…: unique name-like words.
fn to_letters(mut n: usize) -> String {
    let mut s = String::new();
    loop {
        s.push((b'a' + (n % 26) as u8) as char);
        n /= 26;
        if n == 0 {
            break;
        }
    }
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

async fn registry_bench(
    store: &Store,
    router: &axum::Router,
    persons: usize,
    admin_t: &str,
    coord_t: &str,
    rows: &mut Vec<Row>,
) -> Result<()> {
    let admin = kopru_domain::Principal {
        user_id: String::new(),
        username: "bench".into(),
        assignments: vec![Assignment {
            role: Role::Administrator,
            scope: Scope::Installation,
        }],
    };
    let tr = kopru_web::i18n::Tr::new(kopru_domain::Locale::En);
    let chunk = 100_000.min(persons);
    let mut imported = 0;
    let mut import_secs = 0.0;
    // Each chunk's rate: the first goes into an empty registry, the last into the full one.
    let mut chunk_rates: Vec<f64> = Vec::new();
    let mut start = 0;
    while start < persons {
        let n = chunk.min(persons - start);
        let csv = synthetic_csv(start, n);
        let t = Instant::now();
        let report = kopru_web::imports::service::run(
            store,
            &Actor::system("bench"),
            &admin,
            tr,
            kopru_web::imports::service::ImportRequest {
                file_name: "bench.csv",
                bytes: &csv,
                unit_code: "",
                area_code: "",
                mapping: None,
                dry_run: false,
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("import: {e}"))?;
        let secs = t.elapsed().as_secs_f64();
        import_secs += secs;
        chunk_rates.push(report.imported as f64 / secs);
        imported += report.imported;
        if !report.rejected.is_empty() {
            anyhow::bail!(
                "{} rows rejected, e.g. {:?}",
                report.rejected.len(),
                report.rejected[0].errors
            );
        }
        start += n;
        eprintln!(
            "  imported {imported} people ({:.0} rows/s) …",
            report.imported as f64 / secs
        );
    }
    rows.push(Row {
        name: format!(
            "CSV import with validation ({imported} people, chunks of {chunk}; first chunk {:.0}/s, last {:.0}/s)",
            chunk_rates.first().copied().unwrap_or(0.0),
            chunk_rates.last().copied().unwrap_or(0.0)
        ),
        n: imported,
        p50: 0.0,
        p99: 0.0,
        per_sec: imported as f64 / import_secs,
    });
    let queries = [
        "djordjevic",
        "Ђорђевић",
        "sukru yilmaz",
        "saban ajdini",
        "mehmet kaya",
        "fatma demir",
        "nikolic",
        "Dordevic saban",
        "ljiljana",
        "redzep",
    ];
    rows.push(
        time_requests(
            router,
            &format!("GET /api/v1/persons?q=… name search, {imported} people, installation scope"),
            300,
            |i| {
                get(
                    &format!(
                        "/api/v1/persons?q={}&limit=20",
                        urlencode(queries[i % queries.len()])
                    ),
                    admin_t,
                )
            },
        )
        .await?,
    );
    rows.push(
        time_requests(
            router,
            "GET /api/v1/persons?q=… name search, unit scope",
            300,
            |i| {
                get(
                    &format!(
                        "/api/v1/persons?q={}&limit=20",
                        urlencode(queries[i % queries.len()])
                    ),
                    coord_t,
                )
            },
        )
        .await?,
    );
    rows.push(
        time_requests(
            router,
            "GET /api/v1/persons (first page, no query)",
            100,
            |_| get("/api/v1/persons?limit=50", admin_t),
        )
        .await?,
    );
    // With a birth date (the usual case) and without one (the whole of two
    // name sounds is then searched: the slow case).
    rows.push(on_entry_check(store, &admin, imported, true).await?);
    rows.push(on_entry_check(store, &admin, imported, false).await?);
    // Anonymous memory only: SQLite's mmap of the database file counts once per
    // pooled connection in RSS, which says nothing about what the export allocates.
    let sampling = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let sampler = {
        let (sampling, peak) = (sampling.clone(), peak.clone());
        tokio::spawn(async move {
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                peak.fetch_max(rss_anon_kib(), std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        })
    };
    let before = rss_anon_kib() as f64 / 1024.0;
    let t = Instant::now();
    let resp = router.clone().oneshot(get("/api/v1/persons/export?unit=SHKB-ANK-01&columns=id,given_names,family_name,birth_date,unit_code,area_code", admin_t)).await?;
    let mut body = resp.into_body();
    let mut bytes = 0usize;
    let mut lines = 0usize;
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            bytes += data.len();
            lines += data.iter().filter(|b| **b == b'\n').count();
        }
    }
    let secs = t.elapsed().as_secs_f64();
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let _ = sampler.await;
    let peak = peak.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1024.0;
    rows.push(Row {
        name: format!(
            "export CSV, {} rows, {:.1} MB; anonymous memory {:.0} MiB before, peak {:.0} MiB",
            lines.saturating_sub(1),
            bytes as f64 / 1e6,
            before,
            peak
        ),
        n: lines.saturating_sub(1),
        p50: secs * 1000.0,
        p99: secs * 1000.0,
        per_sec: lines as f64 / secs,
    });
    Ok(())
}

/// The duplicate check a registration runs before saving: candidates from the
/// name-sound index, scored by the linkage engine. Names as the synthetic
/// registry has them (each given and family name shared by thousands).
async fn on_entry_check(
    store: &Store,
    by: &kopru_domain::Principal,
    imported: usize,
    with_birth: bool,
) -> Result<Row> {
    let entries = [
        ("Mehmed", "Yilmaz", "1980", "TR-06-ALTINDAG", "SHKB-ANK-01"),
        ("Шабан", "Ђорђевић", "1975-04-02", "RS-20-NIS", "MT-NIS"),
        ("Fatma", "Demır", "1950", "TR-01-SEYHAN", "SHKB-ADA-01"),
        ("Redzep", "Ajdini", "1990", "RS-24-VRANJE", "MT-VRANJE"),
        ("Ayşe", "Kaya", "2001-11-30", "TR-34-SARIYER", "SHKB-IST-01"),
        (
            "Ljiljana",
            "Nikolic",
            "1968",
            "RS-12-KRAGUJEVAC",
            "MT-KRAGUJEVAC",
        ),
    ];
    let n = 300;
    let mut samples = Vec::with_capacity(n);
    let mut found = 0usize;
    let start = Instant::now();
    for i in 0..n {
        let (g, f, b, area, unit) = entries[i % entries.len()];
        let person = kopru_domain::person::PersonDraft {
            given_names: g.into(),
            family_name: f.into(),
            birth_date: if with_birth { b.into() } else { String::new() },
            unit_code: unit.into(),
            area_code: area.into(),
            ..Default::default()
        }
        .validate("2026-11-24")
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let t = Instant::now();
        found += store
            .likely_duplicates(by, &person, None)
            .await
            .map_err(|e| anyhow::anyhow!("duplicate check: {e}"))?
            .len();
        samples.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let total = start.elapsed().as_secs_f64();
    samples.sort_by(f64::total_cmp);
    Ok(Row {
        name: format!(
            "duplicate check on entry (engine-scored), {imported} people, installation scope, {}; {:.1} candidates shown on average",
            if with_birth { "with a birth date" } else { "no birth date" },
            found as f64 / n as f64
        ),
        n,
        p50: percentile(&samples, 0.5),
        p99: percentile(&samples, 0.99),
        per_sec: n as f64 / total,
    })
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
