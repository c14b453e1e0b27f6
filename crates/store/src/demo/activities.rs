//! Demo activities of every kind across the programmes, dated around today so
//! that lists, calendars, "my work" and completion show something live: an
//! after-school programme in Ankara, a vocational course in İzmir, an
//! anti-discrimination training for professionals, a ROMACTED community
//! meeting in Niš with head counts, and the young volunteers' modules in Vranje.

use super::Lcg;
use crate::activities::{EnrolSource, MarkInput};
use crate::audit::Actor;
use crate::registry::PersonFilter;
use crate::{Result, Sql, Store};
use kopru_domain::activity::{
    ActivityDraft, ActivityStatus, AgeBand, AttendanceMark, CountedSex, ProfessionalDraft,
    SessionDraft,
};
use kopru_domain::case::{date_of, day_number};
use kopru_domain::policy::{Assignment, Principal};
use kopru_domain::{Role, Scope};

struct Plan {
    programme: &'static str,
    result_area: &'static str,
    unit: &'static str,
    institution: &'static str,
    area: &'static str,
    kind: &'static str,
    titles: &'static [(&'static str, &'static str)],
    venue: &'static str,
    /// Start and end, in days from today.
    days: (i64, i64),
    /// Days from today of the sessions, with their module.
    sessions: &'static [(i64, &'static str)],
    /// People of the unit to enrol.
    people: usize,
    min_share: &'static str,
    all_modules: bool,
    pass_mark: &'static str,
    /// The user who facilitates the sessions.
    facilitator: &'static str,
}

const PLANS: [Plan; 5] = [
    Plan {
        programme: "SIROMA",
        result_area: "Access to education",
        unit: "SHKB-ANK-01",
        institution: "",
        area: "TR-06-ALTINDAG",
        kind: "after_school",
        titles: &[
            ("tr", "Okul sonrası destek programı — Altındağ"),
            ("en", "After-school support — Altındağ"),
        ],
        venue: "Altındağ Atatürk İlkokulu",
        days: (-35, 56),
        sessions: &[
            (-35, ""),
            (-28, ""),
            (-21, ""),
            (-14, ""),
            (-7, ""),
            (0, ""),
            (7, ""),
            (14, ""),
        ],
        people: 15,
        min_share: "75",
        all_modules: false,
        pass_mark: "",
        facilitator: "mediator",
    },
    Plan {
        programme: "SIROMA",
        result_area: "Employment via vocational skills",
        unit: "SHKB-IZM-01",
        institution: "",
        area: "TR-35-BUCA",
        kind: "vocational_course",
        titles: &[
            ("tr", "Aşçı yardımcılığı kursu (ücretsiz ulaşım)"),
            ("en", "Kitchen assistant course (free transport)"),
        ],
        venue: "Buca Halk Eğitim Merkezi",
        days: (-40, 20),
        sessions: &[
            (-40, "Hygiene"),
            (-33, "Hygiene"),
            (-26, "Cooking basics"),
            (-19, "Cooking basics"),
            (-12, "Kitchen practice"),
            (-5, "Kitchen practice"),
            (2, "Kitchen practice"),
            (9, "Exam"),
        ],
        people: 12,
        min_share: "80",
        all_modules: true,
        pass_mark: "60",
        facilitator: "",
    },
    Plan {
        programme: "SIROMA",
        result_area: "Dialogue against discrimination",
        unit: "SHKB-ANK-01",
        institution: "",
        area: "TR-06-ALTINDAG",
        kind: "professional_training",
        titles: &[
            ("tr", "Hizmet sunucularına ayrımcılıkla mücadele eğitimi"),
            ("en", "Anti-discrimination training for service providers"),
        ],
        venue: "Altındağ Kaymakamlığı toplantı salonu",
        days: (-20, -19),
        sessions: &[(-20, "Day 1"), (-19, "Day 2")],
        people: 0,
        min_share: "100",
        all_modules: false,
        pass_mark: "",
        facilitator: "coordinator",
    },
    Plan {
        programme: "ROMACTED",
        result_area: "Empowerment of Roma communities",
        unit: "MT-NIS",
        institution: "",
        area: "RS-20-NIS",
        kind: "community_meeting",
        titles: &[
            ("sr-Cyrl", "Састанак акционе групе заједнице — Ниш"),
            ("en", "Community action group meeting — Niš"),
        ],
        venue: "Месна заједница Ћеле Кула",
        // The group meets monthly through the year (issue 20 §5's demo group).
        days: (-40, 120),
        sessions: &[(-40, ""), (-10, "")],
        people: 0,
        min_share: "",
        all_modules: false,
        pass_mark: "",
        facilitator: "healthmediator",
    },
    Plan {
        programme: "YRV",
        result_area: "Training of young Roma",
        unit: "MT-VRANJE",
        institution: "",
        area: "RS-24-VRANJE",
        kind: "training",
        titles: &[
            ("sr-Latn", "Obuka mladih romskih volontera"),
            ("en", "Training of young Roma volunteers"),
        ],
        venue: "Kancelarija za mlade Vranje",
        days: (-60, -20),
        sessions: &[
            (-60, "M1 Human rights"),
            (-53, "M2 Local institutions"),
            (-46, "M3 Communication"),
            (-39, "M4 Project work"),
            (-32, "M4 Project work"),
        ],
        people: 10,
        min_share: "",
        all_modules: true,
        pass_mark: "",
        facilitator: "volunteer",
    },
];

/// The professionals of the anti-discrimination training.
const PROFESSIONALS: [(&str, &str, &str, &str); 8] = [
    ("Ayten Yıldız", "SCH-ANK-ALTINDAG", "Teacher", "female"),
    ("Murat Kılıç", "SCH-ANK-ALTINDAG", "Deputy head", "male"),
    (
        "Dr. Selin Arslan",
        "ASM-ANK-ALTINDAG",
        "Family doctor",
        "female",
    ),
    ("Hülya Çetin", "ASM-ANK-ALTINDAG", "Nurse", "female"),
    ("Kemal Aydın", "ISKUR-ANK", "Job counsellor", "male"),
    ("Fatma Koç", "SYDV-ALTINDAG", "Social worker", "female"),
    ("Orhan Şahin", "SYDV-ALTINDAG", "Officer", "male"),
    ("Nurcan Polat", "", "Neighbourhood head", "female"),
];

fn day(n: i64) -> String {
    date_of(day_number(&crate::clock::today()).unwrap_or(0) + n)
}

/// Loads the demo activities; skipped when any activity exists. Returns how
/// many were planned.
pub async fn load_activities(store: &Store) -> Result<usize> {
    let _changes = store.data_changes();
    let existing: (i64,) = Sql::new("SELECT COUNT(*) FROM activities")
        .fetch_one(store.pool())
        .await?;
    if existing.0 > 0 {
        return Ok(0);
    }
    let actor = Actor::system("demo");
    let by = Principal {
        user_id: String::new(),
        username: "demo".into(),
        assignments: vec![Assignment {
            role: Role::UnitCoordinator,
            scope: Scope::Installation,
        }],
    };
    let mut rng = Lcg(18);
    let mut planned = 0;
    for plan in &PLANS {
        let facilitators: Vec<String> = match user_id(store, plan.facilitator).await? {
            Some(id) => vec![id],
            None => Vec::new(),
        };
        let draft = ActivityDraft {
            programme_code: plan.programme.into(),
            result_area: plan.result_area.into(),
            unit_code: plan.unit.into(),
            institution_code: plan.institution.into(),
            kind: plan.kind.into(),
            titles: plan
                .titles
                .iter()
                .map(|(l, t)| ((*l).to_owned(), (*t).to_owned()))
                .collect(),
            area_code: plan.area.into(),
            venue: plan.venue.into(),
            starts_on: day(plan.days.0),
            ends_on: day(plan.days.1),
            capacity: if plan.people > 0 {
                (plan.people + 5).to_string()
            } else {
                String::new()
            },
            facilitators: facilitators.clone(),
            min_share: plan.min_share.into(),
            all_modules: plan.all_modules,
            pass_mark: plan.pass_mark.into(),
            ..Default::default()
        };
        let Ok(new) = draft.validate() else { continue };
        let a = store.create_activity(&actor, &by, &new).await?;
        planned += 1;
        let mut sessions = Vec::new();
        for (d, module) in plan.sessions {
            let s = SessionDraft {
                held_on: day(*d),
                starts_at: "14:00".into(),
                ends_at: "16:00".into(),
                module: (*module).into(),
                facilitator_id: facilitators.first().cloned().unwrap_or_default(),
                ..Default::default()
            };
            if let Ok(s) = s.validate() {
                sessions.push((*d, store.add_session(&actor, &by, &a.id, &s).await?));
            }
        }
        if plan.people > 0 {
            let people = store
                .persons(
                    &by_unit(plan.unit),
                    &PersonFilter {
                        unit: Some(plan.unit.into()),
                        limit: plan.people as i64,
                        ..Default::default()
                    },
                )
                .await?;
            let ids: Vec<String> = people.into_iter().take(plan.people).map(|p| p.id).collect();
            store
                .enrol_persons(
                    &actor,
                    &by_unit(plan.unit),
                    &a.id,
                    &EnrolSource::Persons(ids),
                )
                .await?;
        }
        if plan.kind == "professional_training" {
            for (name, inst, position, sex) in PROFESSIONALS {
                let p = ProfessionalDraft {
                    name: name.into(),
                    institution_code: inst.into(),
                    position: position.into(),
                    sex: sex.into(),
                };
                if let Ok(p) = p.validate() {
                    store.enrol_professional(&actor, &by, &a.id, &p).await?;
                }
            }
        }
        // Attendance of the sessions held: most present, some absent or
        // excused; the latest past session of the after-school programme is
        // left for the mediator to take.
        let list = store
            .participants(&actor, &by_unit(plan.unit), &a.id)
            .await?;
        for (d, s) in &sessions {
            if *d > 0
                || (*d == 0 && plan.kind == "after_school")
                || (*d == -7 && plan.kind == "after_school")
            {
                continue;
            }
            let marks: Vec<MarkInput> = list
                .items
                .iter()
                .map(|p| MarkInput {
                    participant_id: p.id.clone(),
                    mark: match rng.next() % 10 {
                        0 => AttendanceMark::Absent,
                        1 => AttendanceMark::Excused,
                        _ => AttendanceMark::Present,
                    },
                })
                .collect();
            if !marks.is_empty() {
                store
                    .save_attendance(&actor, &by_unit(plan.unit), &a.id, &s.id, &marks)
                    .await?;
            }
            if plan.kind == "community_meeting" {
                let counts = [
                    (CountedSex::Female, AgeBand::From18To29, 9),
                    (CountedSex::Female, AgeBand::From30To54, 14),
                    (CountedSex::Male, AgeBand::From18To29, 6),
                    (CountedSex::Male, AgeBand::From30To54, 11),
                    (CountedSex::Male, AgeBand::From55, 4),
                ];
                store
                    .set_head_counts(&actor, &by, &a.id, &s.id, &counts)
                    .await?;
            }
        }
        // Post-test scores for the course.
        if plan.pass_mark == "60" {
            for p in &list.items {
                let post = 40 + (rng.next() % 55) as i64;
                store
                    .set_scores(
                        &actor,
                        &by_unit(plan.unit),
                        &a.id,
                        &p.id,
                        p.version,
                        Some(post - 20),
                        Some(post),
                    )
                    .await?;
            }
        }
        let a = store.activity(&by, &a.id).await?;
        let next = if plan.days.1 < 0 {
            vec![ActivityStatus::Running, ActivityStatus::Completed]
        } else {
            vec![ActivityStatus::Running]
        };
        let mut version = a.version;
        for to in next {
            let row = store
                .change_activity_status(&actor, &by, &a.id, version, to, None)
                .await?;
            version = row.version;
        }
    }
    Ok(planned)
}

/// A coordinator of `unit`: reads the unit's people by the same predicate a user would.
fn by_unit(unit: &str) -> Principal {
    Principal {
        user_id: String::new(),
        username: "demo".into(),
        assignments: vec![Assignment {
            role: Role::UnitCoordinator,
            scope: Scope::parse(&format!("unit:{unit}")).unwrap_or(Scope::Installation),
        }],
    }
}

pub(super) async fn user_id(store: &Store, username: &str) -> Result<Option<String>> {
    if username.is_empty() {
        return Ok(None);
    }
    let row: Option<(String,)> = Sql::new("SELECT id FROM users WHERE username = ")
        .bind(username.to_owned())
        .fetch_optional(store.pool())
        .await?;
    Ok(row.map(|(id,)| id))
}
