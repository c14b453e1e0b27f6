//! A person as the engine sees it: every name folded to one script and case
//! (`kopru_domain::search::fold`: Turkish-aware, Serbian Cyrillic → Latin,
//! diacritics off), with its words' sound keys, and a birth date that knows
//! its precision.

use kopru_domain::search::{fold, phonetic};
use std::collections::HashMap;
use std::sync::Arc;

/// A record as it arrives: text fields, all optional but the id.
#[derive(Clone, Debug, Default)]
pub struct RecordInput {
    pub id: String,
    pub given_name: String,
    pub family_name: String,
    pub father_name: String,
    pub mother_name: String,
    /// `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, `YYYYMMDD` or `DD.MM.YYYY`.
    pub birth_date: String,
    pub sex: String,
    pub national_id: String,
    pub locality: String,
    pub postcode: String,
    pub address: String,
    pub phone: String,
    pub household: String,
}

/// A name, folded: its words in order and their sound keys.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Name {
    /// The folded words joined by one space.
    pub full: String,
    pub words: Vec<String>,
    /// Sound keys of the words, in the same order.
    pub sounds: Vec<String>,
}

impl Name {
    pub fn parse(raw: &str) -> Name {
        let full = fold(raw);
        let words: Vec<String> = full
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect();
        let sounds = words.iter().map(|w| phonetic(w)).collect();
        Name {
            full: words.join(" "),
            words,
            sounds,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The sound key of the first word, or "" for no name.
    pub fn first_sound(&self) -> &str {
        self.sounds.first().map(String::as_str).unwrap_or("")
    }
}

/// A birth date with its precision: year only, year and month, or a full date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Birth {
    pub year: i32,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

impl Birth {
    pub fn parse(raw: &str) -> Option<Birth> {
        let s = raw.trim();
        let num = |t: &str| t.parse::<i64>().ok();
        let make = |y: i64, m: Option<i64>, d: Option<i64>| {
            let month = match m {
                Some(m) if (1..=12).contains(&m) => Some(m as u8),
                Some(_) => return None,
                None => None,
            };
            let day = match d {
                Some(d) if (1..=31).contains(&d) && month.is_some() => Some(d as u8),
                Some(_) => return None,
                None => None,
            };
            ((1800..=2200).contains(&y)).then_some(Birth {
                year: y as i32,
                month,
                day,
            })
        };
        if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
            return make(num(&s[..4])?, Some(num(&s[4..6])?), Some(num(&s[6..])?));
        }
        if s.contains('.') {
            let p: Vec<&str> = s.split('.').collect();
            if p.len() == 3 {
                return make(num(p[2])?, Some(num(p[1])?), Some(num(p[0])?));
            }
            return None;
        }
        let p: Vec<&str> = s.split(['-', '/']).collect();
        match p.as_slice() {
            [y] => make(num(y)?, None, None),
            [y, m] => make(num(y)?, Some(num(m)?), None),
            [y, m, d] => make(num(y)?, Some(num(m)?), Some(num(d)?)),
            _ => None,
        }
    }

    /// `YYYYMMDD` as bytes, `?` for what is unknown: for edit distances.
    pub fn digit_bytes(&self) -> [u8; 8] {
        let mut out = [b'?'; 8];
        let mut put = |at: usize, value: u32, width: usize| {
            let mut v = value;
            for i in (0..width).rev() {
                out[at + i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(0, self.year.rem_euclid(10_000) as u32, 4);
        if let Some(m) = self.month {
            put(4, m.into(), 2);
        }
        if let Some(d) = self.day {
            put(6, d.into(), 2);
        }
        out
    }

    /// `YYYYMMDD` with `??` for what is unknown: for edit distances.
    pub fn digits(&self) -> String {
        let two = |v: Option<u8>| v.map(|v| format!("{v:02}")).unwrap_or_else(|| "??".into());
        format!("{:04}{}{}", self.year, two(self.month), two(self.day))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sex {
    Female,
    Male,
}

/// A record ready for comparison.
#[derive(Clone, Debug)]
pub struct Record {
    pub id: String,
    /// 0, or 1 for the second file when linking two files.
    pub source: u8,
    /// Names are shared between the records that spell them alike (see
    /// `Interner`): a registry has far fewer names than people.
    pub given: Arc<Name>,
    pub family: Arc<Name>,
    pub father: Arc<Name>,
    pub mother: Arc<Name>,
    pub birth: Option<Birth>,
    pub sex: Option<Sex>,
    /// Letters and digits only, upper case.
    pub national_id: Option<String>,
    pub locality: Option<Arc<str>>,
    pub postcode: Option<String>,
    /// Folded address words.
    pub address: Vec<String>,
    /// The last nine digits.
    pub phone: Option<String>,
    pub household: Option<String>,
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

impl Record {
    /// One record on its own; for many, `Interner::record` shares their names.
    pub fn new(input: &RecordInput, source: u8) -> Record {
        Interner::default().record(input, source)
    }
}

/// Builds records that share one copy of each name and locality as written:
/// a million records of a registry hold a few thousand distinct names, and
/// keeping one folded copy (with its words and sound keys) per name instead of
/// per record is most of the engine's memory at that size (1.7 GB → ~0.3 GB).
#[derive(Default)]
pub struct Interner {
    names: HashMap<String, Arc<Name>>,
    places: HashMap<String, Arc<str>>,
}

impl Interner {
    fn name(&mut self, raw: &str) -> Arc<Name> {
        if let Some(name) = self.names.get(raw) {
            return name.clone();
        }
        let name = Arc::new(Name::parse(raw));
        self.names.insert(raw.to_owned(), name.clone());
        name
    }

    fn place(&mut self, raw: &str) -> Option<Arc<str>> {
        if let Some(place) = self.places.get(raw) {
            return Some(place.clone());
        }
        let place: Arc<str> = Arc::from(non_empty(fold(raw))?);
        self.places.insert(raw.to_owned(), place.clone());
        Some(place)
    }

    pub fn record(&mut self, input: &RecordInput, source: u8) -> Record {
        let sex = match fold(&input.sex).as_str() {
            "f" | "female" | "k" | "kadin" | "z" | "zensko" | "zenski" | "woman" | "2" => {
                Some(Sex::Female)
            }
            "m" | "male" | "e" | "erkek" | "musko" | "muski" | "man" | "1" => Some(Sex::Male),
            _ => None,
        };
        let national_id: String = input
            .national_id
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let phone: String = input.phone.chars().filter(char::is_ascii_digit).collect();
        let phone = (phone.len() >= 6).then(|| phone[phone.len().saturating_sub(9)..].to_owned());
        let postcode: String = input
            .postcode
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        Record {
            id: input.id.clone(),
            source,
            given: self.name(&input.given_name),
            family: self.name(&input.family_name),
            father: self.name(&input.father_name),
            mother: self.name(&input.mother_name),
            birth: Birth::parse(&input.birth_date),
            sex,
            national_id: non_empty(national_id),
            locality: self.place(&input.locality),
            postcode: non_empty(postcode.to_uppercase()),
            address: fold(&input.address)
                .split(' ')
                .filter(|w| !w.is_empty())
                .map(str::to_owned)
                .collect(),
            phone,
            household: non_empty(input.household.trim().to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn birth_dates_keep_their_precision() {
        assert_eq!(
            Birth::parse("1985"),
            Some(Birth {
                year: 1985,
                month: None,
                day: None
            })
        );
        assert_eq!(
            Birth::parse("1985-03"),
            Some(Birth {
                year: 1985,
                month: Some(3),
                day: None
            })
        );
        let full = Some(Birth {
            year: 1985,
            month: Some(3),
            day: Some(12),
        });
        assert_eq!(Birth::parse("1985-03-12"), full);
        assert_eq!(Birth::parse("19850312"), full);
        assert_eq!(Birth::parse("12.03.1985"), full);
        assert_eq!(Birth::parse("1985-13-01"), None);
        assert_eq!(Birth::parse(""), None);
        assert_eq!(Birth::parse("abc"), None);
        assert_eq!(full.map(|b| b.digits()), Some("19850312".into()));
        assert_eq!(full.map(|b| b.digit_bytes()), Some(*b"19850312"));
        assert_eq!(
            Birth::parse("1985-03").map(|b| b.digit_bytes()),
            Some(*b"198503??")
        );
    }

    #[test]
    fn names_in_either_script_fold_to_the_same_words() {
        assert_eq!(Name::parse("Ђорђевић"), Name::parse("ĐORĐEVIĆ"));
        assert_eq!(Name::parse("Djordjevic").full, "djordjevic");
        assert_eq!(Name::parse("İsmail").full, Name::parse("Исмаил").full);
        assert_eq!(Name::parse(" Šaban  Ali ").words, vec!["saban", "ali"]);
    }
}
