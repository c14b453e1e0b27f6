//! The Fellegi–Sunter model: for each field and level, `m` (how often true
//! matches show that level) and `u` (how often unrelated pairs do). A pair's
//! match weight is the sum of log2(m/u) over its fields plus the prior's; its
//! match probability follows from the weight.
//!
//! Estimated without labels, as Splink does: `u` from random pairs (almost all
//! unrelated), held fixed; `m` by expectation–maximisation in sessions, one per
//! kind of blocking key, each over the pairs that key brings and leaving out
//! the fields that key makes agree (among pairs chosen for sharing a family
//! name's sound and a birth year, agreement on those says nothing); each
//! field's `m` is the mean over the sessions that estimated it. The prior is the
//! chance that two random records match, from deterministic rules (see
//! `deterministic_matches`). Scoring every candidate pair with random-pair `u` and this
//! prior keeps scores comparable however a pair was found; estimating `u`
//! from the candidate pairs instead made EM take "same name" for "same person"
//! in populations with few names. Exact agreement on a given or family name is
//! then adjusted by the name's frequency (term frequency): sharing "Yılmaz"
//! says less than sharing "Đorđević".

use crate::compare::{Field, Levels, NameLevels, FIELDS};
use crate::record::Record;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Model {
    /// Share of candidate pairs that are matches.
    pub lambda: f64,
    pub m: Vec<Vec<f64>>,
    /// Among random pairs.
    pub u: Vec<Vec<f64>>,
    /// Frequency of each folded given and family name among the records.
    tf: [HashMap<String, f64>; 2],
    /// The smallest frequency a name is given (one record in the data).
    tf_floor: f64,
}

/// One field's part in a pair's score.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Contribution {
    pub field: &'static str,
    pub level: &'static str,
    /// log2 of the Bayes factor: positive for evidence of a match.
    pub weight: f64,
}

const MIN_PROB: f64 = 1e-6;

/// A kept model that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("linkage model: {0}")]
pub struct ModelError(String);

/// The weight of entirely different given names (not a spelling, not a sound,
/// not swapped with the family name) of two records with the same father's or
/// mother's name and not the same national ID number: siblings. Under the
/// model's independence assumption a different given name costs only a few
/// bits, and twins — same parents, same birth date, same address — would
/// merge; they are exactly the non-matches that agree on everything else.
/// Without a parent's name to go on, a different given name is only evidence
/// (in FEBRL's corrupted records it is often the same person).
pub const DIFFERENT_GIVEN_NAME: f64 = -30.0;

/// A small deterministic generator: the same input gives the same model.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn empty_table() -> Vec<Vec<f64>> {
    FIELDS.iter().map(|f| vec![0.0; f.levels().len()]).collect()
}

fn normalise(table: &mut [Vec<f64>]) {
    for row in table.iter_mut() {
        let total: f64 = row.iter().sum();
        for v in row.iter_mut() {
            *v = if total > 0.0 {
                (*v / total).max(MIN_PROB)
            } else {
                MIN_PROB
            };
        }
    }
}

impl Model {
    /// Estimates the model from the records: `u_samples` random pairs for
    /// `u`, then EM sessions over at most `em_pairs` pairs of each kind of
    /// blocking key (`by_kind`, as `block::pairs_by_kind`; a deterministic sample).
    pub fn estimate(
        records: &[Record],
        by_kind: &[Vec<(u32, u32)>],
        cross_only: bool,
        u_samples: usize,
        em_pairs: usize,
    ) -> Model {
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        let n = records.len();
        // u: level frequencies among random pairs, with one added per level.
        let mut u = empty_table();
        for row in u.iter_mut() {
            for v in row.iter_mut() {
                *v = 1.0;
            }
        }
        if n >= 2 {
            let sources: Vec<Vec<usize>> = (0..2u8)
                .map(|s| (0..n).filter(|&i| records[i].source == s).collect())
                .collect();
            // The random pairs first (deterministic), then compared on all cores.
            let mut sample: Vec<(usize, usize)> = Vec::with_capacity(u_samples);
            for _ in 0..u_samples {
                if cross_only && !sources[0].is_empty() && !sources[1].is_empty() {
                    sample.push((
                        sources[0][rng.below(sources[0].len())],
                        sources[1][rng.below(sources[1].len())],
                    ));
                } else {
                    let (a, b) = (rng.below(n), rng.below(n));
                    if a != b {
                        sample.push((a, b));
                    }
                }
            }
            let chunks: Vec<&[(usize, usize)]> = sample.chunks(20_000).collect();
            let counts = crate::par::map(&chunks, |chunk| {
                let mut t = empty_table();
                let mut names = NameLevels::default();
                for &(a, b) in chunk.iter() {
                    for (f, l) in names.compare(&records[a], &records[b]).iter().enumerate() {
                        if let Some(l) = l {
                            t[f][*l as usize] += 1.0;
                        }
                    }
                }
                t
            });
            for t in counts {
                for (row, add) in u.iter_mut().zip(t) {
                    for (v, x) in row.iter_mut().zip(add) {
                        *v += x;
                    }
                }
            }
        }
        normalise(&mut u);
        let mut tf: [HashMap<String, f64>; 2] = [HashMap::new(), HashMap::new()];
        for r in records {
            for (t, name) in tf.iter_mut().zip([&r.given, &r.family]) {
                if !name.is_empty() {
                    *t.entry(name.full.clone()).or_default() += 1.0;
                }
            }
        }
        for t in tf.iter_mut() {
            let total: f64 = t.values().sum();
            for v in t.values_mut() {
                *v /= total.max(1.0);
            }
        }
        let initial_m = {
            let mut m = empty_table();
            for row in m.iter_mut() {
                let k = row.len();
                for (l, v) in row.iter_mut().enumerate() {
                    *v = if l == 0 { 0.8 } else { 0.2 / (k - 1) as f64 };
                }
            }
            m
        };
        let total_pairs = if cross_only {
            let b = records.iter().filter(|r| r.source == 1).count() as f64;
            (n as f64 - b) * b
        } else {
            n as f64 * (n as f64 - 1.0) / 2.0
        };
        let mut model = Model {
            lambda: 0.0,
            m: initial_m.clone(),
            u,
            tf,
            tf_floor: 1.0 / n.max(1) as f64,
        };
        // The number of matches in the whole file, from the deterministic rules;
        // it gives the prior and checks the EM sessions.
        let expected_matches = deterministic_matches(records, by_kind) / DETERMINISTIC_RECALL;
        // One EM session per kind of key; each field's m averaged over the
        // sessions free to estimate it that are plausible: a session whose
        // "match" class holds more pairs than the whole file has matches has
        // learnt another thing — most often "same name", among namesakes — and
        // its m would make a different birth date or ID number look usual
        // among matches.
        let mut m_sum = empty_table();
        let mut sessions = vec![0usize; FIELDS.len()];
        for ((_, blocked), pairs) in crate::block::KEY_KINDS.iter().zip(by_kind) {
            if pairs.len() < 50 {
                continue;
            }
            let step = (pairs.len() / em_pairs.max(1)).max(1);
            let mut names = NameLevels::default();
            let sample: Vec<Levels> = pairs
                .iter()
                .step_by(step)
                .map(|&(a, b)| names.compare(&records[a as usize], &records[b as usize]))
                .collect();
            let used: Vec<bool> = FIELDS.iter().map(|f| !blocked.contains(f)).collect();
            let mut session = Model {
                lambda: 0.05,
                m: initial_m.clone(),
                ..model.clone()
            };
            session.em(&sample, &used, 40);
            let plausible = session.lambda * pairs.len() as f64
                <= IMPLAUSIBLE_SESSION * expected_matches.max(1.0);
            for (f, use_it) in used.iter().enumerate() {
                if *use_it && plausible && sample.iter().any(|l| l[f].is_some()) {
                    sessions[f] += 1;
                    for (acc, v) in m_sum[f].iter_mut().zip(&session.m[f]) {
                        *acc += v;
                    }
                }
            }
        }
        // A field no session could estimate (too few pairs: a small registry)
        // keeps what the built-in model learnt, not the arbitrary starting guess.
        let fallback = Model::built_in();
        for (f, row) in model.m.iter_mut().enumerate() {
            if sessions[f] > 0 {
                for (v, acc) in row.iter_mut().zip(&m_sum[f]) {
                    *v = acc / sessions[f] as f64;
                }
            } else {
                row.clone_from(&fallback.m[f]);
            }
        }
        model.lambda = (expected_matches / total_pairs.max(1.0)).clamp(1e-12, 0.5);
        model
    }

    /// Expectation–maximisation of `m` and `lambda` over compared pairs, `u`
    /// held, using only the fields marked in `used`. Term frequencies are left
    /// out here (as Splink does) and applied when scoring.
    pub fn em(&mut self, pairs: &[Levels], used: &[bool], iterations: usize) {
        if pairs.is_empty() {
            return;
        }
        for _ in 0..iterations {
            let mut m = empty_table();
            let mut matches = 0.0;
            let bits = self.log_ratios();
            let prior = prior_weight(self.lambda);
            for levels in pairs {
                let w: f64 = levels
                    .iter()
                    .enumerate()
                    .filter(|(f, _)| used[*f])
                    .filter_map(|(f, l)| l.map(|l| bits[f][l as usize]))
                    .sum();
                let p = probability(w + prior);
                matches += p;
                for (f, l) in levels.iter().enumerate() {
                    if let (Some(l), true) = (l, used[f]) {
                        m[f][*l as usize] += p;
                    }
                }
            }
            normalise(&mut m);
            for (f, row) in m.iter_mut().enumerate() {
                if !used[f] {
                    row.clone_from(&self.m[f]);
                }
            }
            let lambda = (matches / pairs.len() as f64).clamp(1e-6, 1.0 - 1e-6);
            let change = (lambda - self.lambda).abs()
                + m.iter()
                    .zip(&self.m)
                    .flat_map(|(a, b)| a.iter().zip(b).map(|(x, y)| (x - y).abs()))
                    .fold(0.0, f64::max);
            self.m = m;
            self.lambda = lambda;
            if change < 1e-5 {
                break;
            }
        }
    }

    /// Each field's part in the weight of a pair of which `a` is one record,
    /// given the pair's levels.
    pub fn contributions(&self, a: &Record, levels: &Levels) -> Vec<Contribution> {
        let tf = self.tf_bits(a);
        let mut out = Vec::new();
        for (f, field) in FIELDS.iter().enumerate() {
            let Some(l) = levels[f] else { continue };
            let l = l as usize;
            // An exact name counts as rare as the name is. A name the model
            // never saw (or dropped by `compact`) is rare; a model without
            // frequencies (`built_in`) adjusts nothing.
            let tf_bits = match (l, field) {
                (0, Field::Given) => tf[0],
                (0, Field::Family) => tf[1],
                _ => 0.0,
            };
            let mut weight = (self.m[f][l] / self.u[f][l]).log2() + tf_bits;
            if *field == Field::Given && siblings(levels) {
                weight = weight.min(DIFFERENT_GIVEN_NAME);
            }
            out.push(Contribution {
                field: field.name(),
                level: field.levels()[l],
                weight,
            });
        }
        out
    }

    /// log2(m / u) of every field's every level.
    fn log_ratios(&self) -> Vec<Vec<f64>> {
        self.m
            .iter()
            .zip(&self.u)
            .map(|(m, u)| m.iter().zip(u).map(|(m, u)| (m / u).log2()).collect())
            .collect()
    }

    /// The name-frequency part of an exact given and family name of `a`.
    fn tf_bits(&self, a: &Record) -> [f64; 2] {
        let mut out = [0.0; 2];
        for (t, (field, name)) in [(Field::Given, &a.given), (Field::Family, &a.family)]
            .into_iter()
            .enumerate()
        {
            if !self.tf[t].is_empty() {
                let freq = self.tf[t].get(name.full.as_str()).copied().unwrap_or(0.0);
                out[t] = (self.u[field.index()][0] / freq.max(self.tf_floor)).log2();
            }
        }
        out
    }

    /// The match weight (log2 odds) of a compared pair, prior included.
    pub fn weight(&self, a: &Record, levels: &Levels) -> f64 {
        prior_weight(self.lambda)
            + self
                .contributions(a, levels)
                .iter()
                .map(|c| c.weight)
                .sum::<f64>()
    }

    /// Drops the frequencies of names seen only once: they are what an unknown
    /// name is taken to be anyway, and they are most of a large registry's names.
    /// For a model that is kept and used to score new records.
    pub fn compact(&mut self) {
        let once = self.tf_floor * 1.5;
        for t in self.tf.iter_mut() {
            t.retain(|_, f| *f > once);
        }
    }

    /// The model as JSON, to keep it (see `from_json`).
    pub fn to_json(&self) -> String {
        // Only numbers, strings and maps of them: serialising cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A kept model; refused if it does not fit this version's fields and levels.
    pub fn from_json(text: &str) -> Result<Model, ModelError> {
        let model: Model = serde_json::from_str(text).map_err(|e| ModelError(e.to_string()))?;
        let fits = |t: &[Vec<f64>]| {
            t.len() == FIELDS.len()
                && t.iter()
                    .zip(FIELDS)
                    .all(|(row, f)| row.len() == f.levels().len() && row.iter().all(|v| *v > 0.0))
        };
        if !(fits(&model.m) && fits(&model.u) && model.lambda > 0.0 && model.lambda < 1.0) {
            return Err(ModelError(
                "fields or levels do not match this version".into(),
            ));
        }
        Ok(model)
    }

    /// The model Köprü scores with before a registry has trained its own
    /// (`kopru dedup run`): trained on the synthetic benchmark registry of
    /// 100,000 people, without name frequencies.
    pub fn built_in() -> Model {
        // Checked by a test; a broken file fails the build's tests, not a user.
        Model::from_json(include_str!("built_in_model.json")).unwrap_or_else(|_| {
            // Every level equally likely either way: no field says anything.
            let mut flat = empty_table();
            normalise(&mut flat);
            Model {
                lambda: 1e-5,
                m: flat.clone(),
                u: flat,
                tf: [HashMap::new(), HashMap::new()],
                tf_floor: 1e-6,
            }
        })
    }

    /// The highest weight any pair of which `a` is the first record could
    /// reach: the prior plus, for each field `a` has, its best level's part
    /// (or nothing, as a missing value on the other side gives). A candidate
    /// search can stop before it starts when even this stays below its
    /// threshold — an entry with only a common name and no birth date, say.
    pub fn best_possible(&self, a: &Record) -> f64 {
        let tf = self.tf_bits(a);
        let bits = self.log_ratios();
        let mut weight = self.prior();
        for (f, field) in FIELDS.iter().enumerate() {
            let has = match field {
                Field::Given => !a.given.is_empty(),
                Field::Family => !a.family.is_empty(),
                Field::Father => !a.father.is_empty(),
                Field::Mother => !a.mother.is_empty(),
                Field::Birth => a.birth.is_some(),
                Field::Sex => a.sex.is_some(),
                Field::NationalId => a.national_id.is_some(),
                Field::Locality => a.locality.is_some(),
                Field::Postcode => a.postcode.is_some(),
                Field::Address => !a.address.is_empty(),
                Field::Phone => a.phone.is_some(),
                Field::Household => a.household.is_some(),
            };
            if !has {
                continue;
            }
            // As `contributions` weighs an exact name: by `a`'s name's frequency.
            let exact_tf = match field {
                Field::Given => tf[0],
                Field::Family => tf[1],
                _ => 0.0,
            };
            let best = bits[f]
                .iter()
                .enumerate()
                .map(|(l, b)| if l == 0 { b + exact_tf } else { *b })
                .fold(0.0, f64::max);
            weight += best;
        }
        weight
    }

    /// The prior's part in every pair's weight.
    pub fn prior(&self) -> f64 {
        prior_weight(self.lambda)
    }
}

/// A model made ready to score many pairs: the same weights as
/// `Model::weight`, with each level's log-ratio worked out once and each
/// record's name frequencies once (see `Scorer::record`).
pub(crate) struct Scorer<'a> {
    model: &'a Model,
    bits: Vec<Vec<f64>>,
}

impl<'a> Scorer<'a> {
    pub(crate) fn new(model: &'a Model) -> Scorer<'a> {
        Scorer {
            model,
            bits: model.log_ratios(),
        }
    }

    /// What a record brings to every pair it is the first of.
    pub(crate) fn record(&self, a: &Record) -> [f64; 2] {
        self.model.tf_bits(a)
    }

    /// `Model::weight` of a pair whose first record has `tf` (`Scorer::record`).
    pub(crate) fn weight(&self, tf: [f64; 2], levels: &Levels) -> f64 {
        let mut weight = self.model.prior();
        for (f, l) in levels.iter().enumerate() {
            let Some(l) = l else { continue };
            let mut w = self.bits[f][*l as usize];
            if *l == 0 && f == Field::Given.index() {
                w += tf[0];
            } else if *l == 0 && f == Field::Family.index() {
                w += tf[1];
            }
            if f == Field::Given.index() && siblings(levels) {
                w = w.min(DIFFERENT_GIVEN_NAME);
            }
            weight += w;
        }
        weight
    }
}

/// Not the same national ID number, and either entirely different given names
/// with a parent's name the same, or given names at most somewhat alike in the
/// same household: siblings, or people who live together (see
/// `DIFFERENT_GIVEN_NAME`). Living together is not evidence of being one
/// person when the given names differ: two sisters of one household scored
/// 100 % on "same household" and "same address".
pub fn siblings(levels: &Levels) -> bool {
    let different = Field::Given.levels().len() as u8 - 1;
    let given = levels[Field::Given.index()];
    let parent_same = [Field::Father, Field::Mother]
        .iter()
        .any(|p| levels[p.index()].is_some_and(|l| l <= 1));
    // In one household a given name only somewhat like the other (Derya,
    // Esra) is another member; one that shares a word, a sound or most of its
    // letters may still be the same person entered twice.
    let household_same = levels[Field::Household.index()] == Some(0);
    levels[Field::NationalId.index()] != Some(0)
        && ((given == Some(different) && parent_same)
            || (given.is_some_and(|l| l + 1 >= different) && household_same))
}

/// How many times the file's expected matches an EM session may count in its
/// block before it is taken to have learnt something else (see `estimate`).
const IMPLAUSIBLE_SESSION: f64 = 2.0;

/// The share of true matches the deterministic rules are taken to find.
const DETERMINISTIC_RECALL: f64 = 0.8;

/// Pairs that are almost surely one person: the same national ID number, or
/// the same given name, family name and full birth date. Over an assumed
/// recall, they estimate how many matches there are, hence the prior, as
/// Splink does (`estimate_probability_two_random_records_match`). Taking the
/// prior from the EM sessions instead overestimated it 45-fold on a registry
/// with common names: a session over pairs sharing a name's sound counts many
/// namesakes as matches.
fn deterministic_matches(records: &[Record], by_kind: &[Vec<(u32, u32)>]) -> f64 {
    // The national-ID key and the full-date key bring every such pair.
    let mut sure: Vec<(u32, u32)> = [0, 7]
        .iter()
        .filter_map(|&kind| by_kind.get(kind))
        .flatten()
        .copied()
        .filter(|&(a, b)| {
            let (x, y) = (&records[a as usize], &records[b as usize]);
            let full = |r: &Record| r.birth.filter(|b| b.day.is_some());
            (x.national_id.is_some() && x.national_id == y.national_id)
                || (!x.given.is_empty()
                    && x.given.full == y.given.full
                    && x.family.full == y.family.full
                    && full(x).is_some()
                    && full(x) == full(y))
        })
        .collect();
    sure.sort_unstable();
    sure.dedup();
    sure.len().max(1) as f64
}

fn prior_weight(lambda: f64) -> f64 {
    (lambda / (1.0 - lambda)).log2()
}

/// Probability from a log2-odds weight.
pub fn probability(weight: f64) -> f64 {
    1.0 / (1.0 + (-weight).exp2())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_model_loads_and_a_kept_model_reads_back_the_same() {
        let built_in = include_str!("built_in_model.json");
        let model = Model::from_json(built_in).expect("built-in model");
        assert!(model.lambda > 0.0 && model.lambda < 1e-3);
        // An exact family name says "same person"; a different one says otherwise.
        let f = Field::Family.index();
        assert!(model.m[f][0] > model.u[f][0] && model.m[f][4] < model.u[f][4]);
        let again = Model::from_json(&model.to_json()).expect("round trip");
        assert_eq!(again.m, model.m);
        assert_eq!(again.lambda, model.lambda);
        assert!(Model::from_json("{}").is_err());
        let mut short = model.clone();
        short.m.pop();
        assert!(Model::from_json(&short.to_json()).is_err());
    }

    /// Pairs drawn from known m and u for four fields of two levels each; EM,
    /// given u and started from a rough guess of m, must find m and the share
    /// of matches again.
    #[test]
    fn em_recovers_known_m_parameters() {
        let true_m = [0.9, 0.8, 0.7, 0.85];
        let true_u = [0.05, 0.2, 0.1, 0.3];
        let lambda = 0.3;
        let mut rng = XorShift(42);
        let mut uniform = || (rng.next() % 1_000_000) as f64 / 1_000_000.0;
        let mut pairs = Vec::new();
        for _ in 0..50_000 {
            let is_match = uniform() < lambda;
            let mut levels: Levels = [None; FIELDS.len()];
            for f in 0..4 {
                let p_agree = if is_match { true_m[f] } else { true_u[f] };
                levels[f] = Some(if uniform() < p_agree { 0 } else { 4 });
            }
            pairs.push(levels);
        }
        let mut model = Model {
            lambda: 0.05,
            m: empty_table(),
            u: empty_table(),
            tf: [HashMap::new(), HashMap::new()],
            tf_floor: 1e-6,
        };
        for (f, u) in true_u.iter().enumerate() {
            model.u[f] = vec![*u, 0.0, 0.0, 0.0, 1.0 - u];
            model.m[f] = vec![0.6, 0.0, 0.0, 0.0, 0.4];
        }
        normalise(&mut model.u);
        normalise(&mut model.m);
        model.em(&pairs, &[true; FIELDS.len()], 500);
        assert!(
            (model.lambda - lambda).abs() < 0.03,
            "lambda {}",
            model.lambda
        );
        for f in 0..4 {
            assert!(
                (model.m[f][0] - true_m[f]).abs() < 0.03,
                "m[{f}] {}",
                model.m[f][0]
            );
            assert!(
                (model.u[f][0] - true_u[f]).abs() < 0.03,
                "u[{f}] {}",
                model.u[f][0]
            );
        }
    }
}
