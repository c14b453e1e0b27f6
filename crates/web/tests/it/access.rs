//! The access matrix: for every role and scope, every list, record, export and
//! API endpoint shows exactly the rows in scope, and changes nothing outside it.
//! Expected visibility is computed here from the area tree's parent links, not
//! from the closure table or any query the application uses.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use kopru_domain::policy::Assignment;
use kopru_domain::{Action, Role, Scope};
use std::collections::{BTreeSet, HashMap};

struct World {
    parents: HashMap<String, Option<String>>,
    persons: Vec<(String, String, String)>, // id, unit, area
    units: Vec<(String, String, String)>,   // id, code, area
    institutions: Vec<(String, String, String)>, // id, code, area
}

impl World {
    async fn load(app: &TestApp) -> World {
        let mut conn = app.store().acquire().await.unwrap();
        let areas: Vec<(String, Option<String>)> =
            sqlx::query_as("SELECT code, parent_code FROM areas")
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        let units = sqlx::query_as("SELECT id, code, area_code FROM units")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
        let institutions = sqlx::query_as("SELECT id, code, area_code FROM institutions")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
        let persons = sqlx::query_as("SELECT id, unit_code, area_code FROM persons")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
        World {
            parents: areas.into_iter().collect(),
            units,
            institutions,
            persons,
        }
    }

    fn under(&self, area: &str, ancestor: &str) -> bool {
        let mut cur = Some(area.to_owned());
        while let Some(a) = cur {
            if a == ancestor {
                return true;
            }
            cur = self.parents.get(&a).cloned().flatten();
        }
        false
    }

    fn unit_area(&self, code: &str) -> Option<&str> {
        self.units
            .iter()
            .find(|u| u.1 == code)
            .map(|u| u.2.as_str())
    }

    fn institution_id(&self, code: &str) -> &str {
        self.institutions
            .iter()
            .find(|i| i.1 == code)
            .map(|i| i.0.as_str())
            .unwrap_or("")
    }

    fn institution_area(&self, code: &str) -> Option<&str> {
        self.institutions
            .iter()
            .find(|u| u.1 == code)
            .map(|u| u.2.as_str())
    }

    fn unit_visible(&self, scope: &Scope, code: &str, area: &str) -> bool {
        match scope {
            Scope::Installation => true,
            Scope::Country(c) | Scope::Area(c) => self.under(area, c.as_str()),
            Scope::Unit(c) => c.as_str() == code,
            Scope::Institution(_) => false,
        }
    }

    fn institution_visible(&self, scope: &Scope, code: &str, area: &str) -> bool {
        match scope {
            Scope::Installation => true,
            Scope::Country(c) | Scope::Area(c) => self.under(area, c.as_str()),
            Scope::Unit(c) => self
                .unit_area(c.as_str())
                .is_some_and(|ua| self.under(area, ua)),
            Scope::Institution(c) => c.as_str() == code,
        }
    }

    /// An activity: by its place, its organising unit or its institution.
    fn activity_visible(&self, scope: &Scope, unit: &str, institution: &str, area: &str) -> bool {
        match scope {
            Scope::Installation => true,
            Scope::Country(c) | Scope::Area(c) => self.under(area, c.as_str()),
            Scope::Unit(c) => c.as_str() == unit,
            Scope::Institution(c) => c.as_str() == institution,
        }
    }

    fn person_visible(&self, scope: &Scope, unit: &str, area: &str) -> bool {
        match scope {
            Scope::Installation => true,
            Scope::Country(c) | Scope::Area(c) => self.under(area, c.as_str()),
            Scope::Unit(c) => c.as_str() == unit,
            Scope::Institution(_) => false,
        }
    }

    fn anchor(&self, scope: &Scope) -> Option<String> {
        match scope {
            Scope::Installation => None,
            Scope::Country(c) | Scope::Area(c) => Some(c.to_string()),
            Scope::Unit(c) => self.unit_area(c.as_str()).map(str::to_owned),
            Scope::Institution(c) => self.institution_area(c.as_str()).map(str::to_owned),
        }
    }
}

fn expected(assignments: &[Assignment], action: Action, visible: impl Fn(&Scope) -> bool) -> bool {
    assignments
        .iter()
        .any(|a| kopru_domain::policy::role_permits(a.role, action) && visible(&a.scope))
}

pub(crate) async fn add_user(app: &TestApp, username: &str, assignments: Vec<(Role, &str)>) {
    let assignments = assignments
        .into_iter()
        .map(|(role, s)| Assignment {
            role,
            scope: Scope::parse(s).unwrap(),
        })
        .collect();
    app.store()
        .create_user(
            &kopru_store::audit::Actor::system("test"),
            None,
            kopru_store::accounts::NewUser {
                username: kopru_domain::codes::Username::parse(username).unwrap(),
                display_name: kopru_domain::codes::Label::parse(username).unwrap(),
                password: kopru_domain::codes::Password::parse(DEMO_PASSWORD).unwrap(),
                assignments,
                must_change_password: false,
            },
        )
        .await
        .unwrap();
}

fn codes_in_csv(body: &str) -> BTreeSet<String> {
    let mut r = csv::Reader::from_reader(body.trim_start_matches('\u{feff}').as_bytes());
    r.records().map(|rec| rec.unwrap()[0].to_owned()).collect()
}

#[tokio::test]
async fn every_role_and_scope_sees_and_changes_only_its_own_rows() {
    let app = spawn_app().await;
    add_user(&app, "ankadmin", vec![(Role::Administrator, "area:TR-06")]).await;
    add_user(&app, "rscoord", vec![(Role::UnitCoordinator, "country:RS")]).await;
    add_user(&app, "nisauditor", vec![(Role::Auditor, "area:RS-20")]).await;
    add_user(
        &app,
        "twohats",
        vec![
            (Role::SocialMediator, "area:TR-35"),
            (Role::ProgrammeManager, "unit:MT-NIS"),
        ],
    )
    .await;
    add_user(
        &app,
        "nisfocal",
        vec![(Role::InstitutionFocalPoint, "institution:CSR-NIS")],
    )
    .await;
    kopru_store::demo::load_people(app.store(), 42)
        .await
        .unwrap();
    // The demo's outcomes: placements, school years, coverage of some of these people.
    assert!(kopru_store::demo::load_outcomes(app.store()).await.unwrap() > 0);
    // The demo strategy: an action plan of six ministries, reports in every state.
    assert!(kopru_store::demo::load_strategy(app.store()).await.unwrap() > 0);
    // The demo monitoring visit to İzmir, its meetings and recommendations.
    assert!(kopru_store::demo::load_visits(app.store()).await.unwrap() > 0);
    add_user(
        &app,
        "ashbfocal",
        vec![(Role::InstitutionFocalPoint, "institution:MIN-ASHB")],
    )
    .await;
    add_user(
        &app,
        "shmfocal",
        vec![(Role::InstitutionFocalPoint, "institution:KONAK-SHM")],
    )
    .await;
    let initial = World::load(&app).await;
    assert!(initial.persons.len() > 40);
    // Cases for every third person, each with a referral to an institution of
    // its country (sent by an installation-wide coordinator, consent overridden).
    let hub = kopru_domain::Principal {
        user_id: String::new(),
        username: "hub".into(),
        assignments: vec![Assignment {
            role: Role::UnitCoordinator,
            scope: Scope::Installation,
        }],
    };
    let actor = kopru_store::audit::Actor::system("t");
    // (case id, unit, area, institution)
    let mut cases: Vec<(String, String, String, String)> = Vec::new();
    for (id, unit, area) in initial.persons.iter().step_by(3) {
        let new = kopru_domain::casework::CaseDraft {
            person_id: id.clone(),
            unit_code: unit.clone(),
            domains: vec!["education".into()],
            ..Default::default()
        }
        .validate("2026-01-01")
        .unwrap();
        let c = app
            .store()
            .open_case(&actor, &hub, &new, &[])
            .await
            .unwrap();
        let (institution, service) = if area.starts_with("RS") {
            ("CSR-NIS", "social_services")
        } else {
            ("SCH-ANK-ALTINDAG", "school_enrolment")
        };
        let r = kopru_domain::casework::ReferralDraft {
            institution_code: institution.into(),
            service: service.into(),
            reason: "r".into(),
            override_reason: "matrix".into(),
            ..Default::default()
        }
        .validate()
        .unwrap();
        app.store()
            .send_referral(&actor, &hub, &c.id, &r)
            .await
            .unwrap();
        cases.push((c.id, unit.clone(), area.clone(), institution.to_owned()));
    }
    assert!(initial.units.len() >= 20 && initial.institutions.len() >= 10);
    // Activities of every fourth unit, and two run by institutions:
    // (id, unit, institution, area).
    let mut activities: Vec<(String, String, String, String)> = Vec::new();
    let organisers = initial
        .units
        .iter()
        .step_by(4)
        .map(|(_, code, area)| (code.clone(), String::new(), area.clone()))
        .chain(["CSR-NIS", "SCH-ANK-ALTINDAG"].iter().map(|c| {
            (
                String::new(),
                (*c).to_owned(),
                initial.institution_area(c).unwrap().to_owned(),
            )
        }))
        .collect::<Vec<_>>();
    for (unit, institution, area) in organisers {
        let new = kopru_domain::activity::ActivityDraft {
            programme_code: "SIROMA".into(),
            unit_code: unit.clone(),
            institution_code: institution.clone(),
            kind: "training".into(),
            titles: vec![("en".into(), format!("Training {unit}{institution}"))],
            area_code: area.clone(),
            starts_on: "2026-01-10".into(),
            ..Default::default()
        }
        .validate()
        .unwrap();
        let a = app
            .store()
            .create_activity(&actor, &hub, &new)
            .await
            .unwrap();
        activities.push((a.id, unit, institution, area));
    }
    // ROMACTED joint plans in a Serbian and a Turkish municipality: (id, municipality).
    let mut local_plans: Vec<(String, String)> = Vec::new();
    for m in ["RS-20-NIS", "TR-06-ALTINDAG"] {
        let p = kopru_domain::local_plan::LocalPlanDraft {
            municipality: m.into(),
            title: format!("Plan {m}"),
            starts_year: 2026,
            ends_year: 2027,
            ..Default::default()
        }
        .validate()
        .unwrap();
        let row = app
            .store()
            .create_local_plan(&actor, &hub, &p)
            .await
            .unwrap();
        local_plans.push((row.id, m.to_owned()));
    }
    let mut measure_no = 0;

    // Volunteer placements of every seventh person, hosted in their country:
    // (id, placing unit, host institution, host's area).
    let mut placements: Vec<(String, String, String, String)> = Vec::new();
    for (id, unit, area) in initial.persons.iter().step_by(7) {
        let host = if area.starts_with("RS") {
            "CSR-NIS"
        } else {
            "SCH-ANK-ALTINDAG"
        };
        let new = kopru_domain::activity::PlacementDraft {
            person_id: id.clone(),
            institution_code: host.into(),
            unit_code: unit.clone(),
            role: "Assistant".into(),
            starts_on: "2026-01-10".into(),
            ..Default::default()
        }
        .validate()
        .unwrap();
        let p = app
            .store()
            .create_placement(&actor, &hub, &new)
            .await
            .unwrap();
        placements.push((
            p.id,
            unit.clone(),
            host.to_owned(),
            initial.institution_area(host).unwrap().to_owned(),
        ));
    }
    let mut admin = app.api_as("admin").await;
    let mut users: Vec<&str> = kopru_store::demo::DEMO_USERS.iter().map(|u| u.0).collect();
    users.extend([
        "ankadmin",
        "rscoord",
        "nisauditor",
        "twohats",
        "nisfocal",
        "ashbfocal",
        "shmfocal",
    ]);
    for username in users {
        // Earlier iterations create institutions: look at the world as it is now.
        let world = World::load(&app).await;
        let user = app
            .store()
            .user_by_username(username)
            .await
            .unwrap()
            .unwrap();
        let principal = app.store().principal(&user.id).await.unwrap().unwrap();
        let asg = principal.assignments.clone();
        let mut api = app.api_as(username).await;
        let mut web = app.signed_in(username).await;

        // ---- units: list, export, page, record, write ----
        let want: BTreeSet<String> = world
            .units
            .iter()
            .filter(|(_, code, area)| {
                expected(&asg, Action::ViewDirectory, |s| {
                    world.unit_visible(s, code, area)
                })
            })
            .map(|u| u.1.clone())
            .collect();
        let got: BTreeSet<String> = api.get("/api/v1/units?limit=500").await.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["code"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(got, want, "{username}: API unit list");
        assert_eq!(
            codes_in_csv(&api.get("/api/v1/units/export").await.body),
            want,
            "{username}: unit export"
        );
        let page = web.get("/units").await.body;
        for (_, code, _) in &world.units {
            assert_eq!(
                page.contains(&format!(">{code}</a>")),
                want.contains(code),
                "{username}: units page, {code}"
            );
        }
        for (id, code, area) in &world.units {
            let visible = want.contains(code);
            let r = api.get(&format!("/api/v1/units/{id}")).await;
            assert_eq!(
                r.status == StatusCode::OK,
                visible,
                "{username}: GET unit {code}"
            );
            if !visible {
                assert_eq!(r.status, StatusCode::NOT_FOUND);
                assert_eq!(
                    web.get(&format!("/units/{id}")).await.status,
                    StatusCode::NOT_FOUND
                );
            }
            // Try to save the unit unchanged.
            let current = admin.get(&format!("/api/v1/units/{id}")).await.json();
            let body = serde_json::json!({
                "code": current["code"], "name": current["name"], "kind": current["kind"],
                "area_code": current["area_code"], "programme_code": current["programme_code"], "version": current["version"],
            });
            let may_manage = expected(&asg, Action::ManageUnits, |s| {
                world.unit_visible(s, code, area)
            });
            let r = api
                .json(Method::PUT, &format!("/api/v1/units/{id}"), body)
                .await;
            assert_eq!(
                r.status == StatusCode::OK,
                may_manage,
                "{username}: PUT unit {code}: {}",
                r.body
            );
            if !may_manage {
                assert!(
                    matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
                    "{username}: {}",
                    r.status
                );
            }
        }

        // ---- institutions ----
        let want: BTreeSet<String> = world
            .institutions
            .iter()
            .filter(|(_, code, area)| {
                expected(&asg, Action::ViewDirectory, |s| {
                    world.institution_visible(s, code, area)
                })
            })
            .map(|u| u.1.clone())
            .collect();
        let got: BTreeSet<String> = api.get("/api/v1/institutions?limit=500").await.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["code"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(got, want, "{username}: API institution list");
        assert_eq!(
            codes_in_csv(&api.get("/api/v1/institutions/export").await.body),
            want,
            "{username}: institution export"
        );
        let page = web.get("/institutions").await.body;
        for (id, code, _) in &world.institutions {
            assert_eq!(
                page.contains(&format!(">{code}</a>")),
                want.contains(code),
                "{username}: institutions page, {code}"
            );
            let r = web.get(&format!("/institutions/{id}")).await;
            assert_eq!(
                r.status == StatusCode::OK,
                want.contains(code),
                "{username}: institution page {code}"
            );
        }
        // Creating an institution in Niš and in Ankara.
        for (area, tag) in [("RS-20-NIS", "N"), ("TR-06-CANKAYA", "A")] {
            let code = format!("T-{}-{tag}", username.to_uppercase());
            let may = expected(&asg, Action::ManageInstitutions, |s| {
                world.institution_visible(s, &code, area)
            });
            let r = api
                .json(
                    Method::POST,
                    "/api/v1/institutions",
                    serde_json::json!({
                "code": code, "name": "Test", "kind": "ngo", "area_code": area }),
                )
                .await;
            assert_eq!(
                r.status == StatusCode::CREATED,
                may,
                "{username}: create institution in {area}: {}",
                r.body
            );
            if !may {
                assert_eq!(r.status, StatusCode::FORBIDDEN);
            }
        }

        // ---- people: list, record, special categories, write ----
        let r = api.get("/api/v1/persons?limit=500").await;
        // Employment numbers: counts for those who may count, refused to others.
        let numbers = api.get("/api/v1/outcomes/employment").await;
        assert_eq!(
            numbers.status == StatusCode::OK,
            principal.may(Action::ViewCaseStatistics),
            "{username}: employment numbers"
        );
        // A school's enrolment list: refused to those who may not edit people;
        // for the others (who see the school), it finds exactly the listed
        // people they may see.
        let mut listed = Vec::new();
        let mut list = "Adı;Soyadı;Doğum Tarihi\n".to_owned();
        for (id, unit, area) in &world.persons {
            let p = admin.get(&format!("/api/v1/persons/{id}")).await.json();
            if let Some(b) = p["birth_date"].as_str().filter(|b| b.len() == 10) {
                list.push_str(&format!(
                    "{};{};{b}\n",
                    p["given_names"].as_str().unwrap(),
                    p["family_name"].as_str().unwrap()
                ));
                listed.push((id.clone(), unit.clone(), area.clone()));
            }
            if listed.len() == 8 {
                break;
            }
        }
        let lr = api
            .raw(
                Method::POST,
                &format!(
                    "/api/v1/enrolment-lists?school_id={}&level=primary&dry_run=true",
                    world.institution_id("SCH-ANK-ALTINDAG")
                ),
                "text/csv",
                list.into_bytes(),
            )
            .await;
        if !principal.may(Action::EditPersons) {
            assert_eq!(lr.status, StatusCode::FORBIDDEN, "{username}: school list");
        } else if lr.status == StatusCode::OK {
            let rows = lr.json()["rows"].clone();
            for (i, (id, unit, area)) in listed.iter().enumerate() {
                let visible = expected(&asg, Action::ViewPersons, |s| {
                    world.person_visible(s, unit, area)
                });
                assert_eq!(
                    rows[i]["result"] != "not_found",
                    visible,
                    "{username}: school list row of {id}: {}",
                    rows[i]
                );
            }
        } else {
            assert_eq!(
                lr.json()["errors"][0]["code"],
                "err-school-unknown",
                "{username}: a school they cannot see"
            );
        }
        if !principal.may(Action::ViewPersons) {
            let seekers = api.get("/api/v1/job-seekers").await.json();
            assert_eq!(
                seekers.as_array().map(Vec::len),
                Some(0),
                "{username}: job seekers"
            );
            for (id, _, _) in world.persons.iter().take(5) {
                let docs = api.get(&format!("/api/v1/persons/{id}/documents")).await;
                assert_eq!(
                    docs.status,
                    StatusCode::NOT_FOUND,
                    "{username}: documents of {id}"
                );
            }
        }
        if principal.may(Action::ViewPersons) {
            let want: BTreeSet<String> = world
                .persons
                .iter()
                .filter(|(_, unit, area)| {
                    expected(&asg, Action::ViewPersons, |s| {
                        world.person_visible(s, unit, area)
                    })
                })
                .map(|p| p.0.clone())
                .collect();
            let got: BTreeSet<String> = r.json()["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_str().unwrap().to_owned())
                .collect();
            assert_eq!(got, want, "{username}: people");
            let page = web.get("/persons").await.body;
            for (id, unit, area) in world.persons.iter().take(20) {
                let visible = want.contains(id);
                if !visible {
                    assert!(
                        !page.contains(&format!("/persons/{id}\"")),
                        "{username}: people page shows {id}"
                    );
                }
                let rec = api.get(&format!("/api/v1/persons/{id}")).await;
                assert_eq!(
                    rec.status == StatusCode::OK,
                    visible,
                    "{username}: person {id}"
                );
                // A person's civil documents: read with the person, written
                // where the caller edits people.
                let docs = api.get(&format!("/api/v1/persons/{id}/documents")).await;
                assert_eq!(
                    docs.status == StatusCode::OK,
                    visible,
                    "{username}: documents of {id}"
                );
                let may_edit = expected(&asg, Action::EditPersons, |s| {
                    world.person_visible(s, unit, area)
                });
                let r = api
                    .json(
                        Method::POST,
                        &format!("/api/v1/persons/{id}/documents"),
                        serde_json::json!({"kind": "citizenship", "obtained_on": "2026-01-02"}),
                    )
                    .await;
                assert_eq!(
                    r.status == StatusCode::CREATED,
                    may_edit,
                    "{username}: add a document to {id}: {}",
                    r.body
                );
                if !may_edit {
                    assert!(
                        matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
                        "{username}: {}",
                        r.status
                    );
                }
                // The other outcomes follow the person the same way; the
                // immunisation status only where health data may be read.
                for what in ["enrolments", "health-coverage", "outcomes"] {
                    let r = api.get(&format!("/api/v1/persons/{id}/{what}")).await;
                    assert_eq!(
                        r.status == StatusCode::OK,
                        visible,
                        "{username}: {what} of {id}"
                    );
                }
                let r = api
                    .json(
                        Method::POST,
                        &format!("/api/v1/persons/{id}/health-coverage"),
                        serde_json::json!({"kind": "insurance", "scheme": "other", "started_on": "2026-01-02", "ended_on": "2026-01-31"}),
                    )
                    .await;
                assert_eq!(
                    r.status == StatusCode::CREATED,
                    may_edit,
                    "{username}: coverage of {id}: {}",
                    r.body
                );
                let reads_health = expected(&asg, Action::ReadHealth, |s| {
                    world.person_visible(s, unit, area)
                });
                let r = api
                    .get(&format!("/api/v1/persons/{id}/immunisations"))
                    .await;
                assert_eq!(
                    r.status == StatusCode::OK,
                    visible && reads_health,
                    "{username}: immunisation of {id}"
                );
                // A person's placements list whole for those who see the person, empty for others.
                let listed = api.get(&format!("/api/v1/placements?person_id={id}")).await;
                let (stored,): (i64,) =
                    kopru_store::Sql::new("SELECT COUNT(*) FROM placements WHERE person_id = ")
                        .bind(id.clone())
                        .fetch_one(app.store().pool())
                        .await
                        .unwrap();
                let shown = listed.json().as_array().map_or(0, Vec::len) as i64;
                assert_eq!(
                    shown,
                    if visible { stored } else { 0 },
                    "{username}: placements of {id}"
                );
                if visible {
                    let special = api
                        .get(&format!("/api/v1/persons/{id}/special"))
                        .await
                        .json();
                    for (cat, _) in special.as_object().unwrap() {
                        let c = kopru_domain::person::SpecialCategory::parse(cat).unwrap();
                        assert!(
                            expected(&asg, Action::for_special(c), |s| world
                                .person_visible(s, unit, area)),
                            "{username} read {cat}"
                        );
                    }
                    let current = rec.json();
                    let mut body = current.clone();
                    body["version"] = current["version"].clone();
                    let put = api
                        .json(Method::PUT, &format!("/api/v1/persons/{id}"), body)
                        .await;
                    let may = expected(&asg, Action::EditPersons, |s| {
                        world.person_visible(s, unit, area)
                    });
                    assert_eq!(
                        put.status == StatusCode::OK,
                        may,
                        "{username}: edit person {id}: {}",
                        put.body
                    );
                } else {
                    assert_eq!(rec.status, StatusCode::NOT_FOUND);
                }
            }
        } else {
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{username}: people");
            assert_eq!(web.get("/persons").await.status, StatusCode::FORBIDDEN);
            let (id, _, _) = &world.persons[0];
            assert_eq!(
                api.get(&format!("/api/v1/persons/{id}")).await.status,
                StatusCode::NOT_FOUND
            );
        }

        // ---- cases and referrals ----
        let r = api.get("/api/v1/cases?limit=500").await;
        let case_visible = |unit: &str, area: &str| {
            expected(&asg, Action::ViewCases, |s| {
                world.person_visible(s, unit, area)
            })
        };
        if principal.may(Action::ViewCases) {
            let want: BTreeSet<&str> = cases
                .iter()
                .filter(|(_, unit, area, _)| case_visible(unit, area))
                .map(|c| c.0.as_str())
                .collect();
            let got: BTreeSet<String> = r.json()["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned())
                .collect();
            assert_eq!(
                got,
                want.iter().map(|s| s.to_string()).collect(),
                "{username}: cases"
            );
        } else {
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{username}: cases");
        }
        for (id, unit, area, _) in cases.iter().take(8) {
            let rec = api.get(&format!("/api/v1/cases/{id}")).await;
            assert_eq!(
                rec.status == StatusCode::OK,
                case_visible(unit, area),
                "{username}: case {id}"
            );
            let contact = api
                .json(
                    Method::POST,
                    &format!("/api/v1/cases/{id}/contacts"),
                    serde_json::json!({"kind": "phone_call"}),
                )
                .await;
            let may = expected(&asg, Action::EditCases, |s| {
                world.person_visible(s, unit, area)
            });
            assert_eq!(
                contact.status == StatusCode::CREATED,
                may,
                "{username}: contact on case {id}: {}",
                contact.body
            );
        }
        let r = api.get("/api/v1/referrals?limit=500").await;
        let want: BTreeSet<&str> = cases
            .iter()
            .filter(|(_, unit, area, inst)| {
                case_visible(unit, area)
                    || expected(
                        &asg,
                        Action::AnswerReferrals,
                        |s| matches!(s, Scope::Institution(c) if c.as_str() == inst),
                    )
            })
            .map(|c| c.0.as_str())
            .collect();
        let got: BTreeSet<String> = r.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["case_id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            got,
            want.iter().map(|s| s.to_string()).collect(),
            "{username}: referrals"
        );

        // ---- exports: the exporting assignments' rows only ----
        let both = |a1: Action, a2: Action, vis: &dyn Fn(&Scope) -> bool| {
            asg.iter().any(|a| {
                kopru_domain::policy::role_permits(a.role, a1)
                    && kopru_domain::policy::role_permits(a.role, a2)
                    && vis(&a.scope)
            })
        };
        let r = api.get("/api/v1/persons/export?columns=id").await;
        if principal.may(Action::ExportPersons) {
            let want: BTreeSet<String> = world
                .persons
                .iter()
                .filter(|(_, unit, area)| {
                    both(Action::ExportPersons, Action::ViewPersons, &|s| {
                        world.person_visible(s, unit, area)
                    })
                })
                .map(|p| p.0.clone())
                .collect();
            assert_eq!(codes_in_csv(&r.body), want, "{username}: person export");
        } else {
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{username}: person export");
        }
        let r = api.get("/api/v1/cases/export").await;
        if principal.may(Action::ExportPersons) && principal.may(Action::ViewCases) {
            let want: BTreeSet<String> = cases
                .iter()
                .filter(|(_, unit, area, _)| {
                    both(Action::ExportPersons, Action::ViewCases, &|s| {
                        world.person_visible(s, unit, area)
                    })
                })
                .map(|c| c.0.clone())
                .collect();
            assert_eq!(codes_in_csv(&r.body), want, "{username}: case export");
        } else {
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{username}: case export");
        }

        // ---- households ----
        let households: Vec<(String, String, String)> =
            sqlx::query_as("SELECT id, unit_code, area_code FROM households")
                .fetch_all(app.store().pool())
                .await
                .unwrap();
        let r = api.get("/api/v1/households?limit=500").await;
        if principal.may(Action::ViewPersons) {
            let want: BTreeSet<String> = households
                .iter()
                .filter(|(_, unit, area)| {
                    expected(&asg, Action::ViewPersons, |s| {
                        world.person_visible(s, unit, area)
                    })
                })
                .map(|h| h.0.clone())
                .collect();
            let got: BTreeSet<String> = r.json()["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["id"].as_str().unwrap().to_owned())
                .collect();
            assert_eq!(got, want, "{username}: households");
        } else {
            assert!(r.status.is_client_error(), "{username}: households");
        }

        // ---- dashboard: counts within the statistics grants ----
        let r = api.get("/api/v1/dashboard").await;
        if principal.may(Action::ViewCaseStatistics) {
            let want = cases
                .iter()
                .filter(|(_, unit, area, _)| {
                    expected(&asg, Action::ViewCaseStatistics, |s| {
                        world.person_visible(s, unit, area)
                    })
                })
                .count();
            assert_eq!(r.json()["open_cases"], want, "{username}: dashboard");
        } else {
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{username}: dashboard");
        }

        // ---- a write that moves a record: allowed only within both places ----
        if let Some((id, unit, area)) = world.persons.iter().find(|(_, unit, area)| {
            expected(&asg, Action::EditPersons, |s| {
                world.person_visible(s, unit, area)
            })
        }) {
            let current = api.get(&format!("/api/v1/persons/{id}")).await.json();
            let mut body = current.clone();
            body["unit_code"] = "MT-NIS".into();
            body["area_code"] = "RS-20-NIS".into();
            let put = api
                .json(Method::PUT, &format!("/api/v1/persons/{id}"), body)
                .await;
            let nis_area = world.unit_area("MT-NIS").unwrap_or_default().to_owned();
            let may = asg.iter().any(|a| {
                kopru_domain::policy::role_permits(a.role, Action::EditPersons)
                    && world.person_visible(&a.scope, "MT-NIS", "RS-20-NIS")
                    && world.unit_visible(&a.scope, "MT-NIS", &nis_area)
            });
            assert_eq!(
                put.status == StatusCode::OK,
                may,
                "{username}: move person {id} from {unit}/{area} to Niš: {}",
                put.body
            );
            if put.status == StatusCode::OK {
                let mut back = put.json();
                back["unit_code"] = unit.as_str().into();
                back["area_code"] = area.as_str().into();
                let r = api
                    .json(Method::PUT, &format!("/api/v1/persons/{id}"), back)
                    .await;
                assert_eq!(
                    r.status,
                    StatusCode::OK,
                    "{username}: move back: {}",
                    r.body
                );
            }
        }

        // ---- strategy: actions, reports, who writes them ----
        let r = api.get("/api/v1/strategies").await;
        assert_eq!(
            r.status == StatusCode::OK,
            principal.may(Action::ViewStrategy),
            "{username}: strategies"
        );
        let plan_actions: Vec<(String, String, String, String)> = kopru_store::Sql::new(
            "SELECT a.id, a.country, a.responsible_code, COALESCE((SELECT MIN(ap.institution_code) || ',' || MAX(ap.institution_code) \
             FROM action_partners ap WHERE ap.action_id = a.id), '') FROM plan_actions a",
        )
        .fetch_all(app.store().pool())
        .await
        .unwrap();
        let action_visible = |s: &Scope, country: &str, responsible: &str, partners: &str| match s {
            Scope::Installation => true,
            Scope::Country(c) | Scope::Area(c) => world.under(country, c.as_str()),
            Scope::Institution(c) => {
                responsible == c.as_str() || partners.split(',').any(|p| p == c.as_str())
            }
            Scope::Unit(_) => false,
        };
        let want: BTreeSet<String> = plan_actions
            .iter()
            .filter(|(_, country, responsible, partners)| {
                expected(&asg, Action::ViewStrategy, |s| {
                    action_visible(s, country, responsible, partners)
                })
            })
            .map(|a| a.0.clone())
            .collect();
        let r = api.get("/api/v1/actions").await;
        let got: BTreeSet<String> = if r.status == StatusCode::OK {
            r.json()
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["id"].as_str().unwrap().to_owned())
                .collect()
        } else {
            BTreeSet::new()
        };
        assert_eq!(got, want, "{username}: actions");
        // Each draft report: read where its action is visible; saved only by
        // its responsible institution's focal point.
        let drafts: Vec<(String, String, i64)> = kopru_store::Sql::new(
            "SELECT id, action_id, version FROM progress_reports WHERE id IN \
             (SELECT MIN(id) FROM progress_reports WHERE status = 'draft' GROUP BY responsible_code)",
        )
        .fetch_all(app.store().pool())
        .await
        .unwrap();
        assert!(drafts.len() >= 3, "drafts of several institutions");
        for (id, action_id, version) in &drafts {
            let (_, _, responsible, _) = plan_actions.iter().find(|a| &a.0 == action_id).unwrap();
            let r = api.get(&format!("/api/v1/progress-reports/{id}")).await;
            assert_eq!(
                r.status == StatusCode::OK,
                want.contains(action_id),
                "{username}: report {id}"
            );
            let writes = expected(
                &asg,
                Action::ReportProgress,
                |s| matches!(s, Scope::Institution(c) if c.as_str() == responsible),
            );
            let r = api
                .json(
                    Method::PUT,
                    &format!("/api/v1/progress-reports/{id}"),
                    serde_json::json!({"version": version, "done_text": "x"}),
                )
                .await;
            assert_eq!(
                r.status == StatusCode::OK,
                writes,
                "{username}: save report {id}: {}",
                r.body
            );
            if writes {
                // Put back as it was for the next users.
                kopru_store::Sql::new("UPDATE progress_reports SET version = ")
                    .bind(*version)
                    .push(", done_text = NULL WHERE id = ")
                    .bind(id.clone())
                    .execute(app.store().pool())
                    .await
                    .unwrap();
            }
        }

        // ---- monitoring visits and recommendations ----
        let visits: Vec<(String, String)> =
            kopru_store::Sql::new("SELECT id, province FROM monitoring_visits")
                .fetch_all(app.store().pool())
                .await
                .unwrap();
        let met: Vec<(String, String)> = kopru_store::Sql::new(
            "SELECT visit_id, institution_code FROM visit_meetings UNION SELECT visit_id, responsible_code FROM recommendations",
        )
        .fetch_all(app.store().pool())
        .await
        .unwrap();
        let want: BTreeSet<String> = visits
            .iter()
            .filter(|(id, province)| {
                expected(&asg, Action::ViewStrategy, |s| match s {
                    Scope::Installation => true,
                    Scope::Country(c) | Scope::Area(c) => world.under(province, c.as_str()),
                    Scope::Institution(c) => met.iter().any(|(v, i)| v == id && i == c.as_str()),
                    Scope::Unit(_) => false,
                })
            })
            .map(|v| v.0.clone())
            .collect();
        let r = api.get("/api/v1/monitoring-visits").await;
        let got: BTreeSet<String> = if r.status == StatusCode::OK {
            r.json()
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["id"].as_str().unwrap().to_owned())
                .collect()
        } else {
            BTreeSet::new()
        };
        assert_eq!(got, want, "{username}: monitoring visits");
        let recs: Vec<(String, String, String, i64)> = kopru_store::Sql::new(
            "SELECT id, province, responsible_code, version FROM recommendations",
        )
        .fetch_all(app.store().pool())
        .await
        .unwrap();
        let rec_visible = |s: &Scope, province: &str, responsible: &str| match s {
            Scope::Installation => true,
            Scope::Country(c) | Scope::Area(c) => world.under(province, c.as_str()),
            Scope::Institution(c) => responsible == c.as_str(),
            Scope::Unit(_) => false,
        };
        let want: BTreeSet<String> = recs
            .iter()
            .filter(|(_, province, responsible, _)| {
                expected(&asg, Action::ViewStrategy, |s| {
                    rec_visible(s, province, responsible)
                })
            })
            .map(|r| r.0.clone())
            .collect();
        let r = api.get("/api/v1/recommendations?state=all").await;
        let got: BTreeSet<String> = if r.status == StatusCode::OK {
            r.json()
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["id"].as_str().unwrap().to_owned())
                .collect()
        } else {
            BTreeSet::new()
        };
        assert_eq!(got, want, "{username}: recommendations");
        // A follow-up: by the owner's focal point or by whoever plans visits there.
        for (id, province, responsible, version) in &recs {
            let writes = expected(
                &asg,
                Action::ReportProgress,
                |s| matches!(s, Scope::Institution(c) if c.as_str() == responsible),
            ) || expected(&asg, Action::ManageStrategy, |s| {
                !matches!(s, Scope::Institution(_) | Scope::Unit(_))
                    && rec_visible(s, province, responsible)
            });
            let r = api
                .json(
                    Method::POST,
                    &format!("/api/v1/recommendations/{id}/follow-ups"),
                    serde_json::json!({"version": version, "status": "in_progress", "note": "x"}),
                )
                .await;
            assert_eq!(
                r.status == StatusCode::OK,
                writes,
                "{username}: follow up {id}: {}",
                r.body
            );
            if writes {
                kopru_store::Sql::new("UPDATE recommendations SET version = ")
                    .bind(*version)
                    .push(" WHERE id = ")
                    .bind(id.clone())
                    .execute(app.store().pool())
                    .await
                    .unwrap();
            }
        }

        // ---- ROMACTED: joint local plans, read and written by municipality ----
        let local_visible = |s: &Scope, m: &str| match s {
            Scope::Installation => true,
            Scope::Country(c) | Scope::Area(c) => world.under(m, c.as_str()),
            Scope::Unit(c) => world
                .unit_area(c.as_str())
                .is_some_and(|a| world.under(m, a)),
            Scope::Institution(_) => false,
        };
        let want: BTreeSet<String> = local_plans
            .iter()
            .filter(|(_, m)| expected(&asg, Action::ViewActivities, |s| local_visible(s, m)))
            .map(|p| p.0.clone())
            .collect();
        let r = api.get("/api/v1/local-action-plans").await;
        let got: BTreeSet<String> = if r.status == StatusCode::OK {
            r.json()
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["id"].as_str().unwrap().to_owned())
                .collect()
        } else {
            BTreeSet::new()
        };
        assert_eq!(got, want, "{username}: local action plans");
        for (id, m) in &local_plans {
            measure_no += 1;
            let writes = expected(&asg, Action::ManageActivities, |s| local_visible(s, m));
            let r = api
                .json(
                    Method::POST,
                    &format!("/api/v1/local-action-plans/{id}/measures"),
                    serde_json::json!({"number": measure_no.to_string(), "text": "x", "responsible": "Grad", "starts": "2026", "ends": "2027"}),
                )
                .await;
            assert_eq!(
                r.status == StatusCode::CREATED,
                writes,
                "{username}: measure on {m}: {}",
                r.body
            );
        }

        // ---- activities: list, page, record, write ----
        let want: BTreeSet<String> = activities
            .iter()
            .filter(|(_, unit, institution, area)| {
                expected(&asg, Action::ViewActivities, |s| {
                    world.activity_visible(s, unit, institution, area)
                })
            })
            .map(|a| a.0.clone())
            .collect();
        let got: BTreeSet<String> = api.get("/api/v1/activities?limit=500").await.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(got, want, "{username}: activities");
        let page = web.get("/activities").await.body;
        for (id, unit, institution, area) in &activities {
            let visible = want.contains(id);
            assert_eq!(
                page.contains(&format!("/activities/{id}\"")),
                visible,
                "{username}: activities page"
            );
            let r = api.get(&format!("/api/v1/activities/{id}")).await;
            assert_eq!(
                r.status == StatusCode::OK,
                visible,
                "{username}: GET activity"
            );
            if !visible {
                assert_eq!(r.status, StatusCode::NOT_FOUND);
                assert_eq!(
                    web.get(&format!("/activities/{id}")).await.status,
                    StatusCode::NOT_FOUND
                );
            }
            // Save it unchanged.
            let cur =
                admin.get(&format!("/api/v1/activities/{id}")).await.json()["activity"].clone();
            let body = serde_json::json!({
                "programme_code": cur["programme_code"], "unit_code": cur["unit_code"],
                "institution_code": cur["institution_code"], "kind": cur["kind"], "titles": cur["titles"],
                "area_code": cur["area_code"], "starts_on": cur["starts_on"], "version": cur["version"],
            });
            let may_manage = expected(&asg, Action::ManageActivities, |s| {
                world.activity_visible(s, unit, institution, area)
            });
            let r = api
                .json(Method::PUT, &format!("/api/v1/activities/{id}"), body)
                .await;
            assert_eq!(
                r.status == StatusCode::OK,
                may_manage,
                "{username}: PUT activity {unit}{institution}: {}",
                r.body
            );
            if !may_manage {
                assert!(
                    matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
                    "{username}: {}",
                    r.status
                );
            }
        }

        // ---- volunteer placements: seen by the placing unit, the host's area and the host ----
        let want: BTreeSet<String> = placements
            .iter()
            .filter(|(_, unit, host, area)| {
                expected(&asg, Action::ViewActivities, |s| {
                    world.activity_visible(s, unit, host, area)
                }) || expected(&asg, Action::ConfirmVolunteerHours, |s| {
                    world.activity_visible(s, unit, host, area)
                })
            })
            .map(|p| p.0.clone())
            .collect();
        let got: BTreeSet<String> = api
            .get("/api/v1/volunteer-placements?limit=500")
            .await
            .json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(got, want, "{username}: volunteer placements");
        for (id, ..) in placements.iter().take(6) {
            let r = api.get(&format!("/api/v1/volunteer-placements/{id}")).await;
            assert_eq!(
                r.status == StatusCode::OK,
                want.contains(id),
                "{username}: placement {id}"
            );
        }

        // ---- users ----
        let r = api.get("/api/v1/users?limit=500").await;
        if principal.may(Action::ViewUsers) {
            let all: Vec<(String, Vec<Scope>)> = {
                let mut conn = app.store().acquire().await.unwrap();
                let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
                    "SELECT u.username, r.scope_kind, r.scope_code FROM users u JOIN role_assignments r ON r.user_id = u.id",
                ).fetch_all(&mut *conn).await.unwrap();
                let mut m: HashMap<String, Vec<Scope>> = HashMap::new();
                for (u, k, c) in rows {
                    m.entry(u)
                        .or_default()
                        .push(Scope::from_parts(&k, c.as_deref()).unwrap());
                }
                m.into_iter().collect()
            };
            let want: BTreeSet<String> = all
                .iter()
                .filter(|(_, scopes)| {
                    scopes.iter().any(|target| {
                        expected(&asg, Action::ViewUsers, |g| match g {
                            Scope::Installation => true,
                            Scope::Country(c) | Scope::Area(c) => world
                                .anchor(target)
                                .is_some_and(|a| world.under(&a, c.as_str())),
                            other => other == target,
                        })
                    })
                })
                .map(|(u, _)| u.clone())
                .collect();
            let got: BTreeSet<String> = r
                .json()
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["username"].as_str().unwrap().to_owned())
                .collect();
            assert_eq!(got, want, "{username}: users");
        } else {
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{username}: users list");
            assert_eq!(web.get("/users").await.status, StatusCode::FORBIDDEN);
        }

        // ---- the page parts (for developers: administrators) ----
        let design = web.get("/design").await.status;
        if principal.may(Action::ManageUsers) {
            assert_eq!(design, StatusCode::OK, "{username}: design page");
        } else {
            assert_eq!(design, StatusCode::FORBIDDEN, "{username}: design page");
        }

        // ---- audit ----
        let r = api.get("/api/v1/audit?limit=1000").await;
        if principal.may(Action::ViewAudit) {
            for e in r.json().as_array().unwrap() {
                let area = e["area_code"].as_str();
                let unit = e["unit_code"].as_str();
                let ok = expected(&asg, Action::ViewAudit, |g| match g {
                    Scope::Installation => true,
                    Scope::Country(c) | Scope::Area(c) => {
                        area.is_some_and(|a| world.under(a, c.as_str()))
                    }
                    Scope::Unit(c) => unit == Some(c.as_str()),
                    Scope::Institution(_) => false,
                });
                assert!(ok, "{username}: audit entry outside scope: {e}");
            }
        } else {
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{username}: audit");
            assert_eq!(web.get("/audit").await.status, StatusCode::FORBIDDEN);
        }

        // ---- indicators: list, values, export, page, targets, publishing ----
        let may = principal.may(Action::ViewIndicators);
        let r = api.get("/api/v1/indicators").await;
        assert_eq!(
            r.status == StatusCode::OK,
            may,
            "{username}: indicator list"
        );
        assert_eq!(
            web.get("/indicators").await.status == StatusCode::OK,
            may,
            "{username}: indicators page"
        );
        // Documents obtained (events) count the rows of the reader's scope:
        // an institution reads every row, as aggregates.
        let docs: Vec<(String, String)> = sqlx::query_as(
            "SELECT p.unit_code, p.area_code FROM person_documents d JOIN persons p ON p.id = d.person_id \
             WHERE d.status = 'obtained' AND d.obtained_on BETWEEN '2000-01-01' AND '2099-12-31' AND p.merged_into IS NULL",
        )
        .fetch_all(app.store().pool())
        .await
        .unwrap();
        let want = docs
            .iter()
            .filter(|(unit, area)| {
                expected(&asg, Action::ViewIndicators, |g| match g {
                    Scope::Institution(_) => true,
                    g => world.person_visible(g, unit, area),
                })
            })
            .count();
        let r = api
            .get("/api/v1/indicators/HL08/values?period=2000-01-01..2019-12-31")
            .await;
        let r2 = api
            .get("/api/v1/indicators/HL08/values?period=2020-01-01..2039-12-31")
            .await;
        let r3 = api
            .get("/api/v1/indicators/HL08/values?period=2040-01-01..2059-12-31")
            .await;
        if may {
            let hidden_small = |v: &serde_json::Value| v["total"]["hidden"] == true;
            let sum: f64 = [&r, &r2, &r3]
                .iter()
                .map(|r| r.json()["total"]["value"].as_f64().unwrap_or(0.0))
                .sum();
            if ![&r, &r2, &r3].iter().any(|r| hidden_small(&r.json())) {
                assert_eq!(
                    sum as usize, want,
                    "{username}: documents obtained in scope"
                );
            }
            let full = principal
                .acting_as(Action::ViewSmallCells)
                .assignments
                .len()
                == principal
                    .acting_as(Action::ViewIndicators)
                    .assignments
                    .len();
            assert_eq!(
                r2.json()["small_cells_hidden"] == false,
                full,
                "{username}: small cells"
            );
            let csv = api.get("/api/v1/indicators/HL08/export?by=sex").await;
            assert_eq!(csv.status, StatusCode::OK, "{username}: indicator export");
            assert_eq!(
                web.get("/indicators/HL08?by1=sex").await.status,
                StatusCode::OK
            );
        } else {
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{username}: indicator values"
            );
            assert_eq!(
                api.get("/api/v1/indicators/HL08/export").await.status,
                StatusCode::FORBIDDEN
            );
        }
        let r = api
            .json(
                axum::http::Method::PUT,
                "/api/v1/indicators/HL08/targets",
                serde_json::json!({"period": "2030", "target": 100}),
            )
            .await;
        let manage = principal.may(Action::ManageIndicators);
        assert_eq!(
            r.status == StatusCode::OK || r.status == StatusCode::CONFLICT,
            manage,
            "{username}: set a target: {}",
            r.body
        );
        if !manage {
            assert_eq!(r.status, StatusCode::FORBIDDEN);
        }
        // Dashboards: read by readers of indicators, composed by managers of them.
        let r = api.get("/api/v1/dashboards").await;
        assert_eq!(
            r.status == StatusCode::OK,
            may,
            "{username}: dashboards: {}",
            r.body
        );
        let r = api
            .json(
                axum::http::Method::POST,
                "/api/v1/dashboards",
                serde_json::json!({"code": format!("ACCESS-{}", username.to_uppercase()),
                    "titles": {"en": "Access"}, "items": [{"indicator": "HL08", "by": "sex"}]}),
            )
            .await;
        assert_eq!(
            r.status == StatusCode::CREATED,
            manage,
            "{username}: compose a dashboard: {}",
            r.body
        );
        if !manage {
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{username}");
        }
        // Pushing to DHIS2: managers of indicators only (no server here: said so).
        let r = api
            .json(
                axum::http::Method::POST,
                "/api/v1/exports/data-value-sets/push",
                serde_json::json!({}),
            )
            .await;
        let want = if manage {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(r.status, want, "{username}: push to DHIS2: {}", r.body);
    }
}

#[tokio::test]
async fn an_area_administrator_cannot_grant_beyond_their_area() {
    let app = spawn_app().await;
    add_user(&app, "ankadmin", vec![(Role::Administrator, "area:TR-06")]).await;
    let mut api = app.api_as("ankadmin").await;
    let ok = api.json(Method::POST, "/api/v1/users", serde_json::json!({
        "username": "new.mediator", "display_name": "Yeni Arabulucu", "password": "long-enough-pass",
        "role": "social_mediator", "scope": "unit:SHKB-ANK-02" })).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    assert_eq!(ok.json()["must_change_password"], 1);
    let denied = api
        .json(
            Method::POST,
            "/api/v1/users",
            serde_json::json!({
        "username": "izmir.mediator", "display_name": "x", "password": "long-enough-pass",
        "role": "social_mediator", "scope": "unit:SHKB-IZM-01" }),
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let denied = api
        .json(
            Method::POST,
            "/api/v1/users",
            serde_json::json!({
        "username": "super", "display_name": "x", "password": "long-enough-pass",
        "role": "administrator", "scope": "" }),
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert!(app
        .store()
        .user_by_username("super")
        .await
        .unwrap()
        .is_none());
    let unknown = api
        .json(
            Method::POST,
            "/api/v1/users",
            serde_json::json!({
        "username": "ghost", "display_name": "x", "password": "long-enough-pass",
        "role": "social_mediator", "scope": "unit:NO-SUCH-UNIT" }),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown.json()["errors"][0]["field"], "scope");
}

/// The outside test's moves: a writer scoped on one dimension (unit or area)
/// could set the other freely and push a record, special-category data with
/// it, into another unit's view. A record's unit and area must agree and the
/// writer must be allowed both the old and the new place.
#[tokio::test]
async fn writes_cannot_move_a_record_out_of_the_writers_scope() {
    let app = spawn_app().await;
    add_user(
        &app,
        "altmed",
        vec![(Role::SocialMediator, "area:TR-06-ALTINDAG")],
    )
    .await;
    let mut unit_med = app.api_as("mediator").await; // unit:SHKB-ANK-01
    let mut area_med = app.api_as("altmed").await;
    let mut nis = app.api_as("healthmediator").await; // unit:MT-NIS
    let r = unit_med
        .json(Method::POST, "/api/v1/persons", serde_json::json!({
            "given_names": "Ayten", "family_name": "Kaya", "unit_code": "SHKB-ANK-01", "area_code": "TR-06-ALTINDAG"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let put = |unit: &str, area: &str| serde_json::json!({"given_names": "Ayten", "family_name": "Kaya", "unit_code": unit, "area_code": area, "version": 1});
    let url = format!("/api/v1/persons/{id}");
    // The unit-scoped mediator moves the person to Niš's area: the area is not the unit's.
    let r = unit_med
        .json(Method::PUT, &url, put("SHKB-ANK-01", "RS-20-NIS"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["errors"][0]["code"], "err-area-outside-unit");
    // …or to Niš's unit and area: not hers.
    let r = unit_med
        .json(Method::PUT, &url, put("MT-NIS", "RS-20-NIS"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // The area-scoped mediator hands the person to Niš's unit, keeping the area.
    let r = area_med
        .json(Method::PUT, &url, put("MT-NIS", "TR-06-ALTINDAG"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = area_med
        .json(Method::PUT, &url, put("MT-NIS", "RS-20-NIS"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // …or to a Turkish unit of another district.
    let r = area_med
        .json(Method::PUT, &url, put("SHKB-ANK-02", "TR-06-POLATLI"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // Nothing moved: Niš cannot read the person, and the record is as it was.
    assert_eq!(nis.get(&url).await.status, StatusCode::NOT_FOUND);
    let p = unit_med.get(&url).await.json();
    assert_eq!(
        (
            p["unit_code"].as_str(),
            p["area_code"].as_str(),
            p["version"].as_i64()
        ),
        (Some("SHKB-ANK-01"), Some("TR-06-ALTINDAG"), Some(1))
    );
    // Households: a unit and an area that do not agree are refused on creation.
    let r = unit_med
        .json(
            Method::POST,
            "/api/v1/households",
            serde_json::json!({
            "unit_code": "SHKB-ANK-01", "area_code": "RS-24-VRANJE", "address": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let mut conn = app.store().acquire().await.unwrap();
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM households WHERE area_code = 'RS-24-VRANJE' AND unit_code = 'SHKB-ANK-01'")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(n, 0);
    // A write within both places still works.
    let r = area_med
        .json(Method::PUT, &url, put("SHKB-ANK-01", "TR-06-ALTINDAG"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// Area suggestions put the user's own area and country first: typing «Ниш»
/// in Niš offered «Manisa (TR-45)» first.
#[tokio::test]
async fn area_suggestions_start_at_home() {
    let app = spawn_app().await;
    let mut nis = app.signed_in("healthmediator").await;
    let r = nis
        .get("/areas?format=options&area_code=%D0%9D%D0%B8%D1%88")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let first = r.body.split("<option").nth(1).unwrap_or("").to_owned();
    assert!(first.contains("value=\"RS-"), "{}", r.body);
    assert!(
        r.body.contains("TR-45"),
        "other countries still listed: {}",
        r.body
    );
    let mut ank = app.signed_in("mediator").await;
    let r = ank.get("/areas?format=options&area_code=nis").await;
    let first = r.body.split("<option").nth(1).unwrap_or("").to_owned();
    assert!(first.contains("value=\"TR-"), "{}", r.body);
}

/// Exports took their rows from the *view* grants: a coordinator of one unit
/// who is also a mediator of another exported both units. The store reads an
/// export with the exporting assignments only.
#[tokio::test]
async fn exports_read_with_the_exporting_assignments_only() {
    let app = spawn_app().await;
    kopru_store::demo::load_people(app.store(), 60)
        .await
        .unwrap();
    add_user(
        &app,
        "twohats",
        vec![
            (Role::UnitCoordinator, "unit:SHKB-ANK-01"),
            (Role::SocialMediator, "unit:MT-NIS"),
        ],
    )
    .await;
    let mut c = app.api_as("twohats").await;
    // She sees both units' people…
    let nis = c.get("/api/v1/persons?unit=MT-NIS").await.json();
    assert!(!nis["items"].as_array().unwrap().is_empty(), "{nis}");
    // …and exports only the unit she coordinates.
    let csv = c.get("/api/v1/persons/export?columns=id,unit_code").await;
    assert_eq!(csv.status, StatusCode::OK);
    let units: BTreeSet<String> = csv
        .body
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(1).map(str::to_owned))
        .collect();
    assert_eq!(
        units,
        BTreeSet::from(["SHKB-ANK-01".to_owned()]),
        "{}",
        csv.body
    );
    let cases = c.get("/api/v1/cases/export").await;
    assert_eq!(cases.status, StatusCode::OK);
    assert!(!cases.body.contains("MT-NIS"));
    // The store refuses an export to anybody without the right, whatever the caller checked.
    let mediator = app
        .store()
        .user_by_username("healthmediator")
        .await
        .unwrap()
        .unwrap();
    let p = app.store().principal(&mediator.id).await.unwrap().unwrap();
    let r = app
        .store()
        .persons_for_export(
            &p,
            &kopru_store::registry::PersonFilter {
                limit: 10,
                ..Default::default()
            },
        )
        .await;
    assert!(
        matches!(r, Err(kopru_store::StoreError::Forbidden)),
        "{r:?}"
    );
}

/// A social mediator created with no scope was installation-wide without a
/// word; field roles need a unit or an area.
#[tokio::test]
async fn field_roles_are_refused_without_a_scope() {
    let app = spawn_app().await;
    let mut admin = app.api_as("admin").await;
    for (role, scope, code) in [
        ("social_mediator", "", "err-scope-required"),
        ("volunteer", "", "err-scope-required"),
        ("unit_coordinator", "", "err-scope-required"),
        (
            "institution_focal_point",
            "unit:SHKB-ANK-01",
            "err-scope-institution-required",
        ),
    ] {
        let r = admin
            .json(Method::POST, "/api/v1/users", serde_json::json!({
                "username": format!("new.{role}"), "display_name": "x", "password": "long-enough-pass",
                "role": role, "scope": scope }))
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{role}: {}",
            r.body
        );
        assert_eq!(r.json()["errors"][0]["field"], "scope");
        assert_eq!(r.json()["errors"][0]["code"], code, "{role}");
        assert!(app
            .store()
            .user_by_username(&format!("new.{role}"))
            .await
            .unwrap()
            .is_none());
    }
    let r = admin
        .json(
            Method::POST,
            "/api/v1/users",
            serde_json::json!({
            "username": "new.auditor", "display_name": "x", "password": "long-enough-pass",
            "role": "auditor", "scope": "" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

/// Moving a person to another unit is a request the receiving unit's
/// coordinator answers; until then the person stays where they are.
#[tokio::test]
async fn a_person_moves_to_another_unit_only_when_that_unit_accepts() {
    let app = spawn_app().await;
    add_user(
        &app,
        "polcoord",
        vec![(Role::UnitCoordinator, "unit:SHKB-ANK-02")],
    )
    .await;
    let mut med = app.api_as("mediator").await;
    let mut own_coord = app.api_as("coordinator").await;
    let mut pol = app.api_as("polcoord").await;
    let mut people = Vec::new();
    for given in ["Ayten", "Zerrin"] {
        let r = med
            .json(Method::POST, "/api/v1/persons", serde_json::json!({
                "given_names": given, "family_name": "Gezer", "unit_code": "SHKB-ANK-01", "area_code": "TR-06-ALTINDAG"}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        people.push(r.json()["id"].as_str().unwrap().to_owned());
    }
    let ask = |area: &str| serde_json::json!({"to_unit": "SHKB-ANK-02", "to_area": area, "reason": "The family moved to Polatlı"});
    let url = format!("/api/v1/persons/{}/transfers", people[0]);
    let r = med.json(Method::POST, &url, ask("TR-06-ALTINDAG")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["errors"][0]["code"], "err-area-outside-unit");
    let r = med.json(Method::POST, &url, ask("TR-06-POLATLI")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["status"], "pending");
    let tid = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(
        med.json(Method::POST, &url, ask("TR-06-POLATLI"))
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "one pending request"
    );
    // Still in Altındağ's view, not yet in Polatlı's.
    let person = format!("/api/v1/persons/{}", people[0]);
    assert_eq!(med.get(&person).await.status, StatusCode::OK);
    assert_eq!(pol.get(&person).await.status, StatusCode::NOT_FOUND);
    // The sending unit's coordinator cannot answer for the receiving unit.
    assert!(own_coord
        .get("/api/v1/person-transfers")
        .await
        .json()
        .as_array()
        .unwrap()
        .is_empty());
    let answer = format!("/api/v1/person-transfers/{tid}/answer");
    let r = own_coord
        .json(Method::POST, &answer, serde_json::json!({"accept": true}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The receiving coordinator sees it on "my work" and accepts on the page.
    let waiting = pol.get("/api/v1/person-transfers").await.json();
    assert_eq!(waiting[0]["person_name"], "Ayten Gezer");
    let mut page = app.signed_in("polcoord").await;
    assert!(page.get("/my-work").await.body.contains("Ayten Gezer"));
    let r = page
        .post_form(
            &format!("/person-transfers/{tid}/answer"),
            &[("accept", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let moved = pol.get(&person).await;
    assert_eq!(moved.status, StatusCode::OK);
    assert_eq!(
        (
            moved.json()["unit_code"].as_str(),
            moved.json()["area_code"].as_str()
        ),
        (Some("SHKB-ANK-02"), Some("TR-06-POLATLI"))
    );
    assert_eq!(
        med.get(&person).await.status,
        StatusCode::NOT_FOUND,
        "gone from the sending unit's view"
    );
    let found = pol.get("/api/v1/persons?q=ayten%20gezer").await.json();
    assert!(
        found["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == people[0].as_str()),
        "{found}"
    );
    let history = pol.get(&format!("{person}/history")).await.json();
    assert!(
        history
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["field"] == "unit_code" && h["new_value"] == "SHKB-ANK-02"),
        "{history}"
    );
    // Declining needs a reason, and moves nothing.
    let r = med
        .json(
            Method::POST,
            &format!("/api/v1/persons/{}/transfers", people[1]),
            ask("TR-06-POLATLI"),
        )
        .await;
    let tid = r.json()["id"].as_str().unwrap().to_owned();
    let answer = format!("/api/v1/person-transfers/{tid}/answer");
    let r = pol
        .json(Method::POST, &answer, serde_json::json!({"accept": false}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = pol
        .json(
            Method::POST,
            &answer,
            serde_json::json!({"accept": false, "note": "Not in our district yet"}),
        )
        .await;
    assert_eq!(r.json()["status"], "declined", "{}", r.body);
    assert_eq!(
        med.get(&format!("/api/v1/persons/{}", people[1]))
            .await
            .json()["unit_code"],
        "SHKB-ANK-01"
    );
}
