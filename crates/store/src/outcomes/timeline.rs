//! A person's outcomes on one dated line: education, health coverage,
//! documents, programme participation, employment, cases and activities —
//! each read through its own rules (a case only where the caller may read
//! cases, immunisation never: it is special-category and shown apart).

use super::employment::EmploymentFilter;
use super::participation::ParticipationFilter;
use crate::casework::CaseFilter;
use crate::error::Result;
use crate::Store;
use kopru_domain::{Action, Principal};
use serde::Serialize;

/// One dated step. `what` holds message ids the page translates and joins;
/// `detail` is text as recorded (a school's, an employer's name).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OutcomeStep {
    pub on: String,
    /// education, health, documents, participation, employment, cases, activities
    pub area: &'static str,
    pub what: Vec<String>,
    pub detail: Option<String>,
    /// The page that holds it.
    pub link: String,
}

fn id(prefix: &str, value: &str) -> String {
    format!("{prefix}-{}", value.replace('_', "-"))
}

impl Store {
    /// The person's outcomes as dated steps, the latest first (a day's steps
    /// in the order they happened).
    pub async fn outcome_timeline(
        &self,
        by: &Principal,
        person_id: &str,
        lang: &str,
    ) -> Result<Vec<OutcomeStep>> {
        let mut out: Vec<OutcomeStep> = Vec::new();
        let mut push = |on: &str,
                        area: &'static str,
                        what: Vec<String>,
                        detail: Option<String>,
                        link: String| {
            out.push(OutcomeStep {
                on: on.to_owned(),
                area,
                what,
                detail,
                link,
            });
        };
        let p = person_id;
        for e in self.enrolments(by, p).await? {
            for ev in &e.events {
                let mut what = vec![id("enrolment-status", &ev.status)];
                if let Some(r) = &ev.reason {
                    what.push(id("not-enrolled-reason", r));
                }
                let detail = match &e.school_name {
                    Some(s) => format!("{} · {s}", e.school_year),
                    None => e.school_year.clone(),
                };
                push(
                    &ev.on_date,
                    "education",
                    what,
                    Some(detail),
                    format!("/persons/{p}/education"),
                );
            }
        }
        for c in self.health_coverage(by, p).await? {
            let kind = match &c.scheme {
                Some(s) => id("insurance-scheme", s),
                None => id("coverage-kind", &c.kind),
            };
            let link = format!("/persons/{p}/health");
            push(
                &c.started_on,
                "health",
                vec![kind.clone(), "timeline-started".into()],
                c.institution_name.clone(),
                link.clone(),
            );
            if let Some(end) = &c.ended_on {
                push(
                    end,
                    "health",
                    vec![kind, "timeline-ended".into()],
                    c.institution_name.clone(),
                    link,
                );
            }
        }
        for d in self.documents(by, p).await? {
            let kind = id("document-kind", &d.kind);
            let link = format!("/persons/{p}/documents");
            for (on, status) in [
                (&d.requested_on, "requested"),
                (&d.obtained_on, "obtained"),
                (&d.refused_on, "refused"),
            ] {
                if let Some(on) = on {
                    push(
                        on,
                        "documents",
                        vec![kind.clone(), id("document-status", status)],
                        None,
                        link.clone(),
                    );
                }
            }
        }
        let f = ParticipationFilter {
            person_id: Some(p.to_owned()),
            limit: 500,
            ..Default::default()
        };
        for x in self.participations(by, &f).await? {
            let link = format!("/persons/{p}/employment");
            push(
                &x.entered_on,
                "participation",
                vec![
                    "timeline-entered".into(),
                    id("labour-status", &x.labour_status),
                ],
                Some(x.programme_code.clone()),
                link.clone(),
            );
            if let Some(left) = &x.left_on {
                let mut what = vec!["timeline-left".into()];
                what.extend(
                    x.results
                        .split(',')
                        .filter(|r| !r.is_empty())
                        .map(|r| id("leaving-result", r)),
                );
                push(
                    left,
                    "participation",
                    what,
                    Some(x.programme_code.clone()),
                    link,
                );
            }
        }
        let f = EmploymentFilter {
            person_id: Some(p.to_owned()),
            limit: 500,
            ..Default::default()
        };
        for pl in self.job_placements(by, &f).await? {
            let link = format!("/persons/{p}/employment");
            let detail = Some(format!("{} · {}", pl.employer_name, pl.occupation));
            push(
                &pl.started_on,
                "employment",
                vec![
                    "timeline-placed".into(),
                    id("contract-type", &pl.contract_type),
                ],
                detail.clone(),
                link.clone(),
            );
            if let (Some(end), Some(reason)) = (&pl.ended_on, &pl.end_reason) {
                push(
                    end,
                    "employment",
                    vec![
                        "timeline-placement-ended".into(),
                        id("placement-end", reason),
                    ],
                    detail,
                    link,
                );
            }
        }
        for c in self.person_checks(by, p).await? {
            let Some(on) = &c.answered_on else { continue };
            let what = match (&c.still_working, &c.labour_status) {
                (Some(s), _) => vec![
                    format!("timeline-retention-{}", c.months),
                    id("still-working", s),
                ],
                (None, Some(s)) => vec!["timeline-six-month".into(), id("labour-status", s)],
                _ => continue,
            };
            push(
                on,
                "employment",
                what,
                c.subject_label.clone(),
                format!("/persons/{p}/employment"),
            );
        }
        if by.may(Action::ViewCases) {
            let f = CaseFilter {
                person_id: Some(p.to_owned()),
                limit: 500,
                ..Default::default()
            };
            for c in self.cases(by, &f).await? {
                let link = format!("/cases/{}", c.id);
                push(
                    &c.opened_on,
                    "cases",
                    vec!["timeline-case-opened".into()],
                    c.summary.clone(),
                    link.clone(),
                );
                if let Some(closed) = &c.closed_on {
                    let mut what = vec!["timeline-case-closed".into()];
                    what.extend(c.closure_reason.as_deref().map(|r| id("closure-reason", r)));
                    push(closed, "cases", what, c.summary.clone(), link);
                }
            }
        }
        for a in self.person_activities(by, p).await? {
            let link = format!("/activities/{}", a.activity_id);
            let title = crate::activities::activity_title(&a.titles, lang);
            push(
                &a.enrolled_on,
                "activities",
                vec![
                    "timeline-activity-enrolled".into(),
                    id("activity-kind", &a.kind),
                ],
                Some(title.clone()),
                link.clone(),
            );
            if a.completion.as_ref().is_some_and(|c| c.complete) {
                if let Some(end) = &a.ends_on {
                    push(
                        end,
                        "activities",
                        vec!["timeline-activity-completed".into()],
                        Some(title),
                        link,
                    );
                }
            }
        }
        out.sort_by(|a, b| b.on.cmp(&a.on));
        Ok(out)
    }
}
