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
}

pub struct Settings {
    pub listen: String,
    pub location: Location,
    pub web: kopru_web::WebConfig,
    pub log_json: bool,
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
        let location =
            Location::resolve(url.as_deref(), &data_dir).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(Settings {
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
                ..Default::default()
            },
            log_json: env_bool("KOPRU_LOG_JSON")
                .or(file.log_json)
                .unwrap_or(false),
        })
    }
}
