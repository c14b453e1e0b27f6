//! Blocking: which pairs are compared at all. Each record gets a few keys;
//! records sharing a key are candidates. A block larger than `max_block` is not
//! compared all against all: its records are sorted twice (by names, then by
//! birth) and each time each is compared with the next `window` ones, so cost
//! grows with the number of records, not with the square of a common name's
//! frequency.

use crate::compare::Field;
use crate::record::Record;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

#[derive(Clone, Debug)]
pub struct Blocking {
    /// Blocks up to this size are compared all against all.
    pub max_block: usize,
    /// In a larger block, each record is compared with this many neighbours.
    pub window: usize,
}

impl Default for Blocking {
    fn default() -> Self {
        Blocking {
            max_block: 60,
            window: 12,
        }
    }
}

fn key(kind: u8, parts: &[&str]) -> Option<u64> {
    if parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let mut h = DefaultHasher::new();
    kind.hash(&mut h);
    parts.hash(&mut h);
    Some(h.finish())
}

/// The kinds of blocking key, and the fields each one makes agree among the
/// pairs it brings (those fields say nothing when training on its pairs).
pub const KEY_KINDS: [(u8, &[Field]); 9] = [
    (0, &[Field::NationalId]),
    (1, &[Field::Phone]),
    (2, &[Field::Given, Field::Family]),
    (3, &[Field::Family, Field::Birth]),
    (4, &[Field::Given, Field::Birth]),
    (
        5,
        &[
            Field::Postcode,
            Field::Locality,
            Field::Given,
            Field::Family,
        ],
    ),
    (6, &[Field::Household]),
    (7, &[Field::Birth, Field::Given]),
    (8, &[Field::Birth, Field::Family]),
];

/// The blocking keys of a record, by kind. Name keys use sound keys, so
/// spellings and scripts meet; the given/family pair is taken in sorted order,
/// so swapped names meet too.
fn keys(r: &Record) -> [Option<u64>; KEY_KINDS.len()] {
    let year = r.birth.map(|b| b.year.to_string()).unwrap_or_default();
    let month = r
        .birth
        .and_then(|b| b.month)
        .map(|m| m.to_string())
        .unwrap_or_default();
    let (g, f) = (r.given.first_sound(), r.family.first_sound());
    let (lo, hi) = if g <= f { (g, f) } else { (f, g) };
    let initial = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
    let place = r
        .postcode
        .as_deref()
        .or(r.locality.as_deref())
        .unwrap_or("");
    // A full birth date with either name's initial: finds pairs whose names
    // were mistyped beyond their sound.
    let date = r
        .birth
        .filter(|b| b.day.is_some())
        .map(|b| b.digits())
        .unwrap_or_default();
    [
        key(0, &[r.national_id.as_deref().unwrap_or("")]),
        key(1, &[r.phone.as_deref().unwrap_or("")]),
        key(2, &[lo, hi]),
        key(3, &[f, &year]),
        key(4, &[g, &year, &month]),
        key(5, &[place, &initial(g), &initial(f)]),
        key(6, &[r.household.as_deref().unwrap_or("")]),
        key(7, &[&date, &initial(g)]),
        key(8, &[&date, &initial(f)]),
    ]
}

/// The sound keys of the given and family name, in sorted order (swapped
/// names are common).
fn names(r: &Record) -> (&str, &str) {
    let (g, f) = (r.given.first_sound(), r.family.first_sound());
    if g <= f {
        (g, f)
    } else {
        (f, g)
    }
}

/// The order `link` keeps records in while it works: by names, then birth.
pub(crate) fn memory_order(r: &Record) -> ((&str, &str), Option<BirthKey>) {
    (names(r), birth(r))
}

/// Year, month, day: sorts as dates do.
type BirthKey = (i32, Option<u8>, Option<u8>);

fn parents(r: &Record) -> (&str, &str) {
    (r.father.first_sound(), r.mother.first_sound())
}

fn birth(r: &Record) -> Option<BirthKey> {
    r.birth.map(|b| (b.year, b.month, b.day))
}

/// Candidate pairs `(i, j)`, `i < j`, each once. With `cross_only`, only pairs
/// of records from different sources (linking two files).
pub fn candidate_pairs(
    records: &[Record],
    blocking: &Blocking,
    cross_only: bool,
) -> Vec<(u32, u32)> {
    union(pairs_by_kind(records, blocking, cross_only))
}

/// Every kind's pairs, once. Each kind's list is freed as it is taken in,
/// so the lists and their union are not all held at once.
pub fn union(by_kind: Vec<Vec<(u32, u32)>>) -> Vec<(u32, u32)> {
    let mut pairs: Vec<(u32, u32)> = Vec::with_capacity(by_kind.iter().map(Vec::len).sum());
    for kind in by_kind {
        pairs.extend(kind);
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs.shrink_to_fit();
    pairs
}

/// The candidate pairs each kind of key brings (indexed as `KEY_KINDS`),
/// each list sorted and without repeats; the blocks are built once.
pub fn pairs_by_kind(
    records: &[Record],
    blocking: &Blocking,
    cross_only: bool,
) -> Vec<Vec<(u32, u32)>> {
    // Keys carry their kind in their hash, so one map holds every kind's blocks.
    let mut blocks: HashMap<u64, (usize, Vec<u32>)> = HashMap::new();
    for (i, r) in records.iter().enumerate() {
        for (kind, k) in keys(r).into_iter().enumerate() {
            if let Some(k) = k {
                blocks
                    .entry(k)
                    .or_insert_with(|| (kind, Vec::new()))
                    .1
                    .push(i as u32);
            }
        }
    }
    let mut by_kind: Vec<Vec<(u32, u32)>> = vec![Vec::new(); KEY_KINDS.len()];
    for (_, (kind, mut members)) in blocks {
        if members.len() < 2 {
            continue;
        }
        let pairs = &mut by_kind[kind];
        let mut push = |a: u32, b: u32| {
            if cross_only && records[a as usize].source == records[b as usize].source {
                return;
            }
            pairs.push(if a < b { (a, b) } else { (b, a) });
        };
        if members.len() <= blocking.max_block {
            for x in 0..members.len() {
                for y in x + 1..members.len() {
                    push(members[x], members[y]);
                }
            }
        } else {
            // Two passes of sorted neighbours, so that a pair close in either
            // order meets: by names and parents (birth last: a year off stays
            // near), then by birth date (a misspelt name stays near).
            let mut window = |members: &[u32]| {
                for x in 0..members.len() {
                    for y in x + 1..(x + 1 + blocking.window).min(members.len()) {
                        push(members[x], members[y]);
                    }
                }
            };
            members.sort_by_cached_key(|&i| {
                let r = &records[i as usize];
                (names(r), parents(r), birth(r))
            });
            window(&members);
            members.sort_by_cached_key(|&i| {
                let r = &records[i as usize];
                (birth(r), names(r), parents(r))
            });
            window(&members);
        }
    }
    for pairs in by_kind.iter_mut() {
        pairs.sort_unstable();
        pairs.dedup();
    }
    by_kind
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::RecordInput;

    fn rec(id: &str, g: &str, f: &str, birth: &str) -> Record {
        Record::new(
            &RecordInput {
                id: id.into(),
                given_name: g.into(),
                family_name: f.into(),
                birth_date: birth.into(),
                ..Default::default()
            },
            0,
        )
    }

    #[test]
    fn spellings_scripts_and_swapped_names_meet_in_a_block() {
        let records = vec![
            rec("a", "Šaban", "Đorđević", "1980"),
            rec("b", "Шабан", "Ђорђевић", "1981"),
            rec("c", "Djordjevic", "Saban", ""),
            rec("d", "Ayşe", "Kaya", "1990"),
        ];
        let pairs = candidate_pairs(&records, &Blocking::default(), false);
        assert!(pairs.contains(&(0, 1)) && pairs.contains(&(0, 2)) && pairs.contains(&(1, 2)));
        assert!(!pairs.iter().any(|&(a, b)| a == 3 || b == 3));
    }

    #[test]
    fn a_huge_block_costs_a_window_per_record_not_a_square() {
        let records: Vec<Record> = (0..2000)
            .map(|i| {
                rec(
                    &i.to_string(),
                    "Mehmet",
                    "Yılmaz",
                    &format!("{}", 1950 + i % 50),
                )
            })
            .collect();
        let b = Blocking::default();
        let pairs = candidate_pairs(&records, &b, false);
        // Several keys put them all in one block each: at most a window per record per key.
        assert!(
            pairs.len() <= records.len() * b.window * 3,
            "{}",
            pairs.len()
        );
        assert!(pairs.len() >= records.len() * b.window / 2);
    }

    #[test]
    fn linking_two_files_pairs_only_across_them() {
        let mut records = vec![
            rec("a", "Ali", "Kaya", "1980"),
            rec("b", "Ali", "Kaya", "1980"),
        ];
        records.push(Record {
            source: 1,
            ..rec("c", "Ali", "Kaya", "1980")
        });
        let pairs = candidate_pairs(&records, &Blocking::default(), true);
        assert_eq!(pairs, vec![(0, 2), (1, 2)]);
    }
}
