//! The demo's year of outcomes: school years with drop-outs and children
//! not enrolled, insurance with gaps and family doctors, documents obtained,
//! ESF+ programme entries and exits, job seekers and placements whose
//! retention checks are answered or overdue. Dates count back from today,
//! so the year is always the last one. Skipped when any enrolment exists.

use super::activities::user_id;
use super::Lcg;
use crate::audit::Actor;
use crate::registry::{PersonFilter, PersonRow};
use crate::{Result, Sql, Store};
use kopru_domain::case::{date_of, day_number};
use kopru_domain::employment::{check_answer, JobSeekerDraft, PlacementDraft};
use kopru_domain::outcome::{
    age_on_or_none, exit, school_year_of, CoverageDraft, DocumentDraft, EnrolmentDraft, EntryDraft,
};
use kopru_domain::policy::{Assignment, Principal};
use kopru_domain::{Role, Scope};

fn day(n: i64) -> String {
    date_of(day_number(&crate::clock::today()).unwrap_or(0) + n)
}

/// The units whose people get outcomes, with a school, a health centre and an employer near them.
const UNITS: [(&str, &str, &str, &str, &str); 2] = [
    (
        "SHKB-ANK-01",
        "mediator",
        "SCH-ANK-ALTINDAG",
        "ASM-ANK-ALTINDAG",
        "EMP-ANK-TEKSTIL",
    ),
    ("MT-NIS", "mediator", "", "", "EMP-NIS-PEKARA"),
];

const OCCUPATIONS: [&str; 5] = [
    "Sewing machine operator",
    "Cleaner",
    "Kitchen helper",
    "Warehouse worker",
    "Baker's assistant",
];

async fn institution(store: &Store, code: &str) -> Result<String> {
    let row: Option<(String,)> = Sql::new("SELECT id FROM institutions WHERE code = ")
        .bind(code.to_owned())
        .fetch_optional(store.pool())
        .await?;
    Ok(row.map(|(id,)| id).unwrap_or_default())
}

/// Loads the demo outcomes. Returns how many people got at least one.
pub async fn load_outcomes(store: &Store) -> Result<usize> {
    let _changes = store.data_changes();
    let existing: (i64,) = Sql::new("SELECT COUNT(*) FROM enrolments")
        .fetch_one(store.pool())
        .await?;
    if existing.0 > 0 {
        return Ok(0);
    }
    let actor = Actor::system("demo");
    let today = crate::clock::today();
    let mut rng = Lcg(19);
    let mut touched = 0;
    for (unit, worker, school, centre, employer) in UNITS {
        let Some(worker_id) = user_id(store, worker).await? else {
            continue;
        };
        let by = Principal {
            user_id: worker_id,
            username: worker.into(),
            assignments: vec![Assignment {
                role: Role::UnitCoordinator,
                scope: Scope::parse(&format!("unit:{unit}")).unwrap_or(Scope::Installation),
            }],
        };
        let (school, centre, employer) = (
            institution(store, school).await?,
            institution(store, centre).await?,
            institution(store, employer).await?,
        );
        let people: Vec<PersonRow> = store
            .persons(
                &by,
                &PersonFilter {
                    unit: Some(unit.into()),
                    limit: 400,
                    ..Default::default()
                },
            )
            .await?;
        let mut placed = 0;
        for p in people.iter().filter(|p| p.merged_into.is_none()) {
            let age = age_on_or_none(p.birth_date.as_deref(), &today);
            let r = rng.below(100);
            let mut any = false;
            // School: this year and last, for children of school age.
            if let Some(a) = age.filter(|a| (6..=17).contains(a)) {
                let last = school_year_of(&day(-365));
                let this = school_year_of(&today);
                let level = match a {
                    6..=9 => "primary",
                    10..=13 => "lower_secondary",
                    _ => "upper_secondary",
                };
                if !school.is_empty() || r < 20 {
                    let (status, reason) = match r {
                        0..=9 => ("not_enrolled", "no_documents"),
                        10..=14 => ("not_enrolled", "work_or_care"),
                        _ => ("enrolled", ""),
                    };
                    let last_year = EnrolmentDraft {
                        school_year: last.clone(),
                        level: level.into(),
                        school_id: if status == "enrolled" {
                            school.clone()
                        } else {
                            String::new()
                        },
                        grade: (a - 6).max(1).to_string(),
                        status: status.into(),
                        status_on: format!("{}-09-15", &last[..4]),
                        reason: reason.into(),
                        absent_days_term1: (r % 12).to_string(),
                        supports: if r.is_multiple_of(3) {
                            vec!["school_materials".into()]
                        } else {
                            vec![]
                        },
                        ..Default::default()
                    };
                    if let Ok(e) = last_year.validate(&today) {
                        let row = store.add_enrolment(&actor, &by, &p.id, &e).await?;
                        any = true;
                        // Some drop out in March; the others finish the year.
                        if status == "enrolled" {
                            let mut d = last_year.clone();
                            (d.status, d.status_on, d.reason) = if r.is_multiple_of(9) {
                                (
                                    "dropped_out".into(),
                                    format!("{}-03-10", &this[..4]),
                                    "work_or_care".into(),
                                )
                            } else {
                                (
                                    "completed".into(),
                                    format!("{}-06-20", &this[..4]),
                                    String::new(),
                                )
                            };
                            if d.status_on <= today {
                                if let Ok(e) = d.validate(&today) {
                                    store
                                        .update_enrolment(&actor, &by, &row.id, row.version, &e)
                                        .await?;
                                }
                            }
                        }
                    }
                    // This year: most enrolled, some irregular, a few not enrolled.
                    if r >= 10 && !school.is_empty() {
                        let d = EnrolmentDraft {
                            school_year: this.clone(),
                            level: level.into(),
                            school_id: school.clone(),
                            grade: (a - 5).max(1).to_string(),
                            status: if r.is_multiple_of(5) {
                                "irregular_attendance".into()
                            } else {
                                "enrolled".into()
                            },
                            status_on: format!("{}-09-14", &this[..4]).min(today.clone()),
                            supports: if r.is_multiple_of(4) {
                                vec!["after_school".into()]
                            } else {
                                vec![]
                            },
                            ..Default::default()
                        };
                        if let Ok(e) = d.validate(&today) {
                            store.add_enrolment(&actor, &by, &p.id, &e).await?;
                        }
                    }
                }
            }
            // Health: insurance for most, a gap for some; a family doctor where there is a centre.
            if r < 75 {
                let started = day(-400 - (r as i64) * 3);
                let ended = if r.is_multiple_of(7) {
                    day(-60)
                } else {
                    String::new()
                };
                let c = CoverageDraft {
                    kind: "insurance".into(),
                    scheme: if unit.starts_with("MT") {
                        "health_insurance_card".into()
                    } else {
                        "general_health_insurance".into()
                    },
                    started_on: started,
                    ended_on: ended,
                    ..Default::default()
                };
                if let Ok(c) = c.validate(&today) {
                    store.add_coverage(&actor, &by, &p.id, &c).await?;
                    any = true;
                }
                if !centre.is_empty() && r.is_multiple_of(2) {
                    let c = CoverageDraft {
                        kind: "family_doctor".into(),
                        institution_id: centre.clone(),
                        started_on: day(-300),
                        ..Default::default()
                    };
                    if let Ok(c) = c.validate(&today) {
                        store.add_coverage(&actor, &by, &p.id, &c).await?;
                    }
                }
            }
            // Documents: an identity card requested, most obtained.
            if r % 6 == 1 {
                let d = DocumentDraft {
                    kind: "identity_card".into(),
                    requested_on: day(-200),
                    obtained_on: if r % 4 == 1 { String::new() } else { day(-120) },
                    ..Default::default()
                };
                if let Ok(d) = d.validate(&today) {
                    store.add_document(&actor, &by, &p.id, &d).await?;
                    any = true;
                }
            }
            // Work: adults seek work; some enter the programme, some are placed.
            if let Some(a) = age.filter(|a| (18..=55).contains(a)) {
                if r.is_multiple_of(3) {
                    let j = JobSeekerDraft {
                        agency: if unit.starts_with("MT") {
                            "nsz".into()
                        } else {
                            "iskur".into()
                        },
                        agency_number: format!("{}", 100_000 + rng.below(900_000)),
                        registered_on: day(-450),
                        occupations: OCCUPATIONS[rng.below(OCCUPATIONS.len())].into(),
                        availability: "full_time".into(),
                        labour_status: if a < 25 {
                            "unemployed".into()
                        } else {
                            "long_term_unemployed".into()
                        },
                        groups: if r.is_multiple_of(2) {
                            vec!["slum_dweller".into()]
                        } else {
                            vec![]
                        },
                        ..Default::default()
                    };
                    if let Ok(j) = j.validate(&today) {
                        store.save_job_seeker(&actor, &by, &p.id, None, &j).await?;
                        any = true;
                    }
                    let entered = day(-420);
                    let e = EntryDraft {
                        programme_code: if unit.starts_with("MT") {
                            "ROMACTED".into()
                        } else {
                            "ISKEP".into()
                        },
                        entered_on: entered,
                        labour_status: "unemployed".into(),
                        education: "isced_2".into(),
                        groups: if r.is_multiple_of(2) {
                            vec!["slum_dweller".into()]
                        } else {
                            vec![]
                        },
                        ..Default::default()
                    };
                    let x = match e.validate(&today) {
                        Ok(e) => store.enter_programme(&actor, &by, &p.id, &e).await.ok(),
                        Err(_) => None,
                    };
                    if placed < 12 && !employer.is_empty() {
                        // Started 2 weeks to 14 months ago: the checks due are answered, except the latest few.
                        let started = -(14 + (placed as i64) * 35);
                        let pl = PlacementDraft {
                            employer_id: employer.clone(),
                            occupation: OCCUPATIONS[placed % OCCUPATIONS.len()].into(),
                            started_on: day(started),
                            contract_type: if placed % 3 == 0 {
                                "fixed_term".into()
                            } else {
                                "permanent".into()
                            },
                            hours_per_week: "40".into(),
                            wage_band: "minimum".into(),
                            social_security: if placed % 4 == 0 {
                                "informal".into()
                            } else {
                                "registered".into()
                            },
                            subsidised: (placed % 2 == 0).to_string(),
                            programme_code: if unit.starts_with("MT") {
                                String::new()
                            } else {
                                "ISKEP".into()
                            },
                            ..Default::default()
                        };
                        if let Ok(pl) = pl.validate(&today) {
                            let row = store.add_job_placement(&actor, &by, &p.id, &pl).await?;
                            placed += 1;
                            for c in store.checks_of(&by, &row.id).await? {
                                // An overdue check or two stays for the mediator.
                                if c.due_on >= day(-20) || c.due_on > today {
                                    continue;
                                }
                                let still = match rng.below(10) {
                                    0 => "not_working",
                                    1 => "other_employer",
                                    2 => "unreachable",
                                    _ => "same_employer",
                                };
                                if let Ok(a) = check_answer(&c.due_on, still, "yes", "", &today) {
                                    store
                                        .answer_retention_check(&actor, &by, &c.id, c.version, &a)
                                        .await?;
                                }
                            }
                        }
                        // Leaving the programme with a job: the six-month follow-up is due later.
                        if let Some(x) = x.filter(|_| placed % 2 == 1) {
                            if let Ok(out) =
                                exit(&day(started.max(-200)), &["in_employment".into()], &today)
                            {
                                store
                                    .leave_programme(&actor, &by, &x.id, x.version, &out)
                                    .await?;
                            }
                        }
                    }
                }
            }
            if any {
                touched += 1;
            }
        }
    }
    Ok(touched)
}
