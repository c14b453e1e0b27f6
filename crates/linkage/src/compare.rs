//! Comparing two records field by field. Each field's comparison yields a
//! level (0 is the closest agreement) or nothing when either side is missing,
//! so a missing value neither helps nor hurts.

use crate::record::{Birth, Name, Record};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;
use strsim::{jaro_winkler, osa_distance};

/// The compared fields, in the order of `Levels`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Given,
    Family,
    Father,
    Mother,
    Birth,
    Sex,
    NationalId,
    Locality,
    Postcode,
    Address,
    Phone,
    Household,
}

pub const FIELDS: [Field; 12] = [
    Field::Given,
    Field::Family,
    Field::Father,
    Field::Mother,
    Field::Birth,
    Field::Sex,
    Field::NationalId,
    Field::Locality,
    Field::Postcode,
    Field::Address,
    Field::Phone,
    Field::Household,
];

const NAME_LEVELS: &[&str] = &[
    "exact",
    "same sound or nearly the same",
    "similar",
    "somewhat similar",
    "different",
];

impl Field {
    pub fn name(self) -> &'static str {
        match self {
            Field::Given => "given_name",
            Field::Family => "family_name",
            Field::Father => "father_name",
            Field::Mother => "mother_name",
            Field::Birth => "birth_date",
            Field::Sex => "sex",
            Field::NationalId => "national_id",
            Field::Locality => "locality",
            Field::Postcode => "postcode",
            Field::Address => "address",
            Field::Phone => "phone",
            Field::Household => "household",
        }
    }

    /// What each level means, best first.
    pub fn levels(self) -> &'static [&'static str] {
        match self {
            Field::Given | Field::Family | Field::Father | Field::Mother => NAME_LEVELS,
            Field::Birth => &[
                "same date",
                "same as far as both are known",
                "day and month swapped",
                "one digit different",
                "same year but another month or day",
                "one year apart",
                "two or three years apart",
                "different",
            ],
            Field::Sex | Field::Household => &["same", "different"],
            Field::NationalId | Field::Postcode | Field::Phone => {
                &["same", "one character different", "different"]
            }
            Field::Locality | Field::Address => &["same", "similar", "different"],
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// One level per field, `None` where either record lacks the value.
pub type Levels = [Option<u8>; FIELDS.len()];

/// Name agreement: exact; same sounds or nearly the same spelling; similar;
/// somewhat similar; different.
pub fn name_level(a: &Name, b: &Name) -> Option<u8> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    if a.full == b.full {
        return Some(0);
    }
    let jw = jaro_winkler(&a.full, &b.full);
    let same_sounds = a.sounds == b.sounds;
    if same_sounds || jw >= 0.95 || same_words_any_order(a, b) {
        return Some(1);
    }
    let shares_word = a.words.iter().any(|w| b.words.contains(w));
    if jw >= 0.88 || shares_word || a.first_sound() == b.first_sound() {
        return Some(2);
    }
    if jw >= 0.75 {
        return Some(3);
    }
    Some(4)
}

fn same_words_any_order(a: &Name, b: &Name) -> bool {
    if a.words.len() != b.words.len() || a.words.len() < 2 {
        return false;
    }
    let mut x = a.words.clone();
    let mut y = b.words.clone();
    x.sort();
    y.sort();
    x == y
}

pub fn birth_level(a: &Birth, b: &Birth) -> u8 {
    let full = |x: &Birth| x.month.is_some() && x.day.is_some();
    if full(a) && full(b) {
        if a == b {
            return 0;
        }
        if a.year == b.year && a.month == b.day && a.day == b.month {
            return 2;
        }
        if one_edit_apart(&a.digit_bytes(), &b.digit_bytes()) {
            return 3;
        }
    } else {
        // Compared as far as both are known.
        let months_agree = match (a.month, b.month) {
            (Some(x), Some(y)) => x == y,
            _ => true,
        };
        let days_agree = match (a.day, b.day) {
            (Some(x), Some(y)) => x == y,
            _ => true,
        };
        if a.year == b.year && months_agree && days_agree {
            return 1;
        }
    }
    match (a.year - b.year).abs() {
        0 => 4,
        1 => 5,
        2 | 3 => 6,
        _ => 7,
    }
}

fn exact_or_one_off(a: &str, b: &str) -> u8 {
    if a == b {
        0
    } else if (a.is_ascii() && b.is_ascii() && one_edit_apart(a.as_bytes(), b.as_bytes()))
        || (!(a.is_ascii() && b.is_ascii()) && osa_distance(a, b) == 1)
    {
        1
    } else {
        2
    }
}

/// Whether two different byte strings are one edit apart (optimal string
/// alignment distance 1: one substitution, insertion, deletion or swap of
/// neighbours) — `osa_distance(a, b) == 1` without its table, for the ID
/// numbers, phones and birth digits of tens of millions of pairs.
fn one_edit_apart(a: &[u8], b: &[u8]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let start = short.iter().zip(long).take_while(|(x, y)| x == y).count();
    match long.len() - short.len() {
        0 if start == short.len() => false,
        // Substituted, or two neighbours swapped.
        0 => {
            short[start + 1..] == long[start + 1..]
                || (start + 1 < short.len()
                    && short[start] == long[start + 1]
                    && short[start + 1] == long[start]
                    && short[start + 2..] == long[start + 2..])
        }
        // Inserted.
        1 => short[start..] == long[start + 1..],
        _ => false,
    }
}

fn both<T, R>(a: &Option<T>, b: &Option<T>, f: impl Fn(&T, &T) -> R) -> Option<R> {
    match (a, b) {
        (Some(x), Some(y)) => Some(f(x, y)),
        _ => None,
    }
}

/// Compares two records. Given and family names are also compared crossed
/// (one record's given name against the other's family name): when that
/// agrees clearly better, the names were written in the other order.
pub fn compare(a: &Record, b: &Record) -> Levels {
    compare_names_by(a, b, |x, y| name_level(x, y))
}

/// Name levels already worked out in one linkage run, by the two names'
/// shared copies (`record::Interner`): a registry's few thousand names meet
/// each other millions of times. Keyed by address, so it must not outlive the
/// records it was filled from (it lives in one `link` call's scoring).
#[derive(Default)]
pub(crate) struct NameLevels {
    names: HashMap<(usize, usize), Option<u8>, BuildHasherDefault<AddressHasher>>,
    places: HashMap<(usize, usize), u8, BuildHasherDefault<AddressHasher>>,
}

impl NameLevels {
    pub(crate) fn compare(&mut self, a: &Record, b: &Record) -> Levels {
        // Bounded: a file with many unique misspellings would grow it without end.
        if self.names.len() > 4_000_000 {
            self.names.clear();
        }
        let names = &mut self.names;
        let mut levels = compare_names_by(a, b, |x, y| {
            let key = (Arc::as_ptr(x) as usize, Arc::as_ptr(y) as usize);
            *names.entry(key).or_insert_with(|| name_level(x, y))
        });
        if let (Some(x), Some(y)) = (&a.locality, &b.locality) {
            let key = (
                Arc::as_ptr(x) as *const u8 as usize,
                Arc::as_ptr(y) as *const u8 as usize,
            );
            levels[Field::Locality.index()] =
                Some(*self.places.entry(key).or_insert_with(|| place_level(x, y)));
        }
        levels
    }
}

/// A fast hasher for pairs of addresses: SipHash's defence against chosen
/// keys is not needed for addresses, and these maps are probed several times
/// per compared pair.
#[derive(Default)]
pub(crate) struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        // splitmix64's finaliser: every bit of the addresses reaches the low
        // bits the table indexes by (addresses end in zeros).
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
}

fn place_level(x: &str, y: &str) -> u8 {
    if x == y {
        0
    } else if jaro_winkler(x, y) >= 0.88 {
        1
    } else {
        2
    }
}

fn compare_names_by(
    a: &Record,
    b: &Record,
    mut name_level: impl FnMut(&Arc<Name>, &Arc<Name>) -> Option<u8>,
) -> Levels {
    let mut name_level = |x: &Arc<Name>, y: &Arc<Name>| {
        // The same shared name: no need to look further.
        if Arc::ptr_eq(x, y) && !x.is_empty() {
            Some(0)
        } else {
            name_level(x, y)
        }
    };
    let direct = (
        name_level(&a.given, &b.given),
        name_level(&a.family, &b.family),
    );
    let cost = |(g, f): (Option<u8>, Option<u8>)| g.unwrap_or(2) as u32 + f.unwrap_or(2) as u32;
    // Crossed names can only win when the direct ones cost 2 or more.
    let (given, family) = if cost(direct) < 2 {
        direct
    } else {
        let crossed = (
            name_level(&a.given, &b.family),
            name_level(&a.family, &b.given),
        );
        if cost(crossed) + 2 <= cost(direct) {
            crossed
        } else {
            direct
        }
    };
    let mut out: Levels = [None; FIELDS.len()];
    out[Field::Given.index()] = given;
    out[Field::Family.index()] = family;
    out[Field::Father.index()] = name_level(&a.father, &b.father);
    out[Field::Mother.index()] = name_level(&a.mother, &b.mother);
    out[Field::Birth.index()] = both(&a.birth, &b.birth, birth_level);
    out[Field::Sex.index()] = both(&a.sex, &b.sex, |x, y| u8::from(x != y));
    out[Field::NationalId.index()] = both(&a.national_id, &b.national_id, |x, y| {
        exact_or_one_off(x, y)
    });
    out[Field::Locality.index()] = both(&a.locality, &b.locality, |x, y| place_level(x, y));
    out[Field::Postcode.index()] = both(&a.postcode, &b.postcode, |x, y| exact_or_one_off(x, y));
    out[Field::Address.index()] = (!a.address.is_empty() && !b.address.is_empty()).then(|| {
        if a.address == b.address {
            return 0;
        }
        let shared = a.address.iter().filter(|w| b.address.contains(w)).count();
        let union = a.address.len() + b.address.len() - shared;
        if shared * 2 >= union || jaro_winkler(&a.address.join(" "), &b.address.join(" ")) >= 0.9 {
            1
        } else {
            2
        }
    });
    out[Field::Phone.index()] = both(&a.phone, &b.phone, |x, y| exact_or_one_off(x, y));
    out[Field::Household.index()] = both(&a.household, &b.household, |x, y| u8::from(x != y));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Name {
        Name::parse(s)
    }

    #[test]
    fn names_agree_across_scripts_spellings_and_transliterations() {
        assert_eq!(name_level(&n("Đorđević"), &n("Ђорђевић")), Some(0));
        assert_eq!(name_level(&n("Djordjevic"), &n("Dordevic")), Some(1));
        assert_eq!(name_level(&n("Mehmed"), &n("Mehmet")), Some(1));
        assert_eq!(name_level(&n("Redžep"), &n("Recep")), Some(1));
        assert_eq!(name_level(&n("Şaban"), &n("Šaban")), Some(0));
        assert_eq!(name_level(&n("Ali Veli"), &n("Veli Ali")), Some(1));
        assert_eq!(name_level(&n("Ayşe"), &n("Zeynep")), Some(4));
        assert_eq!(name_level(&n(""), &n("Zeynep")), None);
    }

    #[test]
    fn one_edit_apart_is_an_optimal_string_alignment_distance_of_one() {
        let words = [
            "", "1", "12", "21", "123", "132", "213", "1234", "1243", "2134", "1324", "124", "134",
            "12345", "12354", "02345", "1245", "112", "122", "11", "22",
        ];
        for a in words {
            for b in words {
                assert_eq!(
                    one_edit_apart(a.as_bytes(), b.as_bytes()),
                    osa_distance(a, b) == 1,
                    "{a} {b}"
                );
            }
        }
    }

    #[test]
    fn birth_dates_compare_by_their_precision() {
        let b = |s: &str| Birth::parse(s).unwrap();
        assert_eq!(birth_level(&b("1985-03-12"), &b("1985-03-12")), 0);
        assert_eq!(birth_level(&b("1985"), &b("1985-03-12")), 1);
        assert_eq!(birth_level(&b("1985-03"), &b("1985-03-12")), 1);
        assert_eq!(birth_level(&b("1985-03-12"), &b("1985-12-03")), 2);
        assert_eq!(birth_level(&b("1985-03-12"), &b("1985-03-13")), 3);
        assert_eq!(birth_level(&b("1985-03-12"), &b("1985-07-01")), 4);
        assert_eq!(birth_level(&b("1985-03"), &b("1985-04-12")), 4);
        assert_eq!(birth_level(&b("1985"), &b("1986")), 5);
        assert_eq!(birth_level(&b("1985-03-12"), &b("1986-07-01")), 5);
        assert_eq!(birth_level(&b("1985"), &b("1988")), 6);
        assert_eq!(birth_level(&b("1955"), &b("1985")), 7);
    }

    #[test]
    fn swapped_given_and_family_names_are_recognised() {
        let rec = |g: &str, f: &str| {
            crate::record::Record::new(
                &crate::record::RecordInput {
                    id: "x".into(),
                    given_name: g.into(),
                    family_name: f.into(),
                    ..Default::default()
                },
                0,
            )
        };
        let l = compare(&rec("Šaban", "Ђорђевић"), &rec("Djordjevic", "Saban"));
        assert_eq!((l[0], l[1]), (Some(0), Some(0)));
        let l = compare(&rec("Šaban", "Ђорђевић"), &rec("Dordevic", "Saban"));
        assert_eq!((l[0], l[1]), (Some(0), Some(1)));
        let l = compare(&rec("Šaban", "Ajdini"), &rec("Saban", "Ajdini"));
        assert_eq!((l[0], l[1]), (Some(0), Some(0)));
    }
}
