//! Timestamps as stored: UTC, RFC 3339, microseconds, fixed width, so that text
//! order is time order in both engines.

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

pub fn format(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

pub fn now() -> String {
    format(OffsetDateTime::now_utc())
}

/// Now plus (or minus) a duration, formatted.
pub fn from_now(d: Duration) -> String {
    format(OffsetDateTime::now_utc() + d)
}

pub fn parse(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_width_and_round_trip() {
        let s = now();
        assert_eq!(s.len(), 27);
        assert!(s.ends_with('Z'));
        assert_eq!(format(parse(&s).unwrap()), s);
        assert!(from_now(Duration::seconds(-5)) < s);
    }
}
