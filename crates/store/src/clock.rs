//! The one clock. Timestamps as stored: UTC, RFC 3339, microseconds, fixed
//! width, so that text order is time order in both engines. Dates (today, due
//! dates, "overdue", "not in the future") are the installation's: the calendar
//! day in its time zone (`KOPRU_TIME_ZONE`, Europe/Istanbul by default), so
//! that between midnight and three in the morning in Türkiye nothing is a day
//! off. Everything that needs today's date asks [`today`].

use std::sync::OnceLock;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// The time zone used when none is configured.
pub const DEFAULT_TIME_ZONE: &str = "Europe/Istanbul";

static ZONE: OnceLock<(String, jiff::tz::TimeZone)> = OnceLock::new();

/// Sets the installation's time zone (an IANA name). Once per process, at
/// start; a second call with another zone is refused.
pub fn set_time_zone(name: &str) -> Result<(), String> {
    let tz = jiff::tz::TimeZone::get(name).map_err(|_| {
        format!(
            "unknown time zone {name:?} (an IANA name such as Europe/Istanbul or Europe/Belgrade)"
        )
    })?;
    let (set, _) = ZONE.get_or_init(|| (name.to_owned(), tz));
    if set != name {
        return Err(format!("the time zone is already {set}"));
    }
    Ok(())
}

fn zone() -> &'static jiff::tz::TimeZone {
    &ZONE
        .get_or_init(|| {
            let tz = jiff::tz::TimeZone::get(DEFAULT_TIME_ZONE).unwrap_or(jiff::tz::TimeZone::UTC);
            (DEFAULT_TIME_ZONE.to_owned(), tz)
        })
        .1
}

/// The calendar date (`YYYY-MM-DD`) at instant `t` in time zone `tz`.
pub fn date_in(t: OffsetDateTime, tz: &jiff::tz::TimeZone) -> String {
    let local =
        jiff::Timestamp::from_second(t.unix_timestamp()).map(|ts| tz.to_datetime(ts).date());
    match local {
        Ok(d) => format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()),
        // Out of jiff's range (years beyond ±9999): the UTC date.
        Err(_) => format(t)[..10].to_owned(),
    }
}

/// What sorts a timestamp among dates: the instant in the installation's
/// calendar (`YYYY-MM-DDTHH:MM:SS.ffffff`, local), so that a UTC timestamp
/// late in the evening falls on the local day after; a date (or anything
/// else) as it is.
pub fn local_key(at: &str) -> String {
    let Some(t) = parse(at) else {
        return at.to_owned();
    };
    let local = jiff::Timestamp::new(t.unix_timestamp(), t.nanosecond() as i32)
        .map(|ts| zone().to_datetime(ts));
    match local {
        Ok(d) => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}",
            d.year(),
            d.month(),
            d.day(),
            d.hour(),
            d.minute(),
            d.second(),
            d.subsec_nanosecond() / 1000
        ),
        Err(_) => at.to_owned(),
    }
}

static OFFSET_DAYS: OnceLock<i64> = OnceLock::new();

/// Moves the clock `days` ahead (or back), once per process, at start: how a
/// test of what falls due months later runs the real server on a real
/// database (`KOPRU_CLOCK_OFFSET_DAYS`). Never set in production.
pub fn set_offset_days(days: i64) -> Result<(), String> {
    let set = OFFSET_DAYS.get_or_init(|| days);
    if *set != days {
        return Err(format!("the clock is already moved by {set} days"));
    }
    Ok(())
}

/// The current instant on the clock (moved, in a test run that moves it).
fn current() -> OffsetDateTime {
    OffsetDateTime::now_utc() + Duration::days(OFFSET_DAYS.get().copied().unwrap_or(0))
}

/// Today in the installation's time zone.
pub fn today() -> String {
    date_in(current(), zone())
}

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
    format(current())
}

/// Now plus (or minus) a duration, formatted.
pub fn from_now(d: Duration) -> String {
    format(current() + d)
}

pub fn parse(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Midnight in Türkiye is 21:00 UTC; in Serbia 23:00 UTC in winter and
    /// 22:00 UTC in summer. The date changes there, not at UTC's midnight.
    #[test]
    fn dates_change_at_the_installations_midnight() {
        let at = |s: &str| parse(s).unwrap();
        let ist = jiff::tz::TimeZone::get("Europe/Istanbul").unwrap();
        let bg = jiff::tz::TimeZone::get("Europe/Belgrade").unwrap();
        assert_eq!(date_in(at("2026-12-01T20:59:59Z"), &ist), "2026-12-01");
        assert_eq!(date_in(at("2026-12-01T21:00:00Z"), &ist), "2026-12-02");
        assert_eq!(date_in(at("2026-12-01T22:59:59Z"), &bg), "2026-12-01");
        assert_eq!(date_in(at("2026-12-01T23:00:00Z"), &bg), "2026-12-02");
        assert_eq!(date_in(at("2026-07-01T21:59:59Z"), &bg), "2026-07-01");
        assert_eq!(date_in(at("2026-07-01T22:00:00Z"), &bg), "2026-07-02");
        // New Year's Eve and a leap day.
        assert_eq!(date_in(at("2027-12-31T21:00:00Z"), &ist), "2028-01-01");
        assert_eq!(date_in(at("2028-02-28T21:30:00Z"), &ist), "2028-02-29");
        assert!(set_time_zone("Europe/Nowhere").is_err());
    }

    /// A timeline mixes UTC timestamps with local dates: at 00:10 in
    /// Istanbul (21:10 UTC) a timed entry is on the new local day, before
    /// that day's dated entries, after the previous day's.
    #[test]
    fn timestamps_sort_among_dates_on_the_local_day() {
        // No test in this crate sets another zone: the default is Istanbul.
        let late = local_key("2026-12-03T21:10:00.000000Z");
        assert_eq!(late, "2026-12-04T00:10:00.000000");
        assert!(late.as_str() > "2026-12-04" && late.as_str() > "2026-12-03");
        assert!(local_key("2026-12-03T20:59:00Z").as_str() < "2026-12-04");
        assert_eq!(local_key("2026-12-04"), "2026-12-04");
    }

    #[test]
    fn fixed_width_and_round_trip() {
        let s = now();
        assert_eq!(s.len(), 27);
        assert!(s.ends_with('Z'));
        assert_eq!(format(parse(&s).unwrap()), s);
        assert!(from_now(Duration::seconds(-5)) < s);
    }
}
