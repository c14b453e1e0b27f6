//! The four interface languages, Turkish-aware casing, Serbian transliteration,
//! and the way each language writes dates and numbers.
//!
//! Written by hand because the rules needed are few and fixed, and ICU data for
//! them would add megabytes to a binary meant for small servers.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Locale {
    #[default]
    Tr,
    En,
    SrCyrl,
    SrLatn,
}

impl Locale {
    pub const ALL: [Locale; 4] = [Locale::Tr, Locale::En, Locale::SrCyrl, Locale::SrLatn];

    /// The BCP 47 tag, as used in `lang` attributes and Fluent.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::Tr => "tr",
            Locale::En => "en",
            Locale::SrCyrl => "sr-Cyrl",
            Locale::SrLatn => "sr-Latn",
        }
    }

    /// The language's own name for itself, for the language switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::Tr => "Türkçe",
            Locale::En => "English",
            Locale::SrCyrl => "Српски",
            Locale::SrLatn => "Srpski",
        }
    }

    /// Parses a tag exactly as [`Locale::tag`] writes it (case-insensitive),
    /// or a looser language range such as `sr-RS`, `sr-Latn-RS`, `tr-TR`, `en-GB`.
    pub fn parse(raw: &str) -> Option<Self> {
        let s = raw.trim().to_ascii_lowercase().replace('_', "-");
        let mut parts = s.split('-');
        let lang = parts.next()?;
        let rest: Vec<&str> = parts.collect();
        match lang {
            "tr" => Some(Locale::Tr),
            "en" => Some(Locale::En),
            // Serbian is official in Cyrillic; Latin when asked for, and for the
            // closely related languages whose readers read Latin script.
            "sr" if rest.contains(&"latn") => Some(Locale::SrLatn),
            "sr" => Some(Locale::SrCyrl),
            "hr" | "bs" | "sh" => Some(Locale::SrLatn),
            _ => None,
        }
    }

    /// Picks the best locale for an `Accept-Language` header, honouring q-values.
    pub fn from_accept_language(header: &str) -> Option<Self> {
        let mut best: Option<(f32, usize, Locale)> = None;
        for (i, item) in header.split(',').enumerate() {
            let mut parts = item.split(';');
            let range = parts.next().unwrap_or("").trim();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q <= 0.0 {
                continue;
            }
            if let Some(l) = Locale::parse(range) {
                let better = match best {
                    None => true,
                    Some((bq, bi, _)) => q > bq || (q == bq && i < bi),
                };
                if better {
                    best = Some((q, i, l));
                }
            }
        }
        best.map(|(_, _, l)| l)
    }

    fn is_turkish(self) -> bool {
        self == Locale::Tr
    }

    /// Upper-cases by the language's rules: Turkish `i` → `İ`, `ı` → `I`.
    pub fn to_upper(self, s: &str) -> String {
        if self.is_turkish() {
            let mut out = String::with_capacity(s.len());
            for c in s.chars() {
                match c {
                    'i' => out.push('İ'),
                    'ı' => out.push('I'),
                    _ => out.extend(c.to_uppercase()),
                }
            }
            out
        } else {
            s.to_uppercase()
        }
    }

    /// Lower-cases by the language's rules: Turkish `I` → `ı`, `İ` → `i`.
    pub fn to_lower(self, s: &str) -> String {
        if self.is_turkish() {
            let mut out = String::with_capacity(s.len());
            for c in s.chars() {
                match c {
                    'I' => out.push('ı'),
                    'İ' => out.push('i'),
                    _ => out.extend(c.to_lowercase()),
                }
            }
            out
        } else {
            s.to_lowercase()
        }
    }

    /// Formats an integer with the language's digit grouping.
    pub fn format_int(self, n: i64) -> String {
        let sep = match self {
            Locale::En => ',',
            _ => '.',
        };
        let digits = n.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(sep);
            }
            out.push(ch);
        }
        if n < 0 {
            out.insert(0, '-');
        }
        out
    }

    /// Formats a decimal with `places` digits after the language's decimal mark.
    pub fn format_decimal(self, x: f64, places: usize) -> String {
        if !x.is_finite() {
            return "–".into();
        }
        let s = format!("{:.*}", places, x.abs());
        let (int_part, frac) = s.split_once('.').unwrap_or((&s, ""));
        let int_val: i64 = int_part.parse().unwrap_or(0);
        let mut out = self.format_int(int_val);
        if x < 0.0 && (int_val != 0 || frac.bytes().any(|b| b != b'0')) {
            out.insert(0, '-');
        }
        if places > 0 {
            out.push(if self == Locale::En { '.' } else { ',' });
            out.push_str(frac);
        }
        out
    }

    /// Formats a calendar date given as `YYYY-MM-DD` (the first ten characters of
    /// a stored timestamp are also accepted). Returns the input unchanged if it is
    /// not a date, so a display never fails.
    pub fn format_date(self, iso: &str) -> String {
        let Some((y, m, d)) = split_date(iso) else {
            return iso.to_owned();
        };
        match self {
            Locale::Tr => format!("{d:02}.{m:02}.{y}"),
            Locale::En => format!("{d} {} {y}", EN_MONTHS[(m - 1) as usize]),
            Locale::SrCyrl | Locale::SrLatn => format!("{d}. {m}. {y}."),
        }
    }

    /// Formats a stored UTC timestamp `YYYY-MM-DDTHH:MM:SS…Z` as date and minutes.
    pub fn format_datetime(self, ts: &str) -> String {
        let date = self.format_date(ts);
        match ts.get(11..16) {
            Some(hm) if ts.as_bytes().get(10) == Some(&b'T') => format!("{date} {hm} UTC"),
            _ => date,
        }
    }
}

const EN_MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn split_date(s: &str) -> Option<(u32, u32, u32)> {
    let d = s.get(0..10)?;
    let b = d.as_bytes();
    if b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = d.get(0..4)?.parse().ok()?;
    let m: u32 = d.get(5..7)?.parse().ok()?;
    let day = d.get(8..10)?.parse().ok()?;
    if !(1..=12).contains(&m) {
        return None;
    }
    Some((y, m, day))
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

/// Serbian Cyrillic to Serbian Latin (the official, reversible Gaj alphabet).
/// Characters that are not Serbian Cyrillic pass through unchanged.
pub fn serbian_cyrillic_to_latin(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 4);
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        // Љ, Њ, Џ become two letters; they are all capitals only when the next
        // letter is a capital too (ЉУБА → LJUBA, Љуба → Ljuba).
        let next_upper = chars.get(i + 1).is_some_and(|n| n.is_uppercase());
        let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
        let prev_upper = i > 0 && chars[i - 1].is_uppercase();
        let lone_upper = next_upper || (prev_upper && !next_lower);
        let mapped: &str = match c {
            'а' => "a",
            'б' => "b",
            'в' => "v",
            'г' => "g",
            'д' => "d",
            'ђ' => "đ",
            'е' => "e",
            'ж' => "ž",
            'з' => "z",
            'и' => "i",
            'ј' => "j",
            'к' => "k",
            'л' => "l",
            'љ' => "lj",
            'м' => "m",
            'н' => "n",
            'њ' => "nj",
            'о' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'ћ' => "ć",
            'у' => "u",
            'ф' => "f",
            'х' => "h",
            'ц' => "c",
            'ч' => "č",
            'џ' => "dž",
            'ш' => "š",
            'А' => "A",
            'Б' => "B",
            'В' => "V",
            'Г' => "G",
            'Д' => "D",
            'Ђ' => "Đ",
            'Е' => "E",
            'Ж' => "Ž",
            'З' => "Z",
            'И' => "I",
            'Ј' => "J",
            'К' => "K",
            'Л' => "L",
            'М' => "M",
            'Н' => "N",
            'О' => "O",
            'П' => "P",
            'Р' => "R",
            'С' => "S",
            'Т' => "T",
            'Ћ' => "Ć",
            'У' => "U",
            'Ф' => "F",
            'Х' => "H",
            'Ц' => "C",
            'Ч' => "Č",
            'Ш' => "Š",
            'Љ' => {
                if lone_upper {
                    "LJ"
                } else {
                    "Lj"
                }
            }
            'Њ' => {
                if lone_upper {
                    "NJ"
                } else {
                    "Nj"
                }
            }
            'Џ' => {
                if lone_upper {
                    "DŽ"
                } else {
                    "Dž"
                }
            }
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push_str(mapped);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn turkish_casing() {
        assert_eq!(Locale::Tr.to_upper("istanbul ılıca"), "İSTANBUL ILICA");
        assert_eq!(Locale::Tr.to_lower("İSTANBUL ILICA"), "istanbul ılıca");
        assert_eq!(Locale::En.to_upper("istanbul"), "ISTANBUL");
        assert_eq!(Locale::SrLatn.to_upper("đorđe"), "ĐORĐE");
    }

    #[test]
    fn accept_language() {
        assert_eq!(
            Locale::from_accept_language("sr-Latn-RS,sr;q=0.8"),
            Some(Locale::SrLatn)
        );
        assert_eq!(
            Locale::from_accept_language("de-DE, sr;q=0.5, en;q=0.7"),
            Some(Locale::En)
        );
        assert_eq!(
            Locale::from_accept_language("tr-TR,tr;q=0.9"),
            Some(Locale::Tr)
        );
        assert_eq!(Locale::from_accept_language("de, fr"), None);
        assert_eq!(Locale::from_accept_language("en;q=0, tr"), Some(Locale::Tr));
        assert_eq!(Locale::from_accept_language(""), None);
    }

    #[test]
    fn numbers_and_dates() {
        assert_eq!(Locale::Tr.format_int(1234567), "1.234.567");
        assert_eq!(Locale::En.format_int(-1234), "-1,234");
        assert_eq!(Locale::En.format_int(999), "999");
        assert_eq!(Locale::Tr.format_decimal(1234.5, 1), "1.234,5");
        assert_eq!(Locale::En.format_decimal(-0.25, 2), "-0.25");
        assert_eq!(Locale::Tr.format_date("2026-11-03"), "03.11.2026");
        assert_eq!(Locale::En.format_date("2026-11-03"), "3 Nov 2026");
        assert_eq!(Locale::SrCyrl.format_date("2026-11-03"), "3. 11. 2026.");
        assert_eq!(
            Locale::Tr.format_datetime("2026-11-03T09:05:00.000000Z"),
            "03.11.2026 09:05 UTC"
        );
        assert_eq!(Locale::Tr.format_date("garbage"), "garbage");
    }

    #[test]
    fn transliteration() {
        assert_eq!(
            serbian_cyrillic_to_latin("Ђорђевић Шабан"),
            "Đorđević Šaban"
        );
        assert_eq!(
            serbian_cyrillic_to_latin("Љубица ЊЕГОШ Џ. ПАЉ"),
            "Ljubica NJEGOŠ Dž. PALJ"
        );
        assert_eq!(serbian_cyrillic_to_latin("Врњачка Бања"), "Vrnjačka Banja");
    }

    proptest! {
        #[test]
        fn transliteration_is_idempotent(s in "\\PC{0,30}") {
            let once = serbian_cyrillic_to_latin(&s);
            prop_assert_eq!(serbian_cyrillic_to_latin(&once), once.clone());
        }

        #[test]
        fn grouping_round_trips(n in any::<i64>()) {
            let s = Locale::En.format_int(n);
            prop_assert_eq!(s.replace(',', "").parse::<i64>().unwrap(), n);
        }
    }
}
