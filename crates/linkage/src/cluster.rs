//! From scored pairs to people: pairs above the threshold join their records,
//! strongest first, unless the join would put records that are unlikely to be
//! one person into one cluster: a join needs the records of the two clusters,
//! compared across, to be more likely one person than not on average, and none of
//! them may contradict another outright (siblings by the given-name rule of
//! `model`, two records of one file when linking two files). A father and son
//! of the same name stay apart by their scores: birth dates decades apart and
//! different fathers' names outweigh the names they share. (A hard rule on
//! birth years, tried first, cost FEBRL3 4% of recall: its corrupted dates
//! swap digits, 1981 → 1918.)
//! That check is what stops chaining: A≈B and B≈C do not make A and C one
//! person when A and C say otherwise.

use crate::compare::{compare, Levels};
use crate::model::{probability, Model};
use crate::record::Record;

/// Clusters larger than this take no more records (a safeguard for data with
/// many copies of one placeholder record).
const MAX_CLUSTER: usize = 200;

/// A join needs the records of the two clusters, compared across, to average
/// at least this probability: more likely the same person than not.
const MIN_MEAN_ACROSS: f64 = 0.5;

/// Records that cannot be one person whatever the rest says: siblings (by the
/// given-name rule of `model`), or two records of one file when linking two.
fn contradict(a: &Record, b: &Record, levels: &Levels, cross_only: bool) -> bool {
    (cross_only && a.source == b.source) || crate::model::siblings(levels)
}

/// The cluster of each record (the index of one of its members), given pairs
/// `(a, b, probability)` scored by `model`.
pub fn clusters(
    records: &[Record],
    model: &Model,
    pairs: &[(u32, u32, f64)],
    threshold: f64,
    cross_only: bool,
) -> Vec<usize> {
    let n = records.len();
    let mut members: Vec<Vec<u32>> = (0..n as u32).map(|i| vec![i]).collect();
    let mut cluster_of: Vec<usize> = (0..n).collect();
    let mut strong: Vec<&(u32, u32, f64)> = pairs.iter().filter(|p| p.2 >= threshold).collect();
    strong.sort_by(|x, y| y.2.total_cmp(&x.2).then((x.0, x.1).cmp(&(y.0, y.1))));
    for &&(a, b, _) in &strong {
        let (ca, cb) = (cluster_of[a as usize], cluster_of[b as usize]);
        if ca == cb || members[ca].len() + members[cb].len() > MAX_CLUSTER {
            continue;
        }
        let mut sum = 0.0;
        let mut contradiction = false;
        for &x in &members[ca] {
            for &y in &members[cb] {
                let (rx, ry) = (&records[x as usize], &records[y as usize]);
                let levels = compare(rx, ry);
                contradiction |= contradict(rx, ry, &levels, cross_only);
                sum += probability(model.weight(rx, &levels));
            }
        }
        let mean = sum / (members[ca].len() * members[cb].len()) as f64;
        if contradiction || mean < MIN_MEAN_ACROSS {
            continue;
        }
        let (keep, gone) = if members[ca].len() >= members[cb].len() {
            (ca, cb)
        } else {
            (cb, ca)
        };
        let moved = std::mem::take(&mut members[gone]);
        for &x in &moved {
            cluster_of[x as usize] = keep;
        }
        members[keep].extend(moved);
    }
    cluster_of
}
