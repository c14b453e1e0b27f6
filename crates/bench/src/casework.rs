//! Cases over the registry's people with their events: contacts, services,
//! follow-ups, referrals and form submissions with their typed values.

use super::{bulk_insert, get, t, time_requests, Cell, Row};
use anyhow::{Context, Result};
use kopru_store::sql::Sql;
use kopru_store::Store;
use std::time::Instant;

/// How many cases to write and what each carries.
pub struct CaseLoad {
    pub cases: usize,
    /// Contacts per case, spread over the last year (`--contacts-per-case`).
    pub contacts: usize,
    /// Services the unit gave per case (`--services-per-case`).
    pub services: usize,
    /// Needs assessments per case, education and housing in turn, each with
    /// its typed values as `submit_form` extracts them (`--forms-per-case`).
    pub forms: usize,
}

/// Cases for `load.cases` of the registry's people (every unit gets its
/// share), each with a lead worker (100 per unit; the demo `mediator` is one
/// of Altındağ's), an opening event, its contacts, services and assessments,
/// two follow-ups due around today and, for every other case, a referral in
/// some status. Then "my work" and the dashboard through the router.
pub async fn casework_bench(
    store: &Store,
    router: &axum::Router,
    load: &CaseLoad,
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
            .bind(load.cases as i64)
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
    let forms = [
        store.form("needs_education", None).await?,
        store.form("needs_housing", None).await?,
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
        for c in 0..load.contacts {
            batch.contacts.push(vec![
                t(kopru_store::new_id()),
                t(id.clone()),
                t(CONTACT_KINDS[(k + c) % CONTACT_KINDS.len()]),
                if c == 0 {
                    t(contact.clone())
                } else {
                    t(date(-(((k * 7 + c * 53) % 365) as i64)))
                },
                t("bench"),
                t(now.clone()),
            ]);
        }
        for v in 0..load.services {
            batch.services.push(vec![
                t(kopru_store::new_id()),
                t(id.clone()),
                t(SERVICES[(k + v) % SERVICES.len()]),
                t(date(-(((k * 11 + v * 37) % 365) as i64))),
                Cell::F(1.0 + ((k + v) % 3) as f64),
                t("bench"),
                t(now.clone()),
            ]);
        }
        for f in 0..load.forms {
            let form = &forms[(k + f) % forms.len()];
            let day = date(-(((k * 3 + f * 17) % 365) as i64));
            let checked = form
                .check(&answers(&form.id, k + f), &today)
                .map_err(|e| anyhow::anyhow!("{}: {e:?}", form.id))?;
            let sid = kopru_store::new_id();
            batch.submissions.push(vec![
                t(sid.clone()),
                t(id.clone()),
                t(form.id.clone()),
                Cell::N(i64::from(form.version)),
                t(serde_json::to_string(&checked.answers)?),
                t("bench"),
                t(format!("{day}T09:00:00Z")),
                t(day),
            ]);
            for v in checked.values {
                batch.values.push(vec![
                    t(sid.clone()),
                    t(form.id.clone()),
                    t(v.path),
                    t(v.field),
                    t(serde_json::to_value(v.kind)?
                        .as_str()
                        .unwrap_or_default()
                        .to_owned()),
                    v.text.map_or(Cell::Null, t),
                    v.number.map_or(Cell::Null, Cell::F),
                    v.date.map_or(Cell::Null, t),
                ]);
            }
        }
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
            "bulk SQL load: {} cases; {} contacts, {} services, {} follow-ups, {} referrals, {} assessments with {} typed values (not an app path)",
            people.len(),
            people.len() * load.contacts,
            people.len() * load.services,
            people.len() * 2,
            people.len().div_ceil(2),
            people.len() * load.forms,
            batch.values_written,
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
    services: Vec<Vec<Cell>>,
    submissions: Vec<Vec<Cell>>,
    values: Vec<Vec<Cell>>,
    values_written: usize,
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
        bulk_insert(
            &mut *conn,
            "case_services",
            "id, case_id, kind, service_on, quantity, recorded_by, recorded_at",
            &std::mem::take(&mut self.services),
        )
        .await?;
        bulk_insert(
            &mut *conn,
            "form_submissions",
            "id, case_id, form_id, form_version, answers, submitted_by, submitted_at, submitted_on",
            &std::mem::take(&mut self.submissions),
        )
        .await?;
        self.values_written += self.values.len();
        bulk_insert(
            &mut *conn,
            "form_values",
            "submission_id, form_id, path, field, kind, text_value, number_value, date_value",
            &std::mem::take(&mut self.values),
        )
        .await?;
        bulk_insert(&mut *conn, "referrals", "id, case_id, person_id, unit_code, area_code, institution_code, institution_kind, service, reason, urgency, shared_fields, shared_data, status, sent_on, due_on, answered_on, last_event_at, version, sent_by, sent_by_id", &std::mem::take(&mut self.referrals)).await?;
        Ok(())
    }
}

const CONTACT_KINDS: [&str; 4] = ["home_visit", "office_visit", "phone_call", "accompaniment"];
const SERVICES: [&str; 5] = [
    "counselling",
    "accompaniment",
    "transport_support",
    "in_kind_aid",
    "documents_help",
];

/// The answers to an assessment, varied by `k`, as a mediator gives them.
fn answers(form: &str, k: usize) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::json;
    let mut a = serde_json::Map::new();
    const BARRIERS: [&str; 4] = ["documents", "distance", "cost", "language"];
    const NEEDS: [&str; 4] = ["enrolment", "transport", "supplies", "tutoring"];
    if form == "needs_education" {
        let enrolled = !k.is_multiple_of(4);
        a.insert("enrolled".into(), json!(enrolled));
        if enrolled {
            a.insert("grade".into(), json!(1 + k % 12));
            let attendance = ["regular", "irregular", "dropped_out"][k % 3];
            a.insert("attendance".into(), json!(attendance));
            if attendance != "regular" {
                a.insert("days_absent".into(), json!(k % 60));
            }
        }
        a.insert("barriers".into(), json!([BARRIERS[k % 4], "child_labour"]));
        a.insert("preschool".into(), json!(k.is_multiple_of(2)));
        a.insert("needs".into(), json!([NEEDS[k % 4]]));
    } else {
        a.insert(
            "tenure".into(),
            json!(["tenant", "owner", "informal", "homeless"][k % 4]),
        );
        a.insert("rooms".into(), json!(1 + k % 4));
        a.insert("people".into(), json!(2 + k % 7));
        a.insert("eviction_risk".into(), json!(k.is_multiple_of(5)));
    }
    a
}
