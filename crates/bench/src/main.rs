//! `cargo run --release -p kopru-bench [-- --institutions N] [--persons N] [--activities N] [--outcomes N] [--cases N [--contacts-per-case N] [--services-per-case N] [--forms-per-case N]] [--strategy N] [--indicators] [--duckdb] [--database-url URL]`
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
mod casework;
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

    let number = |flag: &str, default: usize| -> Result<usize> {
        Ok(arg(flag).map(|s| s.parse()).transpose()?.unwrap_or(default))
    };
    let persons = number("--persons", 0)?;
    if persons > 0 {
        registry_bench(&store, &router, persons, &admin_t, &coord_t, &mut rows).await?;
    }

    let activity_count = number("--activities", 0)?;
    if activity_count > 0 {
        let people = number("--activity-persons", 1_000_000)?;
        activities::activities_bench(&store, &router, activity_count, people, &coord_t, &mut rows)
            .await?;
    }

    let placements = number("--outcomes", 0)?;
    if placements > 0 {
        // 0: the people already written (by --activities or --persons).
        let people = number("--outcome-persons", 1_000_000)?;
        outcomes::outcomes_bench(&store, &router, placements, people, &coord_t, &mut rows).await?;
    }

    // Cases over the people written above (by --persons, --activities or
    // --outcomes), so that one run can hold every kind of event.
    let load = casework::CaseLoad {
        cases: number("--cases", persons * 3 / 10)?,
        contacts: number("--contacts-per-case", 1)?,
        services: number("--services-per-case", 0)?,
        forms: number("--forms-per-case", 0)?,
    };
    if load.cases > 0 {
        let mediator_t = token_of("mediator").await?;
        casework::casework_bench(
            &store,
            &router,
            &load,
            &mediator_t,
            &coord_t,
            &manager_t,
            &mut rows,
        )
        .await?;
    }

    let plan_actions = number("--strategy", 0)?;
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
                    Cell::F(f) => q.bind(*f),
                    Cell::Null => q.push("NULL"),
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
    F(f64),
    /// Written as the literal `NULL`: a parameter would carry a type, and
    /// PostgreSQL refuses a text NULL for a number column.
    Null,
}

fn t(s: impl Into<String>) -> Cell {
    Cell::T(s.into())
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
