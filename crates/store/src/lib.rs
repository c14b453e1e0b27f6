//! Köprü's storage layer.
//!
//! One `Store` over sqlx's `Any` driver runs the same SQL text on SQLite (the
//! default, embedded) or PostgreSQL (by URL). See ARCHITECTURE.md, "One query
//! layer, two engines", for the dialect rules every query follows.

// The kernel: files at the top of `src/`. They use no feature.
pub mod audit;
pub mod clock;
pub mod columns;
pub mod crypto;
pub mod error;
pub mod person_links;
pub mod records;
mod reference_data;
pub mod scope;
pub mod sealed;
mod snapshot;
pub mod sql;

// Features: one folder each, the same names as in the web crate. A feature
// uses the kernel and the features below it (ARCHITECTURE.md, "Layout").
pub mod accounts;
pub mod activities;
pub mod casework;
pub mod dedup;
pub mod demo;
pub mod directory;
pub mod imports;
pub mod indicators;
pub mod local_plans;
pub mod outcomes;
pub mod registry;
pub mod strategy;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod work;

pub use error::{Result, StoreError};
pub use sql::Sql;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Transaction};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the data lives: a SQLite file, or a PostgreSQL URL.
#[derive(Clone)]
pub enum Location {
    SqliteFile(PathBuf),
    Postgres(String),
}

impl std::fmt::Debug for Location {
    // A PostgreSQL URL may carry a password: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::SqliteFile(p) => write!(f, "SQLite file {}", p.display()),
            Location::Postgres(url) => write!(f, "PostgreSQL {}", redact_url(url)),
        }
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s + 3 => {
            let userinfo = &url[s + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            let masked = if userinfo.contains(':') {
                format!("{user}:***")
            } else {
                user.to_owned()
            };
            format!("{}{}{}", &url[..s + 3], masked, &url[at..])
        }
        _ => url.to_owned(),
    }
}

impl Location {
    /// `database_url` wins when given; otherwise `<data_dir>/kopru.db`.
    pub fn resolve(database_url: Option<&str>, data_dir: &Path) -> Result<Self> {
        match database_url.map(str::trim).filter(|u| !u.is_empty()) {
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
                Ok(Location::Postgres(u.to_owned()))
            }
            Some(u) if u.starts_with("sqlite://") || u.starts_with("sqlite:") => {
                let path = u
                    .trim_start_matches("sqlite://")
                    .trim_start_matches("sqlite:");
                let path = path.split('?').next().unwrap_or(path);
                Ok(Location::SqliteFile(PathBuf::from(path)))
            }
            Some(_) => Err(StoreError::Other(
                "the database URL must start with postgres:// or sqlite://".into(),
            )),
            None => Ok(Location::SqliteFile(data_dir.join("kopru.db"))),
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Location::SqliteFile(_) => Backend::Sqlite,
            Location::Postgres(_) => Backend::Postgres,
        }
    }
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Keys for special-category data; without them such data can be neither written nor read.
    keyring: Option<Arc<crypto::Keyring>>,
    /// SQLite allows one writer at a time; queueing writers here, in order, is
    /// fairer and faster than letting them race for the file lock and retry.
    write_gate: Option<Arc<Mutex<()>>>,
    /// The linkage model new entries are scored with (see `linkage_model`).
    model_cache: Arc<ModelCache>,
    /// Materialised indicator runs (`indicators::cache`).
    indicator_cache: Arc<indicators::cache::IndicatorCache>,
}

/// The linkage model the registry scores new entries with, kept once read
/// (`dedup`'s `linkage_model`): its checksum and the model.
#[derive(Default)]
pub(crate) struct ModelCache(
    pub(crate) std::sync::Mutex<Option<(String, Arc<kopru_linkage::Model>)>>,
);

/// A write transaction. On SQLite it also holds the write gate.
pub struct WriteTx {
    tx: Transaction<'static, sqlx::Any>,
    _gate: Option<OwnedMutexGuard<()>>,
    /// SQLite: the page cache was widened for a bulk write and is narrowed on commit.
    widened: bool,
}

/// SQLite page cache of every connection, in KiB (negative: SQLite's unit).
const CACHE_KIB: &str = "PRAGMA cache_size = -20000";
/// The cache of a connection doing a bulk write: dirty pages that do not fit
/// are written to the WAL mid-transaction and often again later (a 12% gain
/// measured on imports of 100,000 people).
const BULK_CACHE_KIB: &str = "PRAGMA cache_size = -64000";

impl WriteTx {
    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
    /// For a write of very many rows (an import): lets this connection keep
    /// more dirty pages in memory until commit. Nothing to do on PostgreSQL.
    pub async fn widen_cache(&mut self) -> Result<()> {
        if sql::is_sqlite(&self.tx) {
            sqlx::query(BULK_CACHE_KIB).execute(&mut *self.tx).await?;
            self.widened = true;
        }
        Ok(())
    }

    pub async fn commit(mut self) -> Result<()> {
        if self.widened {
            // Back to the usual size before the connection returns to the pool
            // (a failed import leaves it wide: it only lets that connection cache more).
            sqlx::query(CACHE_KIB).execute(&mut *self.tx).await?;
        }
        self.tx.commit().await?;
        Ok(())
    }
}

impl Store {
    pub async fn open(location: &Location) -> Result<Self> {
        Self::open_with_timeout(location, Duration::from_secs(10)).await
    }

    /// Opens with a bound on how long to wait for a connection (a server that
    /// is down makes the pool retry until then).
    pub async fn open_with_timeout(location: &Location, timeout: Duration) -> Result<Self> {
        Self::connect(location, timeout, false).await
    }

    /// Opens an existing database for reading only (`kopru audit verify`,
    /// `kopru check`): on SQLite nothing is created (neither the folder nor
    /// the file) and the connection cannot write.
    pub async fn open_read_only(location: &Location, timeout: Duration) -> Result<Self> {
        Self::connect(location, timeout, true).await
    }

    async fn connect(location: &Location, timeout: Duration, read_only: bool) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let (url, max) = match location {
            Location::SqliteFile(path) if read_only => {
                if !path.is_file() {
                    return Err(StoreError::Other(format!(
                        "there is no database at {}",
                        path.display()
                    )));
                }
                (format!("sqlite://{}?mode=ro", path.display()), 2)
            }
            Location::SqliteFile(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        StoreError::Other(format!("cannot create {}: {e}", dir.display()))
                    })?;
                }
                (format!("sqlite://{}?mode=rwc", path.display()), 8)
            }
            Location::Postgres(url) => (url.clone(), 16),
        };
        let opts = AnyConnectOptions::from_str(&url)?;
        let backend = location.backend();
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(timeout)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite && read_only {
                        sqlx::query("PRAGMA query_only = ON")
                            .execute(&mut *conn)
                            .await?;
                    } else if backend == Backend::Sqlite {
                        // WAL: readers never wait for the writer. NORMAL is durable
                        // across application crashes; foreign keys are off by default.
                        for pragma in [
                            "PRAGMA journal_mode = WAL",
                            "PRAGMA synchronous = NORMAL",
                            "PRAGMA foreign_keys = ON",
                            "PRAGMA busy_timeout = 10000",
                            CACHE_KIB,
                            // Reads straight from the OS page cache, shared by all connections.
                            "PRAGMA mmap_size = 1073741824",
                        ] {
                            sqlx::query(pragma).execute(&mut *conn).await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect_with(opts)
            .await?;
        Ok(Store {
            pool,
            backend,
            keyring: None,
            write_gate: (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(()))),
            model_cache: Arc::default(),
            indicator_cache: Arc::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Gives the store its encryption keys (read from a file or the environment by the caller).
    pub fn with_keyring(mut self, keyring: crypto::Keyring) -> Self {
        self.keyring = Some(Arc::new(keyring));
        self
    }

    pub fn keyring(&self) -> Result<&crypto::Keyring> {
        self.keyring
            .as_deref()
            .ok_or_else(|| StoreError::Other(crypto::CryptoError::NoKeys.to_string()))
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Applies pending schema migrations, then loads or refreshes reference data.
    pub async fn migrate(&self) -> Result<()> {
        let _gate = self.gate().await;
        MIGRATOR.run(&self.pool).await?;
        drop(_gate);
        reference_data::load(self).await?;
        self.fill_user_search_keys().await?;
        self.fill_submission_days().await?;
        self.install_shipped_forms().await?;
        self.install_shipped_indicators().await
    }

    async fn gate(&self) -> Option<OwnedMutexGuard<()>> {
        match &self.write_gate {
            Some(g) => Some(g.clone().lock_owned().await),
            None => None,
        }
    }

    pub async fn begin_write(&self) -> Result<WriteTx> {
        let gate = self.gate().await;
        let tx = self.pool.begin().await?;
        Ok(WriteTx {
            tx,
            _gate: gate,
            widened: false,
        })
    }

    /// Refreshes the planner's statistics (`ANALYZE`; on SQLite sampled,
    /// `analysis_limit`): without them SQLite plans a run restricted to a few
    /// people (`indicators::incremental`) from an index on a kind of activity,
    /// scanning a million marks, where the person index reads a few hundred.
    /// The server runs it at start and every hour; PostgreSQL's autovacuum
    /// does the same on its own, and this only makes it sooner.
    pub async fn optimize(&self) -> Result<()> {
        if self.backend == Backend::Sqlite {
            // ANALYZE writes its tables: one writer at a time.
            let _gate = self.gate().await;
            let mut conn = self.pool.acquire().await?;
            sqlx::query("PRAGMA analysis_limit = 1000")
                .execute(&mut *conn)
                .await?;
            sqlx::query("ANALYZE").execute(&mut *conn).await?;
        } else {
            sqlx::query("ANALYZE").execute(&self.pool).await?;
        }
        Ok(())
    }

    /// The database answers.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Whether this connection to PostgreSQL is encrypted (TLS); `None` on
    /// SQLite, which has no connection to encrypt. For `kopru check`.
    pub async fn connection_tls(&self) -> Result<Option<bool>> {
        if self.backend != Backend::Postgres {
            return Ok(None);
        }
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT CAST(CASE WHEN ssl THEN 1 ELSE 0 END AS BIGINT) FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(Some(row.is_some_and(|(on,)| on == 1)))
    }

    /// Pending migrations, if any (for `kopru check`).
    pub async fn pending_migrations(&self) -> Result<usize> {
        let mut conn = self.pool.acquire().await?;
        let applied: Vec<(i64,)> =
            sqlx::query_as("SELECT version FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_all(&mut *conn)
                .await
                .unwrap_or_default();
        Ok(MIGRATOR
            .iter()
            .filter(|m| !applied.iter().any(|(v,)| *v == m.version))
            .count())
    }

    /// An online, consistent copy of a SQLite database into `target`.
    pub async fn backup_sqlite(&self, target: &Path) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Other("backup_sqlite on PostgreSQL".into()));
        }
        if target.exists() {
            return Err(StoreError::Other(format!(
                "{} exists already; choose a new file name",
                target.display()
            )));
        }
        let path = target.to_string_lossy().into_owned();
        let mut conn = self.pool.acquire().await?;
        sqlx::query("VACUUM INTO $1")
            .bind(path)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Used by tests to reach a connection outside the public API.
    pub async fn acquire(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>> {
        Ok(self.pool.acquire().await?)
    }
}

/// Hands memory the allocator keeps but no longer uses back to the system.
/// After a bulk write the wide page cache (`WriteTx::widen_cache`) is freed,
/// but glibc keeps freed small blocks in its arenas: hundreds of MiB that a
/// long-running server would otherwise hold until it stops.
#[allow(unsafe_code)] // the workspace's one unsafe call (workspace lints deny the rest)
pub(crate) fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of glibc's own arenas to the
    // kernel; it touches no memory the program holds.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// A new identifier: UUIDv7, time-ordered so that inserts stay local in indexes,
/// and made by the application so that offline clients can make them too.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
