//! Layered configuration: command-line flags, then `KOPRU_*` environment
//! variables (both handled by clap), then `kopru.toml`, then defaults.

use crate::DbArgs;
use anyhow::{Context, Result};
use kopru_store::Location;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    /// Cookies carry `Secure` (serve over TLS, directly or behind a proxy).
    secure_cookies: Option<bool>,
    /// Take the client address from X-Forwarded-For.
    trust_proxy: Option<bool>,
    /// Logs as JSON lines.
    log_json: Option<bool>,
    /// The installation's time zone (IANA name): its calendar gives today's
    /// date, due dates and "overdue". Europe/Istanbul by default.
    time_zone: Option<String>,
    /// The file holding the encryption keys for special-category data.
    key_file: Option<PathBuf>,
    /// How long committing an import waits before showing its progress instead.
    import_wait_ms: Option<u64>,
    /// Indicator cells below this are hidden from aggregate-only readers (5).
    small_cell_threshold: Option<i64>,
    /// The DHIS2 mapping file (data set, data elements, combos, org units).
    dhis2_mapping: Option<PathBuf>,
    /// The DHIS2 instance values may be pushed to; its credentials come from
    /// the environment only (`KOPRU_DHIS2_TOKEN`, or `KOPRU_DHIS2_USERNAME`
    /// and `KOPRU_DHIS2_PASSWORD`).
    dhis2_url: Option<String>,
    /// A directory of further maps (`TR-06.json`: Ankara's districts), in
    /// the shipped maps' format; see `data/maps/SOURCES.md`.
    maps_dir: Option<PathBuf>,
}

/// Where the encryption keys come from. Never the database.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// `KOPRU_KEYS`: the key lines themselves.
    Env(String),
    File(PathBuf),
}

pub struct Settings {
    pub keys: KeySource,
    pub listen: String,
    pub location: Location,
    pub web: kopru_web::WebConfig,
    pub log_json: bool,
    pub time_zone: String,
}

fn env_bool(name: &str) -> Option<bool> {
    std::env::var(name)
        .ok()
        .map(|v| matches!(v.trim(), "1" | "true" | "yes" | "on"))
}

impl Settings {
    pub fn load(db: &DbArgs) -> Result<Settings> {
        let path = db
            .config
            .clone()
            .unwrap_or_else(|| PathBuf::from("kopru.toml"));
        let file: FileConfig = if path.exists() {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            toml::from_str(&text).with_context(|| format!("{} is not valid", path.display()))?
        } else if db.config.is_some() {
            anyhow::bail!("configuration file {} does not exist", path.display());
        } else {
            FileConfig::default()
        };
        let data_dir = db
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| Path::new("kopru-data").to_path_buf());
        let url = db.database_url.clone().or(file.database_url);
        let keys = match std::env::var("KOPRU_KEYS")
            .ok()
            .filter(|k| !k.trim().is_empty())
        {
            Some(k) => KeySource::Env(k),
            None => KeySource::File(
                std::env::var_os("KOPRU_KEY_FILE")
                    .map(PathBuf::from)
                    .or(file.key_file)
                    .unwrap_or_else(|| data_dir.join("keys").join("kopru.keys")),
            ),
        };
        let location =
            Location::resolve(url.as_deref(), &data_dir).map_err(|e| anyhow::anyhow!("{e}"))?;
        let time_zone = std::env::var("KOPRU_TIME_ZONE")
            .ok()
            .filter(|z| !z.trim().is_empty())
            .or(file.time_zone)
            .unwrap_or_else(|| kopru_store::clock::DEFAULT_TIME_ZONE.to_owned());
        // The one clock learns the installation's zone before anything asks the date.
        kopru_store::clock::set_time_zone(time_zone.trim()).map_err(|e| anyhow::anyhow!(e))?;
        // Tests of what falls due later run the server with a moved clock.
        if let Ok(days) = std::env::var("KOPRU_CLOCK_OFFSET_DAYS") {
            let days: i64 = days.trim().parse().map_err(|_| {
                anyhow::anyhow!("KOPRU_CLOCK_OFFSET_DAYS is a whole number of days")
            })?;
            kopru_store::clock::set_offset_days(days).map_err(|e| anyhow::anyhow!(e))?;
            if days != 0 {
                eprintln!("warning: the clock is moved by {days} days (KOPRU_CLOCK_OFFSET_DAYS)");
            }
        }
        Ok(Settings {
            keys,
            listen: std::env::var("KOPRU_LISTEN")
                .ok()
                .or(file.listen)
                .unwrap_or_else(|| "127.0.0.1:8080".into()),
            location,
            web: kopru_web::WebConfig {
                secure_cookies: env_bool("KOPRU_SECURE_COOKIES")
                    .or(file.secure_cookies)
                    .unwrap_or(false),
                trust_proxy: env_bool("KOPRU_TRUST_PROXY")
                    .or(file.trust_proxy)
                    .unwrap_or(false),
                import_wait: match std::env::var("KOPRU_IMPORT_WAIT_MS")
                    .ok()
                    .map(|v| v.trim().parse::<u64>())
                    .transpose()
                    .context("KOPRU_IMPORT_WAIT_MS must be a number of milliseconds")?
                    .or(file.import_wait_ms)
                {
                    Some(ms) => std::time::Duration::from_millis(ms),
                    None => kopru_web::WebConfig::default().import_wait,
                },
                small_cell_threshold: match std::env::var("KOPRU_SMALL_CELL_THRESHOLD")
                    .ok()
                    .map(|v| v.trim().parse::<i64>())
                    .transpose()
                    .context("KOPRU_SMALL_CELL_THRESHOLD must be a whole number")?
                    .or(file.small_cell_threshold)
                {
                    Some(n) if (2..=100).contains(&n) => n,
                    Some(n) => {
                        anyhow::bail!("the small-cell threshold must be between 2 and 100, not {n}")
                    }
                    None => kopru_domain::indicator::DEFAULT_THRESHOLD,
                },
                dhis2_mapping: match std::env::var("KOPRU_DHIS2_MAPPING")
                    .ok()
                    .map(PathBuf::from)
                    .or(file.dhis2_mapping)
                {
                    Some(path) => Some(std::sync::Arc::new(read_mapping(&path)?)),
                    None => None,
                },
                dhis2_server: dhis2_server(
                    std::env::var("KOPRU_DHIS2_URL").ok().or(file.dhis2_url),
                )?,
                maps: std::sync::Arc::new(
                    match std::env::var("KOPRU_MAPS_DIR")
                        .ok()
                        .map(PathBuf::from)
                        .or(file.maps_dir)
                    {
                        Some(dir) => kopru_web::charts::Maps::load(&dir)
                            .map_err(|e| anyhow::anyhow!("maps: {e}"))?,
                        None => kopru_web::charts::Maps::shipped(),
                    },
                ),
                ..Default::default()
            },
            time_zone,
            log_json: env_bool("KOPRU_LOG_JSON")
                .or(file.log_json)
                .unwrap_or(false),
        })
    }
}

impl KeySource {
    /// Reads the keyring; a missing default key file is created with a new key
    /// (readable by its owner only), and the operator is told to keep a copy apart
    /// from the database backups.
    pub fn load(&self, create: bool) -> Result<kopru_store::crypto::Keyring> {
        let text = match self {
            KeySource::Env(k) => k.clone(),
            KeySource::File(path) => {
                if !path.exists() && create {
                    if let Some(dir) = path.parent() {
                        std::fs::create_dir_all(dir)
                            .with_context(|| format!("creating {}", dir.display()))?;
                    }
                    write_private(
                        path,
                        &format!("{}\n", kopru_store::crypto::Keyring::new_key_line()),
                    )?;
                    eprintln!(
                        "created a new encryption key in {}: keep a copy somewhere safe and apart from database backups; \
                         without it, special-category data cannot be read",
                        path.display()
                    );
                }
                std::fs::read_to_string(path)
                    .with_context(|| format!("reading the key file {}", path.display()))?
            }
        };
        kopru_store::crypto::Keyring::parse(&text)
            .map_err(|e| anyhow::anyhow!("encryption keys: {e}"))
    }
}

pub fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    f.write_all(text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// The DHIS2 mapping file, checked whole at start: every problem named.
/// The DHIS2 instance to push to, when an address is set: it must be
/// `https://` (or `http://` on this machine) and come with credentials.
fn dhis2_server(url: Option<String>) -> Result<Option<std::sync::Arc<kopru_web::Dhis2Server>>> {
    let Some(url) = url.map(|u| u.trim().to_owned()).filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    let local = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
        .iter()
        .any(|p| url.starts_with(p));
    if !url.starts_with("https://") && !local {
        anyhow::bail!(
            "KOPRU_DHIS2_URL must start with https:// (http:// only for this machine), not {url:?}"
        );
    }
    if url.contains('@') || url.contains('?') || url.contains('#') {
        anyhow::bail!("KOPRU_DHIS2_URL is the instance's address only (no credentials, query or fragment): credentials go in KOPRU_DHIS2_TOKEN or KOPRU_DHIS2_USERNAME/KOPRU_DHIS2_PASSWORD");
    }
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let auth = match (
        var("KOPRU_DHIS2_TOKEN"),
        var("KOPRU_DHIS2_USERNAME"),
        var("KOPRU_DHIS2_PASSWORD"),
    ) {
        (Some(t), _, _) => kopru_web::Dhis2Auth::Token(t),
        (None, Some(username), Some(password)) => {
            kopru_web::Dhis2Auth::Basic { username, password }
        }
        _ => anyhow::bail!(
            "KOPRU_DHIS2_URL is set: set KOPRU_DHIS2_TOKEN (a personal access token), \
             or KOPRU_DHIS2_USERNAME and KOPRU_DHIS2_PASSWORD"
        ),
    };
    Ok(Some(std::sync::Arc::new(kopru_web::Dhis2Server {
        url,
        auth,
    })))
}

fn read_mapping(path: &std::path::Path) -> Result<kopru_domain::dhis2::Mapping> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the DHIS2 mapping {}", path.display()))?;
    kopru_domain::dhis2::Mapping::parse(&text).map_err(|e| {
        let problems: Vec<String> =
            e.0.iter()
                .map(|p| format!("{} {} {}", p.code, p.at, p.detail))
                .collect();
        anyhow::anyhow!(
            "the DHIS2 mapping {} is not valid: {}",
            path.display(),
            problems.join("; ")
        )
    })
}
