//! Ranked person search that stays fast at national scale.
//!
//! A query word matches a name word at one of four levels: the same word
//! (3 points), a longer word it begins (2), a word that sounds the same (1) or
//! a word it may be a mistyping of (1; `kopru_domain::search::typo_distance`,
//! looked up in the `name_words` vocabulary, never in the name rows).
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
use kopru_domain::search::{phonetic, prefix_upper_bound, typo_allowance, typo_distance};
use sqlx::AnyConnection;
use std::collections::HashSet;

use crate::registry::PersonFilter;

/// Words of a query beyond this are ignored (4³ level combinations at most).
pub const MAX_WORDS: usize = 3;

/// Counting a word's matches stops here: enough to choose the walk.
const COUNT_CAP: i64 = 5000;

/// Declared in `LEVELS` order (`index`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Exact,
    Prefix,
    Sound,
    Typo,
}

impl Level {
    fn score(self) -> i64 {
        match self {
            Level::Exact => 3,
            Level::Prefix => 2,
            // Both are "written differently": neither ranks above the other.
            Level::Sound | Level::Typo => 1,
        }
    }
}

const LEVELS: [Level; 4] = [Level::Exact, Level::Prefix, Level::Sound, Level::Typo];

/// Name words a query word may be a mistyping of, at most this many (closest first).
const MAX_TYPO_WORDS: usize = 20;

struct Word {
    token: String,
    upper: String,
    sound: String,
    /// Vocabulary words this one may be a mistyping of; looked up only when a
    /// tier that needs them is reached (most searches fill a page before).
    typos: Option<Vec<String>>,
}

impl Word {
    fn new(token: &str) -> Self {
        Word {
            token: token.to_owned(),
            upper: prefix_upper_bound(token),
            sound: phonetic(token),
            typos: None,
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
            Level::Typo => {
                q.push(&format!("{alias}.token IN ("))
                    .bind_list(self.typos.iter().flatten().cloned())
                    .push(")");
            }
        }
    }
}

/// How many name rows (up to the cap) `w` matches at `level`, in any scope.
async fn count(conn: &mut AnyConnection, w: &Word, level: Level) -> Result<i64> {
    if level == Level::Typo && w.typos.as_ref().is_none_or(|t| t.is_empty()) {
        return Ok(0);
    }
    let mut q = Sql::new("SELECT COUNT(*) FROM (SELECT 1 FROM person_names n WHERE ");
    w.push_match(&mut q, "n", level);
    q.push(" LIMIT ").bind(COUNT_CAP).push(") c");
    let (c,): (i64,) = q.fetch_one(&mut *conn).await?;
    Ok(c)
}

/// The vocabulary words `token` may be a mistyping of: same first letter,
/// length within the allowance, then compared one by one.
async fn typo_candidates(conn: &mut AnyConnection, token: &str) -> Result<Vec<String>> {
    let letters = token.chars().count();
    let allowance = typo_allowance(letters);
    let Some(first) = token.chars().next().filter(|_| allowance > 0) else {
        return Ok(Vec::new());
    };
    let first = first.to_string();
    let words: Vec<(String,)> = Sql::new("SELECT token FROM name_words WHERE token >= ")
        .bind(first.clone())
        .push(" AND token < ")
        .bind(prefix_upper_bound(&first))
        .push(" AND length BETWEEN ")
        .bind((letters - allowance) as i64)
        .push(" AND ")
        .bind((letters + allowance) as i64)
        .fetch_all(&mut *conn)
        .await?;
    let mut near: Vec<(usize, String)> = words
        .into_iter()
        .filter_map(|(w,)| typo_distance(token, &w).map(|d| (d, w)))
        .collect();
    near.sort();
    Ok(near
        .into_iter()
        .take(MAX_TYPO_WORDS)
        .map(|(_, w)| w)
        .collect())
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
        q.push(" AND ");
        crate::scope::push_in_area(q, &format!("{alias}.area_code"), a);
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
    let mut words: Vec<Word> = tokens
        .iter()
        .take(MAX_WORDS)
        .map(|t| Word::new(t))
        .collect();
    let n = words.len();
    // How many rows (up to the cap) each word has at each level: an empty level
    // rules out every combination using it, and the smallest set is the
    // cheapest to walk. Counted without scope: a narrow scope would make the
    // count walk far past the cap.
    let mut counts = vec![[0i64; LEVELS.len()]; n];
    for (i, w) in words.iter().enumerate() {
        for (j, level) in LEVELS.iter().enumerate() {
            if *level != Level::Typo {
                counts[i][j] = count(conn, w, *level).await?;
            }
        }
    }
    let mut out: Vec<(String, i64)> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let combos = combinations(n);
    for total in (n as i64..=3 * n as i64).rev() {
        let mut tier: Vec<String> = Vec::new();
        for combo in combos.iter().filter(|c| score(c) == total) {
            for (i, level) in combo.iter().enumerate() {
                if *level == Level::Typo && words[i].typos.is_none() {
                    // A word some name has (as typed, as its beginning or by
                    // sound) is not a slip: its typo neighbours ("kaya" → "kara")
                    // would only add noise, and cost walks of common words
                    // (p99 350 ms at a million people when they were tried).
                    let typed = counts[i][index(Level::Exact)]
                        + counts[i][index(Level::Prefix)]
                        + counts[i][index(Level::Sound)];
                    let typos = if typed > 0 {
                        Vec::new()
                    } else {
                        typo_candidates(conn, &words[i].token).await?
                    };
                    words[i].typos = Some(typos);
                    counts[i][index(Level::Typo)] = count(conn, &words[i], Level::Typo).await?;
                }
            }
        }
        for combo in combos.iter().filter(|c| score(c) == total) {
            if combo
                .iter()
                .enumerate()
                .any(|(i, l)| counts[i][index(*l)] == 0)
            {
                continue;
            }
            let driver = (0..n)
                .min_by_key(|&i| (counts[i][index(combo[i])], 3 - combo[i].score()))
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

/// A level's place in `LEVELS` and in a word's counts.
fn index(l: Level) -> usize {
    l as usize
}

fn score(c: &[Level]) -> i64 {
    c.iter().map(|l| l.score()).sum()
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
        assert_eq!(c.len(), 16);
        assert!(c.contains(&vec![Level::Exact, Level::Sound]));
        assert!(c.contains(&vec![Level::Sound, Level::Exact]));
        assert!(c.contains(&vec![Level::Typo, Level::Exact]));
        // Exact+sound, sound+exact, exact+typo, typo+exact, prefix+prefix.
        assert_eq!(c.iter().filter(|c| score(c) == 4).count(), 5);
    }
}
