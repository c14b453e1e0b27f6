//! Where a role assignment applies: the whole installation, a country, an
//! administrative area with everything below it, one unit, or one institution.

use crate::codes::{AreaCode, Code};
use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "code", rename_all = "snake_case")]
pub enum Scope {
    Installation,
    Country(AreaCode),
    Area(AreaCode),
    Unit(Code),
    Institution(Code),
}

impl Scope {
    /// Parses `country:TR`, `area:TR-06`, `unit:CODE`, `institution:CODE`;
    /// an empty string or `installation` is the whole installation.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let s = raw.trim();
        if s.is_empty() || s.eq_ignore_ascii_case("installation") {
            return Ok(Scope::Installation);
        }
        let (kind, code) = s.split_once(':').ok_or("err-scope")?;
        match kind.trim().to_ascii_lowercase().as_str() {
            "country" => {
                let c = AreaCode::parse(code)?;
                if c.as_str().len() != 2 {
                    return Err("err-scope");
                }
                Ok(Scope::Country(c))
            }
            "area" => Ok(Scope::Area(AreaCode::parse(code)?)),
            "unit" => Ok(Scope::Unit(Code::parse(code)?)),
            "institution" => Ok(Scope::Institution(Code::parse(code)?)),
            _ => Err("err-scope"),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Scope::Installation => "installation",
            Scope::Country(_) => "country",
            Scope::Area(_) => "area",
            Scope::Unit(_) => "unit",
            Scope::Institution(_) => "institution",
        }
    }

    pub fn code(&self) -> Option<&str> {
        match self {
            Scope::Installation => None,
            Scope::Country(c) | Scope::Area(c) => Some(c.as_str()),
            Scope::Unit(c) | Scope::Institution(c) => Some(c.as_str()),
        }
    }

    /// Rebuilds a scope from its stored parts.
    pub fn from_parts(kind: &str, code: Option<&str>) -> Result<Self, &'static str> {
        match (kind, code) {
            ("installation", _) => Ok(Scope::Installation),
            (k, Some(c)) => Scope::parse(&format!("{k}:{c}")),
            _ => Err("err-scope"),
        }
    }

    /// Countries and areas are both "an area and all below it" for row filtering.
    pub fn area(&self) -> Option<&AreaCode> {
        match self {
            Scope::Country(c) | Scope::Area(c) => Some(c),
            _ => None,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code() {
            None => f.write_str("installation"),
            Some(c) => write!(f, "{}:{c}", self.kind()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display_round_trip() {
        for s in [
            "country:TR",
            "area:TR-06",
            "unit:SHKB-ANK-01",
            "institution:ISKUR-06",
        ] {
            assert_eq!(Scope::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(Scope::parse("").unwrap(), Scope::Installation);
        assert_eq!(Scope::parse("country:TR-06"), Err("err-scope"));
        assert_eq!(Scope::parse("planet:earth"), Err("err-scope"));
        assert_eq!(Scope::parse("unit"), Err("err-scope"));
    }
}
