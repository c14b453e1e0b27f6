//! `--outcomes N`: N placements (default scale 100,000) with their three
//! retention checks, 3 × N enrolments with an event each, N ESF+
//! participations (half left, with a six-month check), over
//! `--outcome-persons` people (default 1,000,000; 0 takes the people already
//! written) written straight into the tables; one person of Altındağ with a school year, insurance, a document,
//! a placement and a programme participation. Then the requests issue 19
//! names: the person page with its outcomes, a unit's employment page, the
//! retention checks due for a unit.

use super::activities::{people_by_unit, write_people};
use super::{bulk_insert, get, t, time_requests, Cell, Row};
use anyhow::{Context, Result};
use kopru_domain::case::{add_months, date_of, day_number};
use kopru_store::sql::Sql;
use kopru_store::Store;
use std::time::Instant;

const ENROLMENT_COLUMNS: &str =
    "id, person_id, school_year, level, school_id, grade, status, status_on, \
     supports, version, created_by, created_at, updated_at";
const EVENT_COLUMNS: &str = "id, enrolment_id, on_date, status, recorded_by, recorded_at";
const PLACEMENT_COLUMNS: &str =
    "id, person_id, unit_code, employer_id, occupation, started_on, contract_type, \
     social_security, subsidised, version, created_by, created_at, updated_at";
const CHECK_COLUMNS: &str =
    "id, kind, subject_id, person_id, unit_code, months, assignee_id, due_on, answered_on, \
     still_working, insured, version";

const PARTICIPATION_COLUMNS: &str =
    "id, person_id, programme_code, entered_on, labour_status, education, groups, age_at_entry, \
     left_on, results, version, created_by, created_at, updated_at";
const SIX_MONTH_COLUMNS: &str =
    "id, kind, subject_id, person_id, unit_code, months, assignee_id, due_on, answered_on, \
     labour_status, improved, version";
const LABOUR: [&str; 5] = [
    "unemployed",
    "long_term_unemployed",
    "inactive",
    "employed",
    "in_education",
];

pub async fn outcomes_bench(
    store: &Store,
    router: &axum::Router,
    placements: usize,
    persons: usize,
    coord_t: &str,
    rows: &mut Vec<Row>,
) -> Result<()> {
    let today = kopru_store::clock::today();
    let day0 = day_number(&today).context("today")?;
    let date = |delta: i64| date_of(day0 + delta);
    let now = kopru_store::clock::now();
    let t0 = Instant::now();
    let mut tx = store.begin_write().await?;
    let units: Vec<(String, String)> =
        Sql::new("SELECT code, area_code FROM units WHERE code NOT LIKE 'BU-%' ORDER BY code")
            .fetch_all(tx.conn())
            .await?;
    let by_unit = if persons == 0 {
        people_by_unit(tx.conn(), &units).await?
    } else {
        write_people(tx.conn(), &units, persons).await?
    };
    let persons = by_unit.iter().map(Vec::len).sum::<usize>();
    let persons_secs = t0.elapsed().as_secs_f64();
    let id_of = |table: &'static str, code: &'static str| async move {
        let row: (String,) = Sql::new(&format!("SELECT id FROM {table} WHERE code = "))
            .bind(code.to_owned())
            .fetch_one(store.pool())
            .await?;
        anyhow::Ok(row.0)
    };
    let school = id_of("institutions", "SCH-ANK-ALTINDAG").await?;
    let employer = id_of("institutions", "EMP-ANK-TEKSTIL").await?;
    let (mediator,): (String,) = Sql::new("SELECT id FROM users WHERE username = 'mediator'")
        .fetch_one(tx.conn())
        .await?;

    let t1 = Instant::now();
    let all: Vec<&String> = by_unit.iter().flatten().collect();
    let unit_of: Vec<&String> = by_unit
        .iter()
        .zip(&units)
        .flat_map(|(people, (unit, _))| people.iter().map(move |_| unit))
        .collect();
    let (mut enrolments, mut events) = (Vec::new(), Vec::new());
    for i in 0..placements * 3 {
        let person = all[(i * 7) % all.len()].clone();
        let id = kopru_store::new_id();
        let year = 2024 + (i % 3) as i64;
        let status = [
            "enrolled",
            "attending_regularly",
            "dropped_out",
            "completed",
        ][i % 4];
        enrolments.push(vec![
            t(id.clone()),
            t(person),
            t(format!("{year}-{}", year + 1)),
            t("primary"),
            t(school.clone()),
            Cell::N((i % 8) as i64 + 1),
            t(status),
            t(format!("{year}-09-15")),
            t(""),
            Cell::N(1),
            t("bench"),
            t(now.clone()),
            t(now.clone()),
        ]);
        events.push(vec![
            t(kopru_store::new_id()),
            t(id),
            t(format!("{year}-09-15")),
            t(status),
            t("bench"),
            t(now.clone()),
        ]);
        if enrolments.len() == 20_000 {
            bulk_insert(tx.conn(), "enrolments", ENROLMENT_COLUMNS, &enrolments).await?;
            bulk_insert(tx.conn(), "enrolment_events", EVENT_COLUMNS, &events).await?;
            enrolments.clear();
            events.clear();
        }
    }
    bulk_insert(tx.conn(), "enrolments", ENROLMENT_COLUMNS, &enrolments).await?;
    bulk_insert(tx.conn(), "enrolment_events", EVENT_COLUMNS, &events).await?;
    let (mut places, mut checks) = (Vec::new(), Vec::new());
    for i in 0..placements {
        let person = all[(i * 11 + 3) % all.len()].clone();
        let unit = unit_of[(i * 11 + 3) % all.len()].clone();
        let id = kopru_store::new_id();
        let started = date(-((i % 500) as i64));
        places.push(vec![
            t(id.clone()),
            t(person.clone()),
            t(unit.clone()),
            t(employer.clone()),
            t("Worker"),
            t(started.clone()),
            t(if i % 3 == 0 {
                "fixed_term"
            } else {
                "permanent"
            }),
            t(if i % 4 == 0 { "informal" } else { "registered" }),
            Cell::N((i % 2) as i64),
            Cell::N(1),
            t("bench"),
            t(now.clone()),
            t(now.clone()),
        ]);
        for months in [3, 6, 12] {
            let due = add_months(&started, months).context("due")?;
            let answered = due < date(-14);
            checks.push(vec![
                t(kopru_store::new_id()),
                t("retention"),
                t(id.clone()),
                t(person.clone()),
                t(unit.clone()),
                Cell::N(months),
                t(mediator.clone()),
                t(due.clone()),
                if answered { t(due.clone()) } else { Cell::Null },
                if answered {
                    t(if i % 5 == 0 {
                        "not_working"
                    } else {
                        "same_employer"
                    })
                } else {
                    Cell::Null
                },
                if answered { Cell::N(1) } else { Cell::Null },
                Cell::N(1),
            ]);
        }
        if checks.len() >= 30_000 {
            bulk_insert(tx.conn(), "placements", PLACEMENT_COLUMNS, &places).await?;
            bulk_insert(tx.conn(), "outcome_checks", CHECK_COLUMNS, &checks).await?;
            places.clear();
            checks.clear();
        }
    }
    bulk_insert(tx.conn(), "placements", PLACEMENT_COLUMNS, &places).await?;
    bulk_insert(tx.conn(), "outcome_checks", CHECK_COLUMNS, &checks).await?;
    checks.clear();
    // As many ESF+ participations, half of them left with their results and
    // answered six-month checks: what the ESF+ indicators read.
    let mut entries = Vec::new();
    for i in 0..placements {
        let person = all[(i * 13 + 5) % all.len()].clone();
        let unit = unit_of[(i * 13 + 5) % all.len()].clone();
        let id = kopru_store::new_id();
        let entered = date(-((i % 700) as i64) - 200);
        let left = (i % 2 == 0).then(|| date(-((i % 700) as i64) - 20));
        entries.push(vec![
            t(id.clone()),
            t(person.clone()),
            t(if unit.starts_with("MT") {
                "ROMACTED"
            } else {
                "ISKEP"
            }),
            t(entered),
            t(LABOUR[i % LABOUR.len()]),
            t(format!("isced_{}", i % 4)),
            t(["", "slum_dweller", "rural", "slum_dweller,single_parent"][i % 4]),
            Cell::N(16 + (i % 50) as i64),
            left.clone().map_or(Cell::Null, t),
            if left.is_some() {
                t([
                    "in_employment",
                    "job_searching",
                    "gained_qualification,in_education_or_training",
                ][i % 3])
            } else {
                Cell::Null
            },
            Cell::N(1),
            t("bench"),
            t(now.clone()),
            t(now.clone()),
        ]);
        if let Some(left) = left {
            let due = add_months(&left, 6).context("due")?;
            let answered = due < date(-14);
            checks.push(vec![
                t(kopru_store::new_id()),
                t("six_month"),
                t(id),
                t(person),
                t(unit),
                Cell::N(6),
                t(mediator.clone()),
                t(due.clone()),
                if answered { t(due) } else { Cell::Null },
                if answered {
                    t(LABOUR[(i / 2) % LABOUR.len()])
                } else {
                    Cell::Null
                },
                if answered {
                    Cell::N((i % 3 == 0) as i64)
                } else {
                    Cell::Null
                },
                Cell::N(1),
            ]);
        }
        if entries.len() >= 20_000 {
            bulk_insert(tx.conn(), "participations", PARTICIPATION_COLUMNS, &entries).await?;
            bulk_insert(tx.conn(), "outcome_checks", SIX_MONTH_COLUMNS, &checks).await?;
            entries.clear();
            checks.clear();
        }
    }
    bulk_insert(tx.conn(), "participations", PARTICIPATION_COLUMNS, &entries).await?;
    bulk_insert(tx.conn(), "outcome_checks", SIX_MONTH_COLUMNS, &checks).await?;
    tx.commit().await?;
    let outcome_secs = t1.elapsed().as_secs_f64();
    rows.push(Row {
        name: format!(
            "bulk load: {persons} people ({persons_secs:.0} s); {} enrolments and events, {placements} placements, {} retention checks, {placements} ESF+ participations (half left, with a six-month check) ({outcome_secs:.0} s)",
            placements * 3,
            placements * 3
        ),
        n: placements * 17 / 2,
        p50: 0.0,
        p99: 0.0,
        per_sec: (placements * 17 / 2) as f64 / outcome_secs,
    });

    // A person of Altındağ with something in every outcome area, added to
    // one the bulk load gave none (a second school year would be refused).
    let ank = units
        .iter()
        .position(|(u, _)| u == "SHKB-ANK-01")
        .context("SHKB-ANK-01")?;
    let (person,): (String,) = Sql::new(
        "SELECT id FROM persons p WHERE unit_code = 'SHKB-ANK-01' \
         AND NOT EXISTS (SELECT 1 FROM enrolments e WHERE e.person_id = p.id) \
         AND NOT EXISTS (SELECT 1 FROM placements x WHERE x.person_id = p.id) \
         AND NOT EXISTS (SELECT 1 FROM participations x WHERE x.person_id = p.id) \
         ORDER BY id LIMIT 1",
    )
    .fetch_one(store.pool())
    .await?;
    let coordinator = kopru_domain::Principal {
        user_id: mediator.clone(),
        username: "bench".into(),
        assignments: vec![kopru_domain::policy::Assignment {
            role: kopru_domain::Role::UnitCoordinator,
            scope: kopru_domain::Scope::parse("unit:SHKB-ANK-01")
                .map_err(|e| anyhow::anyhow!(e))?,
        }],
    };
    let actor = kopru_store::audit::Actor::system("bench");
    let bad = |e: kopru_domain::ValidationErrors| anyhow::anyhow!("{e:?}");
    let e = kopru_domain::outcome::EnrolmentDraft {
        school_year: kopru_domain::outcome::school_year_of(&today),
        level: "primary".into(),
        school_id: school.clone(),
        status: "enrolled".into(),
        ..Default::default()
    }
    .validate(&today)
    .map_err(bad)?;
    store
        .add_enrolment(&actor, &coordinator, &person, &e)
        .await?;
    let c = kopru_domain::outcome::CoverageDraft {
        kind: "insurance".into(),
        scheme: "general_health_insurance".into(),
        started_on: date(-300),
        ..Default::default()
    }
    .validate(&today)
    .map_err(bad)?;
    store
        .add_coverage(&actor, &coordinator, &person, &c)
        .await?;
    let p = kopru_domain::employment::PlacementDraft {
        employer_id: employer.clone(),
        occupation: "Cook".into(),
        started_on: date(-120),
        contract_type: "permanent".into(),
        social_security: "registered".into(),
        ..Default::default()
    }
    .validate(&today)
    .map_err(bad)?;
    store
        .add_job_placement(&actor, &coordinator, &person, &p)
        .await?;
    let unit_people = by_unit[ank].len();

    let n = 300;
    rows.push(
        time_requests(
            router,
            "GET /persons/{id}: the person page with its outcomes and timeline",
            n,
            |_| get(&format!("/persons/{person}"), coord_t),
        )
        .await?,
    );
    rows.push(
        time_requests(
            router,
            &format!("GET /employment?unit=SHKB-ANK-01: a unit's employment page ({unit_people} people of the unit)"),
            n,
            |_| get("/employment?unit=SHKB-ANK-01", coord_t),
        )
        .await?,
    );
    rows.push(
        time_requests(
            router,
            "GET /api/v1/outcome-checks?unit=SHKB-ANK-01: retention checks due for a unit",
            n,
            |_| get("/api/v1/outcome-checks?unit=SHKB-ANK-01", coord_t),
        )
        .await?,
    );
    Ok(())
}
