//! The demo's indicator work: programme dashboards (SİROMA's result areas,
//! ESF+ participants, the action plan) and targets, one of them the EU
//! framework's "halve the gap".

use crate::audit::Actor;
use crate::{Result, Sql, Store};
use kopru_domain::indicator::{DashboardDraft, DashboardItem, TargetDraft};
use kopru_domain::policy::{Assignment, Principal};
use kopru_domain::{Role, Scope};
use std::collections::BTreeMap;

fn items(list: &[(&str, &str)]) -> Vec<DashboardItem> {
    list.iter()
        .map(|(i, b)| DashboardItem {
            indicator: (*i).to_owned(),
            by: (*b).to_owned(),
        })
        .collect()
}

fn titles(tr: &str, en: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("tr".to_owned(), tr.to_owned()),
        ("en".to_owned(), en.to_owned()),
    ])
}

/// Loads the dashboards and targets once; the number of dashboards.
pub async fn load_indicators(store: &Store) -> Result<usize> {
    let _changes = store.data_changes();
    let existing: (i64,) = Sql::new("SELECT COUNT(*) FROM dashboards")
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
            role: Role::MeOfficer,
            scope: Scope::Installation,
        }],
    };
    let year: i64 = crate::clock::today()[..4].parse().unwrap_or(2026);
    let dashboards = [
        DashboardDraft {
            code: "SIROMA".into(),
            titles: titles("SİROMA sonuç alanları", "SİROMA result areas"),
            programme_code: "SIROMA".into(),
            result_area: String::new(),
            items: items(&[
                ("HL01", "sex"),
                ("HL02", "age"),
                ("HL03", "sex"),
                ("HL04", "sex"),
                ("HL07", "area"),
                ("HL08", "area"),
                ("HL09", "sex"),
                ("SR-CAP-1", "sex"),
                ("SR-EDU-1", "age"),
                ("SR-HLT-1", "sex"),
                ("SR-EMP-1", "sex"),
                ("SR-EMP-2", "window"),
            ]),
        },
        DashboardDraft {
            code: "ESF".into(),
            titles: titles("ESF+ ortak göstergeleri", "ESF+ common indicators"),
            programme_code: String::new(),
            result_area: String::new(),
            items: items(&[
                ("ESF-O-ALL", "sex"),
                ("ESF-O-UNEMP", "sex"),
                ("ESF-O-LTU", "sex"),
                ("ESF-O-U18", "sex"),
                ("ESF-O-1829", "sex"),
                ("ESF-O-ISCED02", "sex"),
                ("ESF-R-EMP", "sex"),
                ("ESF-L-EMP6", "sex"),
            ]),
        },
        DashboardDraft {
            code: "ACTION-PLAN".into(),
            titles: titles("Eylem planı", "Action plan"),
            programme_code: String::new(),
            result_area: String::new(),
            items: items(&[("HL10", "institution")]),
        },
    ];
    for d in &dashboards {
        store.save_dashboard(&actor, &by, d, None).await?;
    }
    let targets = [
        // The EU framework: halve the gap in health coverage to the
        // general population's 95%.
        ("HL07", "", "2030", Some(60.0), None, Some(95.0), Some(0.5)),
        (
            "HL01",
            "",
            &*year.to_string(),
            None,
            Some(400.0),
            None,
            None,
        ),
        (
            "HL08",
            "",
            &*year.to_string(),
            None,
            Some(120.0),
            None,
            None,
        ),
        ("HL10", "", &*year.to_string(), None, Some(80.0), None, None),
    ];
    for (code, area, period, baseline, target, reference, gap) in targets {
        let d = TargetDraft {
            area: area.into(),
            period: period.into(),
            baseline,
            baseline_year: baseline.map(|_| year - 2),
            target,
            reference_value: reference,
            gap_closed: gap,
            note: String::new(),
        };
        store
            .set_indicator_target(&actor, &by, code, &d, None)
            .await?;
    }
    Ok(dashboards.len())
}
