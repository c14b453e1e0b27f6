//! Köprü's record-linkage engine: finds the records that describe the same
//! person, across scripts and spellings, without labelled training data.
//!
//! The pipeline: `record` normalises (fold to one script and case, sound keys,
//! birth dates with their precision); `block` picks candidate pairs by several
//! keys with bounded blocks; `compare` grades each field of a pair; `model`
//! weighs the grades (Fellegi–Sunter, m and u estimated as Splink does: u from
//! random pairs, m by EM) with term-frequency adjustment for names; `cluster`
//! joins pairs above a threshold into people, refusing joins that would put
//! contradictory records together. Every pair can be explained field by field.
//!
//! No web and no database here: the registry, the `kopru dedup csv` command and
//! the benchmark all call `link`.

pub mod block;
pub mod cluster;
pub mod compare;
pub mod csv_io;
pub mod model;
mod par;
pub mod record;

pub use block::Blocking;
pub use compare::{compare, Field, Levels, FIELDS};
pub use model::{probability, Contribution, Model};
pub use record::{Birth, Interner, Name, Record, RecordInput, Sex};

#[derive(Clone, Debug)]
pub struct Settings {
    /// Pairs at or above this match probability join a cluster.
    pub threshold: f64,
    pub blocking: Blocking,
    /// Random pairs drawn to estimate `u`.
    pub u_samples: usize,
    /// Pairs of each kind of blocking key EM learns `m` from (a deterministic sample).
    pub em_pairs: usize,
    /// Pairs below this probability are not kept (they join nothing and
    /// explain nothing anyone asks about).
    pub keep_above: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            threshold: 0.9,
            blocking: Blocking::default(),
            u_samples: 1_000_000,
            em_pairs: 500_000,
            keep_above: 0.01,
        }
    }
}

/// A compared candidate pair (indices into the records).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoredPair {
    pub a: u32,
    pub b: u32,
    /// Match weight in bits (log2 odds), prior included.
    pub weight: f64,
    pub probability: f64,
}

pub struct Linkage {
    pub model: Model,
    /// Candidate pairs compared (before `keep_above`).
    pub compared: usize,
    /// Pairs at or above `keep_above`, by record.
    pub pairs: Vec<ScoredPair>,
    /// For each record, the index of its cluster's representative.
    pub cluster_of: Vec<usize>,
}

/// Why two records are (or are not) thought to be one person.
#[derive(Clone, Debug)]
pub struct Explanation {
    pub prior: f64,
    pub contributions: Vec<Contribution>,
    pub weight: f64,
    pub probability: f64,
}

/// Links `records`: within one file (all `source` 0), or, when some records
/// have `source` 1, between two files (pairs only across them, at most one
/// record of each file per cluster).
pub fn link(records: &[Record], settings: &Settings) -> Linkage {
    // Work on the records in name order: the pairs compared share names, so
    // the second record of a pair is then near the first in memory (scoring
    // tens of millions of pairs waits on memory more than it computes).
    let mut order: Vec<u32> = (0..records.len() as u32).collect();
    order.sort_by_cached_key(|&i| block::memory_order(&records[i as usize]));
    let in_order: Vec<Record> = order.iter().map(|&i| records[i as usize].clone()).collect();
    let mut linkage = link_in_order(&in_order, settings);
    drop(in_order);
    // Back to the caller's indices.
    for p in linkage.pairs.iter_mut() {
        p.a = order[p.a as usize];
        p.b = order[p.b as usize];
    }
    let mut cluster_of = vec![0; records.len()];
    for (i, c) in linkage.cluster_of.iter().enumerate() {
        cluster_of[order[i] as usize] = order[*c] as usize;
    }
    linkage.cluster_of = cluster_of;
    linkage
}

fn link_in_order(records: &[Record], settings: &Settings) -> Linkage {
    let cross_only = records.iter().any(|r| r.source == 1);
    let by_kind = block::pairs_by_kind(records, &settings.blocking, cross_only);
    let model = Model::estimate(
        records,
        &by_kind,
        cross_only,
        settings.u_samples,
        settings.em_pairs,
    );
    let candidates = block::union(by_kind);
    // One part per core, so each core's cache of name levels fills once.
    let part = candidates.len().div_ceil(par::threads()).max(1);
    let chunks: Vec<&[(u32, u32)]> = candidates.chunks(part).collect();
    let scorer = model::Scorer::new(&model);
    let tf: Vec<[f64; 2]> = records.iter().map(|r| scorer.record(r)).collect();
    let pairs: Vec<ScoredPair> = par::map(&chunks, |chunk| {
        let mut names = compare::NameLevels::default();
        chunk
            .iter()
            .filter_map(|&(a, b)| {
                let (ra, rb) = (&records[a as usize], &records[b as usize]);
                let weight = scorer.weight(tf[a as usize], &names.compare(ra, rb));
                let probability = probability(weight);
                (probability >= settings.keep_above).then_some(ScoredPair {
                    a,
                    b,
                    weight,
                    probability,
                })
            })
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect();
    let edges: Vec<(u32, u32, f64)> = pairs.iter().map(|p| (p.a, p.b, p.probability)).collect();
    let cluster_of = cluster::clusters(records, &model, &edges, settings.threshold, cross_only);
    Linkage {
        model,
        compared: candidates.len(),
        pairs,
        cluster_of,
    }
}

/// The score of `a` and `b` under `model`, field by field.
pub fn explain(model: &Model, a: &Record, b: &Record) -> Explanation {
    let levels = compare(a, b);
    let contributions = model.contributions(a, &levels);
    let weight = model.prior() + contributions.iter().map(|c| c.weight).sum::<f64>();
    Explanation {
        prior: model.prior(),
        contributions,
        weight,
        probability: probability(weight),
    }
}
