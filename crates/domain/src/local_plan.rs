//! ROMACTED's local work (issue 20 §5): community action groups of Roma
//! residents and institutional working groups of municipal officials; the
//! problems a group raises, by sector, prioritised by its votes; and the
//! joint local action plan a municipality adopts, with measures answering
//! those needs and their progress.

use crate::activity::amount;
use crate::casework::long_text;
use crate::error::ValidationErrors;
use crate::reference::closed_list;
use crate::strategy::{action_number, period, policy_area, ActionStatus};
use serde::Serialize;

closed_list!(
    /// The two kinds of ROMACTED groups of a municipality.
    GroupKind, "group-kind" {
        CommunityActionGroup = "community_action_group",
        InstitutionalWorkingGroup = "institutional_working_group",
    }
);

closed_list!(
    /// Where a measure's money comes from.
    FundingSource, "funding-source" {
        MunicipalBudget = "municipal_budget",
        ExternalFunds = "external_funds",
        SmallGrant = "small_grant",
    }
);

fn required_date(raw: &str) -> Result<String, &'static str> {
    crate::codes::optional_date(raw).and_then(|d| d.ok_or("err-required"))
}

fn votes(raw: &str) -> Result<i64, &'static str> {
    match raw.trim() {
        "" => Ok(0),
        s => s
            .parse::<i64>()
            .ok()
            .filter(|v| (0..=100_000).contains(v))
            .ok_or("err-votes"),
    }
}

/// A problem raised in a group's needs assessment.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NeedDraft {
    /// education, employment, health, housing, social_assistance, cross_cutting (or their names)
    pub sector: String,
    pub problem: String,
    /// The group's votes for it (0 when not voted yet).
    pub votes: String,
    pub raised_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    pub sector: &'static str,
    pub problem: String,
    pub votes: i64,
    pub raised_on: String,
}

impl NeedDraft {
    pub fn validate(&self) -> Result<Need, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let sector = e.take("sector", policy_area(&self.sector));
        let problem = e.take(
            "problem",
            long_text(&self.problem, 2000).and_then(|t| t.ok_or("err-required")),
        );
        let votes = e.take("votes", votes(&self.votes));
        let raised_on = e.take("raised_on", required_date(&self.raised_on));
        e.into_result()?;
        match (sector, problem, votes, raised_on) {
            (Some(sector), Some(problem), Some(votes), Some(raised_on)) => Ok(Need {
                sector,
                problem,
                votes,
                raised_on,
            }),
            _ => Err(ValidationErrors::single("need", "err-required")),
        }
    }
}

/// A group's vote count on a need, after a meeting.
pub fn vote_count(raw: &str) -> Result<i64, ValidationErrors> {
    votes(raw).map_err(|c| ValidationErrors::single("votes", c))
}

/// A municipality's joint action plan: its years and, once the municipal
/// council adopts it into the budget, the date and the decision number.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct LocalPlanDraft {
    /// The municipality's area code (RS-20-NIS).
    pub municipality: String,
    pub title: String,
    pub starts_year: i64,
    pub ends_year: i64,
    /// The council's adoption: its date and decision number (both, or neither).
    pub adopted_on: String,
    pub decision_number: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalPlan {
    pub municipality: String,
    pub title: String,
    pub starts_year: i64,
    pub ends_year: i64,
    pub adoption: Option<(String, String)>,
}

impl LocalPlanDraft {
    pub fn validate(&self) -> Result<LocalPlan, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let municipality = self.municipality.trim().to_owned();
        if municipality.is_empty() || municipality.len() > 40 {
            e.push("municipality", "err-required");
        }
        let title = e.take(
            "title",
            crate::codes::optional_label(&self.title)
                .and_then(|l| l.map(|l| l.to_string()).ok_or("err-required")),
        );
        for (field, y) in [
            ("starts_year", self.starts_year),
            ("ends_year", self.ends_year),
        ] {
            if !(2000..=2100).contains(&y) {
                e.push(field, "err-year");
            }
        }
        if self.ends_year < self.starts_year {
            e.push("ends_year", "err-ends-before-start");
        }
        let adopted_on = e.take("adopted_on", crate::codes::optional_date(&self.adopted_on));
        let decision = e.take(
            "decision_number",
            crate::codes::optional_label(&self.decision_number).map(|l| l.map(|l| l.to_string())),
        );
        let adoption = match (adopted_on.flatten(), decision.flatten()) {
            (Some(d), Some(n)) => Some((d, n)),
            (None, None) => None,
            (Some(_), None) => {
                e.push("decision_number", "err-required");
                None
            }
            (None, Some(_)) => {
                e.push("adopted_on", "err-required");
                None
            }
        };
        e.into_result()?;
        let Some(title) = title else {
            return Err(ValidationErrors::single("title", "err-required"));
        };
        Ok(LocalPlan {
            municipality,
            title,
            starts_year: self.starts_year,
            ends_year: self.ends_year,
            adoption,
        })
    }
}

/// A measure of a joint local action plan.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct MeasureDraft {
    /// "1", "2.3"
    pub number: String,
    pub text: String,
    /// The need it answers (its id), if any.
    pub need_id: String,
    /// The responsible body (a municipal department, an institution), as the plan writes it.
    pub responsible: String,
    /// 2026, 2026-Q2 or 2026-05
    pub starts: String,
    pub ends: String,
    /// 250.000,00
    pub budget: String,
    /// municipal_budget, external_funds, small_grant
    pub funding: String,
    /// The municipal budget line, when funded by the municipality.
    pub budget_line: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measure {
    pub number: String,
    pub text: String,
    pub need_id: Option<String>,
    pub responsible: String,
    pub starts: String,
    pub ends: String,
    pub budget_minor: Option<i64>,
    pub funding: Option<FundingSource>,
    pub budget_line: Option<String>,
}

impl MeasureDraft {
    pub fn validate(&self) -> Result<Measure, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let number = e.take("number", action_number(&self.number));
        let text = e.take(
            "text",
            long_text(&self.text, 2000).and_then(|t| t.ok_or("err-required")),
        );
        let responsible = e.take(
            "responsible",
            crate::codes::optional_label(&self.responsible)
                .and_then(|l| l.map(|l| l.to_string()).ok_or("err-required")),
        );
        let starts = e.take("starts", period(&self.starts));
        let ends = e.take("ends", period(&self.ends));
        if let (Some(s), Some(t)) = (&starts, &ends) {
            if t < s {
                e.push("ends", "err-ends-before-start");
            }
        }
        let budget_minor = e.take("budget", amount(&self.budget));
        let funding = match self.funding.trim() {
            "" => None,
            f => e.take("funding", FundingSource::parse(f)),
        };
        if matches!(budget_minor, Some(Some(_)))
            && funding.is_none()
            && self.funding.trim().is_empty()
        {
            e.push("funding", "err-required");
        }
        let budget_line = e.take(
            "budget_line",
            crate::codes::optional_label(&self.budget_line).map(|l| l.map(|l| l.to_string())),
        );
        e.into_result()?;
        match (
            number,
            text,
            responsible,
            starts,
            ends,
            budget_minor,
            budget_line,
        ) {
            (
                Some(number),
                Some(text),
                Some(responsible),
                Some(starts),
                Some(ends),
                Some(budget_minor),
                Some(budget_line),
            ) => Ok(Measure {
                number,
                text,
                need_id: Some(self.need_id.trim().to_owned())
                    .filter(|s| !s.is_empty() && s.len() <= 64),
                responsible,
                starts,
                ends,
                budget_minor,
                funding,
                budget_line,
            }),
            _ => Err(ValidationErrors::single("measure", "err-required")),
        }
    }
}

/// Progress on a measure, reported like an action's.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct MeasureProgressDraft {
    pub reported_on: String,
    /// not_started, on_track, delayed, completed, cancelled
    pub status: String,
    /// What was done.
    pub note: String,
    /// Spent so far in the period.
    pub spending: String,
    /// The measure's version as read.
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureProgress {
    pub reported_on: String,
    pub status: ActionStatus,
    pub note: String,
    pub spending_minor: Option<i64>,
}

impl MeasureProgressDraft {
    pub fn validate(&self) -> Result<MeasureProgress, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let reported_on = e.take("reported_on", required_date(&self.reported_on));
        let status = e.take("status", ActionStatus::parse(self.status.trim()));
        let note = e.take(
            "note",
            long_text(&self.note, 5000).and_then(|t| t.ok_or("err-required")),
        );
        let spending = e.take("spending", amount(&self.spending));
        e.into_result()?;
        match (reported_on, status, note, spending) {
            (Some(reported_on), Some(status), Some(note), Some(spending_minor)) => {
                Ok(MeasureProgress {
                    reported_on,
                    status,
                    note,
                    spending_minor,
                })
            }
            _ => Err(ValidationErrors::single("progress", "err-required")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_plans_measures_and_progress_are_checked() {
        let n = NeedDraft {
            sector: "Sport".into(),
            problem: "Nema vode u naselju".into(),
            votes: "-3".into(),
            raised_on: "2026-03-02".into(),
        };
        let fields: Vec<&str> = n.validate().unwrap_err().0.iter().map(|f| f.code).collect();
        assert_eq!(fields, ["err-policy-area", "err-votes"]);
        let n = NeedDraft {
            sector: "Stanovanje".into(),
            votes: "14".into(),
            ..n
        };
        let need = n.validate().unwrap();
        assert_eq!((need.sector, need.votes), ("housing", 14));
        let p = LocalPlanDraft {
            municipality: "RS-20-NIS".into(),
            title: "Zajednički akcioni plan".into(),
            starts_year: 2026,
            ends_year: 2028,
            adopted_on: "2026-04-20".into(),
            decision_number: String::new(),
        };
        assert_eq!(p.validate().unwrap_err().0[0].field, "decision_number");
        let m = MeasureDraft {
            number: "1".into(),
            text: "Vodovodna mreža".into(),
            responsible: "JKP Naissus".into(),
            starts: "2026".into(),
            ends: "2027-Q2".into(),
            budget: "1.200.000,00".into(),
            ..Default::default()
        };
        assert_eq!(m.validate().unwrap_err().0[0].field, "funding");
        let m = MeasureDraft {
            funding: "municipal_budget".into(),
            ..m
        };
        assert_eq!(m.validate().unwrap().budget_minor, Some(120_000_000));
        let g = MeasureProgressDraft {
            reported_on: "2026-06-30".into(),
            status: "on_track".into(),
            note: "Projekat izrađen".into(),
            spending: String::new(),
            version: 1,
        };
        assert!(g.validate().is_ok());
    }
}
