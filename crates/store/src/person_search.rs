//! Ranked person search that stays fast at national scale.
//!
//! A query word matches a name word at one of three levels: the same word
//! (3 points), a longer word it begins (2) or a word that sounds the same (1).
//! A person's score is the sum of each query word's best level; results come
//! by score, then newest registration first (ids are time-ordered).
//!
//! Grouping every match of a common name ("Yılmaz": tens of thousands of rows
//! at a million people) to score it is what made search slow, so instead the
//! tiers are read in score order. Each combination of levels is one query that
//! walks the index of its most selective word, newest first, checks the other
//! words with `EXISTS` against the person's own few name rows, filters scope
//! inside the index (`person_names` carries `unit_code` and `area_code`), and
//! stops once it has enough rows. Lower tiers are read only while the page is
//! not full.

use crate::scope::{push_visible, Entity};
use crate::{Result, Sql};
use kopru_domain::policy::{Action, Principal};
use kopru_domain::search::{phonetic, prefix_upper_bound};
use sqlx::AnyConnection;
use std::collections::HashSet;

use crate::registry::PersonFilter;

/// Words of a query beyond this are ignored (3³ level combinations at most).
pub const MAX_WORDS: usize = 3;

/// Counting a word's matches stops here: enough to choose the walk.
const COUNT_CAP: i64 = 5000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Exact = 3,
    Prefix = 2,
    Sound = 1,
}

const LEVELS: [Level; 3] = [Level::Exact, Level::Prefix, Level::Sound];

struct Word {
    token: String,
    upper: String,
    sound: String,
}

impl Word {
    fn new(token: &str) -> Self {
        Word {
            token: token.to_owned(),
            upper: prefix_upper_bound(token),
            sound: phonetic(token),
        }
    }

    /// `alias` has a name word matching at exactly this level's condition.
    fn push_match(&self, q: &mut Sql, alias: &str, level: Level) {
        match level {
            Level::Exact => {
                q.push(&format!("{alias}.token = "))
                    .bind(self.token.clone());
            }
            Level::Prefix => {
                q.push(&format!("{alias}.token > "))
                    .bind(self.token.clone())
                    .push(&format!(" AND {alias}.token < "))
                    .bind(self.upper.clone());
            }
            Level::Sound => {
                q.push(&format!("{alias}.sound = "))
                    .bind(self.sound.clone());
            }
        }
    }
}

/// Scope and the list's unit/area filters, on any alias carrying
/// `unit_code` and `area_code` (`persons` or `person_names`).
pub(crate) fn push_person_filters(q: &mut Sql, alias: &str, by: &Principal, f: &PersonFilter) {
    push_visible(q, Entity::Person, alias, &by.grants(Action::ViewPersons));
    if let Some(u) = f.unit.as_deref().filter(|s| !s.is_empty()) {
        q.push(&format!(" AND {alias}.unit_code = "))
            .bind(u.to_ascii_uppercase());
    }
    if let Some(a) = f.area.as_deref().filter(|s| !s.is_empty()) {
        q.push(&format!(
            " AND {alias}.area_code IN (SELECT descendant_code FROM area_closure WHERE ancestor_code = "
        ))
        .bind(a.to_ascii_uppercase())
        .push(")");
    }
}

/// The ids of the best `need` matches of `tokens` within scope, best first,
/// each with its score.
pub(crate) async fn ranked_ids(
    conn: &mut AnyConnection,
    by: &Principal,
    f: &PersonFilter,
    tokens: &[String],
    need: usize,
) -> Result<Vec<(String, i64)>> {
    let words: Vec<Word> = tokens
        .iter()
        .take(MAX_WORDS)
        .map(|t| Word::new(t))
        .collect();
    let n = words.len();
    // How many rows (up to the cap) each word has at each level: an empty level
    // rules out every combination using it, and the smallest set is the
    // cheapest to walk. Counted without scope: a narrow scope would make the
    // count walk far past the cap.
    let mut counts = vec![[0i64; 3]; n];
    for (i, w) in words.iter().enumerate() {
        for (j, level) in LEVELS.iter().enumerate() {
            let mut q = Sql::new("SELECT COUNT(*) FROM (SELECT 1 FROM person_names n WHERE ");
            w.push_match(&mut q, "n", *level);
            q.push(" LIMIT ").bind(COUNT_CAP).push(") c");
            let (c,): (i64,) = q.fetch_one(&mut *conn).await?;
            counts[i][j] = c;
        }
    }
    let mut out: Vec<(String, i64)> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let combos = combinations(n);
    for total in (n as i64..=3 * n as i64).rev() {
        let mut tier: Vec<String> = Vec::new();
        for combo in combos.iter().filter(|c| score(c) == total) {
            if combo
                .iter()
                .enumerate()
                .any(|(i, l)| counts[i][index(*l)] == 0)
            {
                continue;
            }
            let driver = (0..n)
                .min_by_key(|&i| (counts[i][index(combo[i])], 3 - combo[i] as i64))
                .unwrap_or(0);
            let wanted = need - out.len();
            let mut limit = wanted + seen.len();
            loop {
                let mut q = Sql::new("SELECT n0.person_id FROM person_names n0 WHERE ");
                words[driver].push_match(&mut q, "n0", combo[driver]);
                q.push(" AND ");
                push_person_filters(&mut q, "n0", by, f);
                for (i, w) in words.iter().enumerate() {
                    if i == driver {
                        continue;
                    }
                    q.push(&format!(
                        " AND EXISTS (SELECT 1 FROM person_names m{i} WHERE m{i}.person_id = n0.person_id AND "
                    ));
                    w.push_match(&mut q, &format!("m{i}"), combo[i]);
                    q.push(")");
                }
                q.push(" ORDER BY n0.person_id DESC LIMIT ")
                    .bind(limit as i64);
                let rows: Vec<(String,)> = q.fetch_all(&mut *conn).await?;
                let complete = rows.len() < limit;
                // A person with two name words at the driver's level comes twice.
                let mut fresh: Vec<String> = Vec::new();
                let mut fresh_set: HashSet<String> = HashSet::new();
                for (id,) in rows {
                    if !seen.contains(&id) && fresh_set.insert(id.clone()) {
                        fresh.push(id);
                    }
                }
                if complete || fresh.len() >= wanted {
                    tier.extend(fresh);
                    break;
                }
                limit *= 2;
            }
        }
        tier.sort_by(|a, b| b.cmp(a));
        tier.dedup();
        for id in tier.into_iter().take(need - out.len()) {
            seen.insert(id.clone());
            out.push((id, total));
        }
        if out.len() >= need {
            break;
        }
    }
    Ok(out)
}

fn index(l: Level) -> usize {
    match l {
        Level::Exact => 0,
        Level::Prefix => 1,
        Level::Sound => 2,
    }
}

fn score(c: &[Level]) -> i64 {
    c.iter().map(|l| *l as i64).sum()
}

/// Every assignment of a level to each of `n` words.
fn combinations(n: usize) -> Vec<Vec<Level>> {
    let mut all: Vec<Vec<Level>> = vec![Vec::new()];
    for _ in 0..n {
        all = all
            .into_iter()
            .flat_map(|c| {
                LEVELS.iter().map(move |l| {
                    let mut c = c.clone();
                    c.push(*l);
                    c
                })
            })
            .collect();
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combinations_cover_every_level_assignment() {
        let c = combinations(2);
        assert_eq!(c.len(), 9);
        assert!(c.contains(&vec![Level::Exact, Level::Sound]));
        assert!(c.contains(&vec![Level::Sound, Level::Exact]));
        assert_eq!(c.iter().filter(|c| score(c) == 4).count(), 3);
    }
}
