//! The annual monitoring report as a document: one list of blocks (see
//! `pdf::Block`) built from the store's `AnnualReport` in the report's
//! language, written as PDF (`pdf`) or as an editable DOCX (`docx`).

use crate::i18n::Tr;
use crate::pdf::Block;
use kopru_domain::strategy::{ANNUAL_SECTIONS, POLICY_AREAS};
use kopru_domain::Locale;
use kopru_store::strategy::annual::AnnualReport;
use kopru_store::strategy::progress::StatusCounts;
use kopru_store::strategy::text_in;

/// The translator of a report's language ("tr", "en", "sr-Cyrl", "sr-Latn").
pub fn tr_of(language: &str) -> Tr {
    Tr::new(Locale::parse(language).unwrap_or(Locale::En))
}

/// Languages offered for a plan: Serbian (both scripts) and English for a
/// Serbian plan, Turkish and English otherwise.
pub fn languages(country: &str) -> &'static [&'static str] {
    if country == "RS" {
        &["sr-Cyrl", "sr-Latn", "en"]
    } else {
        &["tr", "en"]
    }
}

fn share(c: &StatusCounts, tr: Tr) -> (f32, String) {
    match c.on_track_share() {
        Some(s) => (
            (s / 100.0) as f32,
            format!("{} %", tr.num(s.round() as i64)),
        ),
        None => (0.0, "—".to_owned()),
    }
}

/// The report's file name without extension.
pub fn file_stem(r: &AnnualReport) -> String {
    format!("{}-{}-{}", r.plan.code, r.year, r.language)
}

/// The document, top to bottom.
pub fn blocks(r: &AnnualReport) -> Vec<Block> {
    let tr = tr_of(&r.language);
    let lang = r.language.as_str();
    let year = r.year.to_string();
    let mut b = vec![
        Block::Small(text_in(&r.strategy_titles, lang)),
        Block::Title(format!("{} {}", tr.t("annual-title"), r.year)),
        Block::Text(format!(
            "{} ({})",
            text_in(&r.plan.titles, lang),
            r.plan.code
        )),
        Block::Small(tr.numbers(
            "annual-basis",
            &[
                ("approved", r.reports_approved),
                ("expected", r.reports_expected),
            ],
        )),
        Block::Small(format!(
            "{}: {}",
            tr.t("annual-generated"),
            tr.date(&kopru_store::clock::today())
        )),
        Block::Rule,
    ];
    let narrative = |b: &mut Vec<Block>, key: &str| {
        if let Some(t) = r.sections.get(key) {
            b.push(Block::Text(t.clone()));
        }
    };
    for key in ["summary", "context"] {
        if r.sections.contains_key(key) {
            b.push(Block::Heading(tr.t(&format!("annual-section-{key}"))));
            narrative(&mut b, key);
        }
    }

    // The overview: counts and two charts.
    b.push(Block::Heading(tr.t("annual-overview")));
    b.push(Block::Pair(tr.t("plan-actions"), tr.num(r.overall.total)));
    let (_, overall) = share(&r.overall, tr);
    b.push(Block::Pair(tr.t("plan-on-track-share"), overall));
    b.push(Block::Space(6.0));
    b.push(Block::Small(tr.t("annual-chart-status")));
    let total = r.overall.total.max(1) as f32;
    for (status, n) in [
        ("not_started", r.overall.not_started),
        ("on_track", r.overall.on_track),
        ("delayed", r.overall.delayed),
        ("completed", r.overall.completed),
        ("cancelled", r.overall.cancelled),
    ] {
        b.push(Block::Bar {
            label: tr.t(&format!("action-status-{}", status.replace('_', "-"))),
            share: n as f32 / total,
            value: tr.num(n),
        });
    }
    b.push(Block::Space(6.0));
    b.push(Block::Small(tr.t("annual-chart-areas")));
    for c in &r.by_policy_area {
        let (s, v) = share(c, tr);
        b.push(Block::Bar {
            label: area_name(tr, &c.key),
            share: s,
            value: v,
        });
    }

    // Each policy area: its narrative, its counts, every action.
    let shares = [0.08, 0.32, 0.2, 0.13, 0.27];
    for (area, _) in POLICY_AREAS {
        let Some(c) = r.by_policy_area.iter().find(|c| c.key == *area) else {
            continue;
        };
        b.push(Block::Heading(area_name(tr, area)));
        narrative(&mut b, &format!("area.{area}"));
        b.push(Block::Small(tr.numbers(
            "annual-area-counts",
            &[
                ("total", c.total),
                ("on_track", c.on_track),
                ("completed", c.completed),
                ("delayed", c.delayed),
                ("not_started", c.not_started),
                ("cancelled", c.cancelled),
            ],
        )));
        b.push(Block::Row {
            cells: [
                tr.t("field-number"),
                tr.t("plan-actions"),
                tr.t("field-responsible"),
                tr.t("annual-status-year-end"),
                tr.t("field-done-text"),
            ]
            .into_iter()
            .zip(shares)
            .collect(),
            bold: true,
            min_height: 0.0,
        });
        for a in r.actions.iter().filter(|a| a.policy_area == *area) {
            let done = match (&a.done_text, &a.cycle) {
                (Some(d), Some(c)) => format!("{d} ({c})"),
                _ => tr.t("annual-no-report"),
            };
            b.push(Block::Row {
                cells: [
                    a.number.clone(),
                    text_in(&a.texts, lang),
                    a.responsible_name.clone(),
                    tr.t(&format!("action-status-{}", a.status.replace('_', "-"))),
                    done,
                ]
                .into_iter()
                .zip(shares)
                .collect(),
                bold: false,
                min_height: 0.0,
            });
        }
    }

    // Indicators against the year's targets.
    if !r.indicators.is_empty() {
        let shares = [0.1, 0.34, 0.14, 0.14, 0.28];
        b.push(Block::Heading(tr.t("plan-indicators")));
        b.push(Block::Row {
            cells: [
                tr.t("field-number"),
                tr.t("field-indicator"),
                tr.t("field-baseline"),
                format!("{} {year}", tr.t("field-target")),
                tr.t("plan-values"),
            ]
            .into_iter()
            .zip(shares)
            .collect(),
            bold: true,
            min_height: 0.0,
        });
        for i in &r.indicators {
            let baseline = match (&i.indicator.baseline_value, i.indicator.baseline_year) {
                (Some(v), Some(y)) => format!("{v} ({y})"),
                (Some(v), None) => v.clone(),
                _ => "—".to_owned(),
            };
            let values = if i.values.is_empty() {
                tr.t("annual-no-values")
            } else {
                i.values
                    .iter()
                    .map(|v| format!("{}: {}", v.cycle, v.value))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            b.push(Block::Row {
                cells: [
                    format!("{} {}", i.action_number, i.indicator.code),
                    format!(
                        "{} ({})",
                        text_in(&i.indicator.definitions, lang),
                        i.indicator.unit
                    ),
                    baseline,
                    i.target.clone().unwrap_or_else(|| "—".to_owned()),
                    values,
                ]
                .into_iter()
                .zip(shares)
                .collect(),
                bold: false,
                min_height: 0.0,
            });
        }
    }

    for key in ANNUAL_SECTIONS
        .iter()
        .filter(|k| !matches!(**k, "summary" | "context"))
    {
        if r.sections.contains_key(*key) {
            b.push(Block::Heading(tr.t(&format!("annual-section-{key}"))));
            narrative(&mut b, key);
        }
    }
    b
}

fn area_name(tr: Tr, code: &str) -> String {
    tr.t(&format!("policy-area-{}", code.replace('_', "-")))
}

/// The report's language: the one asked for when the plan offers it (a
/// 422 naming `language` otherwise), else the reader's when offered, else
/// the plan's first.
pub fn language_for(
    country: &str,
    asked: Option<&str>,
    reader: Locale,
) -> Result<&'static str, kopru_domain::ValidationErrors> {
    let offered = languages(country);
    match asked.map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) => kopru_domain::strategy::annual_language(a, country == "RS")
            .ok()
            .filter(|l| offered.contains(l))
            .ok_or_else(|| kopru_domain::ValidationErrors::single("language", "err-choice")),
        None => Ok(offered
            .iter()
            .find(|l| **l == reader.tag())
            .copied()
            .unwrap_or(offered[0])),
    }
}

/// Reads the annual report of a plan's year in the language asked for.
pub async fn load(
    store: &kopru_store::Store,
    by: &kopru_domain::Principal,
    plan_id: &str,
    year: i64,
    asked: Option<&str>,
    reader: Locale,
) -> crate::error::AppResult<AnnualReport> {
    let plan = store.action_plan(by, plan_id).await?;
    let language = language_for(&plan.country, asked, reader)?;
    Ok(store.annual_report(by, &plan.id, year, language).await?)
}

/// Checks and saves the narrative; the report as it now reads.
#[allow(clippy::too_many_arguments)]
pub async fn save(
    store: &kopru_store::Store,
    actor: &kopru_store::audit::Actor,
    by: &kopru_domain::Principal,
    plan_id: &str,
    year: i64,
    asked: Option<&str>,
    reader: Locale,
    sections: &std::collections::BTreeMap<String, String>,
    version: i64,
) -> crate::error::AppResult<AnnualReport> {
    let plan = store.action_plan(by, plan_id).await?;
    let language = language_for(&plan.country, asked, reader)?;
    let sections = kopru_domain::strategy::annual_narrative(sections)?;
    store
        .save_annual_narrative(actor, by, &plan.id, year, language, &sections, version)
        .await?;
    Ok(store.annual_report(by, &plan.id, year, language).await?)
}

/// The report as PDF.
pub fn pdf(r: &AnnualReport) -> crate::error::AppResult<axum::response::Response> {
    let title = format!("{} {}", tr_of(&r.language).t("annual-title"), r.year);
    let bytes = crate::pdf::render(&title, &r.language, &blocks(r))
        .map_err(|e| crate::error::AppError::Internal(e.to_string()))?;
    Ok(crate::pdf::download(&file_stem(r), bytes))
}

/// The report as an editable DOCX.
pub fn docx(r: &AnnualReport) -> crate::error::AppResult<axum::response::Response> {
    let title = format!("{} {}", tr_of(&r.language).t("annual-title"), r.year);
    let bytes = crate::docx::render(&title, &blocks(r))
        .map_err(|e| crate::error::AppError::Internal(e.to_string()))?;
    Ok(crate::docx::download(&file_stem(r), bytes))
}
