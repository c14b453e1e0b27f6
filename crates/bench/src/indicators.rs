//! `--indicators`: after the other loads (use it with `--activities N`, and
//! `--outcomes N` for the outcome sources), the demo dashboards; then the
//! reads issue 21 names, as an M&E officer who reads every cell and a
//! programme manager who reads aggregates (small cells hidden): the
//! 12-indicator SİROMA dashboard, one indicator by two breakdowns over all
//! provinces, a trend by month; and how long a new attendance mark takes to
//! show in the indicator (the engine reads the records on every call, so the
//! lag is one read).

use super::{get, time_requests, Row};
use anyhow::{Context, Result};
use kopru_store::sql::Sql;
use kopru_store::Store;
use std::time::Instant;

pub async fn indicators_bench(
    store: &Store,
    router: &axum::Router,
    analyst_t: &str,
    manager_t: &str,
    rows: &mut Vec<Row>,
) -> Result<()> {
    kopru_store::demo::load_indicators(store).await?;
    let year = kopru_store::clock::today()[..4].to_owned();
    let counts: (i64, i64) =
        Sql::new("SELECT (SELECT COUNT(*) FROM persons), (SELECT COUNT(*) FROM attendance)")
            .fetch_one(store.pool())
            .await?;
    let scale = format!("{} people, {} attendance rows", counts.0, counts.1);
    for (who, token) in [
        ("M&E officer", analyst_t),
        ("manager, small cells hidden", manager_t),
    ] {
        let n = 3;
        rows.push(
            time_requests(
                router,
                &format!("GET /api/v1/dashboards/SIROMA: 12 indicators, one breakdown each, {who} ({scale})"),
                n,
                |_| get(&format!("/api/v1/dashboards/SIROMA?period={year}"), token),
            )
            .await?,
        );
    }
    rows.push(
        time_requests(
            router,
            &format!(
                "GET /api/v1/indicators/HL01/values?by=area,sex: reached, all provinces ({scale})"
            ),
            3,
            |_| {
                get(
                    &format!("/api/v1/indicators/HL01/values?period={year}&by=area,sex"),
                    analyst_t,
                )
            },
        )
        .await?,
    );
    rows.push(
        time_requests(
            router,
            &format!("GET /api/v1/indicators/SR-EDU-1/values?by=area,age ({scale})"),
            3,
            |_| {
                get(
                    &format!("/api/v1/indicators/SR-EDU-1/values?period={year}&by=area,age"),
                    analyst_t,
                )
            },
        )
        .await?,
    );
    rows.push(
        time_requests(
            router,
            &format!("GET /indicators/HL08 page: total and 12-month trend ({scale})"),
            3,
            |_| get("/indicators/HL08", analyst_t),
        )
        .await?,
    );
    // Lag: one absent mark turned present, then the indicator read once.
    let (session, participant, activity): (String, String, String) = Sql::new(
        "SELECT a.session_id, a.participant_id, a.activity_id FROM attendance a \
         JOIN activities act ON act.id = a.activity_id \
         WHERE a.mark = 'absent' AND act.kind = 'after_school' LIMIT 1",
    )
    .fetch_optional(store.pool())
    .await?
    .context("an absent mark at an after-school activity (run with --activities)")?;
    let t = Instant::now();
    Sql::new("UPDATE attendance SET mark = 'present' WHERE session_id = ")
        .bind(session)
        .push(" AND participant_id = ")
        .bind(participant)
        .push(" AND activity_id = ")
        .bind(activity)
        .execute(store.pool())
        .await?;
    let mut lag = time_requests(
        router,
        &format!("a mark saved, then SR-EDU-1 read: the write's lag in the indicators ({scale})"),
        1,
        |_| {
            get(
                &format!("/api/v1/indicators/SR-EDU-1/values?period={year}"),
                analyst_t,
            )
        },
    )
    .await?;
    lag.p50 = t.elapsed().as_secs_f64() * 1000.0;
    lag.p99 = lag.p50;
    rows.push(lag);
    Ok(())
}
