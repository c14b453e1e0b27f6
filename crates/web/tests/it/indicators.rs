//! The indicator engine (issue 21): every shipped indicator answers by every
//! breakdown it allows, on both engines; values follow the records at once;
//! small cells are hidden from aggregate-only readers and cannot be
//! recovered from the totals; targets and exports.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

fn codes(r: &TestResponse) -> Vec<String> {
    r.json()["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["code"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn this_year() -> String {
    kopru_store::clock::today()[..4].to_owned()
}

/// A one-way table's rows: each key with its cell.
fn row_cells(t: &Value) -> Vec<(&str, &Value)> {
    t["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["key"].as_str().unwrap())
        .zip(t["row_totals"].as_array().unwrap())
        .collect()
}

/// A one-way table's counts above nought, by key.
fn row_counts(t: &Value) -> std::collections::BTreeMap<String, i64> {
    row_cells(t)
        .into_iter()
        .map(|(k, c)| (k.to_owned(), c["value"].as_f64().unwrap() as i64))
        .filter(|(_, v)| *v > 0)
        .collect()
}

#[tokio::test]
async fn every_shipped_indicator_answers_by_every_breakdown_it_allows() {
    let app = spawn_app().await;
    let mut me = app.api_as("analyst").await;
    let r = me.get("/api/v1/indicators").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let list = r.json();
    let list = list.as_array().unwrap();
    assert!(list.len() >= 40, "{}", list.len());
    let year = this_year();
    for i in list {
        let code = i["code"].as_str().unwrap();
        let dims: Vec<String> = i["definition"]["disaggregations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_str().unwrap().to_owned())
            // Special categories are for roles that may read them (below).
            .filter(|d| d != "ethnicity" && d != "disability")
            .collect();
        for by in std::iter::once(String::new())
            .chain(dims.iter().cloned())
            .chain(std::iter::once("period".to_owned()))
        {
            let url = format!("/api/v1/indicators/{code}/values?period={year}&by={by}");
            let r = me.get(&url).await;
            assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.body);
            let v = r.json();
            assert_eq!(
                v["small_cells_hidden"], false,
                "the analyst reads every cell"
            );
        }
        if dims.len() >= 2 {
            let url = format!(
                "/api/v1/indicators/{code}/values?period={year}&by={},{}",
                dims[0], dims[1]
            );
            let r = me.get(&url).await;
            assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.body);
        }
    }
}

// ------------------------------------------------------------ brute force

type Rec = std::collections::HashMap<String, Option<String>>;

async fn table(app: &TestApp, sql: &str) -> Vec<Rec> {
    use sqlx::{Column, Row};
    let rows = sqlx::query(sql)
        .fetch_all(app.store().pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.iter()
        .map(|r| {
            r.columns()
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    (
                        c.name().to_owned(),
                        r.try_get::<Option<String>, _>(i).unwrap(),
                    )
                })
                .collect()
        })
        .collect()
}

fn s(r: &Rec, k: &str) -> String {
    r.get(k).cloned().flatten().unwrap_or_default()
}
fn o(r: &Rec, k: &str) -> Option<String> {
    r.get(k).cloned().flatten().filter(|v| !v.is_empty())
}

/// A source row as the slow way builds it: by hand, from the tables.
#[derive(Clone, Debug)]
struct B {
    subject: String,
    row_id: String,
    at0: String,
    until: Option<String>,
    area: String,
    unit: String,
    programme: String,
    sex: String,
    birth: String,
    months: Option<i64>,
    /// What sums and averages add up.
    number: Option<f64>,
    fields: std::collections::HashMap<String, String>,
}

struct World {
    tables: std::collections::HashMap<&'static str, Vec<Rec>>,
    /// (person, category) to the sealed value, for tables by a special
    /// category (read by `open_special`).
    special: std::collections::HashMap<(String, String), String>,
}

impl World {
    async fn load(app: &TestApp) -> World {
        let mut tables = std::collections::HashMap::new();
        for (name, sql) in [
            ("persons", "SELECT id, sex, birth_date, area_code, unit_code, merged_into FROM persons"),
            ("consents", "SELECT person_id, purpose, withdrawn_on FROM consents"),
            ("units", "SELECT code, programme_id FROM units"),
            ("programmes", "SELECT id, code FROM programmes"),
            ("areas", "SELECT code, parent_code, country, kind FROM areas"),
            ("activities", "SELECT id, area_code, unit_code, programme_id, kind, result_area, status, starts_on, ends_on FROM activities"),
            ("participants", "SELECT id, activity_id, person_id, kind, sex, withdrawn_on FROM activity_participants"),
            ("attendance", "SELECT session_id, participant_id, activity_id, held_on, mark FROM attendance"),
            ("certificates", "SELECT participant_id FROM certificates"),
            ("cases", "SELECT id, person_id, area_code, unit_code, programme_id FROM cases"),
            ("contacts", "SELECT id, case_id, contact_on FROM case_contacts"),
            ("services", "SELECT id, case_id, service_on FROM case_services"),
            ("referrals", "SELECT id, case_id, person_id, area_code, unit_code, sent_on, institution_kind FROM referrals"),
            ("enrolments", "SELECT id, person_id, school_year, level, status FROM enrolments"),
            ("documents", "SELECT id, person_id, obtained_on, refused_on, requested_on, created_at, status FROM person_documents"),
            ("coverage", "SELECT id, person_id, started_on, ended_on FROM health_coverage"),
            ("placements", "SELECT id, person_id, started_on, ended_on, unit_code, programme_code FROM placements"),
            ("participations", "SELECT id, person_id, entered_on, left_on, unit_code, programme_code, labour_status, education, groups, results FROM participations"),
            ("checks", "SELECT id, person_id, subject_id, kind, CAST(months AS TEXT) AS months, answered_on, still_working, CAST(insured AS TEXT) AS insured, labour_status, CAST(improved AS TEXT) AS improved, unit_code FROM outcome_checks"),
            ("actions", "SELECT id, country, responsible_code, status, CAST(removed_in AS TEXT) AS removed_in FROM plan_actions"),
            ("submissions", "SELECT id, case_id, submitted_on FROM form_submissions"),
            ("answers", "SELECT submission_id, form_id, path, field, text_value, CAST(number_value AS TEXT) AS number_value FROM form_values"),
        ] {
            tables.insert(name, table(app, sql).await);
        }
        World {
            tables,
            special: Default::default(),
        }
    }

    /// Opens every person's ethnicity and disability, as one who may.
    async fn open_special(&mut self, app: &TestApp) {
        let reader = kopru_domain::Principal {
            user_id: String::new(),
            username: "t".into(),
            assignments: vec![kopru_domain::policy::Assignment {
                role: kopru_domain::Role::UnitCoordinator,
                scope: kopru_domain::Scope::Installation,
            }],
        };
        let actor = kopru_store::audit::Actor::system("t");
        for p in self.t("persons").clone() {
            let id = s(&p, "id");
            for (c, v) in app.store().special(&actor, &reader, &id).await.unwrap() {
                self.special
                    .insert((id.clone(), c.as_str().to_owned()), v.value);
            }
        }
    }

    fn t(&self, n: &str) -> &Vec<Rec> {
        &self.tables[n]
    }

    fn find<'a>(&'a self, t: &str, k: &str, v: &str) -> Option<&'a Rec> {
        self.t(t).iter().find(|r| s(r, k) == v)
    }

    /// Open records whose statistics consent is not withdrawn.
    fn counted(&self, person: &str) -> Option<&Rec> {
        let p = self.find("persons", "id", person)?;
        if o(p, "merged_into").is_some() {
            return None;
        }
        let stats: Vec<&Rec> = self
            .t("consents")
            .iter()
            .filter(|c| s(c, "person_id") == person && s(c, "purpose") == "statistics")
            .collect();
        let withdrawn = stats.iter().any(|c| o(c, "withdrawn_on").is_some());
        let active = stats.iter().any(|c| o(c, "withdrawn_on").is_none());
        if withdrawn && !active {
            return None;
        }
        Some(p)
    }

    fn programme_of_id(&self, id: &str) -> String {
        self.find("programmes", "id", id)
            .map(|p| s(p, "code"))
            .unwrap_or_default()
    }

    fn unit_programme(&self, unit: &str) -> String {
        self.find("units", "code", unit)
            .map(|u| self.programme_of_id(&s(u, "programme_id")))
            .unwrap_or_default()
    }

    fn person_row(&self, p: &Rec, id: String, at0: String, until: Option<String>) -> B {
        B {
            subject: s(p, "id"),
            row_id: id,
            at0,
            until,
            area: s(p, "area_code"),
            unit: s(p, "unit_code"),
            programme: self.unit_programme(&s(p, "unit_code")),
            sex: s(p, "sex"),
            birth: s(p, "birth_date"),
            months: None,
            number: None,
            fields: Default::default(),
        }
    }

    fn rows(&self, source: &str) -> Vec<B> {
        let mut out = Vec::new();
        let f = |pairs: &[(&str, String)]| -> std::collections::HashMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect()
        };
        match source {
            "attendance" | "reached" => {
                for a in self.t("attendance") {
                    let Some(ap) = self.find("participants", "id", &s(a, "participant_id")) else {
                        continue;
                    };
                    let act = self.find("activities", "id", &s(a, "activity_id")).unwrap();
                    let person = o(ap, "person_id");
                    let p = match &person {
                        Some(id) => match self.counted(id) {
                            Some(p) => Some(p),
                            None => continue,
                        },
                        None => None,
                    };
                    if source == "reached" && (p.is_none() || s(a, "mark") != "present") {
                        continue;
                    }
                    out.push(B {
                        subject: person
                            .clone()
                            .unwrap_or(format!("professional:{}", s(ap, "id"))),
                        row_id: format!("{}/{}", s(a, "session_id"), s(a, "participant_id")),
                        at0: s(a, "held_on"),
                        until: Some(s(a, "held_on")),
                        area: s(act, "area_code"),
                        unit: s(act, "unit_code"),
                        programme: self.programme_of_id(&s(act, "programme_id")),
                        sex: p
                            .map(|p| s(p, "sex"))
                            .or(o(ap, "sex"))
                            .unwrap_or("unknown".into()),
                        birth: p.map(|p| s(p, "birth_date")).unwrap_or_default(),
                        months: None,
                        number: None,
                        fields: f(&[
                            ("mark", s(a, "mark")),
                            ("activity_kind", s(act, "kind")),
                            ("result_area", s(act, "result_area")),
                            ("participant_kind", s(ap, "kind")),
                        ]),
                    });
                }
                if source == "reached" {
                    for (t, date) in [("contacts", "contact_on"), ("services", "service_on")] {
                        for c in self.t(t) {
                            let case = self.find("cases", "id", &s(c, "case_id")).unwrap();
                            let Some(p) = o(case, "person_id").and_then(|id| self.counted(&id))
                            else {
                                continue;
                            };
                            out.push(B {
                                area: s(case, "area_code"),
                                unit: s(case, "unit_code"),
                                programme: self.programme_of_id(&s(case, "programme_id")),
                                ..self.person_row(p, s(c, "id"), s(c, date), Some(s(c, date)))
                            });
                        }
                    }
                    for r in self.t("referrals") {
                        let case = self.find("cases", "id", &s(r, "case_id")).unwrap();
                        let Some(p) = o(r, "person_id").and_then(|id| self.counted(&id)) else {
                            continue;
                        };
                        out.push(B {
                            area: s(r, "area_code"),
                            unit: s(r, "unit_code"),
                            programme: self.programme_of_id(&s(case, "programme_id")),
                            ..self.person_row(p, s(r, "id"), s(r, "sent_on"), Some(s(r, "sent_on")))
                        });
                    }
                }
            }
            "participants" => {
                for ap in self.t("participants") {
                    let act = self
                        .find("activities", "id", &s(ap, "activity_id"))
                        .unwrap();
                    let person = o(ap, "person_id");
                    let p = match &person {
                        Some(id) => match self.counted(id) {
                            Some(p) => Some(p),
                            None => continue,
                        },
                        None => None,
                    };
                    let day = o(act, "ends_on").unwrap_or(s(act, "starts_on"));
                    let completed = self
                        .find("certificates", "participant_id", &s(ap, "id"))
                        .is_some();
                    out.push(B {
                        subject: person
                            .clone()
                            .unwrap_or(format!("professional:{}", s(ap, "id"))),
                        row_id: s(ap, "id"),
                        at0: day.clone(),
                        until: Some(day),
                        area: s(act, "area_code"),
                        unit: s(act, "unit_code"),
                        programme: self.programme_of_id(&s(act, "programme_id")),
                        sex: p
                            .map(|p| s(p, "sex"))
                            .or(o(ap, "sex"))
                            .unwrap_or("unknown".into()),
                        birth: p.map(|p| s(p, "birth_date")).unwrap_or_default(),
                        months: None,
                        number: None,
                        fields: f(&[
                            ("activity_kind", s(act, "kind")),
                            ("activity_status", s(act, "status")),
                            ("participant_kind", s(ap, "kind")),
                            ("completed", if completed { "yes" } else { "no" }.into()),
                        ]),
                    });
                }
            }
            "enrolments" => {
                for e in self.t("enrolments") {
                    let Some(p) = self.counted(&s(e, "person_id")) else {
                        continue;
                    };
                    let y = s(e, "school_year");
                    let mut b = self.person_row(
                        p,
                        s(e, "id"),
                        format!("{}-09-01", &y[..4]),
                        Some(format!("{}-08-31", &y[5..9])),
                    );
                    b.fields = f(&[("level", s(e, "level")), ("status", s(e, "status"))]);
                    out.push(b);
                }
            }
            "documents" => {
                for d in self.t("documents") {
                    let Some(p) = self.counted(&s(d, "person_id")) else {
                        continue;
                    };
                    let day = o(d, "obtained_on")
                        .or(o(d, "refused_on"))
                        .or(o(d, "requested_on"))
                        .unwrap_or(s(d, "created_at")[..10].to_owned());
                    let mut b = self.person_row(p, s(d, "id"), day.clone(), Some(day));
                    b.fields = f(&[("status", s(d, "status"))]);
                    out.push(b);
                }
            }
            "coverage" => {
                for h in self.t("coverage") {
                    let Some(p) = self.counted(&s(h, "person_id")) else {
                        continue;
                    };
                    out.push(self.person_row(p, s(h, "id"), s(h, "started_on"), o(h, "ended_on")));
                }
            }
            "placements" => {
                for x in self.t("placements") {
                    let Some(p) = self.counted(&s(x, "person_id")) else {
                        continue;
                    };
                    out.push(B {
                        unit: s(x, "unit_code"),
                        programme: s(x, "programme_code"),
                        ..self.person_row(p, s(x, "id"), s(x, "started_on"), o(x, "ended_on"))
                    });
                }
            }
            "entries" | "leavers" => {
                for x in self.t("participations") {
                    let Some(p) = self.counted(&s(x, "person_id")) else {
                        continue;
                    };
                    let day = if source == "entries" {
                        s(x, "entered_on")
                    } else {
                        match o(x, "left_on") {
                            Some(d) => d,
                            None => continue,
                        }
                    };
                    let mut b = B {
                        unit: s(x, "unit_code"),
                        programme: s(x, "programme_code"),
                        ..self.person_row(p, s(x, "id"), day.clone(), Some(day))
                    };
                    b.fields = f(&[
                        ("labour_status", s(x, "labour_status")),
                        ("education", s(x, "education")),
                        ("groups", s(x, "groups")),
                        ("results", s(x, "results")),
                    ]);
                    out.push(b);
                }
            }
            "checks" => {
                for c in self.t("checks") {
                    if o(c, "answered_on").is_none() {
                        continue;
                    }
                    let Some(p) = self.counted(&s(c, "person_id")) else {
                        continue;
                    };
                    let (entry, programme) = if s(c, "kind") == "retention" {
                        match self.find("placements", "id", &s(c, "subject_id")) {
                            Some(pl) => (o(pl, "started_on"), s(pl, "programme_code")),
                            None => (None, String::new()),
                        }
                    } else {
                        match self.find("participations", "id", &s(c, "subject_id")) {
                            Some(pa) => (o(pa, "left_on"), s(pa, "programme_code")),
                            None => (None, String::new()),
                        }
                    };
                    let Some(entry) = entry else { continue };
                    let working =
                        matches!(
                            s(c, "still_working").as_str(),
                            "same_employer" | "other_employer"
                        ) || matches!(s(c, "labour_status").as_str(), "employed" | "self_employed");
                    let yes = |k: &str| {
                        match s(c, k).as_str() {
                            "1" => "yes",
                            "0" => "no",
                            _ => "",
                        }
                        .to_owned()
                    };
                    let mut b = B {
                        unit: s(c, "unit_code"),
                        programme,
                        months: s(c, "months").parse().ok(),
                        ..self.person_row(p, s(c, "id"), entry.clone(), Some(entry))
                    };
                    b.fields = f(&[
                        ("check_kind", s(c, "kind")),
                        ("working", if working { "yes" } else { "no" }.into()),
                        ("insured", yes("insured")),
                        ("improved", yes("improved")),
                        ("labour_status", s(c, "labour_status")),
                    ]);
                    out.push(b);
                }
            }
            "referrals" => {
                for r in self.t("referrals") {
                    let Some(p) = o(r, "person_id").and_then(|id| self.counted(&id)) else {
                        continue;
                    };
                    let case = self.find("cases", "id", &s(r, "case_id")).unwrap();
                    let mut b = B {
                        area: s(r, "area_code"),
                        unit: s(r, "unit_code"),
                        programme: self.programme_of_id(&s(case, "programme_id")),
                        ..self.person_row(p, s(r, "id"), s(r, "sent_on"), Some(s(r, "sent_on")))
                    };
                    b.fields = f(&[("institution_kind", s(r, "institution_kind"))]);
                    out.push(b);
                }
            }
            "actions" => {
                for a in self.t("actions") {
                    if o(a, "removed_in").is_some() {
                        continue;
                    }
                    out.push(B {
                        subject: s(a, "id"),
                        row_id: s(a, "id"),
                        at0: "0001-01-01".into(),
                        until: None,
                        area: s(a, "country"),
                        unit: String::new(),
                        programme: String::new(),
                        sex: String::new(),
                        birth: String::new(),
                        months: None,
                        number: None,
                        fields: f(&[
                            ("status", s(a, "status")),
                            ("responsible", s(a, "responsible_code")),
                        ]),
                    });
                }
            }
            "answers" => {
                for v in self.t("answers") {
                    let sub = self
                        .find("submissions", "id", &s(v, "submission_id"))
                        .unwrap();
                    let case = self.find("cases", "id", &s(sub, "case_id")).unwrap();
                    let Some(p) = o(case, "person_id").and_then(|id| self.counted(&id)) else {
                        continue;
                    };
                    let day = s(sub, "submitted_on");
                    let mut b = B {
                        area: s(case, "area_code"),
                        unit: s(case, "unit_code"),
                        programme: self.programme_of_id(&s(case, "programme_id")),
                        number: o(v, "number_value").and_then(|n| n.parse().ok()),
                        ..self.person_row(p, s(v, "path"), day.clone(), Some(day))
                    };
                    b.fields = f(&[
                        ("form", s(v, "form_id")),
                        ("field", s(v, "field")),
                        ("answer", s(v, "text_value")),
                    ]);
                    out.push(b);
                }
            }
            other => panic!("no brute force for source {other}"),
        }
        out
    }

    fn region(&self, area: &str) -> String {
        let mut at = area.to_owned();
        for _ in 0..10 {
            let Some(a) = self.find("areas", "code", &at) else {
                return String::new();
            };
            let (c, k) = (s(a, "country"), s(a, "kind"));
            if (c == "TR" && k == "province") || (c == "RS" && (k == "district" || k == "city")) {
                return at;
            }
            match o(a, "parent_code") {
                Some(p) => at = p,
                None => return String::new(),
            }
        }
        String::new()
    }
}

fn age(birth: &str, at: &str) -> Option<i64> {
    if birth.len() < 4 {
        return None;
    }
    let b = match birth.len() {
        4 => format!("{birth}-07-01"),
        7 => format!("{birth}-01"),
        _ => birth.to_owned(),
    };
    let years: i64 = at[..4].parse::<i64>().ok()? - b[..4].parse::<i64>().ok()?;
    Some(years - i64::from(at[5..10] < b[5..10]))
}

/// The slow, obvious count of one indicator in one period by one breakdown.
fn brute(
    w: &World,
    def: &Value,
    start: &str,
    end: &str,
    by: &str,
) -> std::collections::BTreeMap<String, i64> {
    let mut out = std::collections::BTreeMap::new();
    for (key, _) in brute_rows(w, def, start, end, by) {
        *out.entry(key).or_insert(0) += 1;
    }
    out
}

/// The slow, obvious sum or average of a number indicator.
fn brute_number(
    w: &World,
    def: &Value,
    start: &str,
    end: &str,
    by: &str,
) -> std::collections::BTreeMap<String, f64> {
    let mut parts: std::collections::BTreeMap<String, (f64, f64)> = Default::default();
    for (key, n) in brute_rows(w, def, start, end, by) {
        let e = parts.entry(key).or_default();
        e.0 += 1.0;
        e.1 += n.unwrap();
    }
    let average = def["kind"] == "average";
    parts
        .into_iter()
        .map(|(k, (n, sum))| (k, if average { sum / n } else { sum }))
        .collect()
}

/// Each counted row's key in the breakdown, and its number.
fn brute_rows(
    w: &World,
    def: &Value,
    start: &str,
    end: &str,
    by: &str,
) -> Vec<(String, Option<f64>)> {
    let kind = def["kind"].as_str().unwrap();
    let mut rows: Vec<(B, Option<i64>, String)> = Vec::new();
    for b in w.rows(def["source"].as_str().unwrap()) {
        if b.at0.as_str() > end || b.until.clone().unwrap_or("9999-12-31".into()).as_str() < start {
            continue;
        }
        let ok = def["where"].as_array().is_none_or(|cs| {
            cs.iter().all(|c| {
                let v = b
                    .fields
                    .get(c["field"].as_str().unwrap())
                    .cloned()
                    .unwrap_or_default();
                if let Some(list) = c["in"].as_array() {
                    return list.iter().any(|x| x.as_str() == Some(&v));
                }
                if let Some(list) = c["not_in"].as_array() {
                    return !list.iter().any(|x| x.as_str() == Some(&v));
                }
                if let Some(h) = c["has"].as_str() {
                    return v.split(',').any(|x| x == h);
                }
                false
            })
        });
        if !ok || (matches!(kind, "sum" | "average") && b.number.is_none()) {
            continue;
        }
        if kind == "cohort" {
            let windows: Vec<i64> = def["windows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_i64().unwrap())
                .collect();
            if !b.months.is_some_and(|m| windows.contains(&m)) {
                continue;
            }
        }
        let at = if b.at0.as_str() < start {
            start.to_owned()
        } else {
            b.at0.clone()
        };
        let a = age(&b.birth, &at);
        if let Some(lim) = def.get("age").filter(|x| !x.is_null()) {
            let min = lim["min"].as_i64().unwrap();
            let max = lim["max"].as_i64();
            if !a.is_some_and(|a| a >= min && max.is_none_or(|m| a <= m)) {
                continue;
            }
        }
        rows.push((b, a, at));
    }
    if matches!(kind, "people" | "cohort") {
        rows.sort_by(|x, y| {
            (&x.0.subject, &x.2, &x.0.row_id).cmp(&(&y.0.subject, &y.2, &y.0.row_id))
        });
        rows.dedup_by(|later, first| later.0.subject == first.0.subject);
    }
    let bands: Vec<(i64, Option<i64>)> = match def["age_bands"].as_array().filter(|a| !a.is_empty())
    {
        Some(a) => a
            .iter()
            .map(|b| (b["min"].as_i64().unwrap(), b["max"].as_i64()))
            .collect(),
        None => vec![(0, Some(17)), (18, Some(29)), (30, Some(54)), (55, None)],
    };
    let mut out = Vec::new();
    for (b, a, _) in rows {
        let key = match by {
            "" => String::new(),
            "sex" => {
                if b.sex.is_empty() {
                    "unknown".into()
                } else {
                    b.sex.clone()
                }
            }
            "age" => match a {
                None => "unknown".into(),
                Some(a) => bands
                    .iter()
                    .position(|(lo, hi)| a >= *lo && hi.is_none_or(|h| a <= h))
                    .map_or("other".into(), |i| i.to_string()),
            },
            "area" => w.region(&b.area),
            "unit" => b.unit.clone(),
            "programme" => b.programme.clone(),
            "institution" => b.fields.get("responsible").cloned().unwrap_or_default(),
            "ethnicity" | "disability" => w
                .special
                .get(&(b.subject.clone(), by.to_owned()))
                .cloned()
                .unwrap_or("not_stated".into()),
            _ => unreachable!(),
        };
        out.push((key, b.number));
    }
    out
}

/// Edge cases the demo lacks: birthdays on the period's first and last day,
/// approximate birth dates, a person seen in two provinces, a re-entry, a
/// merged record and a withdrawn consent, each with attendance.
async fn add_edge_cases(app: &TestApp, year: i32) {
    let _changes = app.store().data_changes();
    let pool = app.store().pool();
    let activities = table(app, "SELECT a.id, a.area_code, a.unit_code FROM activities a WHERE a.unit_code IS NOT NULL ORDER BY a.id").await;
    let session = |act: &str, day: &str| format!("edge-s-{act}-{day}");
    let people = [
        ("edge-1", format!("{}-01-01", year - 6), "female", None),
        ("edge-2", format!("{}-12-31", year - 18), "male", None),
        ("edge-3", format!("{}", year - 30), "female", None),
        ("edge-4", format!("{}-06", year - 55), "male", None),
        (
            "edge-5",
            format!("{}-03-15", year - 10),
            "female",
            Some("merged"),
        ),
        (
            "edge-6",
            format!("{}-03-15", year - 12),
            "male",
            Some("withdrawn"),
        ),
    ];
    for (id, birth, sex, state) in &people {
        let act = &activities[0];
        let sql = format!(
            "INSERT INTO persons (id, unit_code, area_code, given_names, family_name, aliases, sex, birth_date, \
             languages, education, birth_registered, id_card, statelessness, legally_invisible, groups_list, \
             sort_key, version, created_at, updated_at, merged_into) VALUES ('{id}', '{}', '{}', 'Edge', '{id}', '[]', \
             '{sex}', '{birth}', '[]', 'unknown', 'yes', 'held', 'no', 0, '[]', '{id}', 1, '{year}-01-01T00:00:00Z', \
             '{year}-01-01T00:00:00Z', {})",
            s(act, "unit_code"), s(act, "area_code"),
            if *state == Some("merged") { "'edge-1'" } else { "NULL" }
        );
        sqlx::query(&sql)
            .execute(pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        if *state == Some("withdrawn") {
            sqlx::query(&format!(
                "INSERT INTO consents (id, person_id, purpose, legal_basis, text_version, language, given_on, \
                 recorded_by, recorded_at, withdrawn_on, withdrawn_by, withdrawn_at) VALUES ('c-{id}', '{id}', \
                 'statistics', 'consent', 'v1', 'tr', '{year}-01-01', 'test', '{year}-01-01T00:00:00Z', \
                 '{year}-02-01', 'test', '{year}-02-01T00:00:00Z')"
            ))
            .execute(pool)
            .await
            .unwrap();
        }
        // Seen at the first activity on the first and last day of the year,
        // and the first person also at another activity elsewhere.
        let mut visits = vec![
            (0usize, format!("{year}-01-01")),
            (0, format!("{year}-12-31")),
        ];
        if *id == "edge-1" && activities.len() > 1 {
            visits.insert(0, (activities.len() - 1, format!("{}-12-31", year - 1)));
            visits.push((activities.len() - 1, format!("{year}-06-30")));
        }
        for (i, day) in visits {
            let act = s(&activities[i], "id");
            let sid = session(&act, &day);
            let _ = sqlx::query(&format!(
                "INSERT INTO activity_sessions (id, activity_id, held_on, version, created_at) VALUES \
                 ('{sid}', '{act}', '{day}', 1, '{year}-01-01T00:00:00Z')"
            ))
            .execute(pool)
            .await;
            let pid = format!("edge-p-{id}-{i}");
            let _ = sqlx::query(&format!(
                "INSERT INTO activity_participants (id, activity_id, kind, person_id, enrolled_via, enrolled_on, \
                 version, created_by, created_at) VALUES ('{pid}', '{act}', 'person', '{id}', 'search', '{day}', 1, \
                 'test', '{year}-01-01T00:00:00Z')"
            ))
            .execute(pool)
            .await;
            sqlx::query(&format!(
                "INSERT INTO attendance (session_id, participant_id, activity_id, held_on, mark, marked_by, marked_at) \
                 VALUES ('{sid}', '{pid}', '{act}', '{day}', 'present', 'test', '{year}-01-01T00:00:00Z')"
            ))
            .execute(pool)
            .await
            .unwrap();
        }
    }
}

async fn exec(app: &TestApp, sql: String) {
    sqlx::query(&sql)
        .execute(app.store().pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    app.store().data_changed();
}

/// Generated people across units and provinces with what the demo has
/// little of: ESF+ entries (every labour status, education level and group,
/// re-entries), leavers with results and six-month checks, pre-school
/// enrolments, a finished vocational course with some completing, health
/// literacy and community meetings, referrals to the employment agency.
async fn add_generated(app: &TestApp, year: i32) {
    let places = table(app, "SELECT u.code, u.area_code, p.code AS programme, p.id AS programme_id FROM units u JOIN programmes p ON p.id = u.programme_id ORDER BY u.code").await;
    let user = table(app, "SELECT id FROM users ORDER BY username").await;
    let user = s(&user[0], "id");
    let now = format!("{year}-01-01T00:00:00Z");
    let place0 = &places[0];
    for (id, kind, status, ends) in [
        (
            "gen-voc",
            "vocational_course",
            "completed",
            format!("{year}-05-31"),
        ),
        (
            "gen-hl",
            "health_literacy",
            "running",
            format!("{year}-12-31"),
        ),
        (
            "gen-cm",
            "community_meeting",
            "running",
            format!("{year}-12-31"),
        ),
    ] {
        exec(app, format!(
            "INSERT INTO activities (id, programme_id, unit_code, area_code, kind, titles, search_key, starts_on, \
             ends_on, status, all_modules, version, created_by, created_at, updated_at) VALUES ('{id}', '{}', '{}', '{}', \
             '{kind}', '{{}}', '{id}', '{year}-01-10', '{ends}', '{status}', 0, 1, 'test', '{now}', '{now}')",
            s(place0, "programme_id"), s(place0, "code"), s(place0, "area_code"))).await;
        exec(
            app,
            format!(
            "INSERT INTO activity_sessions (id, activity_id, held_on, version, created_at) VALUES \
             ('{id}-s', '{id}', '{year}-03-03', 1, '{now}')"),
        )
        .await;
    }
    let labour = [
        "employed",
        "self_employed",
        "unemployed",
        "long_term_unemployed",
        "inactive",
        "in_education",
    ];
    let groups = [
        "housing_exclusion",
        "rural",
        "third_country_national",
        "foreign_background",
    ];
    let results = [
        "job_searching",
        "in_education_or_training",
        "gained_qualification",
        "in_employment",
    ];
    for i in 0..72usize {
        let id = format!("gen-{i:03}");
        let place = &places[i % places.len()];
        let born = year - 1 - ((i * 37) % 70) as i32;
        let birth = match i % 4 {
            0 => format!("{born}"),
            1 => format!("{born}-{:02}", i % 12 + 1),
            2 => format!("{born}-01-01"),
            _ => format!("{born}-{:02}-{:02}", i % 12 + 1, i % 28 + 1),
        };
        exec(app, format!(
            "INSERT INTO persons (id, unit_code, area_code, given_names, family_name, aliases, sex, birth_date, \
             languages, education, birth_registered, id_card, statelessness, legally_invisible, groups_list, \
             sort_key, version, created_at, updated_at) VALUES ('{id}', '{}', '{}', 'Gen', '{id}', '[]', '{}', '{birth}', \
             '[]', 'unknown', 'yes', 'held', 'no', 0, '[]', '{id}', 1, '{now}', '{now}')",
            s(place, "code"), s(place, "area_code"), ["female", "male", "unknown"][i % 3])).await;
        let g: Vec<&str> = groups
            .iter()
            .enumerate()
            .filter(|(b, _)| i >> b & 1 == 1)
            .map(|(_, g)| *g)
            .collect();
        let r: Vec<&str> = results
            .iter()
            .enumerate()
            .filter(|(b, _)| (i / 2) >> b & 1 == 1)
            .map(|(_, r)| *r)
            .collect();
        let entries = if i % 5 == 0 { 2 } else { 1 };
        for e in 0..entries {
            let entered = format!("{year}-{:02}-{:02}", (i + e * 5) % 12 + 1, i % 28 + 1);
            let left =
                (i % 2 == 0).then(|| format!("{year}-{:02}-28", ((i + e * 5) % 12 + 1).max(2)));
            let left = left.filter(|l| *l >= entered);
            let pid = format!("{id}-x{e}");
            exec(app, format!(
                "INSERT INTO participations (id, person_id, programme_code, entered_on, labour_status, education, groups, \
                 left_on, results, version, created_by, created_at, updated_at, unit_code) VALUES ('{pid}', '{id}', '{}', \
                 '{entered}', '{}', 'isced_{}', '{}', {}, '{}', 1, 'test', '{now}', '{now}', '{}')",
                s(place, "programme"), labour[(i + e) % 6], i % 9, g.join(","),
                left.as_ref().map_or("NULL".to_owned(), |l| format!("'{l}'")), r.join(","), s(place, "code"))).await;
            if left.is_some() && i % 4 == 0 {
                exec(app, format!(
                    "INSERT INTO outcome_checks (id, kind, subject_id, person_id, months, assignee_id, due_on, answered_on, \
                     labour_status, improved, version, unit_code) VALUES ('{pid}-c', 'six_month', '{pid}', '{id}', 6, '{user}', \
                     '{year}-12-31', '{year}-12-31', '{}', {}, 1, '{}')",
                    labour[i % 3], i % 8 / 4, s(place, "code"))).await;
            }
        }
        if i % 3 == 0 {
            exec(app, format!(
                "INSERT INTO enrolments (id, person_id, school_year, level, status, status_on, supports, version, created_by, \
                 created_at, updated_at) VALUES ('{id}-e', '{id}', '{}-{year}', 'pre_school', 'enrolled', '{}-09-15', '[]', 1, \
                 'test', '{now}', '{now}')", year - 1, year - 1)).await;
        }
        for (act, every) in [("gen-voc", 2), ("gen-hl", 3), ("gen-cm", 4)] {
            if i % every != 1 {
                continue;
            }
            let pid = format!("{id}-{act}");
            exec(app, format!(
                "INSERT INTO activity_participants (id, activity_id, kind, person_id, enrolled_via, enrolled_on, version, \
                 created_by, created_at) VALUES ('{pid}', '{act}', 'person', '{id}', 'search', '{year}-01-10', 1, 'test', '{now}')")).await;
            exec(app, format!(
                "INSERT INTO attendance (session_id, participant_id, activity_id, held_on, mark, marked_by, marked_at) VALUES \
                 ('{act}-s', '{pid}', '{act}', '{year}-03-03', '{}', 'test', '{now}')",
                if i % 7 == 0 { "absent" } else { "present" })).await;
            if act == "gen-voc" && i % 4 == 1 {
                exec(app, format!(
                    "INSERT INTO certificates (code, participant_id, activity_id, language, completed_on, issued_by, issued_at) \
                     VALUES ('C-{id}', '{pid}', '{act}', 'tr', '{year}-05-31', 'test', '{now}')")).await;
            }
        }
    }
    exec(
        app,
        "UPDATE referrals SET institution_kind = 'employment_agency' WHERE id IN \
         (SELECT id FROM referrals ORDER BY id LIMIT 5)"
            .to_owned(),
    )
    .await;
}

#[tokio::test]
async fn every_shipped_indicator_agrees_with_a_brute_force_count_in_every_cell() {
    let app = spawn_app().await;
    let store = app.store();
    kopru_store::demo::load_people(store, 120).await.unwrap();
    kopru_store::demo::load_casework(store).await.unwrap();
    kopru_store::demo::load_activities(store).await.unwrap();
    kopru_store::demo::load_outcomes(store).await.unwrap();
    kopru_store::demo::load_strategy(store).await.unwrap();
    let year: i32 = this_year().parse().unwrap();
    add_edge_cases(&app, year).await;
    add_generated(&app, year).await;
    let periods = periods(year);
    let (compared, empty, whole, first) = agree_with_brute_force(&app, &periods).await;
    assert!(compared > 300, "{compared}");
    // The comparison is not vacuous: most indicators count someone.
    assert!(
        empty.len() * 4 < compared / periods.len() / 2,
        "counted no one: {empty:?}"
    );

    // Writes through the services, each naming who it touched in the audit
    // chain: every run read above is brought up to date from those people's
    // shares alone (`incremental`), and still agrees in every cell.
    // The planner's statistics, as the server keeps them (on SQLite they
    // decide that a catch-up starts from the person index).
    app.store().optimize().await.unwrap();
    // The server's refresher adds each run's subjects' shares (a reader
    // computes runs plain).
    assert!(app.store().refresh_indicator_cache().await.unwrap() >= 150);
    assert_eq!(app.store().refresh_indicator_cache().await.unwrap(), 0);
    let before = app.store().indicator_cache_stats();
    writes_through_the_services(&app).await;
    let (again, _, _, second) = agree_with_brute_force(&app, &periods).await;
    assert_eq!(again, compared);
    // The writes moved values of every kind of source they touched.
    let changed: Vec<&String> = first
        .iter()
        .filter(|(url, t)| second.get(*url) != Some(*t))
        .map(|(url, _)| url)
        .collect();
    for code in ["HL01", "HL07", "HL09", "SR-EDU-1"] {
        assert!(
            changed.iter().any(|u| u.contains(&format!("/{code}/"))),
            "{code} unchanged: {changed:?}"
        );
    }
    let after = app.store().indicator_cache_stats();
    // Only the runs of plan actions (a few hundred rows) are computed whole.
    assert_eq!(
        after.computed - before.computed,
        whole * periods.len() as u64,
        "{before:?} {after:?}"
    );
    assert!(
        after.caught_up >= before.caught_up + 150,
        "{before:?} {after:?}"
    );
}

fn periods(year: i32) -> Vec<(String, String, String)> {
    vec![
        (
            format!("{year}"),
            format!("{year}-01-01"),
            format!("{year}-12-31"),
        ),
        (
            format!("{}", year - 1),
            format!("{}-01-01", year - 1),
            format!("{}-12-31", year - 1),
        ),
        (
            format!("{year}-Q1"),
            format!("{year}-01-01"),
            format!("{year}-03-31"),
        ),
        (
            format!("{year}-01"),
            format!("{year}-01-01"),
            format!("{year}-01-31"),
        ),
        (
            format!("{}/{year}", year - 1),
            format!("{}-09-01", year - 1),
            format!("{year}-08-31"),
        ),
    ]
}

/// Every shipped indicator (ratios are their parts) by each breakdown it
/// allows, over `periods`, compared cell by cell with the brute force over
/// the data as it is now: how many tables were compared, and the indicators
/// that counted no one.
/// (Then how many of them are read from plan actions, computed whole, and
/// every table read.)
async fn agree_with_brute_force(
    app: &TestApp,
    periods: &[(String, String, String)],
) -> (
    usize,
    Vec<String>,
    u64,
    std::collections::BTreeMap<String, String>,
) {
    let w = World::load(app).await;
    let mut me = app.api_as("analyst").await;
    let list = me.get("/api/v1/indicators").await.json();
    let mut seen = std::collections::BTreeMap::new();
    let mut compared = 0;
    let mut nonzero = 0;
    let mut empty_indicators = Vec::new();
    for i in list.as_array().unwrap() {
        let def = &i["definition"];
        if def["kind"] == "ratio" {
            continue;
        }
        let code = i["code"].as_str().unwrap();
        let before = nonzero;
        let dims: Vec<&str> = def["disaggregations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_str().unwrap())
            .filter(|d| !matches!(*d, "window" | "group" | "ethnicity" | "disability"))
            .collect();
        let number = matches!(def["kind"].as_str(), Some("sum" | "average"));
        for (label, start, end) in periods {
            for by in std::iter::once("").chain(dims.iter().copied()) {
                if number {
                    let want = brute_number(&w, def, start, end, by);
                    let url = format!("/api/v1/indicators/{code}/values?period={label}&by={by}");
                    let got = me.get(&url).await.json();
                    seen.insert(url.clone(), got.to_string());
                    seen.insert(url.clone(), got.to_string());
                    let cells: Vec<(&str, &Value)> = if by.is_empty() {
                        vec![("", &got["total"])]
                    } else {
                        row_cells(&got)
                    };
                    let mut have = std::collections::BTreeMap::new();
                    for (k, c) in cells {
                        // An average of nothing has no value; a sum of nothing is 0.
                        if let Some(v) = c["value"].as_f64().filter(|v| *v != 0.0) {
                            have.insert(k.to_owned(), v);
                        }
                    }
                    let want: std::collections::BTreeMap<String, f64> =
                        want.into_iter().filter(|(_, v)| *v != 0.0).collect();
                    assert_eq!(
                        have.keys().collect::<Vec<_>>(),
                        want.keys().collect::<Vec<_>>(),
                        "{url}"
                    );
                    for (k, v) in &want {
                        assert!((have[k] - v).abs() < 1e-9, "{url} {k}: {} vs {v}", have[k]);
                    }
                    compared += 1;
                    nonzero += usize::from(!want.is_empty());
                    continue;
                }
                let want = brute(&w, def, start, end, by);
                let url = format!("/api/v1/indicators/{code}/values?period={label}&by={by}");
                let got = me.get(&url).await.json();
                seen.insert(url.clone(), got.to_string());
                let mut have = std::collections::BTreeMap::new();
                if by.is_empty() {
                    let v = got["total"]["value"].as_f64().unwrap() as i64;
                    if v > 0 {
                        have.insert(String::new(), v);
                    }
                } else {
                    have = row_counts(&got);
                    let total: i64 = want.values().sum();
                    assert_eq!(
                        got["total"]["value"].as_f64().unwrap() as i64,
                        total,
                        "{url}: total"
                    );
                }
                assert_eq!(have, want, "{url}");
                compared += 1;
                nonzero += usize::from(!want.is_empty());
            }
        }
        if nonzero == before {
            empty_indicators.push(code.to_owned());
        }
    }
    let whole = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["definition"]["source"] == "actions")
        .count() as u64;
    (compared, empty_indicators, whole, seen)
}

/// Marks, an edit, a merge, a withdrawn consent and a contact, by the
/// coordinator through the API, on people the indicators count.
async fn writes_through_the_services(app: &TestApp) {
    use crate::activities::{day, session, sheet};
    let mut c = app.api_as("coordinator").await;
    let today = day(0);
    let unit = "SHKB-ANK-01";
    // A new session of one of the unit's activities, everyone marked.
    let acts = table(
        app,
        &format!(
            "SELECT a.id, a.starts_on, a.ends_on FROM activities a WHERE a.unit_code = '{unit}' \
             AND a.status <> 'cancelled' AND a.starts_on <= '{today}' AND EXISTS (SELECT 1 FROM activity_participants ap \
             WHERE ap.activity_id = a.id AND ap.withdrawn_on IS NULL) ORDER BY a.id"
        ),
    )
    .await;
    let act = acts
        .first()
        .expect("an activity of the unit with participants");
    let act_id = s(act, "id");
    let on = o(act, "ends_on")
        .filter(|e| *e < today)
        .unwrap_or_else(|| today.clone());
    let ses = session(&mut c, &act_id, &on, "").await;
    let list = c
        .get(&format!("/api/v1/activities/{act_id}/participants"))
        .await
        .json();
    let marks: Vec<Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, p)| json!({"participant_id": p["id"], "mark": if i % 3 == 0 { "absent" } else { "present" }}))
        .collect();
    assert!(!marks.is_empty());
    let r = sheet(&mut c, &act_id, &ses, Value::Array(marks)).await;
    assert!(r.status.is_success(), "{}", r.body);
    // Every mark of this year's sessions of the unit's activities turned.
    let held = table(
        app,
        &format!(
            "SELECT a.activity_id, a.session_id, a.participant_id, a.mark FROM attendance a \
             JOIN activities act ON act.id = a.activity_id WHERE act.unit_code = '{unit}' \
             AND a.held_on >= '{}-01-01' AND a.held_on <= '{today}' ORDER BY 1, 2",
            &today[..4]
        ),
    )
    .await;
    let mut sessions: std::collections::BTreeMap<(String, String), Vec<Value>> = Default::default();
    for m in &held {
        let turned = if s(m, "mark") == "present" {
            "absent"
        } else {
            "present"
        };
        sessions
            .entry((s(m, "activity_id"), s(m, "session_id")))
            .or_default()
            .push(json!({"participant_id": s(m, "participant_id"), "mark": turned}));
    }
    assert!(!sessions.is_empty());
    for ((a, ses), marks) in sessions {
        let r = sheet(&mut c, &a, &ses, Value::Array(marks)).await;
        assert!(r.status.is_success(), "{}", r.body);
    }
    // People of the unit counted somewhere: one edited, two merged, one
    // withdrawing consent.
    let people = table(
        app,
        &format!(
            "SELECT p.id FROM persons p WHERE p.unit_code = '{unit}' AND p.merged_into IS NULL \
             AND EXISTS (SELECT 1 FROM cases c JOIN case_contacts cc ON cc.case_id = c.id \
             WHERE c.person_id = p.id AND cc.contact_on >= '{}-01-01') ORDER BY p.id",
            &today[..4]
        ),
    )
    .await;
    assert!(people.len() >= 4, "{}", people.len());
    let id = |i: usize| s(&people[i], "id");
    let p = c.get(&format!("/api/v1/persons/{}", id(0))).await.json();
    let body = json!({"given_names": p["given_names"], "family_name": p["family_name"],
        "sex": if p["sex"] == "female" { "male" } else { "female" },
        "birth_date": "2010-06-15", "unit_code": unit, "area_code": p["area_code"], "version": p["version"]});
    let r = c
        .json(Method::PUT, &format!("/api/v1/persons/{}", id(0)), body)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (va, vb) = (
        version_of(&mut c, &id(1)).await,
        version_of(&mut c, &id(2)).await,
    );
    let r = c
        .json(
            Method::POST,
            "/api/v1/merges",
            json!({"survivor_id": id(1), "merged_id": id(2),
            "survivor_version": va, "merged_version": vb, "take_from_merged": []}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let who = id(3);
    let cid = give_statistics_consent(&mut c, &who, "test").await;
    withdraw_consent(&mut c, &who, &cid).await;
    // A contact on an open case of someone else.
    let case = table(
        app,
        &format!(
            "SELECT c.id FROM cases c JOIN persons p ON p.id = c.person_id WHERE c.unit_code = '{unit}' \
             AND c.status = 'open' AND p.merged_into IS NULL AND p.id NOT IN ('{}', '{}', '{}') ORDER BY c.id",
            id(1),
            id(2),
            id(3)
        ),
    )
    .await;
    let case = s(case.first().expect("an open case"), "id");
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/cases/{case}/contacts"),
            json!({"kind": "home_visit"}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
}

// ------------------------------------------------------------ behaviour

/// Records a consent to statistics for `who` through the API; its id.
async fn give_statistics_consent(c: &mut Client<'_>, who: &str, given_by: &str) -> String {
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/persons/{who}/consents"),
            json!({"purpose": "statistics", "legal_basis": "explicit_consent", "text_version": "2026-01",
                   "language": "tr", "given_by": given_by}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["purpose"] == "statistics")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Withdraws consent `cid` of `who` through the API.
async fn withdraw_consent(c: &mut Client<'_>, who: &str, cid: &str) {
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/persons/{who}/consents/{cid}/withdraw"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
}

async fn total(c: &mut Client<'_>, code: &str, query: &str) -> Value {
    let r = c
        .get(&format!("/api/v1/indicators/{code}/values?{query}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["total"].clone()
}

async fn version_of(c: &mut Client<'_>, person: &str) -> i64 {
    c.get(&format!("/api/v1/persons/{person}")).await.json()["version"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn runs_are_read_from_memory_until_a_write_and_kept_warm_by_the_refresher() {
    use crate::activities::{create, day, person, session, sheet};
    let app = spawn_app().await;
    let store = app.store();
    let mut me = app.api_as("coordinator").await;
    let q = format!("period={}", &day(0)[..4]);
    let value = |v: Value| v["value"].as_f64().unwrap();
    let base = value(total(&mut me, "SR-HLT-1", &q).await);
    let s0 = store.indicator_cache_stats();
    // The same run again, and by sex and by age: all from memory.
    assert_eq!(value(total(&mut me, "SR-HLT-1", &q).await), base);
    let by_sex = me
        .get(&format!(
            "/api/v1/indicators/SR-HLT-1/values?{q}&by=sex,age"
        ))
        .await
        .json();
    assert_eq!(by_sex["total"]["value"].as_f64(), Some(base));
    let s1 = store.indicator_cache_stats();
    assert_eq!(s1.misses, s0.misses, "{s0:?} {s1:?}");
    assert!(s1.hits >= s0.hits + 2, "{s0:?} {s1:?}");

    // A mark through the service moves the stamp: the next read computes.
    let a = person(&mut me, "Nurcan", "Ateş").await;
    let act = create(
        &mut me,
        json!({
            "programme_code": "SIROMA", "result_area": "Access to health",
            "unit_code": "SHKB-ANK-01", "kind": "health_literacy",
            "titles": {"tr": "Sağlık okuryazarlığı", "en": "Health literacy"},
            "area_code": "TR-06-ALTINDAG", "starts_on": day(0), "ends_on": day(0),
        }),
    )
    .await;
    let act = act["id"].as_str().unwrap().to_owned();
    let r = me
        .json(
            Method::POST,
            &format!("/api/v1/activities/{act}/participants"),
            json!({"person_ids": [a]}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let list = me
        .get(&format!("/api/v1/activities/{act}/participants"))
        .await
        .json();
    let pa = list["items"][0]["id"].as_str().unwrap().to_owned();
    let ses = session(&mut me, &act, &day(0), "").await;
    let r = sheet(
        &mut me,
        &act,
        &ses,
        json!([{"participant_id": pa, "mark": "present"}]),
    )
    .await;
    assert!(r.status.is_success(), "{}", r.body);
    // The refresher brings the run read a moment ago up to the data…
    assert!(store.refresh_indicator_cache().await.unwrap() >= 1);
    assert_eq!(store.refresh_indicator_cache().await.unwrap(), 0);
    let s2 = store.indicator_cache_stats();
    // …so that the next read is from memory, and current.
    assert_eq!(value(total(&mut me, "SR-HLT-1", &q).await), base + 1.0);
    let s3 = store.indicator_cache_stats();
    assert_eq!(s3.misses, s2.misses, "{s2:?} {s3:?}");

    // A write around the services is announced, and then read afresh.
    kopru_store::Sql::new("UPDATE attendance SET mark = 'absent' WHERE session_id = ")
        .bind(ses.clone())
        .execute(store.pool())
        .await
        .unwrap();
    store.data_changed();
    assert_eq!(value(total(&mut me, "SR-HLT-1", &q).await), base);
    assert_eq!(store.indicator_cache_stats().misses, s3.misses + 1);
}

#[tokio::test]
async fn a_restarted_server_computes_the_runs_read_before_it_stopped() {
    let app = spawn_app().await;
    let store = app.store();
    kopru_store::demo::load_people(store, 30).await.unwrap();
    kopru_store::demo::load_activities(store).await.unwrap();
    kopru_store::demo::load_indicators(store).await.unwrap();
    let mut me = app.api_as("analyst").await;
    let names = json!({"tr": "Kurs katılımcıları", "en": "Course participants", "sr-Cyrl": "Полазници", "sr-Latn": "Polaznici"});
    let mine = |version: i64| {
        json!({"code": "MY-1", "version": version, "names": names, "kind": "people",
            "source": "attendance", "where": [{"field": "mark", "in": ["present"]}],
            "disaggregations": ["sex", "area"], "sets": ["mine"]})
    };
    let r = me.json(Method::POST, "/api/v1/indicators", mine(1)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // What an M&E officer reads: a programme's dashboard and an indicator.
    let r = me.get("/api/v1/dashboards/SIROMA").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let dashboard = r.json();
    total(&mut me, "MY-1", "by=sex").await;
    let read = store.indicator_cache_stats().entries;
    assert!(read > 12, "{read}");
    assert_eq!(store.save_indicator_reads().await.unwrap(), read);
    // Nothing read since: nothing written again.
    assert_eq!(store.save_indicator_reads().await.unwrap(), 0);

    // Another process on the same database (a restart): it computes what was
    // read before, with nothing in its memory to start from.
    let restarted = kopru_store::Store::open(&app.db.location).await.unwrap();
    assert_eq!(restarted.indicator_cache_stats().entries, 0);
    assert_eq!(restarted.warm_indicator_cache().await.unwrap(), read);
    assert_eq!(restarted.indicator_cache_stats().entries, read);
    restarted.close().await;

    // A definition published since is not computed in its old version, and a
    // row that does not parse is passed over.
    let r = me.json(Method::POST, "/api/v1/indicators", mine(2)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    kopru_store::Sql::new(
        "INSERT INTO indicator_reads (key, rank, inputs, saved_at) VALUES ('x', -1, '{\"def\": 1', '')",
    )
    .execute(store.pool())
    .await
    .unwrap();
    store.clear_indicator_cache();
    assert_eq!(store.warm_indicator_cache().await.unwrap(), read - 1);
    // The first reader after the restart reads from memory, the same values.
    let before = store.indicator_cache_stats();
    let r = me.get("/api/v1/dashboards/SIROMA").await;
    assert_eq!(r.json(), dashboard);
    let after = store.indicator_cache_stats();
    assert_eq!(after.misses, before.misses, "{before:?} {after:?}");
    assert!(after.hits > before.hits, "{before:?} {after:?}");
}

#[tokio::test]
async fn a_mark_a_merge_and_a_withdrawn_consent_show_in_the_values_at_once() {
    use crate::activities::{create, day, person, session, sheet};
    let app = spawn_app().await;
    let mut me = app.api_as("coordinator").await;
    let q = format!("period={}", &day(0)[..4]);
    let base = total(&mut me, "SR-HLT-1", &q).await["value"]
        .as_f64()
        .unwrap();
    let a = person(&mut me, "Ayten", "Gündüz").await;
    let b = person(&mut me, "Ayten", "Gunduz").await;
    let act = create(
        &mut me,
        json!({
            "programme_code": "SIROMA", "result_area": "Access to health",
            "unit_code": "SHKB-ANK-01", "kind": "health_literacy",
            "titles": {"tr": "Sağlık okuryazarlığı", "en": "Health literacy"},
            "area_code": "TR-06-ALTINDAG", "starts_on": day(0), "ends_on": day(0),
        }),
    )
    .await;
    let act = act["id"].as_str().unwrap().to_owned();
    let r = me
        .json(
            Method::POST,
            &format!("/api/v1/activities/{act}/participants"),
            json!({"person_ids": [a, b]}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let s = session(&mut me, &act, &day(0), "").await;
    let list = me
        .get(&format!("/api/v1/activities/{act}/participants"))
        .await
        .json();
    let pid = |who: &str| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["person_id"] == who)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (pa, pb) = (pid(&a), pid(&b));
    // Nobody counted before attendance; each mark shows at once.
    assert_eq!(
        (total(&mut me, "SR-HLT-1", &q).await["value"]
            .as_f64()
            .unwrap()
            - base),
        0.0
    );
    let r = sheet(&mut me, &act, &s, json!([{"participant_id": pa, "mark": "present"}, {"participant_id": pb, "mark": "present"}])).await;
    assert!(r.status.is_success(), "{}", r.body);
    assert_eq!(
        (total(&mut me, "SR-HLT-1", &q).await["value"]
            .as_f64()
            .unwrap()
            - base),
        2.0
    );
    sheet(
        &mut me,
        &act,
        &s,
        json!([{"participant_id": pb, "mark": "absent"}]),
    )
    .await;
    assert_eq!(
        (total(&mut me, "SR-HLT-1", &q).await["value"]
            .as_f64()
            .unwrap()
            - base),
        1.0
    );
    sheet(
        &mut me,
        &act,
        &s,
        json!([{"participant_id": pb, "mark": "present"}]),
    )
    .await;
    assert_eq!(
        (total(&mut me, "SR-HLT-1", &q).await["value"]
            .as_f64()
            .unwrap()
            - base),
        2.0
    );
    // The two records are one woman: merged, she is counted once.
    let (va, vb) = (version_of(&mut me, &a).await, version_of(&mut me, &b).await);
    let r = me
        .json(
            Method::POST,
            "/api/v1/merges",
            json!({"survivor_id": a, "merged_id": b,
            "survivor_version": va, "merged_version": vb, "take_from_merged": []}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        (total(&mut me, "SR-HLT-1", &q).await["value"]
            .as_f64()
            .unwrap()
            - base),
        1.0
    );
    // She withdraws her consent to statistics: no longer counted at all.
    let cid = give_statistics_consent(&mut me, &a, "Ayten Gündüz").await;
    assert_eq!(
        (total(&mut me, "SR-HLT-1", &q).await["value"]
            .as_f64()
            .unwrap()
            - base),
        1.0,
        "a consent given changes nothing"
    );
    withdraw_consent(&mut me, &a, &cid).await;
    assert_eq!(
        (total(&mut me, "SR-HLT-1", &q).await["value"]
            .as_f64()
            .unwrap()
            - base),
        0.0
    );
}

/// Lines of a cross-table (each row and column with its total, the margins
/// with the grand total): solve every line with one unknown until nothing
/// moves, as someone would with a pencil. Returns the cells recovered.
fn recover(t: &Value) -> Vec<(String, i64)> {
    let num = |c: &Value| -> Option<i64> {
        (!c["hidden"].as_bool().unwrap()).then(|| c["value"].as_f64().unwrap() as i64)
    };
    let cells: Vec<Vec<Option<i64>>> = t["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap().iter().map(num).collect())
        .collect();
    let mut grid: Vec<Vec<Option<i64>>> = cells.clone();
    let rows: Vec<Option<i64>> = t["row_totals"]
        .as_array()
        .unwrap()
        .iter()
        .map(num)
        .collect();
    let cols: Vec<Option<i64>> = t["column_totals"]
        .as_array()
        .unwrap()
        .iter()
        .map(num)
        .collect();
    let mut out = Vec::new();
    loop {
        let mut moved = false;
        for (i, row) in grid.iter_mut().enumerate() {
            let unknown: Vec<usize> = (0..row.len()).filter(|j| row[*j].is_none()).collect();
            if let (1, Some(total)) = (unknown.len(), rows[i]) {
                let known: i64 = row.iter().flatten().sum();
                row[unknown[0]] = Some(total - known);
                out.push((format!("{i},{}", unknown[0]), total - known));
                moved = true;
            }
        }
        for j in 0..cols.len() {
            let unknown: Vec<usize> = (0..grid.len()).filter(|i| grid[*i][j].is_none()).collect();
            if let (1, Some(total)) = (unknown.len(), cols[j]) {
                let known: i64 = grid.iter().filter_map(|r| r[j]).sum();
                grid[unknown[0]][j] = Some(total - known);
                out.push((format!("{},{j}", unknown[0]), total - known));
                moved = true;
            }
        }
        if !moved {
            return out;
        }
    }
}

#[tokio::test]
async fn small_cells_are_hidden_from_readers_of_aggregates_and_cannot_be_recovered() {
    let app = spawn_app().await;
    let store = app.store();
    kopru_store::demo::load_people(store, 120).await.unwrap();
    kopru_store::demo::load_casework(store).await.unwrap();
    kopru_store::demo::load_activities(store).await.unwrap();
    let year: i32 = this_year().parse().unwrap();
    add_generated(&app, year).await;
    // An M&E officer of Türkiye reads every cell of what the manager of
    // Türkiye reads as aggregates.
    crate::cases::add_user(&app, "trme", kopru_domain::Role::MeOfficer, "country:TR").await;
    let mut analyst = app.api_as("trme").await;
    let mut manager = app.api_as("manager").await;
    let mut checked = 0;
    for (code, by) in [
        ("HL01", "sex,area"),
        ("ESF-O-ALL", "age,sex"),
        ("ESF-O-ALL", "programme,sex"),
        ("HL01", "unit,sex"),
    ] {
        let url = format!("/api/v1/indicators/{code}/values?period={year}&by={by}");
        let full = analyst.get(&url).await.json();
        let seen = manager.get(&url).await.json();
        assert_eq!(full["small_cells_hidden"], false);
        assert_eq!(seen["small_cells_hidden"], true, "{url}");
        let small = |c: &Value| c["value"].as_f64().is_some_and(|v| v > 0.0 && v < 5.0);
        for (fr, sr) in full["cells"]
            .as_array()
            .unwrap()
            .iter()
            .zip(seen["cells"].as_array().unwrap())
        {
            for (f, s) in fr.as_array().unwrap().iter().zip(sr.as_array().unwrap()) {
                if small(f) {
                    assert_eq!(s["hidden"], true, "{url}: a small cell is shown");
                    checked += 1;
                }
                if s["hidden"] == true {
                    assert!(
                        s["value"].is_null(),
                        "{url}: a hidden cell carries its value"
                    );
                } else {
                    assert_eq!(s["value"], f["value"], "{url}: a shown cell differs");
                }
            }
        }
        assert!(
            recover(&seen).is_empty(),
            "{url}: recovered {:?}",
            recover(&seen)
        );
        // The export hides exactly what the page and the API hide.
        let r = manager
            .get(&format!(
                "/api/v1/indicators/{code}/export?format=csv&period={year}&by={by}"
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        let hidden = seen["cells"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r.as_array().unwrap().clone())
            .chain(seen["row_totals"].as_array().unwrap().iter().cloned())
            .chain(seen["column_totals"].as_array().unwrap().iter().cloned())
            .filter(|c| c["hidden"] == true)
            .count();
        assert_eq!(r.body.matches("<5").count(), hidden, "{url}: {}", r.body);
    }
    assert!(checked > 0, "the data holds small cells");
    // A threshold of the installation's choosing.
    let app10 = spawn_app_with(|c| c.small_cell_threshold = 10).await;
    let mut m = app10.api_as("manager").await;
    let v = m
        .get(&format!(
            "/api/v1/indicators/HL01/values?period={year}&by=sex"
        ))
        .await
        .json();
    assert_eq!(v["threshold"], 10);
}

#[tokio::test]
async fn tables_by_ethnicity_and_disability_open_each_persons_sealed_value_for_those_who_may() {
    let app = spawn_app().await;
    let store = app.store();
    kopru_store::demo::load_people(store, 120).await.unwrap();
    kopru_store::demo::load_casework(store).await.unwrap();
    kopru_store::demo::load_activities(store).await.unwrap();
    // Disability recorded for some (ethnicity the demo records for most).
    let writer = kopru_domain::Principal {
        user_id: String::new(),
        username: "t".into(),
        assignments: vec![kopru_domain::policy::Assignment {
            role: kopru_domain::Role::UnitCoordinator,
            scope: kopru_domain::Scope::Installation,
        }],
    };
    let people = table(&app, "SELECT id FROM persons ORDER BY id").await;
    let mut disabled = 0;
    for (i, p) in people.iter().enumerate() {
        let value = match i % 4 {
            0 => "yes",
            1 => "no",
            _ => continue,
        };
        let v = kopru_store::registry::SpecialValue {
            value: value.into(),
            notes: None,
        };
        let set = store
            .set_special(
                &kopru_store::audit::Actor::system("t"),
                &writer,
                &s(p, "id"),
                kopru_domain::person::SpecialCategory::Disability,
                Some(&v),
            )
            .await;
        disabled += usize::from(set.is_ok() && value == "yes");
    }
    assert!(disabled > 5, "{disabled}");
    let mut w = World::load(&app).await;
    w.open_special(&app).await;
    crate::access::add_user(
        &app,
        "allcoord",
        vec![
            (kopru_domain::Role::UnitCoordinator, "country:TR"),
            (kopru_domain::Role::UnitCoordinator, "country:RS"),
        ],
    )
    .await;
    let mut me = app.api_as("allcoord").await;
    let year: i32 = this_year().parse().unwrap();
    let mut seen_roma = 0.0;
    let mut seen_disabled = 0.0;
    for code in ["HL01", "SR-EDU-1", "HL08", "ESF-O-ALL"] {
        let def = me.get(&format!("/api/v1/indicators/{code}")).await.json();
        let def = &def["definition"];
        for by in ["ethnicity", "disability"] {
            let url = format!("/api/v1/indicators/{code}/values?period={year}&by={by}");
            let r = me.get(&url).await;
            assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.body);
            let got = r.json();
            let want = brute(
                &w,
                def,
                &format!("{year}-01-01"),
                &format!("{year}-12-31"),
                by,
            );
            assert_eq!(row_counts(&got), want, "{url}");
            // Every value of the category is a row, stated or not.
            let keys: Vec<&str> = got["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["key"].as_str().unwrap())
                .collect();
            let all: &[&str] = if by == "ethnicity" {
                &["roma", "not_roma", "not_stated"]
            } else {
                &["yes", "no", "not_stated"]
            };
            assert_eq!(keys, all, "{url}");
            seen_roma += got["row_totals"][0]["value"].as_f64().unwrap()
                * f64::from(u8::from(by == "ethnicity"));
            seen_disabled += got["row_totals"][0]["value"].as_f64().unwrap()
                * f64::from(u8::from(by == "disability"));
        }
    }
    assert!(
        seen_roma > 0.0 && seen_disabled > 0.0,
        "{seen_roma} {seen_disabled}"
    );
    // A cross-table with another breakdown adds up.
    let r = me
        .get(&format!(
            "/api/v1/indicators/HL01/values?period={year}&by=sex,ethnicity"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let t = r.json();
    let cells: f64 = t["cells"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap().iter())
        .map(|c| c["value"].as_f64().unwrap())
        .sum();
    assert_eq!(cells, t["total"]["value"].as_f64().unwrap());
    // Each reading is in the audit log, by category; never the values.
    let logged = table(
        &app,
        "SELECT details FROM audit_log WHERE action = 'indicator.special.read' AND actor_name = 'allcoord'",
    )
    .await;
    assert_eq!(logged.len(), 9, "{logged:?}");
    assert!(logged.iter().all(|r| !s(r, "details").contains("roma")));
    // One category at a time; a right narrower than the indicators one
    // sees is refused, not silently partial.
    let r = me
        .get("/api/v1/indicators/HL01/values?by=ethnicity,disability")
        .await;
    assert_eq!(codes(&r), ["err-indicator-special-one"]);
    crate::access::add_user(
        &app,
        "mixed",
        vec![
            (kopru_domain::Role::UnitCoordinator, "unit:SHKB-ANK-01"),
            (kopru_domain::Role::MeOfficer, ""),
        ],
    )
    .await;
    let mut mixed = app.api_as("mixed").await;
    let r = mixed
        .get("/api/v1/indicators/HL01/values?by=ethnicity")
        .await;
    assert_eq!(codes(&r), ["err-indicator-special-partial"]);
    // The same right over the unit alone reads its table.
    crate::cases::add_user(
        &app,
        "ankcoord",
        kopru_domain::Role::UnitCoordinator,
        "unit:SHKB-ANK-01",
    )
    .await;
    let mut unit = app.api_as("ankcoord").await;
    let r = unit
        .get(&format!(
            "/api/v1/indicators/HL01/values?period={year}&by=ethnicity"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut analyst = app.api_as("analyst").await;
    let r = analyst
        .get("/api/v1/indicators/HL01/values?by=ethnicity")
        .await;
    assert_eq!(codes(&r), ["err-indicator-ethnicity-refused"]);
    // Pages: the values translated for the one who may, the reason for the
    // one who may not.
    let mut page = app.signed_in("allcoord").await;
    let r = page
        .get(&format!("/indicators/HL01?period={year}&by=ethnicity"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("Not Roma") || r.body.contains("Roman değil"),
        "{}",
        r.body
    );
    let mut page = app.signed_in("analyst").await;
    let r = page
        .get(&format!("/indicators/HL01?period={year}&by=ethnicity"))
        .await;
    assert!(
        r.body.contains("may not read ethnicity")
            || r.body.contains("etnik köken bilgisini okuyamaz"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn ethnicity_breakdowns_are_refused_by_name_and_bad_queries_named() {
    let app = spawn_app().await;
    let mut manager = app.api_as("manager").await;
    let r = manager
        .get("/api/v1/indicators/HL01/values?by=ethnicity")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(codes(&r), ["err-indicator-ethnicity-refused"]);
    let r = manager
        .get("/api/v1/indicators/HL01/values?by=disability")
        .await;
    assert_eq!(codes(&r), ["err-indicator-special-refused"]);
    let r = manager
        .get("/api/v1/indicators/HL10/values?by=ethnicity")
        .await;
    assert_eq!(codes(&r), ["err-indicator-dimension-not-allowed"]);
    let r = manager
        .get("/api/v1/indicators/HL01/values?period=2026-13&by=sex,area,unit&bands=ten&every=week")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut got = codes(&r);
    got.sort();
    assert_eq!(
        got,
        [
            "err-indicator-bands",
            "err-indicator-every",
            "err-indicator-period",
            "err-indicator-two-dimensions"
        ]
    );
    let r = manager.get("/api/v1/indicators/HL10/values?by=sex").await;
    assert_eq!(codes(&r), ["err-indicator-dimension-not-allowed"]);
    assert_eq!(
        manager.get("/api/v1/indicators/NOPE/values").await.status,
        StatusCode::NOT_FOUND
    );
    let mut volunteer = app.api_as("volunteer").await;
    assert_eq!(
        volunteer.get("/api/v1/indicators").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        volunteer.get("/api/v1/indicators/HL01/values").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn definitions_are_published_with_every_problem_named_and_targets_halve_a_gap() {
    let app = spawn_app().await;
    let mut analyst = app.api_as("analyst").await;
    let bad = json!({"code": "MY 1", "version": 1, "names": {"en": "Mine"}, "kind": "people",
        "source": "attendance", "where": [{"field": "colour", "in": ["red"]}]});
    let r = analyst.json(Method::POST, "/api/v1/indicators", bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let got = codes(&r);
    for c in [
        "indicator-def-code",
        "indicator-def-name",
        "indicator-def-field",
    ] {
        assert!(got.contains(&c.to_owned()), "{c} in {got:?}");
    }
    let names = json!({"tr": "Kurs katılımcıları", "en": "Course participants", "sr-Cyrl": "Полазници", "sr-Latn": "Polaznici"});
    let good = json!({"code": "MY-1", "version": 1, "names": names, "kind": "people", "source": "attendance",
        "where": [{"field": "mark", "in": ["present"]}], "disaggregations": ["sex", "area"], "sets": ["mine"]});
    let mut manager = app.api_as("manager").await;
    assert_eq!(
        manager
            .json(Method::POST, "/api/v1/indicators", good.clone())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = analyst
        .json(Method::POST, "/api/v1/indicators", good.clone())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = analyst.json(Method::POST, "/api/v1/indicators", good).await;
    assert_eq!(codes(&r), ["indicator-def-version-not-newer"]);
    let ratio = json!({"code": "MY-R", "version": 1, "names": names, "kind": "ratio", "numerator": "MY-1", "denominator": "NOPE"});
    let r = analyst
        .json(Method::POST, "/api/v1/indicators", ratio)
        .await;
    assert_eq!(codes(&r), ["indicator-def-unknown-indicator"]);
    assert_eq!(
        analyst
            .get("/api/v1/indicators/MY-1/values?by=sex")
            .await
            .status,
        StatusCode::OK
    );

    // Halve the gap: baseline 20, the majority's 80 → target 50.
    let t = json!({"area": "", "period": "2030", "baseline": 20.0, "baseline_year": 2024,
        "reference_value": 80.0, "gap_closed": 0.5, "note": "EU framework"});
    let r = analyst
        .json(Method::PUT, "/api/v1/indicators/HL07/targets", t.clone())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let version = r.json()["version"].as_i64().unwrap();
    let v = analyst
        .get("/api/v1/indicators/HL07/values?period=2030")
        .await
        .json();
    assert_eq!(v["goal"], 50.0);
    assert_eq!(v["target"]["reference_value"], 80.0);
    // Replacing it needs the version read: two editors never overwrite unseen.
    let r = analyst
        .json(Method::PUT, "/api/v1/indicators/HL07/targets", t.clone())
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let mut t2 = t.clone();
    t2["version"] = json!(version);
    t2["gap_closed"] = json!(1.5);
    let r = analyst
        .json(Method::PUT, "/api/v1/indicators/HL07/targets", t2.clone())
        .await;
    assert_eq!(codes(&r), ["err-gap-closed"]);
    let r = analyst
        .json(Method::PUT, "/api/v1/indicators/HL07/targets", json!({"period": "2030", "target": 60, "gap_closed": 0.5, "reference_value": 1, "version": version}))
        .await;
    assert!(
        codes(&r).contains(&"err-target-absolute-or-relative".to_owned()),
        "{}",
        r.body
    );
    assert_eq!(
        manager
            .json(Method::PUT, "/api/v1/indicators/HL07/targets", t)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn adx_exports_validate_against_the_schema_and_data_value_sets_follow_the_mapping() {
    let app = spawn_app().await;
    let store = app.store();
    kopru_store::demo::load_people(store, 60).await.unwrap();
    kopru_store::demo::load_casework(store).await.unwrap();
    kopru_store::demo::load_activities(store).await.unwrap();
    kopru_store::demo::load_outcomes(store).await.unwrap();
    let year = this_year();
    // The schema as IHE publishes it (dhis2/adx, IHE2015/schema), kept in the repository.
    let schema = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/standards/adx/adx_loose.xsd"
    );
    let dir = std::env::temp_dir().join(format!("kopru-adx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (who, period) in [
        ("analyst", year.clone()),
        ("analyst", format!("{year}-Q1")),
        ("manager", format!("{year}-02")),
        ("analyst", format!("{year}-01-10..{year}-02-20")),
        (
            "coordinator",
            format!("{}/{year}", year.parse::<i32>().unwrap() - 1),
        ),
    ] {
        let mut c = app.api_as(who).await;
        let r = c.get(&format!("/api/v1/exports/adx?period={period}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("<dataValue"), "{who} {period}: {}", r.body);
        let file = dir.join(format!("{who}-{}.xml", period.replace(['/', '.'], "_")));
        std::fs::write(&file, &r.bytes).unwrap();
        let out = std::process::Command::new("xmllint")
            .args(["--noout", "--schema", schema])
            .arg(&file)
            .output()
            .expect("xmllint (Debian's libxml2-utils) validates ADX exports: apt-get install libxml2-utils");
        assert!(
            out.status.success(),
            "{who} {period}: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            r.body
        );
        if who == "manager" {
            assert!(
                r.header("x-kopru-suppressed-values")
                    .unwrap()
                    .parse::<usize>()
                    .unwrap()
                    > 0
            );
        }
    }
    let mut c = app.api_as("analyst").await;
    let r = c
        .get(&format!(
            "/api/v1/exports/data-value-sets?period={year}&indicators=HL01,HL08"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert_eq!(v["dataSet"], "KpRomaSet01");
    let values = v["dataValues"].as_array().unwrap();
    assert!(!values.is_empty());
    for d in values {
        assert_eq!(d["period"], year.as_str());
        assert!(
            ["HL01", "HL08"]
                .iter()
                .any(|_| d["dataElement"] == "KpHl01Reach" || d["dataElement"] == "KpHl08Docum"),
            "{d}"
        );
        assert!(
            d["categoryOptionCombo"] == "KpCocFemale" || d["categoryOptionCombo"] == "KpCocMale01",
            "{d}"
        );
    }
    // The ADX and dataValueSets values agree: the female reach of Ankara.
    let adx = c
        .get(&format!(
            "/api/v1/exports/adx?period={year}&indicators=HL01"
        ))
        .await
        .body;
    let ankara = values
        .iter()
        .find(|d| {
            d["dataElement"] == "KpHl01Reach"
                && d["categoryOptionCombo"] == "KpCocFemale"
                && d["orgUnit"] == "KpOu6658b37"
        })
        .map(|d| d["value"].as_str().unwrap().to_owned());
    if let Some(n) = ankara {
        assert!(adx.contains(&format!("SEX=\"F\" value=\"{n}\"")), "{adx}");
    }
    let r = c
        .get(&format!(
            "/api/v1/exports/data-value-sets?period={year}-01-10..{year}-02-20"
        ))
        .await;
    assert_eq!(codes(&r), ["err-dhis2-period"]);
    let r = c.get("/api/v1/exports/adx?indicators=ESF-O-ALL").await;
    assert_eq!(codes(&r), ["err-dhis2-unmapped"]);
    let mut v = app.api_as("volunteer").await;
    assert_eq!(
        v.get("/api/v1/exports/adx").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn dashboards_are_composed_read_and_printed_by_programme() {
    let app = spawn_app().await;
    let store = app.store();
    kopru_store::demo::load_people(store, 60).await.unwrap();
    kopru_store::demo::load_activities(store).await.unwrap();
    kopru_store::demo::load_outcomes(store).await.unwrap();
    kopru_store::demo::load_strategy(store).await.unwrap();
    assert_eq!(kopru_store::demo::load_indicators(store).await.unwrap(), 3);
    let year = this_year();
    let mut analyst = app.api_as("analyst").await;
    let list = analyst.get("/api/v1/dashboards").await.json();
    assert_eq!(list.as_array().unwrap().len(), 3);
    let v = analyst
        .get(&format!("/api/v1/dashboards/SIROMA?period={year}"))
        .await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.body);
    let v = v.json();
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 12);
    // Each item is the indicator's own values (same total as asked alone).
    let alone = total(&mut analyst, "HL08", &format!("period={year}&by=area")).await;
    let hl08 = items.iter().find(|i| i["indicator"] == "HL08").unwrap();
    assert_eq!(hl08["values"]["total"], alone);
    assert_eq!(hl08["values"]["by"][0], "area");
    assert_eq!(hl08["values"]["goal"], 120.0);
    // Readers of aggregates get the same dashboard with small cells hidden.
    let mut manager = app.api_as("manager").await;
    let m = manager
        .get(&format!("/api/v1/dashboards/SIROMA?period={year}"))
        .await
        .json();
    assert!(m["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["values"]["small_cells_hidden"] == true));
    // The page, in the reader's language, with every item.
    let mut web = app.signed_in("analyst").await;
    let page = web.get(&format!("/dashboards/SIROMA?period={year}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.body.matches("class=\"card dashboard-item\"").count(),
        12
    );
    // An item by area is drawn as a map too, with ids of its own.
    let provinces = hl08["values"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["key"].as_str().unwrap().starts_with("TR-"))
        .count();
    assert!(provinces > 0);
    assert!(page.body.contains("id=\"map-hl08-tr\""));
    assert!(page.body.contains("data-area=\"TR-06\""));
    // Composing: every bad item named by its place; a stale version refused.
    let r = analyst
        .json(
            Method::POST,
            "/api/v1/dashboards",
            json!({"code": "MINE", "titles": {"en": "Mine"},
            "items": [{"indicator": "HL10", "by": "sex"}, {"indicator": "NOPE", "by": ""}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let fields: Vec<String> = r.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["items[0].by", "items[1].indicator"]);
    let body = json!({"code": "MINE", "titles": {"en": "Mine"}, "programme_code": "SIROMA",
        "items": [{"indicator": "HL01", "by": "sex"}]});
    let r = analyst
        .json(Method::POST, "/api/v1/dashboards", body.clone())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        analyst
            .json(Method::POST, "/api/v1/dashboards", body.clone())
            .await
            .status,
        StatusCode::CONFLICT
    );
    let mut upd = body.clone();
    upd["version"] = json!(1);
    assert_eq!(
        analyst
            .json(Method::PUT, "/api/v1/dashboards/MINE", upd.clone())
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        analyst
            .json(Method::PUT, "/api/v1/dashboards/MINE", upd)
            .await
            .status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        manager
            .json(Method::POST, "/api/v1/dashboards", body)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Composed on the page: items one a line.
    let r = web
        .post_form(
            "/dashboards",
            &[
                ("code", "PAGE"),
                ("title_en", "From the page"),
                ("items", "HL01 sex\nHL08 colour"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = web
        .post_form(
            "/dashboards",
            &[
                ("code", "PAGE"),
                ("title_en", "From the page"),
                ("items", "HL01 sex\nHL08 area"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/dashboards/PAGE");
}

/// A stand-in DHIS2: `POST /{name}/api/dataValueSets` checks the token and
/// what a dataValueSets document must hold, keeps what it received, and
/// answers as DHIS2 2.38+ does — `open` imports every value, `closed`
/// refuses them all with 409 and a conflict each.
async fn stand_in_dhis2() -> (String, std::sync::Arc<std::sync::Mutex<Vec<Value>>>) {
    use axum::body::Bytes;
    use axum::http::HeaderMap;
    let received: std::sync::Arc<std::sync::Mutex<Vec<Value>>> = Default::default();
    let keep = received.clone();
    let answer = move |name: &'static str, headers: HeaderMap, body: Bytes| {
        let keep = keep.clone();
        async move {
            let header = |k: &str| {
                headers
                    .get(k)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned()
            };
            if header("authorization") != "ApiToken d2pat_stand_in" {
                return (
                    StatusCode::UNAUTHORIZED,
                    json!({"httpStatus": "Unauthorized"}).to_string(),
                );
            }
            let Ok(doc) = serde_json::from_slice::<Value>(&body) else {
                return (StatusCode::BAD_REQUEST, "not JSON".to_owned());
            };
            assert_eq!(header("content-type"), "application/json");
            let values = doc["dataValues"].as_array().cloned().unwrap_or_default();
            for v in &values {
                for k in [
                    "dataElement",
                    "period",
                    "orgUnit",
                    "categoryOptionCombo",
                    "value",
                ] {
                    assert!(
                        v[k].as_str().is_some_and(|s| !s.is_empty()),
                        "a data value without {k}: {v}"
                    );
                }
                assert!(v["value"].as_str().unwrap().parse::<f64>().is_ok(), "{v}");
            }
            keep.lock().unwrap().push(doc);
            let n = values.len();
            if name == "closed" {
                let conflicts: Vec<Value> = values
                    .iter()
                    .map(|v| json!({"object": v["period"], "value": "Period is closed for data entry"}))
                    .collect();
                return (
                    StatusCode::CONFLICT,
                    json!({"httpStatus": "Conflict", "status": "WARNING", "response": {
                        "responseType": "ImportSummary", "status": "WARNING",
                        "importCount": {"imported": 0, "updated": 0, "ignored": n, "deleted": 0},
                        "conflicts": conflicts}})
                    .to_string(),
                );
            }
            (
                StatusCode::OK,
                json!({"httpStatus": "OK", "status": "OK", "response": {
                    "responseType": "ImportSummary", "status": "SUCCESS",
                    "importCount": {"imported": n, "updated": 0, "ignored": 0, "deleted": 0}}})
                .to_string(),
            )
        }
    };
    let (a, b) = (answer.clone(), answer);
    let app = axum::Router::new()
        .route(
            "/open/api/dataValueSets",
            axum::routing::post(move |h: HeaderMap, body: Bytes| a("open", h, body)),
        )
        .route(
            "/closed/api/dataValueSets",
            axum::routing::post(move |h: HeaderMap, body: Bytes| b("closed", h, body)),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), received)
}

fn with_dhis2(url: String, token: &str) -> impl FnOnce(&mut kopru_web::WebConfig) {
    let token = token.to_owned();
    move |c| {
        c.dhis2_server = Some(std::sync::Arc::new(kopru_web::Dhis2Server {
            url,
            auth: kopru_web::Dhis2Auth::Token(token),
        }))
    }
}

#[tokio::test]
async fn values_are_pushed_to_a_dhis2_server_that_checks_what_it_receives() {
    let (base, received) = stand_in_dhis2().await;
    let app = spawn_app_with(with_dhis2(format!("{base}/open/"), "d2pat_stand_in")).await;
    let store = app.store();
    kopru_store::demo::load_people(store, 60).await.unwrap();
    kopru_store::demo::load_casework(store).await.unwrap();
    kopru_store::demo::load_activities(store).await.unwrap();
    kopru_store::demo::load_outcomes(store).await.unwrap();
    let year = this_year();
    let mut me = app.api_as("analyst").await;
    let file = me
        .get(&format!("/api/v1/exports/data-value-sets?period={year}"))
        .await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.body);
    let file = file.json();
    let n = file["dataValues"].as_array().unwrap().len();
    assert!(n > 0, "{file}");

    let push = format!("/api/v1/exports/data-value-sets/push?period={year}");
    let r = me.json(Method::POST, &push, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let s = r.json();
    assert_eq!(s["status"], "SUCCESS", "{s}");
    assert_eq!(s["sent"], n);
    assert_eq!(s["imported"], n);
    // What DHIS2 received is the file, value for value.
    assert_eq!(
        received.lock().unwrap().as_slice(),
        std::slice::from_ref(&file)
    );
    let audited: Vec<(String, String)> = kopru_store::Sql::new(
        "SELECT outcome, details FROM audit_log WHERE action = 'indicator.dhis2_push'",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].0, "ok");
    assert!(
        audited[0].1.contains(&format!("\"sent\":{n}")),
        "{audited:?}"
    );

    // Only those who manage indicators send; DHIS2 has no custom ranges.
    let mut manager = app.api_as("manager").await;
    let r = manager.json(Method::POST, &push, json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = me
        .json(
            Method::POST,
            &format!("/api/v1/exports/data-value-sets/push?period={year}-01-10..{year}-02-20"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["errors"][0]["code"], "err-dhis2-period");
    assert_eq!(received.lock().unwrap().len(), 1);

    // The page: the form, and DHIS2's answer on it.
    let mut web = app.signed_in("analyst").await;
    let page = web.get("/indicators").await;
    assert!(page.body.contains("id=\"dhis2-push\""), "{}", page.body);
    let r = web
        .post_form("/dhis2/push", &[("push_period", &year)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("id=\"push-result\""), "{}", r.body);
    assert!(r.body.contains("SUCCESS"), "{}", r.body);
    assert_eq!(received.lock().unwrap().len(), 2);
    let mut web = app.signed_in("manager").await;
    assert!(!web
        .get("/indicators")
        .await
        .body
        .contains("id=\"dhis2-push\""));
}

#[tokio::test]
async fn a_dhis2_server_that_refuses_or_cannot_be_reached_is_said_so_and_nothing_breaks() {
    let (base, received) = stand_in_dhis2().await;
    let year = this_year();
    let push = format!("/api/v1/exports/data-value-sets/push?period={year}");
    // Conflicts: DHIS2 answers 409 with what it refused; Köprü shows it.
    let app = spawn_app_with(with_dhis2(format!("{base}/closed"), "d2pat_stand_in")).await;
    kopru_store::demo::load_people(app.store(), 40)
        .await
        .unwrap();
    kopru_store::demo::load_activities(app.store())
        .await
        .unwrap();
    let mut me = app.api_as("analyst").await;
    let r = me.json(Method::POST, &push, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let s = r.json();
    assert_eq!(s["status"], "WARNING", "{s}");
    assert_eq!(s["imported"], 0);
    assert_eq!(s["ignored"], s["sent"]);
    assert_eq!(
        s["conflicts"].as_array().unwrap().len(),
        s["sent"].as_u64().unwrap().min(50) as usize
    );
    let mut web = app.signed_in("analyst").await;
    let page = web
        .post_form("/dhis2/push", &[("push_period", &year)])
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("WARNING"), "{}", page.body);
    assert_eq!(received.lock().unwrap().len(), 2);

    // A wrong token: 502 and DHIS2's refusal in words.
    let app = spawn_app_with(with_dhis2(format!("{base}/open"), "d2pat_wrong")).await;
    let mut me = app.api_as("analyst").await;
    let r = me.json(Method::POST, &push, json!({})).await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY, "{}", r.body);
    assert!(
        r.json()["detail"].as_str().unwrap().contains("DHIS2"),
        "{}",
        r.body
    );
    let mut web = app.signed_in("analyst").await;
    let page = web
        .post_form("/dhis2/push", &[("push_period", &year)])
        .await;
    assert_eq!(page.status, StatusCode::BAD_GATEWAY);
    assert!(page.body.contains("id=\"push-error\""), "{}", page.body);
    let failed: Vec<(String,)> = kopru_store::Sql::new(
        "SELECT outcome FROM audit_log WHERE action = 'indicator.dhis2_push'",
    )
    .fetch_all(app.store().pool())
    .await
    .unwrap();
    assert_eq!(failed, [("failed".to_owned(),), ("failed".to_owned(),)]);

    // Nobody listening: 502, the reader told to try later.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gone = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let app = spawn_app_with(with_dhis2(gone, "d2pat_stand_in")).await;
    let mut me = app.api_as("analyst").await;
    let r = me.json(Method::POST, &push, json!({})).await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY, "{}", r.body);

    // No server configured: files only, said so.
    let app = spawn_app().await;
    let mut me = app.api_as("analyst").await;
    let r = me.json(Method::POST, &push, json!({})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["errors"][0]["code"], "err-dhis2-not-configured");
    assert!(!app
        .signed_in("analyst")
        .await
        .get("/indicators")
        .await
        .body
        .contains("id=\"dhis2-push\""));
}

#[tokio::test]
async fn a_dashboard_is_changed_on_its_page_and_a_stale_form_overwrites_nothing() {
    let app = spawn_app().await;
    kopru_store::demo::load_indicators(app.store())
        .await
        .unwrap();
    let mut web = app.signed_in("analyst").await;
    let page = web.get("/dashboards/ESF").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("id=\"edit-dashboard\""), "{}", page.body);
    let mut api = app.api_as("analyst").await;
    let before = api.get("/api/v1/dashboards/ESF").await.json();
    let version = before["dashboard"]["version"].as_i64().unwrap().to_string();
    let edit = |version: &str, items: &str| {
        vec![
            ("version", version.to_owned()),
            ("title_tr", "ESF+ göstergeleri".to_owned()),
            ("title_en", "ESF+ at a glance".to_owned()),
            ("programme_code", String::new()),
            ("result_area", String::new()),
            ("items", items.to_owned()),
        ]
    };
    // A bad line is named, and nothing saved.
    let f = edit(&version, "HL01 sex\nNOPE");
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = web.post_form("/dashboards/ESF", &f).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("items[1].indicator"), "{}", r.body);
    // Saved: the page shows the new items.
    let f = edit(&version, "HL01 sex\nHL08 area");
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = web.post_form("/dashboards/ESF", &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let after = api.get("/api/v1/dashboards/ESF").await.json();
    let items: Vec<&str> = after["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["indicator"].as_str().unwrap())
        .collect();
    assert_eq!(items, ["HL01", "HL08"]);
    assert!(web
        .get("/dashboards/ESF")
        .await
        .body
        .contains("ESF+ at a glance"));
    // The same form again (its version is old now): refused, the saved shown.
    let f = edit(&version, "HL10");
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = web.post_form("/dashboards/ESF", &f).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("id=\"dashboard-stale\""), "{}", r.body);
    assert!(r.body.contains("HL01 sex\nHL08 area"), "{}", r.body);
    assert_eq!(
        api.get("/api/v1/dashboards/ESF").await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Readers of aggregates see no form and may not send one.
    let mut manager = app.signed_in("manager").await;
    assert!(!manager
        .get("/dashboards/ESF")
        .await
        .body
        .contains("id=\"edit-dashboard\""));
    let r = manager.post_form("/dashboards/ESF", &f).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn averages_of_form_answers_are_dated_by_the_installations_calendar() {
    let app = spawn_app().await;
    let store = app.store();
    kopru_store::demo::load_people(store, 40).await.unwrap();
    kopru_store::demo::load_casework(store).await.unwrap();
    let year: i32 = this_year().parse().unwrap();
    // A housing assessment sent at 21:30 UTC on the last day of last year:
    // 00:30 on 1 January in Istanbul, so this year's.
    let one = table(
        &app,
        "SELECT s.id, CAST(v.number_value AS TEXT) AS n FROM form_submissions s \
         JOIN form_values v ON v.submission_id = s.id \
         WHERE v.field = 'people_per_room' ORDER BY s.id LIMIT 1",
    )
    .await;
    let (id, per_room) = (s(&one[0], "id"), s(&one[0], "n"));
    let per_room: f64 = per_room.parse().unwrap();
    {
        let _changes = store.data_changes();
        exec(
            &app,
            format!(
                "UPDATE form_submissions SET submitted_at = '{}-12-31T21:30:00.000000Z', \
                 submitted_on = NULL WHERE id = '{id}'",
                year - 1
            ),
        )
        .await;
    }
    assert_eq!(store.fill_submission_days().await.unwrap(), 1);
    assert_eq!(store.fill_submission_days().await.unwrap(), 0);
    let day = table(
        &app,
        &format!("SELECT submitted_on FROM form_submissions WHERE id = '{id}'"),
    )
    .await;
    assert_eq!(s(&day[0], "submitted_on"), format!("{year}-01-01"));
    let mut me = app.api_as("analyst").await;
    let jan = total(&mut me, "SR-HOU-1", &format!("period={year}-01")).await;
    assert_eq!(jan["value"].as_f64(), Some(per_room), "{jan}");
    let dec = total(&mut me, "SR-HOU-1", &format!("period={}-12", year - 1)).await;
    assert_eq!(dec["value"], Value::Null, "{dec}");
    // The year's average is over every answer given in it, by area too.
    let all = table(
        &app,
        &format!(
            "SELECT CAST(v.number_value AS TEXT) AS n FROM form_values v \
             JOIN form_submissions s ON s.id = v.submission_id \
             WHERE v.field = 'people_per_room' AND s.submitted_on LIKE '{year}-%'"
        ),
    )
    .await;
    assert!(all.len() > 3, "{}", all.len());
    let want = all
        .iter()
        .map(|r| s(r, "n").parse::<f64>().unwrap())
        .sum::<f64>()
        / all.len() as f64;
    let got = total(&mut me, "SR-HOU-1", &format!("period={year}")).await;
    assert!(
        (got["value"].as_f64().unwrap() - want).abs() < 1e-9,
        "{got} {want}"
    );
    // A definition adding up answers of several questions is refused by name.
    let mut bad: Value = serde_json::from_str(
        &serde_json::to_string(&me.get("/api/v1/indicators/SR-HOU-1").await.json()["definition"])
            .unwrap(),
    )
    .unwrap();
    bad["code"] = json!("X-HOU");
    bad["where"] = json!([{"field": "form", "in": ["needs_housing"]}]);
    let r = me.json(Method::POST, "/api/v1/indicators", bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("indicator-def-answer-field"), "{}", r.body);
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// How a map draws area `key` of table `t`: its shape, titled with its name
/// and `text`.
fn area_title(t: &Value, key: &str, text: &str) -> String {
    let label = t["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == key)
        .unwrap()["label"]
        .as_str()
        .unwrap();
    format!(
        "data-area=\"{key}\"><title>{}: {text}</title>",
        html_escape(label)
    )
}

#[tokio::test]
async fn the_indicator_page_draws_provinces_and_districts_coloured_by_their_values() {
    // A threshold the demo's smaller provinces fall under, for the manager.
    let app = spawn_app_with(|c| c.small_cell_threshold = 20).await;
    let store = app.store();
    kopru_store::demo::load_people(store, 120).await.unwrap();
    kopru_store::demo::load_casework(store).await.unwrap();
    kopru_store::demo::load_activities(store).await.unwrap();
    let year = this_year();
    for who in ["analyst", "manager"] {
        let mut api = app.api_as(who).await;
        let t = api
            .get(&format!(
                "/api/v1/indicators/HL01/values?period={year}&by=area"
            ))
            .await
            .json();
        let mut page = app.signed_in(who).await;
        let r = page
            .get(&format!("/indicators/HL01?period={year}&by1=area"))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("id=\"map-tr\""), "{who}: no map of Türkiye");
        let mut drawn = 0;
        let mut hidden = 0;
        for (key, c) in row_cells(&t) {
            if !(key.starts_with("TR-") || key.starts_with("RS-")) || key.len() != 5 {
                continue;
            }
            let country = key[..2].to_ascii_lowercase();
            let text = if c["hidden"] == true {
                hidden += 1;
                "&lt;20".to_owned()
            } else {
                format!("{}", c["value"].as_f64().unwrap())
            };
            // Each area with its value in its title, filled by its class or
            // hatched where the value is hidden.
            let title = area_title(&t, key, &text);
            assert!(r.body.contains(&title), "{who}: {title}");
            if c["hidden"] == true {
                assert!(r.body.contains(&format!(
                    "fill=\"url(#map-{country}-hatch)\" data-area=\"{key}\""
                )));
            }
            drawn += 1;
        }
        assert!(drawn >= 2, "{who}: {drawn}");
        if who == "manager" {
            assert!(hidden > 0, "the manager's table hides small provinces: {t}");
            assert!(
                r.body.contains("hidden: a small number") || r.body.contains("gizli: küçük sayı")
            );
        }
    }
    // Districts of a province have no shapes: the page says so.
    let mut page = app.signed_in("analyst").await;
    let r = page
        .get(&format!(
            "/indicators/HL01?period={year}&by1=area&area=TR-06"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains("<figure class=\"map\""));
    assert!(r.body.contains("id=\"map-missing\""));
    // Serbia's districts when the table is Serbia's.
    let r = page
        .get(&format!("/indicators/HL01?period={year}&by1=area&area=RS"))
        .await;
    assert!(r.body.contains("id=\"map-rs\""), "no map of Serbia");
    assert!(!r.body.contains("id=\"map-tr\""));
}

#[tokio::test]
async fn an_installations_map_of_a_provinces_districts_draws_a_table_by_them() {
    // The installation's maps directory holds Ankara's districts (as
    // `scripts/maps-build --parts` writes them; squares here).
    let dir = std::env::temp_dir().join(format!("kopru-maps-{}", kopru_store::new_id()));
    std::fs::create_dir_all(&dir).unwrap();
    let codes = [
        "TR-06-ALTINDAG",
        "TR-06-CANKAYA",
        "TR-06-KECIOREN",
        "TR-06-MAMAK",
    ];
    let areas: Vec<Value> = codes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let x = i * 10;
            json!({"code": c, "d": format!("M{x} 0L{} 0L{} 10L{x} 10Z", x + 10, x + 10)})
        })
        .collect();
    std::fs::write(
        dir.join("TR-06.json"),
        json!({"width": 40, "height": 10, "areas": areas}).to_string(),
    )
    .unwrap();
    let maps = kopru_web::charts::Maps::load(&dir).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let app = spawn_app_with(|c| c.maps = std::sync::Arc::new(maps)).await;
    let store = app.store();
    kopru_store::demo::load_people(store, 120).await.unwrap();
    kopru_store::demo::load_activities(store).await.unwrap();
    let year = this_year();
    let mut api = app.api_as("analyst").await;
    let t = api
        .get(&format!(
            "/api/v1/indicators/HL01/values?period={year}&by=area&area=TR-06"
        ))
        .await
        .json();
    let counted: Vec<(&str, &Value)> = row_cells(&t)
        .into_iter()
        .filter(|(k, _)| codes.contains(k))
        .collect();
    assert!(
        !counted.is_empty(),
        "the demo counts people in Ankara's districts: {t}"
    );
    let mut page = app.signed_in("analyst").await;
    let r = page
        .get(&format!(
            "/indicators/HL01?period={year}&by1=area&area=TR-06"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("id=\"map-tr-06\""), "no map of Ankara");
    assert!(!r.body.contains("id=\"map-missing\""));
    assert!(
        !r.body.contains("id=\"map-tr\""),
        "no value falls on a province"
    );
    for (key, c) in counted {
        let text = format!("{}", c["value"].as_f64().unwrap());
        assert!(r.body.contains(&area_title(&t, key, &text)), "{key}");
    }
    // The provinces' map is still Türkiye's.
    let r = page
        .get(&format!("/indicators/HL01?period={year}&by1=area"))
        .await;
    assert!(r.body.contains("id=\"map-tr\""));
    assert!(!r.body.contains("id=\"map-tr-06\""));
}
