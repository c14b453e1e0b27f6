//! `--activities N`: N activities over the units of the demo world, each
//! with five sessions and ten participants who all have a mark at every
//! session (N × 50 attendance rows), over `--activity-persons` people
//! (default 1,000,000) written straight into the tables; one Altındağ course
//! with a session of 40 people; one person in 200 activities. Then the
//! requests the issue names: one mark saved, a 40-person sheet, a person's
//! activities and page, a unit's activity list and page.

use super::{bulk_insert, create_indexes, drop_indexes, get, t, time_requests, Cell, Row};
use anyhow::{Context, Result};
use axum::body::Body;
use axum::http::{Method, Request};
use kopru_store::sql::Sql;
use kopru_store::Store;
use std::time::Instant;

const KINDS: [&str; 8] = [
    "training",
    "vocational_course",
    "after_school",
    "awareness_event",
    "health_literacy",
    "professional_training",
    "community_meeting",
    "field_research",
];

pub async fn activities_bench(
    store: &Store,
    router: &axum::Router,
    activities: usize,
    persons: usize,
    coord_t: &str,
    rows: &mut Vec<Row>,
) -> Result<()> {
    use kopru_domain::case::{date_of, day_number};
    let today = kopru_store::clock::today();
    let day0 = day_number(&today).context("today")?;
    let now = kopru_store::clock::now();
    let t0 = Instant::now();
    let mut tx = store.begin_write().await?;
    // The demo world's units (not the ones the directory bench adds).
    let units: Vec<(String, String)> =
        Sql::new("SELECT code, area_code FROM units WHERE code NOT LIKE 'BU-%' ORDER BY code")
            .fetch_all(tx.conn())
            .await?;
    let (programme,): (String,) = Sql::new("SELECT id FROM programmes WHERE code = 'SIROMA'")
        .fetch_one(tx.conn())
        .await?;
    let indexes = drop_indexes(
        tx.conn(),
        store.backend(),
        &[
            "persons",
            "activities",
            "activity_sessions",
            "activity_participants",
            "attendance",
        ],
    )
    .await?;
    let by_unit = write_people(tx.conn(), &units, persons).await?;
    let persons_secs = t0.elapsed().as_secs_f64();

    // Activities, sessions, participants, attendance.
    let t1 = Instant::now();
    let date = |delta: i64| date_of(day0 + delta);
    let (mut acts, mut sessions, mut parts, mut marks) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut attendance_rows = 0usize;
    for a in 0..activities {
        let u = a % units.len();
        let (unit, area) = &units[u];
        let id = kopru_store::new_id();
        let start = -((a % 700) as i64) - 30;
        acts.push(vec![
            t(id.clone()),
            t(programme.clone()),
            t(unit.clone()),
            t(area.clone()),
            t(KINDS[a % KINDS.len()]),
            t(format!("{{\"tr\": \"Etkinlik {a}\"}}")),
            t(format!("etkinlik {a}")),
            t(date(start)),
            t(date(start + 28)),
            t("completed"),
            Cell::N(0),
            Cell::N(1),
            t("bench"),
            t(now.clone()),
            t(now.clone()),
        ]);
        let mut sids = Vec::new();
        for s in 0..5 {
            let sid = kopru_store::new_id();
            sessions.push(vec![
                t(sid.clone()),
                t(id.clone()),
                t(date(start + s * 7)),
                t(now.clone()),
                Cell::N(1),
                t(now.clone()),
            ]);
            sids.push((sid, date(start + s * 7)));
        }
        let pool = &by_unit[u];
        for p in 0..10 {
            let pid = kopru_store::new_id();
            let person = pool[(a / units.len() * 10 + p) % pool.len()].clone();
            parts.push(vec![
                t(pid.clone()),
                t(id.clone()),
                t("person"),
                t(person),
                t("search"),
                t(date(start)),
                Cell::N(1),
                t("bench"),
                t(now.clone()),
            ]);
            for (k, (sid, held)) in sids.iter().enumerate() {
                marks.push(vec![
                    t(sid.clone()),
                    t(pid.clone()),
                    t(id.clone()),
                    t(held.clone()),
                    t(if (a + p + k) % 7 == 0 {
                        "absent"
                    } else {
                        "present"
                    }),
                    t("bench"),
                    t(now.clone()),
                ]);
            }
        }
        if marks.len() >= 40_000 || a + 1 == activities {
            bulk_insert(tx.conn(), "activities", ACTIVITY_COLUMNS, &acts).await?;
            bulk_insert(tx.conn(), "activity_sessions", SESSION_COLUMNS, &sessions).await?;
            bulk_insert(
                tx.conn(),
                "activity_participants",
                PARTICIPANT_COLUMNS,
                &parts,
            )
            .await?;
            bulk_insert(tx.conn(), "attendance", ATTENDANCE_COLUMNS, &marks).await?;
            attendance_rows += marks.len();
            acts.clear();
            sessions.clear();
            parts.clear();
            marks.clear();
        }
    }
    let t2 = Instant::now();
    create_indexes(tx.conn(), &indexes).await?;
    let index_secs = t2.elapsed().as_secs_f64();
    tx.commit().await?;
    let activity_secs = t1.elapsed().as_secs_f64();
    rows.push(Row {
        name: format!("bulk load: {persons} people ({persons_secs:.0} s), {activities} activities, {} sessions, {} participants, {attendance_rows} attendance rows ({activity_secs:.0} s, of which {} secondary indexes built after the rows: {index_secs:.0} s)", activities * 5, activities * 10, indexes.len()),
        n: attendance_rows,
        p50: 0.0,
        p99: 0.0,
        per_sec: attendance_rows as f64 / activity_secs,
    });
    // The planner's statistics for what was loaded, as the server refreshes
    // them at start and hourly (`Store::optimize`): without them PostgreSQL
    // (whose autovacuum may be off, as on this machine) plans the
    // participant lookups below as scans.
    let t3 = Instant::now();
    store.optimize().await?;
    let elapsed = t3.elapsed().as_secs_f64();
    rows.push(Row::once(
        "the planner's statistics after the load (Store::optimize)".into(),
        elapsed,
    ));

    // The Altındağ course: a session today with 40 people, through the store.
    let coordinator = kopru_domain::Principal {
        user_id: String::new(),
        username: "bench".into(),
        assignments: vec![kopru_domain::policy::Assignment {
            role: kopru_domain::Role::UnitCoordinator,
            scope: kopru_domain::Scope::parse("unit:SHKB-ANK-01")
                .map_err(|e| anyhow::anyhow!(e))?,
        }],
    };
    let actor = kopru_store::audit::Actor::system("bench");
    let new = kopru_domain::activity::ActivityDraft {
        programme_code: "SIROMA".into(),
        unit_code: "SHKB-ANK-01".into(),
        kind: "vocational_course".into(),
        titles: vec![("tr".into(), "Bench kursu".into())],
        area_code: "TR-06-ALTINDAG".into(),
        starts_on: date(-10),
        ends_on: date(10),
        ..Default::default()
    }
    .validate()
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let course = store.create_activity(&actor, &coordinator, &new).await?;
    let session = kopru_domain::activity::SessionDraft {
        held_on: today.clone(),
        ..Default::default()
    }
    .validate()
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let session = store
        .add_session(&actor, &coordinator, &course.id, &session)
        .await?;
    let ank = units
        .iter()
        .position(|(u, _)| u == "SHKB-ANK-01")
        .context("SHKB-ANK-01")?;
    let forty: Vec<String> = by_unit[ank].iter().take(40).cloned().collect();
    store
        .enrol_persons(
            &actor,
            &coordinator,
            &course.id,
            &kopru_store::activities::EnrolSource::Persons(forty),
        )
        .await?;
    let list = store.participants(&actor, &coordinator, &course.id).await?;
    let ids: Vec<String> = list.items.iter().map(|p| p.id.clone()).collect();

    // One person of Altındağ in 200 activities of the unit (added to them).
    let busy = by_unit[ank][40].clone();
    let ank_activities: Vec<(String,)> =
        Sql::new("SELECT id FROM activities WHERE unit_code = 'SHKB-ANK-01' ORDER BY id LIMIT 200")
            .fetch_all(store.pool())
            .await?;
    let mut extra = Vec::new();
    for (a,) in &ank_activities {
        extra.push(vec![
            t(kopru_store::new_id()),
            t(a.clone()),
            t("person"),
            t(busy.clone()),
            t("search"),
            t(today.clone()),
            Cell::N(1),
            t("bench"),
            t(now.clone()),
        ]);
    }
    let mut conn = store.acquire().await?;
    bulk_insert(
        &mut conn,
        "activity_participants",
        PARTICIPANT_COLUMNS,
        &extra,
    )
    .await?;
    drop(conn);

    let mark = |i: usize| {
        let body = serde_json::json!({"marks": [{
            "participant_id": ids[i % ids.len()],
            "mark": if (i / ids.len()).is_multiple_of(2) { "present" } else { "absent" },
        }]});
        Request::builder()
            .method(Method::PUT)
            .uri(format!(
                "/api/v1/activities/{}/sessions/{}/attendance",
                course.id, session.id
            ))
            .header("authorization", format!("Bearer {coord_t}"))
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap_or_default()
    };
    let n = 300;
    rows.push(
        time_requests(
            router,
            &format!("PUT …/attendance: one mark saved (upsert + audit; {attendance_rows} rows)"),
            n,
            mark,
        )
        .await?,
    );
    rows.push(
        time_requests(
            router,
            "GET …/sessions/{sid}/attendance: a sheet of 40 people",
            n,
            |_| {
                get(
                    &format!(
                        "/api/v1/activities/{}/sessions/{}/attendance",
                        course.id, session.id
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
            "GET /activities/{id}/sessions/{sid} (the checklist page, 40 people)",
            n,
            |_| {
                get(
                    &format!("/activities/{}/sessions/{}", course.id, session.id),
                    coord_t,
                )
            },
        )
        .await?,
    );
    rows.push(
        time_requests(
            router,
            "GET /api/v1/persons/{id}/activities (200 activities, completion each)",
            n,
            |_| get(&format!("/api/v1/persons/{busy}/activities"), coord_t),
        )
        .await?,
    );
    rows.push(
        time_requests(
            router,
            "GET /persons/{id} (person page, 200 activities)",
            n,
            |_| get(&format!("/persons/{busy}"), coord_t),
        )
        .await?,
    );
    rows.push(
        time_requests(
            router,
            &format!(
                "GET /api/v1/activities (unit SHKB-ANK-01, {} of {activities}, first page)",
                activities / units.len()
            ),
            n,
            |_| get("/api/v1/activities?limit=50", coord_t),
        )
        .await?,
    );
    rows.push(
        time_requests(router, "GET /activities (the unit's list page)", n, |_| {
            get("/activities", coord_t)
        })
        .await?,
    );
    rows.push(
        time_requests(
            router,
            "GET /api/v1/activities/statistics (unit, this year)",
            50,
            |_| get("/api/v1/activities/statistics", coord_t),
        )
        .await?,
    );
    Ok(())
}

/// Writes `persons` people straight into the table, spread over `units`
/// (code, area), and returns their ids by unit.
pub(crate) async fn write_people(
    conn: &mut sqlx::AnyConnection,
    units: &[(String, String)],
    persons: usize,
) -> Result<Vec<Vec<String>>> {
    let now = kopru_store::clock::now();
    // People, spread over the units (SHKB-ANK-01 first: the coordinator's).
    let mut people: Vec<Vec<Cell>> = Vec::with_capacity(50_000);
    let mut by_unit: Vec<Vec<String>> = vec![Vec::new(); units.len()];
    for i in 0..persons {
        let u = i % units.len();
        let id = kopru_store::new_id();
        by_unit[u].push(id.clone());
        let family = ["Kaya", "Yılmaz", "Demir", "Jovanović", "Nikolić"][i % 5];
        people.push(vec![
            t(id),
            t(units[u].0.clone()),
            t(units[u].1.clone()),
            t(format!("Kişi{i}")),
            t(family),
            t("[]"),
            t(if i % 2 == 0 { "female" } else { "male" }),
            t(format!("{}-0{}-1{}", 1950 + i % 70, 1 + i % 9, i % 10)),
            t("[]"),
            t("unknown"),
            t("unknown"),
            t("unknown"),
            t("unknown"),
            Cell::N(0),
            t("[]"),
            t(format!("{} kisi{i}", family.to_lowercase())),
            Cell::N(1),
            t(now.clone()),
            t(now.clone()),
        ]);
        if people.len() == 50_000 {
            bulk_insert(&mut *conn, "persons", PERSON_COLUMNS, &people).await?;
            people.clear();
        }
    }
    bulk_insert(&mut *conn, "persons", PERSON_COLUMNS, &people).await?;
    Ok(by_unit)
}

/// The people already in the table, by unit of `units` (as `write_people`
/// returns them), for a loader that adds to another's people.
pub(crate) async fn people_by_unit(
    conn: &mut sqlx::AnyConnection,
    units: &[(String, String)],
) -> Result<Vec<Vec<String>>> {
    let all: Vec<(String, Option<String>)> =
        Sql::new("SELECT id, unit_code FROM persons WHERE merged_into IS NULL ORDER BY id")
            .fetch_all(&mut *conn)
            .await?;
    let index: std::collections::HashMap<&str, usize> = units
        .iter()
        .enumerate()
        .map(|(i, (u, _))| (u.as_str(), i))
        .collect();
    let mut by_unit = vec![Vec::new(); units.len()];
    for (id, unit) in all {
        if let Some(&i) = unit.as_deref().and_then(|u| index.get(u)) {
            by_unit[i].push(id);
        }
    }
    Ok(by_unit)
}

const PERSON_COLUMNS: &str = "id, unit_code, area_code, given_names, family_name, aliases, sex, \
     birth_date, languages, education, birth_registered, id_card, statelessness, \
     legally_invisible, groups_list, sort_key, version, created_at, updated_at";
const ACTIVITY_COLUMNS: &str = "id, programme_id, unit_code, area_code, kind, titles, search_key, \
     starts_on, ends_on, status, all_modules, version, created_by, created_at, updated_at";
const SESSION_COLUMNS: &str = "id, activity_id, held_on, attendance_at, version, created_at";
const PARTICIPANT_COLUMNS: &str =
    "id, activity_id, kind, person_id, enrolled_via, enrolled_on, version, created_by, created_at";
const ATTENDANCE_COLUMNS: &str =
    "session_id, participant_id, activity_id, held_on, mark, marked_by, marked_at";
