//! The indicator engine: a definition, a period and up to two breakdowns
//! become one SQL aggregate per "run" over the definition's source — kept in
//! memory with the stamp of the data it was computed from (`cache`), and
//! computed afresh whenever the data has changed since — so every value is as
//! current as the records.
//!
//! A run is grouped in SQL by the finest columns (sex, age in years, the
//! row's area, unit, programme, institution); a table's breakdowns, bands and
//! area level are a projection of it in memory. A person is attributed to the first row that qualifies them in the period
//! (by day, then row id), so each person is in exactly one cell and cells add
//! up to their totals. Period, cohort window and group are *series*: each
//! value is its own run (a person in March and in May counts once in each
//! month and once in the quarter).

use super::cache::{CacheStats, Inputs, Kept, Stamp};
use super::incremental::{self, Shares};
use super::sources::{self, Subjects};
use crate::audit::Actor;
use crate::error::{Result, StoreError};
use crate::registry::SpecialValue;
use crate::scope::{push_in_area, push_visible, Entity};
use crate::sql::Sql;
use crate::Store;
use kopru_domain::indicator::{
    suppress, Band, Dimension, Every, Grid, IndicatorDefinition, IndicatorKind, Period,
};
use kopru_domain::person::SpecialCategory;
use kopru_domain::{Action, Principal, Scope, ValidationErrors};
use serde::Serialize;
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// What a caller asks of an indicator.
#[derive(Debug, Clone)]
pub struct ValuesQuery {
    pub period: Period,
    /// At most two breakdowns (checked by `IndicatorDefinition::breakdown`).
    pub by: Vec<Dimension>,
    /// Only rows in this area (and below it); an `area` breakdown then
    /// splits by its children.
    pub area: Option<String>,
    pub bands: Vec<Band>,
    pub every: Every,
    /// Cells from 1 to `threshold - 1` are hidden from aggregate-only viewers.
    pub threshold: i64,
}

/// One value of a breakdown: its key (a code) and what to show for it
/// (an area's, unit's, programme's or institution's name; otherwise the key,
/// which pages translate).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Key {
    pub key: String,
    pub label: String,
}

/// A value, or its absence: `hidden` when small-cell suppression took it
/// (shown as "<5"); `value` none and `hidden` false when there is nothing to
/// divide by.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Cell {
    pub value: Option<f64>,
    pub hidden: bool,
    /// A ratio's parts (hidden with it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numerator: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denominator: Option<i64>,
}

/// An indicator's values: a total, a one-way table (`rows`), or a cross-table
/// (`rows` × `columns`), with their margins.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IndicatorTable {
    pub code: String,
    pub version: u32,
    pub kind: IndicatorKind,
    pub period: Period,
    pub area: Option<String>,
    pub by: Vec<Dimension>,
    pub rows: Vec<Key>,
    pub columns: Vec<Key>,
    /// `cells[row][column]`; empty rows for a one-way table.
    pub cells: Vec<Vec<Cell>>,
    pub row_totals: Vec<Cell>,
    pub column_totals: Vec<Cell>,
    pub total: Cell,
    /// Small cells were hidden for this reader (and the cells that would
    /// give them away).
    pub small_cells_hidden: bool,
    pub threshold: i64,
}

impl IndicatorTable {
    /// The one-way table's value of `key` (tests and dashboards).
    pub fn row(&self, key: &str) -> Option<&Cell> {
        let i = self.rows.iter().position(|k| k.key == key)?;
        self.row_totals.get(i)
    }
}

/// A group's count and the sum of its numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Agg {
    pub(crate) n: i64,
    pub(crate) s: f64,
}

impl Agg {
    pub(crate) fn add(&mut self, o: Agg) {
        self.n += o.n;
        self.s += o.s;
    }

    pub(crate) fn sub(&mut self, o: Agg) {
        self.n -= o.n;
        self.s -= o.s;
    }
}

/// A breakdown's values, and whether each is its own run.
struct Axis {
    dim: Dimension,
    keys: Vec<String>,
    series: bool,
}

pub(crate) type Run = BTreeMap<Vec<String>, Agg>;

/// The persons' groups (not special categories) a `group` breakdown lists.
const GROUPS: [&str; 5] = [
    "informal_settlement",
    "migrant",
    "internally_displaced",
    "returnee",
    "stateless",
];

fn age_expr() -> &'static str {
    "CASE WHEN z.birth IS NULL OR length(z.birth) < 4 THEN NULL ELSE \
     CAST(substr(z.at, 1, 4) AS INTEGER) - CAST(substr(z.birth, 1, 4) AS INTEGER) - \
     CASE WHEN substr(z.at, 6, 5) < CASE length(z.birth) WHEN 4 THEN '07-01' \
     WHEN 7 THEN substr(z.birth, 6, 2) || '-01' ELSE substr(z.birth, 6, 5) END \
     THEN 1 ELSE 0 END END"
}

/// The finest columns a run is grouped by (`cache`'s materialised runs):
/// sex, age in years at the row (empty when unknown), the area the row is
/// recorded in, unit, programme, institution. Tables are projections of it.
const FINE: [&str; 6] = [
    "COALESCE(f.sex, 'unknown')",
    "CAST(f.age AS TEXT)",
    "COALESCE(f.area_code, '')",
    "COALESCE(f.unit_code, '')",
    "COALESCE(f.programme, '')",
    "COALESCE(f.responsible, '')",
];
const FINE_SEX: usize = 0;
const FINE_AGE: usize = 1;
const FINE_AREA: usize = 2;
const FINE_UNIT: usize = 3;
const FINE_PROGRAMME: usize = 4;
const FINE_INSTITUTION: usize = 5;

/// One aggregate over the definition's source, by the `FINE` columns.
pub(crate) async fn run(conn: &mut AnyConnection, inputs: &Inputs) -> Result<Run> {
    run_by(conn, inputs, false).await
}

/// `run`, grouped by each subject too when `by_subject` (the subject's id
/// is then the key's last column): what a breakdown by a special category
/// reads, the subject replaced by their sealed value (`Store::special_run`).
async fn run_by(conn: &mut AnyConnection, inputs: &Inputs, by_subject: bool) -> Result<Run> {
    let mut out = Run::new();
    fold_run(conn, inputs, by_subject, None, |mut key, subject, agg| {
        if let Some(s) = subject {
            key.push(s);
        }
        out.entry(key).or_default().add(agg);
    })
    .await?;
    Ok(out)
}

/// Each group of a run — its `FINE` key, its subject when `by_subject`, its
/// aggregate — given to `each`; only `who`'s rows when restricted.
pub(crate) async fn fold_run(
    conn: &mut AnyConnection,
    inputs: &Inputs,
    by_subject: bool,
    who: Option<&Subjects>,
    mut each: impl FnMut(Vec<String>, Option<String>, Agg),
) -> Result<()> {
    let mut q = run_query(inputs, by_subject, false, who)?;
    let rows = q.fetch_rows(&mut *conn).await?;
    for r in rows {
        let (key, subject, width) = if by_subject {
            // One column for the key (`run_query`): codes hold no `|`.
            let joined = r.try_get::<Option<String>, _>(0)?.unwrap_or_default();
            let key: Vec<String> = joined.split('|').map(str::to_owned).collect();
            let subject = r.try_get::<Option<String>, _>(1)?.unwrap_or_default();
            (key, Some(subject), 2)
        } else {
            let mut key = Vec::with_capacity(FINE.len());
            for i in 0..FINE.len() {
                key.push(r.try_get::<Option<String>, _>(i)?.unwrap_or_default());
            }
            (key, None, FINE.len())
        };
        if key.len() != FINE.len() {
            return Err(StoreError::Other(format!(
                "indicator {}: a group key of {} parts",
                inputs.def.code,
                key.len()
            )));
        }
        let n: i64 = r.try_get(width)?;
        let s: Option<f64> = r.try_get(width + 1)?;
        if n > 0 {
            each(
                key,
                subject,
                Agg {
                    n,
                    s: s.unwrap_or(0.0),
                },
            );
        }
    }
    Ok(())
}

/// Can a run of `inputs` be kept with its subjects' shares (its source read
/// for some subjects only)?
fn shareable(inputs: &Inputs) -> bool {
    inputs
        .def
        .source
        .as_deref()
        .and_then(sources::select)
        .is_some_and(|s| sources::restrictable(&s))
}

/// A run to keep: with each subject's share when its source can be read
/// for some subjects only (`incremental`).
async fn materialise(
    conn: &mut AnyConnection,
    inputs: &Inputs,
) -> Result<(Run, Option<Box<Shares>>)> {
    if !shareable(inputs) {
        return Ok((run(conn, inputs).await?, None));
    }
    let mut out = Run::new();
    let mut shares = Shares::default();
    fold_run(conn, inputs, true, None, |k, s, a| {
        shares.add(&mut out, k, s.as_deref().unwrap_or_default(), a);
    })
    .await?;
    Ok((out, Some(Box::new(shares))))
}

/// The statement of a run (`run_by`): the `FINE` columns (and the subject),
/// `n` and `s`; with `literals`, also written with its values in place.
fn run_query(
    inputs: &Inputs,
    by_subject: bool,
    literals: bool,
    who: Option<&Subjects>,
) -> Result<Sql> {
    let Inputs {
        def,
        range,
        fixed,
        grants,
        area,
    } = inputs;
    let name = def.source.as_deref().unwrap_or_default();
    let source = sources::select(name)
        .ok_or_else(|| StoreError::Other(format!("indicator {}: no source {name}", def.code)))?;
    let distinct = matches!(def.kind, IndicatorKind::People | IndicatorKind::Cohort);
    let mut q = Sql::new("SELECT ");
    if literals {
        q = q.with_literals();
    }
    if by_subject {
        // Grouped by subject the rows are many: the key in one column
        // (`fold_run` splits it) halves what is read back.
        let joined: Vec<String> = FINE.iter().map(|c| format!("COALESCE({c}, '')")).collect();
        q.push(&joined.join(" || '|' || ")).push(", f.subject, ");
    } else {
        for c in FINE {
            q.push(c).push(", ");
        }
    }
    q.push("COUNT(*) AS n, SUM(f.number) AS s FROM (");
    if distinct {
        q.push(
            "SELECT y.*, ROW_NUMBER() OVER (PARTITION BY y.subject ORDER BY y.at, y.row_id) AS rn FROM (",
        );
    }
    q.push("SELECT z.*, ")
        .push(age_expr())
        .push(" AS age FROM (SELECT x.*, CASE WHEN x.at0 < ")
        .bind(range.start.clone())
        .push(" THEN ")
        .bind(range.start.clone())
        .push(" ELSE x.at0 END AS at FROM (");
    sources::push_select(&mut q, &source, who);
    q.push(") x WHERE x.at0 <= ")
        .bind(range.end.clone())
        .push(" AND COALESCE(x.until, '9999-12-31') >= ")
        .bind(range.start.clone())
        .push(" AND ");
    push_visible(&mut q, Entity::IndicatorRow, "x", grants);
    if let Some(a) = area {
        q.push(" AND ");
        push_in_area(&mut q, "x.area_code", a);
    }
    for c in &def.conditions {
        let column = format!("x.{}", c.field);
        if let Some(v) = &c.has {
            // Lists are comma-joined; `groups` of a person are JSON.
            q.push(&format!(
                " AND (',' || COALESCE({column}, '') || ',') LIKE "
            ))
            .bind(format!("%,{},%", crate::sql::like_escape(v)))
            .push(" ESCAPE '\\'");
        }
        if !c.is_in.is_empty() {
            q.push(&format!(" AND {column} IN ("))
                .bind_list(c.is_in.iter().cloned())
                .push(")");
        }
        if !c.not_in.is_empty() {
            q.push(&format!(" AND ({column} IS NULL OR {column} NOT IN ("))
                .bind_list(c.not_in.iter().cloned())
                .push("))");
        }
    }
    if def.kind == IndicatorKind::Cohort {
        let window = fixed.iter().find(|(d, _)| *d == Dimension::Window);
        match window {
            Some((_, w)) => {
                q.push(" AND x.months = ")
                    .bind(w.parse::<i64>().unwrap_or(-1));
            }
            None => {
                q.push(" AND x.months IN (")
                    .bind_list(def.windows.iter().map(|w| i64::from(*w)))
                    .push(")");
            }
        }
    }
    if matches!(def.kind, IndicatorKind::Sum | IndicatorKind::Average) {
        // What has no number is not added up (nor counted in an average).
        q.push(" AND x.number IS NOT NULL");
    }
    if let Some((_, g)) = fixed.iter().find(|(d, _)| *d == Dimension::Group) {
        if *g == "none" {
            q.push(" AND (x.pgroups IS NULL OR x.pgroups NOT LIKE '%\"%')");
        } else {
            q.push(" AND x.pgroups LIKE ")
                .bind(format!("%\"{}\"%", crate::sql::like_escape(g)))
                .push(" ESCAPE '\\'");
        }
    }
    q.push(") z) ");
    if distinct {
        q.push("y");
    } else {
        q.push("f");
    }
    let age_column = if distinct { "y.age" } else { "f.age" };
    q.push(" WHERE 1 = 1");
    if let Some(a) = def.age {
        q.push(&format!(" AND {age_column} >= "))
            .bind(i64::from(a.min));
        if let Some(m) = a.max {
            q.push(&format!(" AND {age_column} <= ")).bind(i64::from(m));
        }
    }
    if distinct {
        q.push(") f WHERE f.rn = 1");
    }
    q.push(if by_subject {
        " GROUP BY 1, 2"
    } else {
        " GROUP BY 1, 2, 3, 4, 5, 6"
    });
    Ok(q)
}

/// One group of a run as the benchmark compares it: the `FINE` columns'
/// values, the count and the sum.
pub type RunRow = (Vec<String>, i64, f64);

fn whole(def: &IndicatorDefinition, range: &Period) -> Inputs {
    Inputs {
        def: def.clone(),
        range: range.clone(),
        fixed: Vec::new(),
        grants: vec![Scope::Installation],
        area: None,
    }
}

/// A fine run grouped by `grouped` instead: ages into the query's bands
/// (`unknown` without a birth year, `other` outside every band), areas to
/// the level asked (`areas`; empty when a row's area is not under one).
fn project(
    fine: &Run,
    grouped: &[Dimension],
    query: &ValuesQuery,
    areas: &HashMap<String, String>,
) -> Run {
    let mut out = Run::new();
    for (k, v) in fine {
        let key = grouped
            .iter()
            .map(|d| match d {
                Dimension::Sex => k[FINE_SEX].clone(),
                Dimension::Age => band_of(&k[FINE_AGE], &query.bands),
                Dimension::Area => areas.get(&k[FINE_AREA]).cloned().unwrap_or_default(),
                Dimension::Unit => k[FINE_UNIT].clone(),
                Dimension::Programme => k[FINE_PROGRAMME].clone(),
                Dimension::Institution => k[FINE_INSTITUTION].clone(),
                // A special category's value follows the fine columns
                // (`Store::special_run`).
                Dimension::Ethnicity | Dimension::Disability => k
                    .get(FINE.len())
                    .cloned()
                    .unwrap_or_else(|| NOT_STATED.to_owned()),
                // Series are runs, never grouped.
                Dimension::Period | Dimension::Window | Dimension::Group => String::new(),
            })
            .collect();
        out.entry(key).or_default().add(*v);
    }
    out
}

/// A person without a value of the special category asked for (or a
/// professional, who has none).
const NOT_STATED: &str = "not_stated";

/// The band (its index) an age in years falls in: the first that holds it.
fn band_of(age: &str, bands: &[Band]) -> String {
    let Ok(age) = age.parse::<i64>() else {
        return "unknown".to_owned();
    };
    bands
        .iter()
        .position(|b| age >= i64::from(b.min) && b.max.is_none_or(|m| age <= i64::from(m)))
        .map_or_else(|| "other".to_owned(), |i| i.to_string())
}

impl Store {
    /// An indicator's run over `range` for the whole installation, computed
    /// from the records now (never from memory): the benchmark's full
    /// recomputation and what it compares with another engine's.
    pub async fn indicator_run_rows(
        &self,
        def: &IndicatorDefinition,
        range: &Period,
    ) -> Result<Vec<RunRow>> {
        let mut conn = self.acquire().await?;
        let run = run(&mut conn, &whole(def, range)).await?;
        Ok(run.into_iter().map(|(k, a)| (k, a.n, a.s)).collect())
    }

    /// The same run computed to be kept, with every subject's share
    /// (`incremental`): how many subjects (the benchmark's probe).
    pub async fn indicator_run_shares(
        &self,
        def: &IndicatorDefinition,
        range: &Period,
    ) -> Result<usize> {
        let mut conn = self.acquire().await?;
        let (_, shares) = materialise(&mut conn, &whole(def, range)).await?;
        Ok(shares.map_or(0, |s| s.len()))
    }

    /// The shares of `who` in the same run read again, as a catch-up after
    /// a write reads them: how many groups they fall in (the benchmark's
    /// probe).
    pub async fn indicator_catch_up_rows(
        &self,
        def: &IndicatorDefinition,
        range: &Period,
        who: &[String],
    ) -> Result<usize> {
        let mut conn = self.acquire().await?;
        let who: Subjects = who.iter().cloned().collect();
        let mut n = 0;
        fold_run(
            &mut conn,
            &whole(def, range),
            true,
            Some(&who),
            |_, _, _| {
                n += 1;
            },
        )
        .await?;
        Ok(n)
    }

    /// The same run's statement with its values in place (`Sql::with_literals`):
    /// what the benchmark gives DuckDB to run over the same tables.
    pub fn indicator_run_sql(def: &IndicatorDefinition, range: &Period) -> Result<String> {
        let q = run_query(&whole(def, range), false, true, None)?;
        Ok(q.literal_text().unwrap_or_default().to_owned())
    }

    /// The data's stamp: the audit chain's head and the unaudited writes'
    /// generation (`cache`).
    pub(super) async fn indicator_stamp(&self, conn: &mut AnyConnection) -> Result<Stamp> {
        let (seq,): (i64,) = Sql::new("SELECT seq FROM audit_head WHERE id = 1")
            .fetch_one(&mut *conn)
            .await?;
        Ok((seq, self.indicator_cache.generation()))
    }

    /// A fine run, from memory when the data has not changed since.
    async fn materialised_run(&self, conn: &mut AnyConnection, inputs: Inputs) -> Result<Arc<Run>> {
        let stamp = self.indicator_stamp(conn).await?;
        let key = inputs.key();
        if let Some(r) = self.indicator_cache.get(&key, stamp) {
            return Ok(r);
        }
        // A reader does not wait for the shares (a run of a million people
        // takes longer with them): the refresher adds them.
        self.bring_up_to_date(conn, key, Arc::new(inputs), stamp, false)
            .await
    }

    /// The run of `inputs` as of `stamp` (or later), kept in memory: the
    /// entry held brought up to date by its touched subjects' shares
    /// (`incremental`), or else computed whole — `with_shares` kept with
    /// each subject's share where its source allows.
    pub(super) async fn bring_up_to_date(
        &self,
        conn: &mut AnyConnection,
        key: String,
        inputs: Arc<Inputs>,
        stamp: Stamp,
        with_shares: bool,
    ) -> Result<Arc<Run>> {
        let cache = &self.indicator_cache;
        let mut one_at_a_time = cache.catching_up.lock().await;
        if let Some(r) = cache.peek(&key, stamp, with_shares) {
            return Ok(r);
        }
        if let Some(mut t) = cache.take(&key) {
            let span = (t.stamp.0, stamp.0);
            let who = match &*one_at_a_time {
                _ if t.stamp.1 != stamp.1 => None,
                Some((seen, who)) if *seen == span => who.clone(),
                _ => {
                    let who = incremental::touched(conn, span.0, span.1).await?;
                    *one_at_a_time = Some((span, who.clone()));
                    who
                }
            };
            if let Some(who) = who {
                let mut run = Arc::unwrap_or_clone(t.run);
                if !who.is_empty() {
                    let mut fresh = Vec::new();
                    fold_run(conn, &inputs, true, Some(&who), |k, s, a| {
                        fresh.push((k, s.unwrap_or_default(), a));
                    })
                    .await?;
                    t.shares.replace(&mut run, &who, fresh);
                }
                let run = Arc::new(run);
                let kept = Kept {
                    stamp,
                    inputs,
                    run: run.clone(),
                    shares: Some(t.shares),
                    wants_shares: true,
                };
                cache.put(key, kept, Some(t.last_read));
                cache.caught_up();
                return Ok(run);
            }
        }
        drop(one_at_a_time);
        let shareable = shareable(&inputs);
        let (run, shares) = if with_shares && shareable {
            materialise(conn, &inputs).await?
        } else {
            (run(conn, &inputs).await?, None)
        };
        cache.computed();
        let run = Arc::new(run);
        let kept = Kept {
            stamp,
            inputs,
            run: run.clone(),
            shares,
            wants_shares: shareable,
        };
        cache.put(key, kept, None);
        Ok(run)
    }

    /// A run by a special category: grouped by subject, each subject's
    /// sealed value opened and put in its place. Never kept: it holds what
    /// only roles with the category's right may read, and is computed for
    /// each (audited) reading.
    async fn special_run(
        &self,
        conn: &mut AnyConnection,
        inputs: &Inputs,
        category: SpecialCategory,
    ) -> Result<Run> {
        let by_subject = run_by(conn, inputs, true).await?;
        let subjects: HashSet<&str> = by_subject
            .keys()
            .filter_map(|k| k.last().map(String::as_str))
            .collect();
        let sealed: Vec<(String, String)> =
            Sql::new("SELECT person_id, ciphertext FROM person_special WHERE category = ")
                .bind(category.as_str().to_owned())
                .fetch_all(&mut *conn)
                .await?;
        let mut values: HashMap<&str, String> = HashMap::new();
        for (person, ciphertext) in &sealed {
            let Some(person) = subjects.get(person.as_str()) else {
                continue;
            };
            let keyring = self.keyring().map_err(|_| {
                StoreError::Invalid(ValidationErrors::single("by", "err-no-encryption-key"))
            })?;
            let text = keyring
                .decrypt(&format!("{person}/{}", category.as_str()), ciphertext)
                .map_err(|e| StoreError::Other(e.to_string()))?;
            let v: SpecialValue =
                serde_json::from_str(&text).map_err(|e| StoreError::Other(e.to_string()))?;
            values.insert(person, v.value);
        }
        let mut out = Run::new();
        for (k, a) in &by_subject {
            let Some((subject, fine)) = k.split_last() else {
                continue;
            };
            let mut key = fine.to_vec();
            key.push(
                values
                    .get(subject.as_str())
                    .cloned()
                    .unwrap_or_else(|| NOT_STATED.to_owned()),
            );
            out.entry(key).or_default().add(*a);
        }
        Ok(out)
    }

    /// Every area code to the area it is counted under: a province (Türkiye)
    /// or a district or the City of Belgrade (Serbia); with `area`, the
    /// child of that area it lies in.
    async fn area_levels(
        &self,
        conn: &mut AnyConnection,
        area: Option<&str>,
    ) -> Result<Arc<HashMap<String, String>>> {
        let level = area.map(str::to_ascii_uppercase);
        let stamp = self.indicator_stamp(conn).await?;
        if let Some(m) = self.indicator_cache.areas(&level, stamp) {
            return Ok(m);
        }
        let mut q = Sql::new(
            "SELECT ac.descendant_code, MIN(ac.ancestor_code) FROM area_closure ac \
             JOIN areas aa ON aa.code = ac.ancestor_code WHERE ",
        );
        match &level {
            Some(a) => {
                q.push("aa.parent_code = ").bind(a.clone());
            }
            None => {
                q.push(
                    "((aa.country = 'TR' AND aa.kind = 'province') \
                     OR (aa.country = 'RS' AND aa.kind IN ('district', 'city')))",
                );
            }
        }
        q.push(" GROUP BY ac.descendant_code");
        let rows: Vec<(String, String)> = q.fetch_all(&mut *conn).await?;
        let map: Arc<HashMap<String, String>> = Arc::new(rows.into_iter().collect());
        self.indicator_cache.put_areas(level, stamp, map.clone());
        Ok(map)
    }

    /// Records were written other than through the store's services (which
    /// append to the audit chain): materialised runs must not be used again.
    pub fn data_changed(&self) {
        self.indicator_cache.bump();
    }

    /// Calls `data_changed` when dropped: held by loaders that write around
    /// the services, so that even one failing half-way leaves no stale run.
    pub fn data_changes(&self) -> DataChanges<'_> {
        DataChanges(self)
    }

    /// Brings the runs read in the last quarter of an hour up to the current
    /// data, most recently read first, and adds their subjects' shares to
    /// those a reader computed plain; how many it did. The server calls it
    /// every second; it does nothing while the data has not changed.
    pub async fn refresh_indicator_cache(&self) -> Result<usize> {
        let mut conn = self.acquire().await?;
        let stamp = self.indicator_stamp(&mut conn).await?;
        let stale = self.indicator_cache.stale_hot(stamp);
        let mut n = 0;
        for (key, inputs) in stale {
            // The data may move again meanwhile: the entry is stamped with
            // what it was computed from, and the next round catches up.
            let at = self.indicator_stamp(&mut conn).await?;
            self.bring_up_to_date(&mut conn, key, inputs, at, true)
                .await?;
            n += 1;
        }
        self.indicator_cache.refreshed(n);
        Ok(n)
    }

    /// How the materialised runs have been used (benchmarks, metrics).
    pub fn indicator_cache_stats(&self) -> CacheStats {
        self.indicator_cache.stats()
    }

    /// Forgets every materialised run (benchmarks measure cold reads).
    pub fn clear_indicator_cache(&self) {
        self.indicator_cache.clear();
    }
}

/// See `Store::data_changes`.
pub struct DataChanges<'a>(&'a Store);

impl Drop for DataChanges<'_> {
    fn drop(&mut self) {
        self.0.data_changed();
    }
}

/// Every run a table needs, keyed by the series values it is fixed to
/// (`None`: all of them).
struct Cube {
    axes: Vec<Axis>,
    runs: BTreeMap<Vec<Option<String>>, Run>,
}

impl Cube {
    /// The aggregate where each axis is fixed to a key or left open.
    fn get(&self, at: &[Option<&str>]) -> Agg {
        agg_at(&self.axes, &self.runs, at)
    }
}

/// The aggregate of `runs` laid on `axes` where each axis is fixed to a key
/// or left open.
fn agg_at(axes: &[Axis], runs: &BTreeMap<Vec<Option<String>>, Run>, at: &[Option<&str>]) -> Agg {
    let fixed: Vec<Option<String>> = axes
        .iter()
        .zip(at)
        .filter(|(a, _)| a.series)
        .map(|(_, v)| v.map(str::to_owned))
        .collect();
    let Some(run) = runs.get(&fixed) else {
        return Agg::default();
    };
    let wanted: Vec<Option<&str>> = axes
        .iter()
        .zip(at)
        .filter(|(a, _)| !a.series)
        .map(|(_, v)| *v)
        .collect();
    let mut out = Agg::default();
    for (k, v) in run {
        if wanted
            .iter()
            .zip(k)
            .all(|(w, have)| w.is_none_or(|w| w == have))
        {
            out.add(*v);
        }
    }
    out
}

fn series_keys(def: &IndicatorDefinition, query: &ValuesQuery, d: Dimension) -> Vec<String> {
    match d {
        Dimension::Period => query
            .period
            .split(query.every)
            .into_iter()
            .map(|p| p.label)
            .collect(),
        Dimension::Window => def.windows.iter().map(u32::to_string).collect(),
        _ => GROUPS
            .iter()
            .map(|g| (*g).to_owned())
            .chain(std::iter::once("none".to_owned()))
            .collect(),
    }
}

async fn cube(
    store: &Store,
    conn: &mut AnyConnection,
    def: &IndicatorDefinition,
    query: &ValuesQuery,
    grants: &[Scope],
) -> Result<Cube> {
    let special = query.by.iter().find_map(|d| d.special_category());
    let mut axes: Vec<Axis> = query
        .by
        .iter()
        .map(|d| {
            let series = matches!(d, Dimension::Period | Dimension::Window | Dimension::Group);
            Axis {
                dim: *d,
                keys: if series {
                    series_keys(def, query, *d)
                } else {
                    Vec::new()
                },
                series,
            }
        })
        .collect();
    let grouped: Vec<Dimension> = axes.iter().filter(|a| !a.series).map(|a| a.dim).collect();
    let periods = query.period.split(query.every);
    // Every assignment of the series axes, `None` (all) included.
    let mut assignments: Vec<Vec<Option<String>>> = vec![vec![]];
    for a in axes.iter().filter(|a| a.series) {
        let mut next = Vec::new();
        for prefix in &assignments {
            for v in std::iter::once(None).chain(a.keys.iter().cloned().map(Some)) {
                let mut p = prefix.clone();
                p.push(v);
                next.push(p);
            }
        }
        assignments = next;
    }
    let series_dims: Vec<Dimension> = axes.iter().filter(|a| a.series).map(|a| a.dim).collect();
    let areas = if grouped.contains(&Dimension::Area) {
        store.area_levels(conn, query.area.as_deref()).await?
    } else {
        Arc::default()
    };
    let mut runs = BTreeMap::new();
    for assignment in assignments {
        let mut range = &query.period;
        let mut fixed = Vec::new();
        for (d, v) in series_dims.iter().zip(&assignment) {
            if let Some(v) = v {
                if *d == Dimension::Period {
                    if let Some(p) = periods.iter().find(|p| &p.label == v) {
                        range = p;
                    }
                } else {
                    fixed.push((*d, v.clone()));
                }
            }
        }
        let inputs = Inputs {
            def: def.clone(),
            range: range.clone(),
            fixed,
            grants: grants.to_vec(),
            area: query.area.as_ref().map(|a| a.to_ascii_uppercase()),
        };
        let fine = match special {
            Some(c) => Arc::new(store.special_run(conn, &inputs, c).await?),
            None => store.materialised_run(conn, inputs).await?,
        };
        runs.insert(assignment, project(&fine, &grouped, query, &areas));
    }
    // The grouped axes' keys: what the data holds, and the whole list where
    // it is closed (sexes, age bands).
    for (gi, a) in axes.iter_mut().filter(|a| !a.series).enumerate() {
        let mut seen: BTreeSet<String> = runs
            .values()
            .flat_map(|r| r.keys().map(|k| k[gi].clone()))
            .collect();
        let mut keys: Vec<String> = match a.dim {
            Dimension::Sex => ["female", "male", "unknown"].map(str::to_owned).to_vec(),
            Dimension::Age => (0..query.bands.len())
                .map(|i| i.to_string())
                .chain(["unknown".to_owned()])
                .collect(),
            d => d
                .special_category()
                .map(|c| {
                    SpecialValue::choices(c)
                        .iter()
                        .map(|v| (*v).to_owned())
                        .collect()
                })
                .unwrap_or_default(),
        };
        for k in &keys {
            seen.remove(k);
        }
        keys.extend(seen);
        a.keys = keys;
    }
    Ok(Cube { axes, runs })
}

/// The value of an aggregate for a kind.
fn value_of(kind: IndicatorKind, a: Agg) -> Option<f64> {
    match kind {
        IndicatorKind::Sum => Some(a.s),
        IndicatorKind::Average => (a.n > 0).then(|| a.s / a.n as f64),
        _ => Some(a.n as f64),
    }
}

/// A grid of counts in the table's shape (one-way: one column).
fn grid_of(cube: &Cube) -> Grid {
    grid_in(&cube.axes, &cube.runs)
}

/// The counts of `runs` in the shape `axes` give.
fn grid_in(axes: &[Axis], runs: &BTreeMap<Vec<Option<String>>, Run>) -> Grid {
    let get = |at: &[Option<&str>]| agg_at(axes, runs, at);
    let rows = axes.first().map_or(0, |a| a.keys.len());
    let two = axes.len() == 2;
    let cols = if two { axes[1].keys.len() } else { 1 };
    let key = |i: usize, j: usize| -> Vec<Option<&str>> {
        if two {
            vec![
                Some(axes[0].keys[i].as_str()),
                Some(axes[1].keys[j].as_str()),
            ]
        } else {
            vec![Some(axes[0].keys[i].as_str())]
        }
    };
    let open = |i: Option<usize>, j: Option<usize>| -> Vec<Option<&str>> {
        let mut v = vec![i.map(|i| axes[0].keys[i].as_str())];
        if two {
            v.push(j.map(|j| axes[1].keys[j].as_str()));
        }
        v
    };
    if axes.is_empty() {
        let t = get(&[]).n;
        return Grid {
            cells: vec![],
            row_totals: vec![],
            col_totals: vec![],
            total: t,
        };
    }
    Grid {
        cells: (0..rows)
            .map(|i| (0..cols).map(|j| get(&key(i, j)).n).collect())
            .collect(),
        row_totals: (0..rows).map(|i| get(&open(Some(i), None)).n).collect(),
        col_totals: (0..cols)
            .map(|j| {
                if two {
                    get(&open(None, Some(j))).n
                } else {
                    get(&open(None, None)).n
                }
            })
            .collect(),
        total: get(&open(None, None)).n,
    }
}

impl Store {
    /// Does this reader see small cells hidden? Not when every cell they can
    /// read lies where they may read every cell (their `ViewSmallCells`
    /// grants cover their `ViewIndicators` grants, or the area asked for).
    pub async fn small_cells_hidden(&self, by: &Principal, area: Option<&str>) -> Result<bool> {
        Ok(!self
            .indicators_covered(by, Action::ViewSmallCells, area)
            .await?)
    }

    /// Do `by`'s grants for `action` cover every row of indicators they can
    /// read (their `ViewIndicators` grants, or the area asked for)?
    async fn indicators_covered(
        &self,
        by: &Principal,
        action: Action,
        area: Option<&str>,
    ) -> Result<bool> {
        let full = by.grants(action);
        if full.contains(&Scope::Installation) {
            return Ok(true);
        }
        let seen = by.grants(Action::ViewIndicators);
        if !seen.is_empty() && seen.iter().all(|g| full.contains(g)) {
            return Ok(true);
        }
        if let Some(a) = area {
            for g in &full {
                if let Scope::Area(c) | Scope::Country(c) = g {
                    let inside: Option<(String,)> =
                        Sql::new("SELECT descendant_code FROM area_closure WHERE ancestor_code = ")
                            .bind(c.as_str().to_owned())
                            .push(" AND descendant_code = ")
                            .bind(a.to_ascii_uppercase())
                            .fetch_optional(self.pool())
                            .await?;
                    if inside.is_some() {
                        return Ok(true);
                    }
                }
            }
        }
        Ok(false)
    }

    /// May `by` read a table by these special categories? Only with the
    /// category's right, one category at a time, and only where that right
    /// covers every row the table counts — never a silently partial table.
    async fn special_breakdown_allowed(
        &self,
        by: &Principal,
        special: &[SpecialCategory],
        area: Option<&str>,
    ) -> Result<()> {
        let refuse = |code| Err(StoreError::Invalid(ValidationErrors::single("by", code)));
        let [c] = special else {
            return refuse("err-indicator-special-one");
        };
        let action = Action::for_special(*c);
        if !by.may(action) {
            return refuse(match c {
                SpecialCategory::Ethnicity => "err-indicator-ethnicity-refused",
                _ => "err-indicator-special-refused",
            });
        }
        if !self.indicators_covered(by, action, area).await? {
            return refuse("err-indicator-special-partial");
        }
        Ok(())
    }

    /// An indicator's values for a reader: scoped to their `ViewIndicators`
    /// grants, small cells hidden where they read aggregates only.
    pub async fn indicator_values(
        &self,
        by: &Principal,
        def: &IndicatorDefinition,
        query: &ValuesQuery,
    ) -> Result<IndicatorTable> {
        if !by.may(Action::ViewIndicators) {
            return Err(StoreError::Forbidden);
        }
        let special: Vec<SpecialCategory> = query
            .by
            .iter()
            .filter_map(|d| d.special_category())
            .collect();
        if let Some(c) = special.first().copied() {
            self.special_breakdown_allowed(by, &special, query.area.as_deref())
                .await?;
            // Each reading is logged, like a record's special categories.
            let actor = Actor {
                user_id: Some(by.user_id.clone()),
                username: by.username.clone(),
                client_addr: None,
            };
            self.audit(
                &actor
                    .event("indicator.special.read")
                    .details(serde_json::json!({
                        "indicator": def.code,
                        "category": c.as_str(),
                        "period": query.period.label,
                        "area": query.area,
                    })),
            )
            .await?;
        }
        let grants = by.grants(Action::ViewIndicators);
        let hide = self.small_cells_hidden(by, query.area.as_deref()).await?;
        let mut conn = self.acquire().await?;
        let mut table = if def.kind == IndicatorKind::Ratio {
            let part = |c: &Option<String>| c.clone().unwrap_or_default();
            let num = self.indicator(&part(&def.numerator), None).await?;
            let den = self.indicator(&part(&def.denominator), None).await?;
            let a = cube(self, &mut conn, &num, query, &grants).await?;
            let b = cube(self, &mut conn, &den, query, &grants).await?;
            ratio_table(def, query, &a, &b, hide)
        } else {
            let c = cube(self, &mut conn, def, query, &grants).await?;
            count_table(def, query, &c, hide)
        };
        drop(conn);
        self.label_keys(&mut table).await?;
        Ok(table)
    }

    /// Names for area, unit, programme and institution keys; band labels.
    async fn label_keys(&self, t: &mut IndicatorTable) -> Result<()> {
        let by = t.by.clone();
        for (i, d) in by.iter().enumerate() {
            let keys = if i == 0 { &mut t.rows } else { &mut t.columns };
            let table = match d {
                Dimension::Area => "SELECT code, name FROM areas WHERE code IN (",
                Dimension::Unit => "SELECT code, name FROM units WHERE code IN (",
                Dimension::Programme => "SELECT code, name FROM programmes WHERE code IN (",
                Dimension::Institution => "SELECT code, name FROM institutions WHERE code IN (",
                _ => continue,
            };
            let codes: Vec<String> = keys
                .iter()
                .map(|k| k.key.clone())
                .filter(|k| !k.is_empty())
                .collect();
            if codes.is_empty() {
                continue;
            }
            let names: Vec<(String, String)> = Sql::new(table)
                .bind_list(codes)
                .push(")")
                .fetch_all(self.pool())
                .await?;
            let names: BTreeMap<String, String> = names.into_iter().collect();
            for k in keys.iter_mut() {
                if let Some(n) = names.get(&k.key) {
                    k.label = n.clone();
                }
            }
        }
        Ok(())
    }
}

fn keys_of(cube: &Cube, i: usize, query: &ValuesQuery) -> Vec<Key> {
    let Some(a) = cube.axes.get(i) else {
        return Vec::new();
    };
    a.keys
        .iter()
        .map(|k| Key {
            key: k.clone(),
            label: match (a.dim, k.parse::<usize>()) {
                (Dimension::Age, Ok(b)) => query.bands.get(b).map(Band::label).unwrap_or_default(),
                _ => k.clone(),
            },
        })
        .collect()
}

fn shape(
    def: &IndicatorDefinition,
    query: &ValuesQuery,
    cube: &Cube,
    hide: bool,
) -> IndicatorTable {
    IndicatorTable {
        code: def.code.clone(),
        version: def.version,
        kind: def.kind,
        period: query.period.clone(),
        area: query.area.clone(),
        by: query.by.clone(),
        rows: keys_of(cube, 0, query),
        columns: if cube.axes.len() == 2 {
            keys_of(cube, 1, query)
        } else {
            Vec::new()
        },
        cells: Vec::new(),
        row_totals: Vec::new(),
        column_totals: Vec::new(),
        total: Cell::default(),
        small_cells_hidden: hide,
        threshold: query.threshold,
    }
}

/// The table's entries in grid order, hidden where suppression says.
struct Filled {
    cells: Vec<Vec<Cell>>,
    rows: Vec<Cell>,
    cols: Vec<Cell>,
    total: Cell,
}

fn fill(
    cube: &Cube,
    make: &dyn Fn(&[Option<&str>]) -> Cell,
    hidden: Option<&kopru_domain::indicator::Hidden>,
) -> Filled {
    let two = cube.axes.len() == 2;
    let nrows = cube.axes.first().map_or(0, |a| a.keys.len());
    let ncols = if two { cube.axes[1].keys.len() } else { 0 };
    let k = |a: usize, i: usize| Some(cube.axes[a].keys[i].as_str());
    let hide = |mut c: Cell, h: bool| {
        if h {
            c.value = None;
            c.numerator = None;
            c.denominator = None;
            c.hidden = true;
        }
        c
    };
    let h = hidden.cloned().unwrap_or_default();
    let cells = if two {
        (0..nrows)
            .map(|i| {
                (0..ncols)
                    .map(|j| {
                        hide(
                            make(&[k(0, i), k(1, j)]),
                            h.cells
                                .get(i)
                                .and_then(|r| r.get(j))
                                .copied()
                                .unwrap_or(false),
                        )
                    })
                    .collect()
            })
            .collect()
    } else {
        Vec::new()
    };
    let rows = (0..nrows)
        .map(|i| {
            let at: Vec<Option<&str>> = if two {
                vec![k(0, i), None]
            } else {
                vec![k(0, i)]
            };
            let hidden_row = h.row_totals.get(i).copied().unwrap_or(false)
                || (!two
                    && h.cells
                        .get(i)
                        .and_then(|r| r.first())
                        .copied()
                        .unwrap_or(false));
            hide(make(&at), hidden_row)
        })
        .collect();
    let cols = (0..ncols)
        .map(|j| {
            hide(
                make(&[None, k(1, j)]),
                h.col_totals.get(j).copied().unwrap_or(false),
            )
        })
        .collect();
    let open: Vec<Option<&str>> = vec![None; cube.axes.len()];
    let total_hidden = h.total || (!two && h.col_totals.first().copied().unwrap_or(false));
    Filled {
        cells,
        rows,
        cols,
        total: hide(make(&open), total_hidden),
    }
}

fn count_table(
    def: &IndicatorDefinition,
    query: &ValuesQuery,
    cube: &Cube,
    hide: bool,
) -> IndicatorTable {
    let mut t = shape(def, query, cube, hide);
    // Counts (and the counts behind a sum or an average) are protected alike.
    let hidden = hide.then(|| suppress(&grid_of(cube), query.threshold));
    let make = |at: &[Option<&str>]| Cell {
        value: value_of(def.kind, cube.get(at)),
        ..Cell::default()
    };
    let f = fill(cube, &make, hidden.as_ref());
    t.cells = f.cells;
    t.row_totals = f.rows;
    t.column_totals = f.cols;
    t.total = f.total;
    t
}

fn ratio_table(
    def: &IndicatorDefinition,
    query: &ValuesQuery,
    num: &Cube,
    den: &Cube,
    hide: bool,
) -> IndicatorTable {
    // The denominator's keys frame the table; the numerator's are within them.
    let mut t = shape(def, query, den, hide);
    let hidden = hide.then(|| {
        suppress(&grid_in(&den.axes, &num.runs), query.threshold)
            .or(&suppress(&grid_of(den), query.threshold))
    });
    let make = |at: &[Option<&str>]| {
        let n = num.get(at).n;
        let d = den.get(at).n;
        Cell {
            value: (d > 0).then(|| (n as f64) * 100.0 / d as f64),
            hidden: false,
            numerator: Some(n),
            denominator: Some(d),
        }
    };
    let f = fill(den, &make, hidden.as_ref());
    t.cells = f.cells;
    t.row_totals = f.rows;
    t.column_totals = f.cols;
    t.total = f.total;
    t
}
