//! Request counts and latency histograms per route, in Prometheus text format.
//! Hand-written: the exporter crates bring their own HTTP servers and far more
//! than these forty lines need.

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

const BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

/// (method, route template, status)
type SeriesKey = (String, String, u16);

#[derive(Clone, Default)]
pub struct Metrics {
    series: Arc<Mutex<BTreeMap<SeriesKey, Series>>>,
}

impl Metrics {
    fn observe(&self, method: &str, route: &str, status: u16, secs: f64) {
        let Ok(mut m) = self.series.lock() else {
            return;
        };
        let s = m
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default();
        s.count += 1;
        s.sum += secs;
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                s.buckets[i] += 1;
            }
        }
    }

    pub fn render(&self, pool_size: u32, pool_idle: usize) -> String {
        let mut out = String::new();
        out.push_str("# HELP kopru_http_requests_total HTTP requests by route and status.\n# TYPE kopru_http_requests_total counter\n");
        let Ok(m) = self.series.lock() else {
            return out;
        };
        for ((method, route, status), s) in m.iter() {
            let _ = writeln!(out, "kopru_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {}", s.count);
        }
        out.push_str("# HELP kopru_http_request_duration_seconds Request latency.\n# TYPE kopru_http_request_duration_seconds histogram\n");
        let mut merged: BTreeMap<(String, String), Series> = BTreeMap::new();
        for ((method, route, _), s) in m.iter() {
            let t = merged.entry((method.clone(), route.clone())).or_default();
            t.count += s.count;
            t.sum += s.sum;
            for i in 0..BUCKETS.len() {
                t.buckets[i] += s.buckets[i];
            }
        }
        for ((method, route), s) in &merged {
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(out, "kopru_http_request_duration_seconds_bucket{{method=\"{method}\",route=\"{route}\",le=\"{b}\"}} {}", s.buckets[i]);
            }
            let _ = writeln!(out, "kopru_http_request_duration_seconds_bucket{{method=\"{method}\",route=\"{route}\",le=\"+Inf\"}} {}", s.count);
            let _ = writeln!(out, "kopru_http_request_duration_seconds_sum{{method=\"{method}\",route=\"{route}\"}} {}", s.sum);
            let _ = writeln!(out, "kopru_http_request_duration_seconds_count{{method=\"{method}\",route=\"{route}\"}} {}", s.count);
        }
        let _ = writeln!(out, "# HELP kopru_db_pool_connections Open database connections.\n# TYPE kopru_db_pool_connections gauge\nkopru_db_pool_connections {pool_size}");
        let _ = writeln!(out, "# HELP kopru_db_pool_idle Idle database connections.\n# TYPE kopru_db_pool_idle gauge\nkopru_db_pool_idle {pool_idle}");
        out
    }
}

/// Records every request under its route template (`/units/{id}`), never the
/// concrete path, so ids and query strings stay out of the metrics.
pub async fn track(State(metrics): State<Metrics>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().as_str().to_owned();
    let start = Instant::now();
    let resp = next.run(req).await;
    metrics.observe(
        &method,
        &route,
        resp.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    resp
}
