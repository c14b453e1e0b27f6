//! `--strategy N`: a plan of N actions (default scale 500) for 40
//! responsible institutions, each with a reported indicator broken down by
//! sex, imported through the store; 12 reporting cycles opened through the
//! store, every report then filled and approved straight in the tables (two
//! values each). Then the requests issue 20 names: the plan's progress view
//! (API and page) as the M&E officer, and a focal point's reports due.

use super::{bulk_insert, get, t, time_requests, Cell, Row};
use anyhow::{Context, Result};
use kopru_domain::case::{date_of, day_number};
use kopru_domain::codes::Code;
use kopru_domain::policy::{Assignment, Principal};
use kopru_domain::strategy::{plan_line, PLAN_FIELDS};
use kopru_domain::{Role, Scope};
use kopru_store::audit::Actor;
use kopru_store::sql::Sql;
use kopru_store::strategy::plans::{PlanInput, StrategyInput};
use kopru_store::Store;
use std::collections::BTreeMap;
use std::time::Instant;

const AREAS: [&str; 6] = [
    "education",
    "employment",
    "health",
    "housing",
    "social_assistance",
    "cross_cutting",
];

pub async fn strategy_bench(
    store: &Store,
    router: &axum::Router,
    actions: usize,
    analyst_t: &str,
    rows: &mut Vec<Row>,
) -> Result<()> {
    let actor = Actor::system("bench");
    let me = Principal {
        user_id: String::new(),
        username: "bench".into(),
        assignments: vec![Assignment {
            role: Role::MeOfficer,
            scope: Scope::Installation,
        }],
    };
    let t0 = Instant::now();
    // 40 ministries and agencies.
    let now = kopru_store::clock::now();
    let mut inst = Vec::new();
    for i in 0..40 {
        inst.push(vec![
            t(kopru_store::new_id()),
            t(format!("BENCH-MIN-{i:02}")),
            t(format!("Bakanlık {i}")),
            t("ministry"),
            t("TR-06"),
            t(""),
            t(format!("bakanlik {i}")),
            Cell::N(1),
            t(now.clone()),
            t(now.clone()),
        ]);
    }
    let mut tx = store.begin_write().await?;
    bulk_insert(
        tx.conn(),
        "institutions",
        "id, code, name, kind, area_code, services, search_key, version, created_at, updated_at",
        &inst,
    )
    .await?;
    tx.commit().await?;
    let code = |c: &str| Code::parse(c).map_err(|e| anyhow::anyhow!(e));
    let s = store
        .create_strategy(
            &actor,
            &me,
            &StrategyInput {
                code: code("BENCH-STRATEGY")?,
                titles: BTreeMap::from([("tr".into(), "Strateji".into())]),
                country: "TR".into(),
                starts_year: 2023,
                ends_year: 2030,
            },
        )
        .await?;
    let plan = store
        .create_action_plan(
            &actor,
            &me,
            &s.id,
            &PlanInput {
                code: code("BENCH-PLAN")?,
                titles: BTreeMap::from([("tr".into(), "Eylem planı".into())]),
                starts_year: 2026,
                ends_year: 2030,
                cycle_months: 3,
            },
        )
        .await?;
    let mapping: Vec<Option<&str>> = [
        "policy_area",
        "objective_number",
        "number",
        "text_tr",
        "responsible",
        "partners",
        "starts",
        "ends",
        "indicator_code",
        "definition_tr",
        "unit",
        "targets",
        "breakdown",
    ]
    .iter()
    .map(|h| PLAN_FIELDS.iter().find(|f| *f == h).copied())
    .collect();
    let mut lines = Vec::new();
    for i in 0..actions {
        let area = i % 6;
        let objective = format!("{}.{}", area + 1, i % 5 + 1);
        let cells: Vec<String> = vec![
            AREAS[area].into(),
            objective.clone(),
            format!("{objective}.{}", i / 30 + 1),
            format!("Eylem {i}"),
            format!("BENCH-MIN-{:02}", i % 40),
            format!("BENCH-MIN-{:02}", (i + 7) % 40),
            "2026".into(),
            "2030".into(),
            format!("IND-{i}"),
            format!("Gösterge {i}"),
            "kişi".into(),
            "2026: 100; 2027: 200; 2028: 300".into(),
            "sex".into(),
        ];
        lines.push((
            i + 2,
            plan_line(&cells, &mapping).map_err(|e| anyhow::anyhow!("{e:?}"))?,
        ));
    }
    let out = store
        .import_action_plan(&actor, &me, &plan.id, lines, 0, false)
        .await?;
    anyhow::ensure!(
        out.rejected.is_empty(),
        "rows refused: {:?}",
        out.rejected.first()
    );
    let import_secs = t0.elapsed().as_secs_f64();
    let added = out.actions_added;

    // Twelve cycles, quarterly, ending today; every report approved with two values.
    let t1 = Instant::now();
    let day0 = day_number(&kopru_store::clock::today()).context("today")?;
    for c in 0..12i64 {
        let opens = date_of(day0 - (12 - c) * 91);
        let due = date_of(day0 - (11 - c) * 91 + 14);
        store
            .open_cycle(&actor, &me, &plan.id, &format!("C{c:02}"), &opens, &due)
            .await?;
    }
    let reports: Vec<(String, String)> = Sql::new(
        "SELECT r.id, i.id FROM progress_reports r JOIN plan_indicators i ON i.action_id = r.action_id",
    )
    .fetch_all(store.pool())
    .await?;
    let mut tx = store.begin_write().await?;
    let statuses = [
        "on_track",
        "on_track",
        "delayed",
        "completed",
        "not_started",
    ];
    Sql::new("UPDATE progress_reports SET status = 'approved', done_text = 'Yapıldı', action_status = 'on_track'")
        .execute(tx.conn())
        .await?;
    let mut values = Vec::new();
    for (k, (report, indicator)) in reports.iter().enumerate() {
        for sex in ["female", "male"] {
            values.push(vec![
                t(report.clone()),
                t(indicator.clone()),
                t(sex),
                t(""),
                t(format!("{}", 10 + k % 50)),
            ]);
        }
    }
    bulk_insert(
        tx.conn(),
        "report_values",
        "report_id, indicator_id, sex, province, value",
        &values,
    )
    .await?;
    // Actions take varied statuses, as approved reports would give them.
    let ids: Vec<(String,)> = Sql::new("SELECT id FROM plan_actions ORDER BY sort_key")
        .fetch_all(tx.conn())
        .await?;
    for (k, (id,)) in ids.iter().enumerate() {
        Sql::new("UPDATE plan_actions SET status = ")
            .bind(statuses[k % statuses.len()])
            .push(" WHERE id = ")
            .bind(id.clone())
            .execute(tx.conn())
            .await?;
    }
    tx.commit().await?;
    let report_secs = t1.elapsed().as_secs_f64();
    rows.push(Row {
        name: format!(
            "load: a plan of {added} actions for 40 institutions imported ({import_secs:.1} s); 12 cycles, {} reports, {} values ({report_secs:.1} s)",
            reports.len(),
            values.len()
        ),
        n: reports.len(),
        p50: 0.0,
        p99: 0.0,
        per_sec: reports.len() as f64 / report_secs,
    });

    let n = 200;
    let url = format!("/api/v1/action-plans/{}/progress", plan.id);
    rows.push(
        time_requests(
            router,
            "GET /api/v1/action-plans/{id}/progress: the plan's progress view (M&E officer)",
            n,
            |_| get(&url, analyst_t),
        )
        .await?,
    );
    let page = format!("/action-plans/{}", plan.id);
    rows.push(
        time_requests(
            router,
            "GET /action-plans/{id}: the plan's page (progress, indicators, 500 actions, cycles)",
            n,
            |_| get(&page, analyst_t),
        )
        .await?,
    );
    rows.push(
        time_requests(
            router,
            "GET /api/v1/progress-reports?responsible=…: an institution's reports over 12 cycles",
            n,
            |_| {
                get(
                    "/api/v1/progress-reports?responsible=BENCH-MIN-01",
                    analyst_t,
                )
            },
        )
        .await?,
    );
    // The annual report of this year, generated whole each time (500
    // actions in tables with what was done, every indicator, the charts).
    let year = &kopru_store::clock::today()[..4];
    for (what, format) in [("PDF", "pdf"), ("DOCX", "docx")] {
        let url = format!(
            "/api/v1/action-plans/{}/annual-reports/{year}/{format}?language=tr",
            plan.id
        );
        rows.push(
            time_requests(
                router,
                &format!("GET …/annual-reports/{{year}}/{format}: the annual report as {what} (500 actions)"),
                10,
                |_| get(&url, analyst_t),
            )
            .await?,
        );
    }
    Ok(())
}
