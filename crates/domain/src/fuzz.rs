//! Fuzz targets for the domain's parsers of user input: form definitions and
//! their formulas and conditions, submitted answers, attachments, dates, ID
//! numbers, codes and names. Each reads its folder of `fuzz-corpus/` as
//! regressions and as seeds that proptest mutates (flipped, cut, repeated and
//! spliced bytes), and asserts what must hold for any input: an answer, never
//! a panic or a stack overflow, within the parser's bounds. `cargo test` runs
//! them (256 cases each; `PROPTEST_CASES` for more).

use crate::attachment::{attachment_name, attachment_type, samples};
use crate::form::FormDefinition;
use proptest::prelude::*;
use serde_json::{Map, Value};
use std::path::PathBuf;

fn corpus(dir: &str) -> Vec<(String, Vec<u8>)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz-corpus")
        .join(dir);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .filter_map(|e| e.ok())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap_or_default(),
            )
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "empty corpus {dir}");
    out
}

fn shipped_forms() -> Vec<Vec<u8>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../forms");
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(root)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| std::fs::read(e.path()).unwrap())
        .collect();
    out.sort();
    out
}

/// A mutation: (operation, position, byte, length), applied to a seed.
type Mutation = (u8, usize, u8, usize);

fn mutate(seed: &[u8], edits: &[Mutation]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for &(op, at, byte, len) in edits {
        let at = if b.is_empty() { 0 } else { at % (b.len() + 1) };
        match op % 5 {
            0 if at < b.len() => b[at] ^= byte | 1,
            1 => b.truncate(at),
            2 => b.insert(at, byte),
            3 => {
                let end = (at + len % 64).min(b.len());
                let piece = b[at.min(end)..end].to_vec();
                for _ in 0..(len % 8) {
                    b.splice(at..at, piece.iter().copied());
                }
            }
            _ if at < b.len() => {
                b.remove(at);
            }
            _ => {}
        }
    }
    b
}

fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    proptest::collection::vec(
        (any::<u8>(), any::<usize>(), any::<u8>(), any::<usize>()),
        0..8,
    )
}

/// Any JSON value, a few levels deep.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,20}".prop_map(Value::String),
        "(yes|no|[0-9]{1,3}(,[0-9])?|20[0-9]{2}-[01][0-9]-[0-3][0-9])".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn definition_with_formula(formula: &str) -> String {
    let t = serde_json::json!({"tr": "A", "en": "A", "sr-Cyrl": "А"});
    serde_json::json!({"id": "f", "version": 1, "title": t, "sections": [{"id": "s", "title": t, "fields": [
        {"id": "n", "type": "integer", "label": t},
        {"id": "d", "type": "date", "label": t},
        {"id": "g", "type": "repeating_group", "label": t, "fields": [{"id": "a", "type": "integer", "label": t}]},
        {"id": "c", "type": "calculated", "label": t, "formula": formula}]}]})
    .to_string()
}

/// Whatever a text input is, every parser of it answers.
fn every_text_parser(s: &str) {
    let _ = crate::indicator::Period::parse(s);
    let _ = crate::indicator::Every::parse(s);
    let today = "2026-12-02";
    let _ = crate::person::validate_tckn(s);
    let _ = crate::person::validate_jmbg(s);
    let _ = crate::person::Sex::parse(s);
    for estimated in [false, true] {
        if let Ok(Some(d)) = crate::person::BirthDate::parse(s, estimated, today) {
            assert!(
                d.value.as_str() <= today || d.value.len() < 10,
                "{s:?} → {}",
                d.value
            );
        }
    }
    let _ = crate::import::excel_date(s);
    let _ = crate::codes::Username::parse(s);
    let _ = crate::codes::Code::parse(s);
    let _ = crate::codes::AreaCode::parse(s);
    let _ = crate::codes::Label::parse(s);
    let _ = crate::codes::optional_date(s);
    let _ = crate::codes::optional_email(s);
    let _ = crate::codes::optional_phone(s);
    let _ = crate::search::fold(s);
    let _ = crate::search::name_tokens(s);
    // Activities: amounts, times, months, scores, sign-in marks.
    if let Ok(Some(a)) = crate::activity::amount(s) {
        assert!((0..100_000_000_000_000).contains(&a), "{s:?} → {a}");
    }
    if let Ok(Some(t)) = crate::activity::time_of_day(s) {
        assert_eq!(t.len(), 5, "{s:?}");
    }
    let _ = crate::activity::month(s);
    let _ = crate::activity::score(s);
    let _ = crate::activity::sheet_mark(s);
    let _ = crate::activity::volunteer_hours(s);
    // Outcomes: answers to checks, endings, exits, school years, the words of a school's list.
    let _ = crate::employment::check_answer(s, s, s, s, today);
    let _ = crate::employment::six_month_answer(s, s, true, s, today);
    let _ = crate::employment::placement_ending(s, s, today);
    let _ = crate::outcome::exit(s, &[s.to_owned()], today);
    let _ = crate::outcome::school_year(s);
    let _ = crate::outcome::school_year_of(s);
    // Strategy monitoring: numbers, periods, figures, targets, policy areas.
    if let Ok(n) = crate::strategy::action_number(s) {
        assert!(n.len() <= 29, "{s:?} → {n}");
        let _ = crate::strategy::number_sort_key(&n);
    }
    if let Ok(p) = crate::strategy::period(s) {
        let (a, b) = crate::strategy::period_months(&p);
        assert!(a <= b, "{s:?} → {p}");
    }
    let _ = crate::strategy::figure(s);
    let _ = crate::strategy::targets(s);
    let _ = crate::strategy::policy_area(s);
    let _ = crate::strategy::head(s, s, s, s, 2026, 2030);
    let _ = crate::school_list::level_code(s);
    let _ = crate::school_list::status_code(s);
    outcome_drafts(&Map::from_iter(
        OUTCOME_FIELDS
            .iter()
            .map(|f| ((*f).to_owned(), Value::from(s))),
    ));
    for w in s.split_whitespace().take(8) {
        let _ = crate::search::phonetic(w);
        let _ = crate::search::typo_distance(w, "yilmaz");
    }
}

/// Every field of the outcome drafts (documents, school years, coverage,
/// programme entries, job seekers, placements), as JSON bodies name them.
const OUTCOME_FIELDS: &[&str] = &[
    "absent_days_term1",
    "absent_days_term2",
    "activity_id",
    "agency",
    "agency_number",
    "availability",
    "case_id",
    "contract_type",
    "doctor",
    "driving_licence",
    "education",
    "employer_id",
    "ended_on",
    "entered_on",
    "grade",
    "groups",
    "hours_per_week",
    "institution_id",
    "kind",
    "labour_status",
    "languages",
    "level",
    "note",
    "obtained_on",
    "occupation",
    "occupations",
    "programme_code",
    "reason",
    "refusal_reason",
    "refused_on",
    "registered_on",
    "requested_on",
    "scheme",
    "school_id",
    "school_year",
    "skills",
    "social_security",
    "started_on",
    "status",
    "status_on",
    "subsidised",
    "supports",
    "wage_band",
    "work_history",
];

/// Whatever a JSON body holds, every outcome draft read from it validates
/// to a value or named problems; what it accepts stays within its bounds.
fn outcome_drafts(body: &Map<String, Value>) {
    use serde::de::DeserializeOwned;
    let today = "2026-12-02";
    fn read<T: DeserializeOwned>(body: &Map<String, Value>) -> Option<T> {
        serde_json::from_value(Value::Object(body.clone())).ok()
    }
    if let Some(d) = read::<crate::outcome::DocumentDraft>(body) {
        let _ = d.validate(today);
    }
    if let Some(d) = read::<crate::outcome::EnrolmentDraft>(body) {
        if let Ok(e) = d.validate(today) {
            assert!(e.grade.is_none_or(|g| (0..=13).contains(&g)), "{d:?}");
            assert!(e.status_on.as_str() <= today, "{d:?}");
        }
    }
    if let Some(d) = read::<crate::outcome::CoverageDraft>(body) {
        let _ = d.validate(today);
    }
    if let Some(d) = read::<crate::outcome::EntryDraft>(body) {
        if let Ok(e) = d.validate(today) {
            assert!(e.entered_on.as_str() <= today, "{d:?}");
        }
    }
    if let Some(d) = read::<crate::employment::JobSeekerDraft>(body) {
        let _ = d.validate(today);
    }
    if let Some(d) = read::<crate::employment::PlacementDraft>(body) {
        if let Ok(p) = d.validate(today) {
            assert!(p.started_on.as_str() <= today, "{d:?}");
        }
    }
}

#[test]
fn corpus_regressions() {
    for (name, bytes) in corpus("formula") {
        let text = String::from_utf8_lossy(&bytes);
        let r = FormDefinition::parse(&definition_with_formula(&text));
        if name != "functions.txt" {
            let e = r.expect_err(&name);
            assert!(
                e.0.iter().any(|p| p.code == "form-def-formula-too-complex"),
                "{name}: {e}"
            );
        }
    }
    for (name, bytes) in corpus("form_definition") {
        assert!(
            FormDefinition::parse(&String::from_utf8_lossy(&bytes)).is_err(),
            "{name}"
        );
    }
    for (name, bytes) in corpus("attachment") {
        match attachment_type(&bytes) {
            // A real PDF under a web page's name: kept, named as what it is.
            Ok(media) if name == "pdf_named_html.html" => {
                assert_eq!(attachment_name(&name, media), "pdf_named_html.pdf")
            }
            Ok(media) => panic!("{name} accepted as {media}"),
            Err(_) => {}
        }
    }
    for (name, bytes) in corpus("indicator_definition") {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            crate::indicator::IndicatorDefinition::parse(&text).is_err()
                && crate::indicator::IndicatorDefinition::parse_set(&text).is_err(),
            "{name}"
        );
    }
    let (_, inputs) = corpus("text").remove(0);
    for line in String::from_utf8_lossy(&inputs).lines() {
        every_text_parser(line);
    }
}

proptest! {
    #[test]
    fn sign_in_sheets_any_table(
        headers in proptest::collection::vec(".{0,20}", 0..6),
        rows in proptest::collection::vec(proptest::collection::vec(".{0,30}", 0..6), 0..40),
        names in proptest::collection::vec(".{0,20}", 0..8),
    ) {
        let rows: Vec<(usize, Vec<String>)> = rows.into_iter().enumerate().collect();
        let participants: Vec<(String, String)> =
            names.into_iter().enumerate().map(|(i, n)| (format!("p{i}"), n)).collect();
        if let Ok(r) = crate::activity::read_sign_in(&headers, &rows, &participants) {
            prop_assert!(r.marks.len() + r.rejected.len() <= rows.len());
            let ids: std::collections::BTreeSet<&String> = r.marks.iter().map(|m| &m.1).collect();
            prop_assert_eq!(ids.len(), r.marks.len());
        }
    }

    #[test]
    fn formulas_any_text(formula in ".{0,700}") {
        let _ = FormDefinition::parse(&definition_with_formula(&formula));
    }

    #[test]
    fn formulas_made_of_formula_pieces(pieces in proptest::collection::vec(
        prop_oneof![Just("("), Just(")"), Just("+"), Just("-"), Just("*"), Just("/"), Just("n"),
            Just("1.5"), Just("count(g)"), Just("sum(g.a)"), Just("years_since(d)"), Just(" ")], 0..400)) {
        let _ = FormDefinition::parse(&definition_with_formula(&pieces.concat()));
    }

    #[test]
    fn formula_corpus_mutated(pick in any::<usize>(), edits in mutations()) {
        let seeds = corpus("formula");
        let seed = &seeds[pick % seeds.len()].1;
        let text = String::from_utf8_lossy(&mutate(seed, &edits)).into_owned();
        let _ = FormDefinition::parse(&definition_with_formula(&text));
    }

    #[test]
    fn form_definitions_mutated(pick in any::<usize>(), edits in mutations()) {
        let mut seeds = shipped_forms();
        seeds.extend(corpus("form_definition").into_iter().map(|(_, b)| b));
        let seed = &seeds[pick % seeds.len()];
        let text = String::from_utf8_lossy(&mutate(seed, &edits)).into_owned();
        if let Ok(def) = FormDefinition::parse(&text) {
            let _ = def.check(&Map::new(), "2026-12-02");
        }
    }

    /// Any answers against every shipped form: a verdict, and hidden fields computed.
    #[test]
    fn answers_against_shipped_forms(answers in proptest::collection::btree_map("[a-z_]{1,20}", json(), 0..12)) {
        let answers: Map<String, Value> = answers.into_iter().collect();
        for text in shipped_forms() {
            let def = FormDefinition::parse(&String::from_utf8_lossy(&text)).unwrap();
            let _ = def.check(&answers, "2026-12-02");
            let _ = def.hidden(&answers, "2026-12-02");
        }
    }

    #[test]
    fn attachments_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048), name in ".{0,200}") {
        if let Ok(media) = attachment_type(&bytes) {
            let n = attachment_name(&name, media);
            prop_assert!(!n.is_empty() && n.chars().count() <= 125);
        }
    }

    #[test]
    fn attachments_mutated(pick in any::<usize>(), edits in mutations()) {
        let mut seeds: Vec<Vec<u8>> = corpus("attachment").into_iter().map(|(_, b)| b).collect();
        seeds.extend([samples::png(false), samples::png(true), samples::jpeg(), samples::pdf(), samples::webp()]);
        let _ = attachment_type(&mutate(&seeds[pick % seeds.len()], &edits));
    }

    #[test]
    fn outcome_bodies(body in proptest::collection::btree_map(
        proptest::sample::select(OUTCOME_FIELDS), json(), 0..16)) {
        outcome_drafts(&body.into_iter().map(|(k, v)| (k.to_owned(), v)).collect());
    }

    #[test]
    fn school_lists_any_table(
        headers in proptest::collection::vec(".{0,24}", 0..10),
        rows in proptest::collection::vec(proptest::collection::vec(".{0,30}", 0..10), 0..20),
    ) {
        let mapping = crate::school_list::guess_list_mapping(&headers);
        prop_assert_eq!(mapping.len(), headers.len());
        let d = crate::school_list::ListDefaults {
            school_id: "s".into(),
            school_year: "2026-2027".into(),
            level: "primary".into(),
            status: "enrolled".into(),
            unit_code: "U".into(),
            area_code: "TR-06".into(),
            ..Default::default()
        };
        for cells in &rows {
            if let Ok(r) = crate::school_list::list_row(cells, &mapping, &d, "2026-12-02") {
                prop_assert!(!r.pupil.family_name.is_empty());
                prop_assert!(r.enrolment.status_on.as_str() <= "2026-12-02");
            }
        }
    }

    #[test]
    fn plan_sheets_any_table(
        headers in proptest::collection::vec(".{0,24}", 0..20),
        rows in proptest::collection::vec(proptest::collection::vec(".{0,30}", 0..20), 0..20),
    ) {
        let mut headers = headers;
        // Half the time, the real header row, so that rows reach every check.
        if headers.len() % 2 == 0 {
            headers = crate::strategy::PLAN_FIELDS.iter().map(|f| (*f).to_owned()).collect();
        }
        let mapping = crate::strategy::guess_plan_mapping(&headers);
        prop_assert_eq!(mapping.len(), headers.len());
        for cells in &rows {
            if let Ok(l) = crate::strategy::plan_line(cells, &mapping) {
                let prefix = format!("{}.", l.objective_number);
                prop_assert!(l.action.number.starts_with(&prefix), "{} {}", l.action.number, prefix);
            }
        }
    }

    #[test]
    fn progress_reports_any_values(
        status in ".{0,20}",
        text in ".{0,50}",
        values in proptest::collection::vec((".{0,8}", ".{0,8}", ".{0,8}", ".{0,12}"), 0..30),
        comments in proptest::collection::btree_map(".{0,12}", ".{0,40}", 0..8),
    ) {
        let breakdowns = std::collections::BTreeMap::from([
            ("A".to_owned(), crate::strategy::Breakdown::SexProvince),
            ("B".to_owned(), crate::strategy::Breakdown::Total),
        ]);
        let d = crate::strategy::ReportDraft {
            action_status: status,
            done_text: text.clone(),
            spending: text,
            obstacles: String::new(),
            values: values
                .into_iter()
                .map(|(indicator, sex, province, value)| crate::strategy::ReportValueDraft { indicator, sex, province, value })
                .collect(),
        };
        for submitting in [false, true] {
            if let Ok(r) = d.validate(submitting, &breakdowns) {
                prop_assert!(r.values.iter().all(|v| breakdowns.contains_key(&v.0)));
            }
        }
        let _ = crate::strategy::review_comments(&comments);
    }

    #[test]
    fn indicator_definitions_mutated(pick in any::<usize>(), edits in mutations(), by in ".{0,30}") {
        let mut seeds: Vec<Vec<u8>> = crate::indicator::SHIPPED.iter().map(|(_, t)| t.as_bytes().to_vec()).collect();
        seeds.extend(corpus("indicator_definition").into_iter().map(|(_, b)| b));
        let seed = &seeds[pick % seeds.len()];
        let text = String::from_utf8_lossy(&mutate(seed, &edits)).into_owned();
        if let Ok(defs) = crate::indicator::IndicatorDefinition::parse_set(&text) {
            for d in defs {
                if let Ok(dims) = d.breakdown(&by) {
                    prop_assert!(dims.len() <= 2);
                }
                let _ = crate::indicator::bands_for(&d, &by);
            }
        }
        let _ = crate::indicator::IndicatorDefinition::parse(&text);
    }

    #[test]
    fn dhis2_mappings_mutated_and_dashboards_any_fields(
        edits in mutations(),
        f in proptest::collection::vec(".{0,30}", 4),
        items in proptest::collection::vec((".{0,20}", ".{0,12}"), 0..30),
    ) {
        let text = String::from_utf8_lossy(&mutate(crate::dhis2::EXAMPLE_MAPPING.as_bytes(), &edits)).into_owned();
        if let Ok(m) = crate::dhis2::Mapping::parse(&text) {
            let v = crate::dhis2::ExportValue {
                indicator: "HL01".into(),
                area: "TR-06".into(),
                period: crate::indicator::Period::year(2026),
                option: Some("female".into()),
                value: 3.5,
            };
            let x = crate::dhis2::adx(&m, std::slice::from_ref(&v), "2026-01-01T00:00:00Z");
            prop_assert!(x.starts_with("<?xml") && x.ends_with("</adx>\n"));
            let _ = crate::dhis2::data_value_sets(&m, &[v]);
        }
        let d = crate::indicator::DashboardDraft {
            code: f[0].clone(),
            titles: [("en".to_owned(), f[1].clone()), (f[2].clone(), f[3].clone())].into_iter().collect(),
            programme_code: f[2].clone(),
            result_area: f[3].clone(),
            items: items
                .into_iter()
                .map(|(indicator, by)| crate::indicator::DashboardItem { indicator, by })
                .collect(),
        };
        if let Ok(ok) = d.validate() {
            prop_assert!(!ok.items.is_empty() && ok.items.len() <= crate::indicator::MAX_DASHBOARD_ITEMS);
        }
    }

    #[test]
    fn indicator_periods_and_targets_any_text(
        f in proptest::collection::vec(".{0,30}", 3),
        n in proptest::collection::vec(proptest::option::of(any::<f64>()), 4),
        year in proptest::option::of(any::<i64>()),
    ) {
        use crate::indicator::{Every, Period, TargetDraft};
        if let Ok(p) = Period::parse(&f[0]) {
            prop_assert!(p.start <= p.end);
            for every in [Every::Month, Every::Quarter, Every::Year, Every::SchoolYear] {
                let parts = p.split(every);
                prop_assert!(parts.len() <= 240);
                for q in parts {
                    prop_assert!(q.start >= p.start && q.end <= p.end && q.start <= q.end);
                }
            }
            let _ = (p.iso8601(), p.dhis2());
        }
        let _ = Every::parse(&f[1]);
        let d = TargetDraft {
            area: f[1].clone(),
            period: f[0].clone(),
            baseline: n[0],
            baseline_year: year,
            target: n[1],
            reference_value: n[2],
            gap_closed: n[3],
            note: f[2].clone(),
        };
        if let Ok(t) = d.validate() {
            let goal = crate::indicator::effective_target(t.target, t.baseline, t.reference_value, t.gap_closed);
            prop_assert!(goal.is_some_and(f64::is_finite));
        }
    }

    #[test]
    fn visits_annual_reports_any_fields(
        f in proptest::collection::vec(".{0,40}", 8),
        sections in proptest::collection::btree_map(".{0,16}", ".{0,60}", 0..10),
    ) {
        let d = crate::strategy::VisitDraft {
            province: f[0].clone(),
            title: f[1].clone(),
            starts_on: f[2].clone(),
            ends_on: f[3].clone(),
            team: f[4].clone(),
            purpose: f[5].clone(),
        };
        if let Ok(v) = d.validate() {
            prop_assert!(v.starts_on <= v.ends_on && !v.team.is_empty() && v.team.len() <= 20);
            let m = crate::strategy::MeetingDraft {
                held_on: f[6].clone(),
                institution: f[7].clone(),
                participants: f[5].clone(),
                notes: f[4].clone(),
            };
            if let Ok(m) = m.validate((&v.starts_on, &v.ends_on)) {
                prop_assert!(m.held_on >= v.starts_on && m.held_on <= v.ends_on);
            }
        }
        let finding = crate::strategy::FindingDraft {
            meeting_id: f[0].clone(),
            text: f[1].clone(),
            policy_area: f[2].clone(),
            action_id: f[3].clone(),
        };
        if let Ok(x) = finding.validate() {
            prop_assert!(x.policy_area.is_some() || x.action_id.is_some());
        }
        let _ = crate::strategy::RecommendationDraft {
            finding_id: f[4].clone(),
            text: f[5].clone(),
            responsible: f[6].clone(),
            due_on: f[7].clone(),
        }
        .validate();
        let _ = crate::strategy::FollowUpDraft { status: f[0].clone(), note: f[1].clone(), version: 1 }.validate();
        if let Ok(kept) = crate::strategy::annual_narrative(&sections) {
            prop_assert!(kept.len() <= sections.len());
        }
        let _ = crate::strategy::annual_language(&f[0], f[1].len() % 2 == 0);
        // ROMACTED's drafts.
        if let Ok(n) = (crate::local_plan::NeedDraft { sector: f[0].clone(), problem: f[1].clone(), votes: f[2].clone(), raised_on: f[3].clone() }).validate() {
            prop_assert!((0..=100_000).contains(&n.votes));
        }
        let years = (f[4].len() as i64 * 7 + 1990, f[5].len() as i64 * 5 + 1995);
        if let Ok(p) = (crate::local_plan::LocalPlanDraft {
            municipality: f[0].clone(), title: f[1].clone(), starts_year: years.0, ends_year: years.1,
            adopted_on: f[2].clone(), decision_number: f[3].clone(),
        }).validate() {
            prop_assert!(p.starts_year <= p.ends_year);
        }
        if let Ok(m) = (crate::local_plan::MeasureDraft {
            number: f[0].clone(), text: f[1].clone(), need_id: f[2].clone(), responsible: f[3].clone(),
            starts: f[4].clone(), ends: f[5].clone(), budget: f[6].clone(), funding: f[7].clone(), budget_line: f[2].clone(),
        }).validate() {
            prop_assert!(m.starts <= m.ends);
        }
        let _ = (crate::local_plan::MeasureProgressDraft { reported_on: f[0].clone(), status: f[1].clone(), note: f[2].clone(), spending: f[3].clone(), version: 1 }).validate();
        let _ = crate::local_plan::vote_count(&f[6]);
    }

    #[test]
    fn text_inputs(s in ".{0,300}") {
        every_text_parser(&s);
    }

    #[test]
    fn text_inputs_mutated(pick in any::<usize>(), edits in mutations()) {
        for (name, bytes) in corpus("indicator_definition") {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            crate::indicator::IndicatorDefinition::parse(&text).is_err()
                && crate::indicator::IndicatorDefinition::parse_set(&text).is_err(),
            "{name}"
        );
    }
    let (_, inputs) = corpus("text").remove(0);
        let text = String::from_utf8_lossy(&inputs).into_owned();
        let lines: Vec<&str> = text.lines().collect();
        let line = lines[pick % lines.len()].as_bytes();
        every_text_parser(&String::from_utf8_lossy(&mutate(line, &edits)));
    }
}
