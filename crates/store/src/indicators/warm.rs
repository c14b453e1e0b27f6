//! Warm after a restart: the runs read lately are written down (what each
//! is computed from, never what it counts) and computed again at start, so
//! that the first reader of a dashboard after a restart or an upgrade reads
//! from memory instead of waiting for a national recomputation.

use super::cache::Inputs;
use crate::error::Result;
use crate::sql::Sql;
use crate::{clock, Store};
use kopru_domain::indicator::{Dimension, IndicatorDefinition, Period};
use kopru_domain::Scope;
use std::sync::Arc;

/// Runs written down at most: the dashboards read in the last quarter of an
/// hour, a few hundred runs at the most on a busy installation.
const MAX_SAVED: usize = 500;

/// `Inputs` as written down: the definition as it was read (a run of a
/// definition changed since is not computed again), the period, the fixed
/// breakdown values, the readers' scopes and the area level.
#[derive(serde::Serialize, serde::Deserialize)]
struct Recipe {
    def: IndicatorDefinition,
    start: String,
    end: String,
    label: String,
    fixed: Vec<(Dimension, String)>,
    grants: Vec<String>,
    area: Option<String>,
}

impl Recipe {
    fn of(i: &Inputs) -> Recipe {
        Recipe {
            def: i.def.clone(),
            start: i.range.start.clone(),
            end: i.range.end.clone(),
            label: i.range.label.clone(),
            fixed: i.fixed.clone(),
            grants: i.grants.iter().map(Scope::to_string).collect(),
            area: i.area.clone(),
        }
    }

    /// The inputs again, or `None` for a scope that no longer parses.
    fn inputs(self) -> Option<Inputs> {
        let grants = self
            .grants
            .iter()
            .map(|g| Scope::parse(g).ok())
            .collect::<Option<Vec<_>>>()?;
        Some(Inputs {
            def: self.def,
            range: Period {
                start: self.start,
                end: self.end,
                label: self.label,
            },
            fixed: self.fixed,
            grants,
            area: self.area,
        })
    }
}

impl Store {
    /// Writes down what the runs read in the last quarter of an hour are
    /// computed from, the most recently read first (at most 500), when that
    /// has changed since the last time; how many it wrote (0: unchanged).
    /// The server calls it every minute and when it stops.
    pub async fn save_indicator_reads(&self) -> Result<usize> {
        let hot: Vec<(String, Arc<Inputs>)> = self
            .indicator_cache
            .hot()
            .into_iter()
            .take(MAX_SAVED)
            .collect();
        let keys: Vec<String> = hot.iter().map(|(k, _)| k.clone()).collect();
        if hot.is_empty() || *self.indicator_cache.saved_keys() == keys {
            return Ok(0);
        }
        let at = clock::now();
        let mut tx = self.begin_write().await?;
        Sql::new("DELETE FROM indicator_reads")
            .execute(tx.conn())
            .await?;
        for (rank, (key, inputs)) in hot.iter().enumerate() {
            let recipe = serde_json::to_string(&Recipe::of(inputs))
                .map_err(|e| crate::error::StoreError::Other(e.to_string()))?;
            Sql::new("INSERT INTO indicator_reads (key, rank, inputs, saved_at) VALUES (")
                .bind(key.clone())
                .push(", ")
                .bind(rank as i64)
                .push(", ")
                .bind(recipe)
                .push(", ")
                .bind(at.clone())
                .push(")")
                .execute(tx.conn())
                .await?;
        }
        tx.commit().await?;
        *self.indicator_cache.saved_keys() = keys;
        Ok(hot.len())
    }

    /// Computes the runs written down by `save_indicator_reads`, the most
    /// recently read first, as a reader would (the refresher then adds their
    /// subjects' shares); how many it computed. A run whose definition has
    /// changed since, or that no longer parses, is left out: the next reader
    /// computes what it asks. The server calls it at start, in the
    /// background.
    pub async fn warm_indicator_cache(&self) -> Result<usize> {
        let saved: Vec<(String,)> = Sql::new("SELECT inputs FROM indicator_reads ORDER BY rank")
            .fetch_all(self.pool())
            .await?;
        let mut conn = self.acquire().await?;
        let mut n = 0;
        for (text,) in saved {
            let Some(inputs) = serde_json::from_str::<Recipe>(&text)
                .ok()
                .and_then(Recipe::inputs)
            else {
                continue;
            };
            match self.indicator(&inputs.def.code, None).await {
                Ok(current) if current == inputs.def => {}
                _ => continue,
            }
            let stamp = self.indicator_stamp(&mut conn).await?;
            let key = inputs.key();
            self.bring_up_to_date(&mut conn, key, Arc::new(inputs), stamp, false)
                .await?;
            n += 1;
        }
        Ok(n)
    }
}
