//! `cargo run --release -p kopru-bench [-- --institutions N] [--database-url URL]`
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
use kopru_store::{Location, Store};
use std::time::Instant;
use tower::ServiceExt;

struct Row {
    name: String,
    n: usize,
    p50: f64,
    p99: f64,
    per_sec: f64,
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
    let store = Store::open(&location).await?;
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
    let auditor_t = token_of("auditor").await?;

    let state = kopru_web::AppState {
        store: store.clone(),
        config: Default::default(),
        metrics: Default::default(),
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

    println!("\n| operation | n | p50 ms | p99 ms | per second |");
    println!("|---|---:|---:|---:|---:|");
    for r in rows {
        println!(
            "| {} | {} | {:.2} | {:.2} | {:.0} |",
            r.name, r.n, r.p50, r.p99, r.per_sec
        );
    }
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
