//! Materialised runs: the engine's finest aggregate of a definition over a
//! range (by sex, age in years, the area a row is recorded in, unit,
//! programme and institution), kept in memory and stamped with the data it
//! was computed from. Any table of the same run — any breakdowns, age bands
//! or area level — is then a projection in memory, without reading the
//! records again.
//!
//! **Never stale.** The stamp is the audit chain's head (every write through
//! the store appends to it, in the same transaction, on both engines and from
//! every process) and a generation bumped by `Store::data_changed` for writes
//! that bypass the store's services (loaders, tests). A read whose stamp
//! differs from the entry's computes afresh; nothing older than the records
//! is ever served. Reads of special-category data are audited too and so
//! move the stamp: the cache is conservative, never wrong.
//!
//! **Kept up to date.** A run is kept with each subject's share of it
//! (`incremental`): when the stamp has moved, the subjects the audit entries
//! since name are read again and their shares replaced, rather than the run
//! computed whole.
//!
//! **Kept warm.** `Store::refresh_indicator_cache`, called every second by the
//! server, brings the entries read in the last quarter of an hour up to date
//! when the stamp has moved, so that dashboards read from memory again within
//! a round after a write (BENCHMARKS.md measures that lag).
//!
//! **Warm after a restart.** `Store::save_indicator_reads` writes down what
//! the entries read lately are computed from (definitions, periods, fixed
//! breakdown values, readers' scopes: no records); `Store::warm_indicator_cache`
//! computes them at start, before the first reader asks.
//!
//! Bounded: at most `MAX_KEYS` aggregate keys and `MAX_SHARES` subjects'
//! shares are held; the entries read longest ago go first.

use super::engine::Run;
use super::incremental::Shares;
use kopru_domain::indicator::{Dimension, IndicatorDefinition, Period};
use kopru_domain::Scope;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Aggregate keys held at most (about 100 bytes each).
const MAX_KEYS: usize = 2_000_000;

/// Subjects' shares held at most (about 60 bytes each).
const MAX_SHARES: usize = 12_000_000;

/// Entries read within this long are recomputed by the refresher.
pub(crate) const HOT: Duration = Duration::from_secs(15 * 60);

/// The data an entry was computed from: the audit chain's head and the
/// generation of unaudited writes.
pub(crate) type Stamp = (i64, u64);

/// Area codes to the area they are counted under.
pub(crate) type AreaLevels = Arc<HashMap<String, String>>;

/// What a materialised run is computed from.
#[derive(Debug, Clone)]
pub(crate) struct Inputs {
    pub def: IndicatorDefinition,
    pub range: Period,
    pub fixed: Vec<(Dimension, String)>,
    pub grants: Vec<Scope>,
    pub area: Option<String>,
}

impl Inputs {
    pub(crate) fn key(&self) -> String {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        serde_json::to_string(&self.def)
            .unwrap_or_default()
            .hash(&mut h);
        let mut grants: Vec<String> = self.grants.iter().map(|g| format!("{g:?}")).collect();
        grants.sort();
        format!(
            "{}@{}#{:x}|{}..{}|{:?}|{}|{:?}",
            self.def.code,
            self.def.version,
            h.finish(),
            self.range.start,
            self.range.end,
            self.fixed,
            grants.join(","),
            self.area
        )
    }
}

struct Entry {
    stamp: Stamp,
    run: Arc<Run>,
    shares: Option<Box<Shares>>,
    /// Its source can be read for some subjects (`incremental`), but it was
    /// computed plain, on a reader's time: the refresher adds the shares.
    wants_shares: bool,
    inputs: Arc<Inputs>,
    last_read: Instant,
}

impl Entry {
    fn subjects(&self) -> usize {
        self.shares.as_ref().map_or(0, |s| s.len())
    }
}

/// A run to keep (`IndicatorCache::put`): computed from `stamp`'s data,
/// with its subjects' shares or, when `wants_shares`, to get them.
pub(crate) struct Kept {
    pub stamp: Stamp,
    pub inputs: Arc<Inputs>,
    pub run: Arc<Run>,
    pub shares: Option<Box<Shares>>,
    pub wants_shares: bool,
}

/// An entry taken out to be brought up to date (`IndicatorCache::take`).
pub(crate) struct Taken {
    pub stamp: Stamp,
    pub run: Arc<Run>,
    pub shares: Box<Shares>,
    pub last_read: Instant,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<String, Entry>,
    keys: usize,
    subjects: usize,
    /// Area codes to the area they are counted under, per level asked
    /// (`None`: provinces and Serbian districts; `Some(a)`: a's children).
    areas: HashMap<Option<String>, (Stamp, AreaLevels)>,
}

/// How the cache has been used since the process started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct CacheStats {
    pub entries: usize,
    pub keys: usize,
    pub subjects: usize,
    pub hits: u64,
    pub misses: u64,
    pub refreshed: u64,
    /// Runs brought up to date from their subjects' shares.
    pub caught_up: u64,
    /// Runs computed whole from the records.
    pub computed: u64,
}

#[derive(Default)]
pub(crate) struct IndicatorCache {
    inner: Mutex<Inner>,
    generation: AtomicU64,
    hits: AtomicU64,
    misses: AtomicU64,
    refreshed: AtomicU64,
    caught_up: AtomicU64,
    computed: AtomicU64,
    /// Held while an entry is brought up to date from its shares (a few
    /// milliseconds): a reader of it meanwhile waits, then finds it current,
    /// rather than computing it whole. It holds the subjects last found
    /// touched between two audit sequence numbers: the runs caught up in
    /// one refresher round all ask for the same span.
    pub(crate) catching_up: tokio::sync::Mutex<Option<Touched>>,
    /// The keys last written down by `Store::save_indicator_reads`: it
    /// writes only when they change.
    saved: Mutex<Vec<String>>,
}

/// The subjects touched between two audit sequence numbers (`None`: whole).
pub(crate) type Touched = ((i64, i64), Option<super::sources::Subjects>);

impl IndicatorCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data behind; keep it.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The keys last written down by `Store::save_indicator_reads`.
    pub(crate) fn saved_keys(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        self.saved.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    pub(crate) fn bump(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// `get` without counting a hit or a miss (a second look); with
    /// `shares`, not an entry that still wants its subjects' shares.
    pub(crate) fn peek(&self, key: &str, stamp: Stamp, shares: bool) -> Option<Arc<Run>> {
        let inner = self.lock();
        inner
            .entries
            .get(key)
            .filter(|e| e.stamp == stamp && !(shares && e.wants_shares))
            .map(|e| e.run.clone())
    }

    /// The run for `key` if it was computed from `stamp`'s data.
    pub(crate) fn get(&self, key: &str, stamp: Stamp) -> Option<Arc<Run>> {
        let mut inner = self.lock();
        let hit = inner.entries.get_mut(key).and_then(|e| {
            e.last_read = Instant::now();
            (e.stamp == stamp).then(|| e.run.clone())
        });
        drop(inner);
        let counter = if hit.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        hit
    }

    pub(crate) fn put(&self, key: String, kept: Kept, last_read: Option<Instant>) {
        let mut inner = self.lock();
        let last_read = last_read
            .or_else(|| inner.entries.get(&key).map(|e| e.last_read))
            .unwrap_or_else(Instant::now);
        let entry = Entry {
            stamp: kept.stamp,
            wants_shares: kept.wants_shares && kept.shares.is_none(),
            run: kept.run,
            shares: kept.shares,
            inputs: kept.inputs,
            last_read,
        };
        inner.keys += entry.run.len();
        inner.subjects += entry.subjects();
        if let Some(old) = inner.entries.insert(key, entry) {
            inner.keys -= old.run.len();
            inner.subjects -= old.subjects();
        }
        while (inner.keys > MAX_KEYS || inner.subjects > MAX_SHARES) && inner.entries.len() > 1 {
            let Some(oldest) = inner
                .entries
                .iter()
                .min_by_key(|(_, e)| e.last_read)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(e) = inner.entries.remove(&oldest) {
                inner.keys -= e.run.len();
                inner.subjects -= e.subjects();
            }
        }
    }

    /// Takes out the entry for `key` when it holds its subjects' shares, to
    /// be brought up to date and put back (a reader meanwhile computes it
    /// whole; either result is current).
    pub(crate) fn take(&self, key: &str) -> Option<Taken> {
        let mut inner = self.lock();
        if inner.entries.get(key).is_none_or(|e| e.shares.is_none()) {
            return None;
        }
        let e = inner.entries.remove(key)?;
        inner.keys -= e.run.len();
        inner.subjects -= e.subjects();
        Some(Taken {
            stamp: e.stamp,
            run: e.run,
            shares: e.shares?,
            last_read: e.last_read,
        })
    }

    /// The entries read lately whose data has changed since, or which want
    /// their subjects' shares.
    pub(crate) fn stale_hot(&self, stamp: Stamp) -> Vec<(String, Arc<Inputs>)> {
        self.read_lately(|e| e.stamp != stamp || e.wants_shares)
    }

    /// The entries read lately, what a restarted server computes first
    /// (`Store::save_indicator_reads`).
    pub(crate) fn hot(&self) -> Vec<(String, Arc<Inputs>)> {
        self.read_lately(|_| true)
    }

    /// The entries read within `HOT` that `keep` keeps, the most recently
    /// read first: what is on screen now.
    fn read_lately(&self, keep: impl Fn(&Entry) -> bool) -> Vec<(String, Arc<Inputs>)> {
        let now = Instant::now();
        let inner = self.lock();
        let mut v: Vec<(Instant, String, Arc<Inputs>)> = inner
            .entries
            .iter()
            .filter(|(_, e)| keep(e) && now.duration_since(e.last_read) < HOT)
            .map(|(k, e)| (e.last_read, k.clone(), e.inputs.clone()))
            .collect();
        v.sort_by_key(|e| std::cmp::Reverse(e.0));
        v.into_iter().map(|(_, k, i)| (k, i)).collect()
    }

    pub(crate) fn refreshed(&self, n: usize) {
        self.refreshed.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub(crate) fn caught_up(&self) {
        self.caught_up.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn computed(&self) {
        self.computed.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn areas(&self, level: &Option<String>, stamp: Stamp) -> Option<AreaLevels> {
        let inner = self.lock();
        inner
            .areas
            .get(level)
            .filter(|(s, _)| *s == stamp)
            .map(|(_, m)| m.clone())
    }

    pub(crate) fn put_areas(&self, level: Option<String>, stamp: Stamp, map: AreaLevels) {
        self.lock().areas.insert(level, (stamp, map));
    }

    pub(crate) fn stats(&self) -> CacheStats {
        let inner = self.lock();
        CacheStats {
            entries: inner.entries.len(),
            keys: inner.keys,
            subjects: inner.subjects,
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            refreshed: self.refreshed.load(Ordering::Relaxed),
            caught_up: self.caught_up.load(Ordering::Relaxed),
            computed: self.computed.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn clear(&self) {
        let mut inner = self.lock();
        inner.entries.clear();
        inner.areas.clear();
        inner.keys = 0;
        inner.subjects = 0;
    }
}
