//! The demo's ROMACTED work in Niš (issue 20 §5): the community meeting of
//! the demo activities becomes the community action group, with members
//! (residents of the registry and two municipal officials), minutes, a
//! needs assessment with votes, and a joint local action plan whose
//! measures answer those needs, adopted by the city council.

use crate::audit::Actor;
use crate::{Result, Sql, Store};
use kopru_domain::activity::ProfessionalDraft;
use kopru_domain::local_plan::{
    GroupKind, LocalPlanDraft, MeasureDraft, MeasureProgressDraft, NeedDraft,
};
use kopru_domain::policy::{Assignment, Principal};
use kopru_domain::{Role, Scope};

/// Loads the Niš group and plan once; the number of measures.
pub async fn load_local_plans(store: &Store) -> Result<usize> {
    let _changes = store.data_changes();
    let existing: (i64,) = Sql::new("SELECT COUNT(*) FROM local_action_plans")
        .fetch_one(store.pool())
        .await?;
    if existing.0 > 0 {
        return Ok(0);
    }
    let found: Option<(String,)> = Sql::new(
        "SELECT id FROM activities WHERE kind = 'community_meeting' AND area_code = 'RS-20-NIS' ORDER BY created_at",
    )
    .fetch_optional(store.pool())
    .await?;
    let Some((activity_id,)) = found else {
        return Ok(0);
    };
    let actor = Actor::system("demo");
    let by = Principal {
        user_id: String::new(),
        username: "demo".into(),
        assignments: vec![Assignment {
            role: Role::UnitCoordinator,
            scope: Scope::parse("unit:MT-NIS").unwrap_or(Scope::Installation),
        }],
    };
    let group = store
        .create_local_group(&actor, &by, &activity_id, GroupKind::CommunityActionGroup)
        .await?;
    for (name, position, sex) in [
        (
            "Dragana Stanković",
            "Grad Niš — Sekretarijat za socijalnu zaštitu",
            "female",
        ),
        (
            "Milan Jovanović",
            "Grad Niš — koordinator za romska pitanja",
            "male",
        ),
    ] {
        let p = ProfessionalDraft {
            name: name.into(),
            institution_code: String::new(),
            position: position.into(),
            sex: sex.into(),
        }
        .validate()?;
        store
            .enrol_professional(&actor, &by, &activity_id, &p)
            .await?;
    }
    // Residents of Niš from the registry, as the mobile team sees them.
    let residents: Vec<(String,)> = Sql::new(
        "SELECT id FROM persons WHERE unit_code = 'MT-NIS' AND merged_into IS NULL ORDER BY id LIMIT 6",
    )
    .fetch_all(store.pool())
    .await?;
    if !residents.is_empty() {
        store
            .enrol_persons(
                &actor,
                &by,
                &activity_id,
                &crate::activities::EnrolSource::Persons(
                    residents.into_iter().map(|(id,)| id).collect(),
                ),
            )
            .await?;
    }
    let sessions: Vec<(String,)> =
        Sql::new("SELECT id FROM activity_sessions WHERE activity_id = ")
            .bind(activity_id.clone())
            .push(" ORDER BY held_on")
            .fetch_all(store.pool())
            .await?;
    if let Some((first,)) = sessions.first() {
        store
            .save_minutes(
                &actor,
                &by,
                &group.id,
                first,
                "Grupa je izabrala tri prioriteta: voda i kanalizacija u naselju Crvena Zvezda, upis dece u predškolsko, lična dokumenta. Dogovoreno je da se predlozi iznesu na sastanku sa institucionalnom radnom grupom.",
                0,
            )
            .await?;
    }
    let today = crate::clock::today();
    let mut needs = Vec::new();
    for (sector, problem, votes) in [
        (
            "housing",
            "Naselje Crvena Zvezda nema priključak na vodovod i kanalizaciju.",
            "23",
        ),
        (
            "education",
            "Deca ne idu u predškolsko jer nema prevoza do vrtića.",
            "17",
        ),
        (
            "social_assistance",
            "Porodice bez ličnih dokumenata ne mogu da ostvare socijalnu pomoć.",
            "12",
        ),
        (
            "employment",
            "Mladi nemaju pristup kursevima za zanimanja.",
            "9",
        ),
    ] {
        let n = NeedDraft {
            sector: sector.into(),
            problem: problem.into(),
            votes: votes.into(),
            raised_on: today.clone(),
        }
        .validate()?;
        needs.push(store.add_need(&actor, &by, &group.id, &n).await?);
    }
    let plan = store
        .create_local_plan(
            &actor,
            &by,
            &LocalPlanDraft {
                municipality: "RS-20-NIS".into(),
                title: "Zajednički akcioni plan za inkluziju Roma — Grad Niš".into(),
                starts_year: 2026,
                ends_year: 2028,
                adopted_on: today.clone(),
                decision_number: "06-1234/2026".into(),
            }
            .validate()?,
        )
        .await?;
    let measures = [
        (
            "1",
            "Projektna dokumentacija i izgradnja vodovodne mreže u naselju Crvena Zvezda",
            0,
            "JKP Naissus / Gradska uprava za komunalne delatnosti",
            "2026-Q2",
            "2027-Q4",
            "12.000.000,00",
            "municipal_budget",
            "0601-4001",
        ),
        (
            "2",
            "Besplatan prevoz dece do predškolske ustanove",
            1,
            "PU Pčelica / Gradska uprava za obrazovanje",
            "2026-09",
            "2028",
            "1.800.000,00",
            "small_grant",
            "",
        ),
        (
            "3",
            "Mobilni tim za pribavljanje ličnih dokumenata",
            2,
            "Centar za socijalni rad Sveti Sava",
            "2026",
            "2026",
            "450.000,00",
            "external_funds",
            "",
        ),
    ];
    let mut n = 0;
    for (number, text, need, responsible, starts, ends, budget, funding, line) in measures {
        let m = MeasureDraft {
            number: number.into(),
            text: text.into(),
            need_id: needs[need].id.clone(),
            responsible: responsible.into(),
            starts: starts.into(),
            ends: ends.into(),
            budget: budget.into(),
            funding: funding.into(),
            budget_line: line.into(),
        }
        .validate()?;
        let row = store.add_measure(&actor, &by, &plan.id, &m).await?;
        if number == "3" {
            let g = MeasureProgressDraft {
                reported_on: today.clone(),
                status: "on_track".into(),
                note: "Mobilni tim je obišao 40 porodica; 22 zahteva za lične karte predata."
                    .into(),
                spending: "120.000,00".into(),
                version: row.version,
            }
            .validate()?;
            store
                .report_measure(&actor, &by, &plan.id, &row.id, row.version, &g)
                .await?;
        }
        n += 1;
    }
    Ok(n)
}
