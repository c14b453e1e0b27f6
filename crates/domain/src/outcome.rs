//! Outcomes recorded per person with dates, so that they can be counted:
//! civil documents (birth registration, identity card, residence
//! registration, citizenship or statelessness determination) requested,
//! obtained or refused. Drafts check into values the store can trust, with
//! every problem named by field.

use crate::casework::long_text;
use crate::codes::optional_date;
use crate::error::ValidationErrors;
use crate::reference::closed_list;
use serde::Serialize;

closed_list!(
    /// The civil documents that make a person visible to the state.
    DocumentKind, "document-kind" {
        BirthRegistration = "birth_registration",
        IdentityCard = "identity_card",
        ResidenceRegistration = "residence_registration",
        Citizenship = "citizenship",
        StatelessnessDetermination = "statelessness_determination",
    }
);

closed_list!(
    /// Where a document's procedure stands.
    DocumentStatus, "document-status" {
        Requested = "requested",
        Obtained = "obtained",
        Refused = "refused",
    }
);

/// A document's procedure as entered: when it was requested, and when it
/// was obtained or refused (with the reason).
#[derive(Debug, Clone, Default)]
pub struct DocumentDraft {
    pub kind: String,
    pub requested_on: String,
    pub obtained_on: String,
    pub refused_on: String,
    pub refusal_reason: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub kind: DocumentKind,
    pub status: DocumentStatus,
    pub requested_on: Option<String>,
    pub obtained_on: Option<String>,
    pub refused_on: Option<String>,
    pub refusal_reason: Option<String>,
    pub note: Option<String>,
}

fn past(raw: &str, today: &str) -> Result<Option<String>, &'static str> {
    match optional_date(raw)? {
        Some(d) if d.as_str() > today => Err("err-date-in-future"),
        d => Ok(d),
    }
}

impl DocumentDraft {
    /// The status follows the dates: obtained when it has an obtained date,
    /// refused when refused (with a reason), requested otherwise (a request
    /// date is then needed). Obtained and refused exclude each other, and
    /// neither comes before the request.
    pub fn validate(&self, today: &str) -> Result<Document, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let kind = e.take("kind", DocumentKind::parse(&self.kind));
        let requested_on = e.take("requested_on", past(&self.requested_on, today));
        let obtained_on = e.take("obtained_on", past(&self.obtained_on, today));
        let refused_on = e.take("refused_on", past(&self.refused_on, today));
        let refusal_reason = e.take("refusal_reason", long_text(&self.refusal_reason, 500));
        let note = e.take("note", long_text(&self.note, 1000));
        e.into_result()?;
        let (
            Some(kind),
            Some(requested_on),
            Some(obtained_on),
            Some(refused_on),
            Some(refusal_reason),
            Some(note),
        ) = (
            kind,
            requested_on,
            obtained_on,
            refused_on,
            refusal_reason,
            note,
        )
        else {
            return Err(ValidationErrors::single("document", "err-required"));
        };
        let mut e = ValidationErrors::new();
        if obtained_on.is_some() && refused_on.is_some() {
            e.push("refused_on", "err-document-obtained-and-refused");
        }
        for (field, d) in [("obtained_on", &obtained_on), ("refused_on", &refused_on)] {
            if let (Some(r), Some(d)) = (&requested_on, d) {
                if d < r {
                    e.push(field, "err-ends-before-start");
                }
            }
        }
        if refused_on.is_some() && refusal_reason.is_none() {
            e.push("refusal_reason", "err-required");
        }
        if obtained_on.is_none() && refused_on.is_none() && requested_on.is_none() {
            e.push("requested_on", "err-required");
        }
        e.into_result()?;
        let status = if obtained_on.is_some() {
            DocumentStatus::Obtained
        } else if refused_on.is_some() {
            DocumentStatus::Refused
        } else {
            DocumentStatus::Requested
        };
        Ok(Document {
            kind,
            status,
            requested_on,
            obtained_on,
            refused_on,
            refusal_reason,
            note,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(requested: &str, obtained: &str, refused: &str, reason: &str) -> DocumentDraft {
        DocumentDraft {
            kind: "identity_card".into(),
            requested_on: requested.into(),
            obtained_on: obtained.into(),
            refused_on: refused.into(),
            refusal_reason: reason.into(),
            note: String::new(),
        }
    }

    #[test]
    fn the_status_follows_the_dates() {
        let today = "2026-12-03";
        let d = draft("2026-03-01", "", "", "").validate(today).unwrap();
        assert_eq!(d.status, DocumentStatus::Requested);
        let d = draft("2026-03-01", "2026-05-02", "", "")
            .validate(today)
            .unwrap();
        assert_eq!(d.status, DocumentStatus::Obtained);
        let d = draft("", "2026-05-02", "", "").validate(today).unwrap();
        assert_eq!(d.status, DocumentStatus::Obtained);
        let d = draft("2026-03-01", "", "2026-04-01", "no birth record")
            .validate(today)
            .unwrap();
        assert_eq!(d.status, DocumentStatus::Refused);
    }

    #[test]
    fn every_problem_is_named() {
        let today = "2026-12-03";
        let codes = |d: DocumentDraft| -> Vec<(String, &'static str)> {
            d.validate(today)
                .err()
                .map(|e| e.0.into_iter().map(|f| (f.field, f.code)).collect())
                .unwrap_or_default()
        };
        assert_eq!(
            codes(draft("", "", "", "")),
            vec![("requested_on".into(), "err-required")]
        );
        assert_eq!(
            codes(draft("2026-03-01", "2026-02-01", "2026-02-02", "")),
            vec![
                ("refused_on".into(), "err-document-obtained-and-refused"),
                ("obtained_on".into(), "err-ends-before-start"),
                ("refused_on".into(), "err-ends-before-start"),
                ("refusal_reason".into(), "err-required"),
            ]
        );
        assert_eq!(
            codes(draft("2027-01-01", "", "", "")),
            vec![("requested_on".into(), "err-date-in-future")]
        );
        let mut d = draft("2026-01-01", "", "", "");
        d.kind = "passport".into();
        assert_eq!(codes(d), vec![("kind".into(), "err-choice")]);
    }
}
