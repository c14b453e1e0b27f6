//! Identifiers and short texts that can only be built valid.
//!
//! Each `parse` returns the Fluent id of the problem on failure, so callers can
//! gather every problem of a form into [`crate::ValidationErrors`].

use serde::Serialize;
use std::fmt;

macro_rules! string_newtype {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

/// A login name: 3 to 64 characters of lower-case ASCII letters, digits, `.`, `_`, `-`.
/// ASCII only so that it is typed the same on every keyboard and never collides
/// under Turkish case rules.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Username(String);
string_newtype!(Username);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let s = raw.trim().to_ascii_lowercase();
        if s.is_empty() {
            return Err("err-required");
        }
        if s.len() < 3 || s.len() > 64 {
            return Err("err-username-length");
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        {
            return Err("err-username-chars");
        }
        Ok(Self(s))
    }
}

/// A password as typed, checked against the installation's minimum rules.
/// Deliberately not `Display` and with a redacting `Debug`, so it never reaches a log.
#[derive(Clone)]
pub struct Password(String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

impl Password {
    pub const MIN_CHARS: usize = 10;
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        if raw.is_empty() {
            return Err("err-required");
        }
        let n = raw.chars().count();
        if n < Self::MIN_CHARS {
            return Err("err-password-short");
        }
        if n > 256 {
            return Err("err-too-long");
        }
        Ok(Self(raw.to_owned()))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A short code for a unit, institution or programme: 2 to 40 characters of
/// upper-case ASCII letters, digits, `-`, `_`, `.`. Codes appear in scopes
/// (`unit:CODE`) and in exchanges with other systems, so they stay ASCII.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Code(String);
string_newtype!(Code);

impl Code {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let s = raw.trim().to_ascii_uppercase();
        if s.is_empty() {
            return Err("err-required");
        }
        if s.len() < 2 || s.len() > 40 {
            return Err("err-code-length");
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b"-_.".contains(&b))
        {
            return Err("err-code-chars");
        }
        Ok(Self(s))
    }
}

/// An administrative area: an ISO 3166-1 alpha-2 country (`TR`), an ISO 3166-2
/// subdivision (`TR-06`, `RS-20`) or Köprü's extension below it
/// (`TR-06-CANKAYA`, `RS-20-NIS`): ASCII upper-case segments joined by `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct AreaCode(String);
string_newtype!(AreaCode);

impl AreaCode {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let s = raw.trim().to_ascii_uppercase();
        if s.is_empty() {
            return Err("err-required");
        }
        let mut parts = s.split('-');
        let country = parts.next().unwrap_or_default();
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err("err-area-code");
        }
        for p in parts {
            if p.is_empty() || p.len() > 24 || !p.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err("err-area-code");
            }
        }
        if s.len() > 64 {
            return Err("err-area-code");
        }
        Ok(Self(s))
    }
    /// The ISO 3166-1 country the area belongs to.
    pub fn country(&self) -> &str {
        &self.0[..2]
    }
}

/// A human name of a thing (unit, institution, programme, user's display name):
/// trimmed, 1 to 200 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label(String);
string_newtype!(Label);

impl Label {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let s = raw.trim();
        if s.is_empty() {
            return Err("err-required");
        }
        if s.chars().count() > 200 {
            return Err("err-too-long");
        }
        if s.chars().any(char::is_control) {
            return Err("err-control-chars");
        }
        Ok(Self(s.to_owned()))
    }
}

/// An optional one-line label (a title, a reason, a name): blank is `None`,
/// anything else must be a valid [`Label`].
pub fn optional_label(raw: &str) -> Result<Option<Label>, &'static str> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    Label::parse(raw).map(Some)
}

/// Optional free text (an address, a contact person): trimmed, at most 500
/// characters, empty becomes `None`.
pub fn optional_text(raw: &str) -> Result<Option<String>, &'static str> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if s.chars().count() > 500 {
        return Err("err-too-long");
    }
    if s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err("err-control-chars");
    }
    Ok(Some(s.to_owned()))
}

/// Optional e-mail address, checked for shape only (one `@`, a dot in the domain).
pub fn optional_email(raw: &str) -> Result<Option<String>, &'static str> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let ok = s.len() <= 254
        && s.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
        })
        && !s.chars().any(char::is_whitespace);
    if ok {
        Ok(Some(s.to_owned()))
    } else {
        Err("err-email")
    }
}

/// Optional phone number: digits with an optional leading `+`, spaces, dashes and
/// parentheses allowed while typing; stored as typed (trimmed), 6 to 20 digits.
pub fn optional_phone(raw: &str) -> Result<Option<String>, &'static str> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let shape_ok = s
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_digit() || " -()".contains(c) || (c == '+' && i == 0));
    if shape_ok && (6..=20).contains(&digits) {
        Ok(Some(s.to_owned()))
    } else {
        Err("err-phone")
    }
}

/// A calendar date `YYYY-MM-DD` (or day first, `DD.MM.YYYY`), checked for a real day.
pub fn optional_date(raw: &str) -> Result<Option<String>, &'static str> {
    let normalised = normalise_date(raw.trim());
    let s = normalised.as_str();
    if s.is_empty() {
        return Ok(None);
    }
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err("err-date");
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok());
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return Err("err-date");
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err("err-date"),
    };
    if !(1900..=2200).contains(&y) || d == 0 || d > days {
        return Err("err-date");
    }
    Ok(Some(s.to_owned()))
}

/// A date as people write it in Türkiye and Serbia, day first — `12.03.1985`,
/// `12/03/1985`, `12.3.1985.` → `1985-03-12`, `03.1985` → `1985-03` — and
/// anything else as it came (an ISO date stays one). Forms, the API and
/// imports read dates through it, then check them.
pub fn normalise_date(t: &str) -> String {
    let parts: Vec<&str> = t
        .trim_end_matches('.')
        .split(['.', '/'])
        .map(str::trim)
        .collect();
    if parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && parts[2].len() == 4
    {
        if let (Ok(d), Ok(m)) = (parts[0].parse::<u32>(), parts[1].parse::<u32>()) {
            return format!("{}-{m:02}-{d:02}", parts[2]);
        }
    }
    if parts.len() == 2 && parts[1].len() == 4 && parts[0].len() <= 2 {
        if let Ok(m) = parts[0].parse::<u32>() {
            return format!("{}-{m:02}", parts[1]);
        }
    }
    t.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn usernames() {
        assert_eq!(Username::parse(" Ayse.K ").unwrap().as_str(), "ayse.k");
        assert_eq!(Username::parse("ab"), Err("err-username-length"));
        assert_eq!(Username::parse("ayşe"), Err("err-username-chars"));
        assert_eq!(Username::parse(""), Err("err-required"));
    }

    #[test]
    fn area_codes() {
        assert_eq!(AreaCode::parse("tr-06").unwrap().as_str(), "TR-06");
        assert_eq!(AreaCode::parse("RS-20-NIS").unwrap().country(), "RS");
        assert!(AreaCode::parse("TR").is_ok());
        assert!(AreaCode::parse("T-06").is_err());
        assert!(AreaCode::parse("TR--06").is_err());
        assert!(AreaCode::parse("TR-Çankaya").is_err());
    }

    #[test]
    fn dates() {
        assert!(optional_date("2024-02-29").unwrap().is_some());
        assert_eq!(optional_date("2023-02-29"), Err("err-date"));
        assert_eq!(optional_date("2023-13-01"), Err("err-date"));
        assert_eq!(optional_date("23-01-01"), Err("err-date"));
        assert_eq!(optional_date("15.04.1982"), Ok(Some("1982-04-15".into())));
        assert_eq!(optional_date("5/4/1982"), Ok(Some("1982-04-05".into())));
        assert_eq!(optional_date("31.02.1982"), Err("err-date"));
        assert_eq!(optional_date(""), Ok(None));
    }

    #[test]
    fn contact_fields() {
        assert!(optional_email("a@b.rs").unwrap().is_some());
        assert!(optional_email("a@b").is_err());
        assert!(optional_phone("+90 (312) 555 12 34").unwrap().is_some());
        assert!(optional_phone("12ab34").is_err());
    }

    #[test]
    fn password_is_never_printed() {
        let p = Password::parse("correct horse battery").unwrap();
        assert_eq!(format!("{p:?}"), "Password(***)");
        assert!(matches!(
            Password::parse("short"),
            Err("err-password-short")
        ));
    }

    proptest! {
        #[test]
        fn code_parse_is_idempotent(s in "[A-Za-z0-9_.-]{2,40}") {
            let c = Code::parse(&s).unwrap();
            prop_assert_eq!(Code::parse(c.as_str()).unwrap(), c);
        }

        #[test]
        fn label_never_accepts_control_chars(s in "[a-z]{1,10}[\\x00-\\x08][a-z]{0,5}") {
            prop_assert!(Label::parse(&s).is_err());
        }
    }
}
