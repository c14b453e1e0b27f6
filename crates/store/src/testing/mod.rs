//! Fresh databases for tests, cloned from a template that was migrated and
//! loaded with the demo world once per test binary.
//!
//! SQLite: the template is a file; each test gets a copy in its own directory.
//! PostgreSQL (when `KOPRU_TEST_POSTGRES_URL` is set): the template is a
//! database named after a checksum of the migrations and data, and each test
//! gets `CREATE DATABASE … TEMPLATE …`, which is a fast file-level copy.

use crate::{Location, Store};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use tokio::sync::OnceCell;

pub const POSTGRES_ENV: &str = "KOPRU_TEST_POSTGRES_URL";

/// A test's own database; SQLite files are removed when it is dropped.
pub struct TestDb {
    pub store: Store,
    pub location: Location,
    dir: Option<PathBuf>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(d) = &self.dir {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

fn fingerprint() -> String {
    let mut h = Sha256::new();
    for m in crate::MIGRATOR.iter() {
        h.update(m.version.to_be_bytes());
        h.update(&*m.checksum);
    }
    h.update(include_str!("../../../../data/areas/tr.csv"));
    h.update(include_str!("../../../../data/areas/rs.csv"));
    h.update(include_str!("../demo/mod.rs"));
    hex::encode(&h.finalize()[..6])
}

fn scratch_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "kopru-test-{}-{tag}-{}",
        std::process::id(),
        crate::new_id()
    ));
    let _ = std::fs::create_dir_all(&d);
    d
}

static SQLITE_TEMPLATE: OnceCell<PathBuf> = OnceCell::const_new();
static PG_TEMPLATE: OnceCell<String> = OnceCell::const_new();

async fn sqlite_template() -> PathBuf {
    SQLITE_TEMPLATE
        .get_or_init(|| async {
            let dir = scratch_dir("template");
            let build = dir.join("build.db");
            let store = Store::open(&Location::SqliteFile(build.clone()))
                .await
                .expect("open template");
            store.migrate().await.expect("migrate template");
            crate::demo::load(&store).await.expect("demo data");
            let template = dir.join("template.db");
            store
                .backup_sqlite(&template)
                .await
                .expect("write template");
            store.close().await;
            template
        })
        .await
        .clone()
}

/// Replaces the database name in a PostgreSQL URL.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let cut = base
        .rfind('/')
        .filter(|i| *i > base.find("://").map(|p| p + 2).unwrap_or(0));
    let mut out = match cut {
        Some(i) => format!("{}/{db}", &base[..i]),
        None => format!("{base}/{db}"),
    };
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

async fn admin_exec(url: &str, sql: &str) -> Result<(), sqlx::Error> {
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(url).await?;
    sqlx::query(sql).execute(&mut c).await?;
    c.close().await
}

async fn pg_template(url: &str) -> String {
    PG_TEMPLATE
        .get_or_init(|| async {
            use sqlx::Connection;
            let name = format!("kopru_tpl_{}", fingerprint());
            let mut c = sqlx::PgConnection::connect(url).await.expect("connect to test PostgreSQL");
            // Databases left by earlier runs of the tests.
            let leftovers: Vec<(String,)> = sqlx::query_as(
                "SELECT datname FROM pg_database WHERE datname LIKE 'kopru\\_t\\_%' OR (datname LIKE 'kopru\\_tpl\\_%' AND datname <> $1)",
            )
            .bind(&name)
            .fetch_all(&mut c)
            .await
            .unwrap_or_default();
            for (db,) in leftovers {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)")).execute(&mut c).await;
            }
            let exists: Option<(i32,)> = sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = $1")
                .bind(&name)
                .fetch_optional(&mut c)
                .await
                .expect("query pg_database");
            if exists.is_none() {
                let building = format!("{name}_build_{}", std::process::id());
                sqlx::query(&format!("CREATE DATABASE \"{building}\"")).execute(&mut c).await.expect("create template");
                let store = Store::open(&Location::Postgres(with_database(url, &building))).await.expect("open template");
                store.migrate().await.expect("migrate template");
                crate::demo::load(&store).await.expect("demo data");
                store.close().await;
                // A closed connection's server process may linger for a moment,
                // and a database in use cannot be renamed: retry, then say why.
                let mut renamed = Err(sqlx::Error::PoolClosed);
                for _ in 0..100 {
                    renamed = sqlx::query(&format!("ALTER DATABASE \"{building}\" RENAME TO \"{name}\""))
                        .execute(&mut c)
                        .await;
                    if renamed.is_ok() {
                        break;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                if let Err(e) = renamed {
                    let _ = sqlx::query(&format!("DROP DATABASE \"{building}\" WITH (FORCE)")).execute(&mut c).await;
                    panic!("the test template could not be put in place: {e}");
                }
            }
            let _ = c.close().await;
            name
        })
        .await
        .clone()
}

/// One key for the whole test run (keys never enter the database, so the
/// template's encrypted rows, if any, are readable with it).
pub fn test_key_line() -> String {
    static KEYS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    KEYS.get_or_init(crate::crypto::Keyring::new_key_line)
        .clone()
}

pub fn test_keyring() -> crate::crypto::Keyring {
    crate::crypto::Keyring::parse(&test_key_line()).expect("test key")
}

/// A fresh, migrated database holding the demo world: PostgreSQL when
/// `KOPRU_TEST_POSTGRES_URL` is set, SQLite otherwise.
pub async fn fresh_db() -> TestDb {
    match std::env::var(POSTGRES_ENV).ok().filter(|u| !u.is_empty()) {
        Some(url) => {
            let template = pg_template(&url).await;
            let name = format!("kopru_t_{}", crate::new_id().replace('-', ""));
            admin_exec(
                &url,
                &format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""),
            )
            .await
            .expect("create test database");
            let location = Location::Postgres(with_database(&url, &name));
            let store = Store::open(&location)
                .await
                .expect("open test database")
                .with_keyring(test_keyring());
            TestDb {
                store,
                location,
                dir: None,
            }
        }
        None => {
            let template = sqlite_template().await;
            let dir = scratch_dir("db");
            let path = dir.join("kopru.db");
            std::fs::copy(&template, &path).expect("copy template");
            let location = Location::SqliteFile(path);
            let store = Store::open(&location)
                .await
                .expect("open test database")
                .with_keyring(test_keyring());
            TestDb {
                store,
                location,
                dir: Some(dir),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u:p@h/test?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
    }
}
