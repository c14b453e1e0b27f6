//! Certificates of completion: issued once per participant who completed an
//! activity, with a code anyone can check on a public page. The holder's
//! name is read from the registry (or the professional's entry) when the
//! certificate is printed or checked; the certificate row holds no name.

use super::{activity_for, audit_activity, participants::participant_in, ActivityRow};
use crate::audit::{append, Actor};
use crate::error::{Result, StoreError};
use crate::sql::Sql;
use crate::{clock, Store};
use kopru_domain::{Action, Principal, ValidationErrors};
use rand::RngCore;
use serde::Serialize;

/// Letters and digits that cannot be misread for one another (no 0/O, 1/I/L).
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A new certificate code, `XXXX-XXXX-XXXX` (about 59 bits).
fn new_code() -> String {
    let mut bytes = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// A code as typed: upper case, dashes where they belong, nothing else.
pub fn normalise_code(raw: &str) -> Option<String> {
    let s: String = raw
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if s.len() != 12 || !s.bytes().all(|b| ALPHABET.contains(&b)) {
        return None;
    }
    Some(format!("{}-{}-{}", &s[0..4], &s[4..8], &s[8..12]))
}

/// A certificate with what it is printed with.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CertificateRow {
    pub code: String,
    pub participant_id: String,
    pub activity_id: String,
    /// The language it is printed in.
    pub language: String,
    pub completed_on: String,
    pub issued_at: String,
    /// The holder's name.
    pub holder: String,
    #[serde(serialize_with = "crate::columns::json_value")]
    #[schema(value_type = Object)]
    pub titles: String,
    pub kind: String,
    pub programme_name: String,
    pub organiser_name: String,
    pub area_name: String,
    pub starts_on: String,
    pub ends_on: Option<String>,
}

impl CertificateRow {
    pub fn title(&self) -> String {
        super::activity_title(&self.titles, &self.language)
    }
}

const CERTIFICATE_SELECT: &str = "SELECT c.code, c.participant_id, c.activity_id, c.language, \
     c.completed_on, c.issued_at, \
     COALESCE(p.given_names || ' ' || p.family_name, ap.professional_name, '') AS holder, \
     a.titles, a.kind, pr.name AS programme_name, COALESCE(un.name, i.name, '') AS organiser_name, \
     ar.name AS area_name, a.starts_on, a.ends_on \
     FROM certificates c JOIN activity_participants ap ON ap.id = c.participant_id \
     JOIN activities a ON a.id = c.activity_id JOIN programmes pr ON pr.id = a.programme_id \
     JOIN areas ar ON ar.code = a.area_code \
     LEFT JOIN persons p ON p.id = ap.person_id \
     LEFT JOIN units un ON un.code = a.unit_code \
     LEFT JOIN institutions i ON i.code = a.institution_code";

/// The language a participant reads: the first of the person's languages
/// that Köprü prints in, else the organiser's country's.
fn language_for(person_languages: Option<&str>, a: &ActivityRow) -> String {
    let spoken: Vec<String> = person_languages
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or_default();
    for l in spoken {
        let tag = match l.as_str() {
            "tr" | "tur" => "tr",
            "en" | "eng" => "en",
            "sr" | "srp" | "sr-Cyrl" => "sr-Cyrl",
            "sr-Latn" => "sr-Latn",
            _ => continue,
        };
        return tag.to_owned();
    }
    if a.area_code.starts_with("RS") {
        "sr-Cyrl".into()
    } else {
        "tr".into()
    }
}

impl Store {
    /// The certificate of a participant who completed the activity, issued
    /// now if it was not before (the same code every time after).
    pub async fn issue_certificate(
        &self,
        actor: &Actor,
        by: &Principal,
        activity_id: &str,
        participant_id: &str,
    ) -> Result<CertificateRow> {
        let mut tx = self.begin_write().await?;
        let a = activity_for(tx.conn(), by, Action::ViewActivities, activity_id).await?;
        let p = participant_in(tx.conn(), by, activity_id, participant_id).await?;
        let existing: Option<(String,)> =
            Sql::new("SELECT code FROM certificates WHERE participant_id = ")
                .bind(p.id.clone())
                .fetch_optional(tx.conn())
                .await?;
        let code = match existing {
            Some((code,)) => code,
            None => {
                let list = super::participants::completion_of(tx.conn(), &a, &p).await?;
                if !list.complete {
                    return Err(ValidationErrors::single("participant", "err-not-completed").into());
                }
                let languages: Option<(String,)> = match &p.person_id {
                    Some(person) => {
                        Sql::new("SELECT languages FROM persons WHERE id = ")
                            .bind(person.clone())
                            .fetch_optional(tx.conn())
                            .await?
                    }
                    None => None,
                };
                let last_present: Option<(Option<String>,)> = Sql::new(
                    "SELECT MAX(held_on) FROM attendance WHERE mark = 'present' AND participant_id = ",
                )
                .bind(p.id.clone())
                .fetch_optional(tx.conn())
                .await?;
                let completed_on = last_present.and_then(|(d,)| d).unwrap_or_else(clock::today);
                let code = new_code();
                Sql::new(
                    "INSERT INTO certificates (code, participant_id, activity_id, language, \
                     completed_on, issued_by, issued_at) VALUES (",
                )
                .bind(code.clone())
                .push(", ")
                .bind(p.id.clone())
                .push(", ")
                .bind(a.id.clone())
                .push(", ")
                .bind(language_for(languages.as_ref().map(|(l,)| l.as_str()), &a))
                .push(", ")
                .bind(completed_on)
                .push(", ")
                .bind(actor.username.clone())
                .push(", ")
                .bind(clock::now())
                .push(")")
                .execute(tx.conn())
                .await?;
                append(
                    tx.conn(),
                    &audit_activity(actor, "activity.certificate", &a)
                        .details(serde_json::json!({"participant": p.id, "code": code})),
                )
                .await?;
                code
            }
        };
        let row = Sql::new(&format!("{CERTIFICATE_SELECT} WHERE c.code = "))
            .bind(code)
            .fetch_optional(tx.conn())
            .await?
            .ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(row)
    }

    /// A certificate by its code, for anyone who holds one (no sign-in).
    pub async fn check_certificate(&self, code: &str) -> Result<Option<CertificateRow>> {
        let Some(code) = normalise_code(code) else {
            return Ok(None);
        };
        Ok(Sql::new(&format!("{CERTIFICATE_SELECT} WHERE c.code = "))
            .bind(code)
            .fetch_optional(self.pool())
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_back_however_they_are_typed() {
        for _ in 0..50 {
            let c = new_code();
            assert_eq!(c.len(), 14);
            assert_eq!(normalise_code(&c).as_deref(), Some(c.as_str()));
            assert_eq!(
                normalise_code(&c.to_lowercase().replace('-', " ")).as_deref(),
                Some(c.as_str())
            );
        }
        assert_eq!(normalise_code("ABCD-EFGH-IJK0"), None);
        assert_eq!(normalise_code("short"), None);
    }
}
