//! `kopru`: the server and every operation on its data, in one binary.

mod config;

/// Prints a line; a closed pipe (`kopru … | head`) ends the output quietly instead of panicking.
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use config::Settings;
use kopru_domain::codes::{Label, Password, Username};
use kopru_domain::policy::Assignment;
use kopru_domain::{Role, Scope};
use kopru_store::accounts::NewUser;
use kopru_store::audit::Actor;
use kopru_store::{Backend, Store};
use std::io::Read;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "kopru",
    version,
    about = "Köprü: social-inclusion programme management"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the data lives; shared by every subcommand.
#[derive(Args, Clone, Debug)]
pub struct DbArgs {
    /// Directory for the embedded SQLite database and other data.
    #[arg(long, env = "KOPRU_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// A postgres:// URL to run on PostgreSQL instead of SQLite.
    #[arg(
        long,
        env = "KOPRU_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    /// Configuration file (default: ./kopru.toml when present).
    #[arg(long, env = "KOPRU_CONFIG", global = true)]
    pub config: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server.
    Serve {
        #[command(flatten)]
        db: DbArgs,
        /// Address to listen on.
        #[arg(long, env = "KOPRU_LISTEN")]
        listen: Option<String>,
        /// Load the demo world (programmes, units, institutions, one user per role).
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and load reference data.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Write an online backup of the SQLite database to FILE.
    Backup {
        file: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Check the configuration and that the database answers.
    Check {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Import people from a CSV or XLSX file.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Find duplicate people (record linkage).
    Dedup {
        #[command(subcommand)]
        command: DedupCommand,
    },
    /// Encryption keys for special-category data.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import people: columns are recognised by their headers (Turkish, Serbian or
    /// English) or taken from a saved mapping; every rejected row is listed with the
    /// reason; importing the same file again adds nothing.
    Persons {
        file: PathBuf,
        /// A saved column mapping.
        #[arg(long)]
        mapping: Option<String>,
        /// Report what would happen; save nothing.
        #[arg(long)]
        dry_run: bool,
        /// The unit for rows without a unit column.
        #[arg(long, default_value = "")]
        unit: String,
        /// The area for rows without an area column.
        #[arg(long, default_value = "")]
        area: String,
        /// Write the rejected rows to this CSV file.
        #[arg(long)]
        rejected: Option<PathBuf>,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum DedupCommand {
    /// Score the registry (or one area of it) and fill the review queue with
    /// the pairs of records that may be one person. The model estimated here
    /// then scores new entries too.
    Run {
        /// Only people in this area or below it.
        #[arg(long)]
        area: Option<String>,
        /// Queue pairs from this match probability.
        #[arg(long, default_value_t = kopru_store::dedup::REVIEW_FROM)]
        min_probability: f64,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Find the records of a CSV file that are the same person (or, with
    /// --link-with, the records of two files that are). Columns, by name, all
    /// optional but id: id, given_name, family_name, father_name, mother_name,
    /// birth_date (YYYY, YYYY-MM or YYYY-MM-DD), sex, national_id, locality,
    /// postcode, address, phone. Names may be in any script and case.
    Csv {
        #[arg(long)]
        input: PathBuf,
        /// A second file to link the first with (ids become a:… and b:…).
        #[arg(long)]
        link_with: Option<PathBuf>,
        /// id,cluster_id for every record.
        #[arg(long)]
        output: PathBuf,
        /// id_l,id_r,match_probability for every pair at or above the threshold.
        #[arg(long)]
        pairs: Option<PathBuf>,
        /// Match probability from which two records are one person.
        #[arg(long, default_value_t = 0.9)]
        threshold: f64,
        /// Print the estimated model: for each field and level, m, u and the weight in bits.
        #[arg(long)]
        show_model: bool,
        /// Write the estimated model as JSON (names seen once left out).
        #[arg(long)]
        save_model: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Add a new key to the key file, make it the active one, and re-encrypt every
    /// special-category value with it. Old keys stay in the file; remove them only
    /// after a backup taken since the rotation.
    Rotate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Print a new key line (for KOPRU_KEYS or a key file).
    Generate,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; the password is read from standard input.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        role: String,
        /// country:TR, area:TR-06, unit:CODE, institution:CODE; omit for the whole installation.
        #[arg(long, default_value = "")]
        scope: String,
        /// Display name (defaults to the username).
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input (the only way; kept for scripts that say it).
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for a user and print it.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "cli")]
        name: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verify the hash chain; exits non-zero at the first broken entry.
    Verify {
        #[command(flatten)]
        db: DbArgs,
    },
}

async fn open(db: &DbArgs) -> Result<(Settings, Store)> {
    let settings = Settings::load(db)?;
    let store = Store::open(&settings.location)
        .await
        .with_context(|| format!("cannot open the database ({:?})", settings.location))?;
    store.migrate().await.context("database migration failed")?;
    let keyring = settings.keys.load(true)?;
    let store = store.with_keyring(keyring);
    let sealed = store
        .seal_shared_special()
        .await
        .context("sealing special-category answers shared in referrals")?;
    if sealed > 0 {
        eprintln!("sealed the special-category answers of {sealed} referrals");
    }
    Ok((settings, store))
}

/// Opens the database for a command that only reads: nothing is migrated or
/// created, no key file is made (`kopru audit verify` on a data directory
/// without keys once wrote `keys/kopru.keys`).
async fn open_read_only(db: &DbArgs) -> Result<(Settings, Store)> {
    let settings = Settings::load(db)?;
    let store = Store::open_read_only(&settings.location, std::time::Duration::from_secs(3))
        .await
        .with_context(|| format!("cannot open the database ({:?})", settings.location))?;
    Ok((settings, store))
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KOPRU_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    if let Err(e) = run(cli).await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

/// Loads the demo's people and cases, saying what it does while it does it:
/// the first start writes some thousand people through the same checked
/// paths a user's entries take (about 20 s on a 2-core machine, bound by the
/// number of statements, not by CPU). It runs after the server answers, so
/// the demo users can sign in at once and watch the registry fill.
async fn load_demo_people(store: &kopru_store::Store) -> Result<()> {
    const HOUSEHOLDS: usize = 900;
    let started = std::time::Instant::now();
    let mut shown = 0;
    let n = kopru_store::demo::load_people_with(store, HOUSEHOLDS, &mut |done| {
        // One line per tenth, only when people are being written.
        if done * 10 / HOUSEHOLDS > shown {
            shown = done * 10 / HOUSEHOLDS;
            eprintln!(
                "demo: households {done}/{HOUSEHOLDS} ({:.1} s)",
                started.elapsed().as_secs_f64()
            );
        }
    })
    .await
    .context("loading demo people")?;
    if n > 0 {
        eprintln!("demo: loaded {n} people");
    }
    let c = kopru_store::demo::load_casework(store)
        .await
        .context("loading demo cases")?;
    if c > 0 {
        eprintln!("demo: loaded {c} cases");
    }
    let a = kopru_store::demo::load_activities(store)
        .await
        .context("loading demo activities")?;
    if a > 0 {
        eprintln!("demo: loaded {a} activities");
    }
    let o = kopru_store::demo::load_outcomes(store)
        .await
        .context("loading demo outcomes")?;
    if o > 0 {
        eprintln!("demo: loaded outcomes of {o} people");
    }
    let s = kopru_store::demo::load_strategy(store)
        .await
        .context("loading the demo strategy")?;
    if s > 0 {
        eprintln!("demo: loaded a strategy's action plan of {s} actions");
    }
    let v = kopru_store::demo::load_visits(store)
        .await
        .context("loading the demo monitoring visit")?;
    if v > 0 {
        eprintln!("demo: loaded a monitoring visit with {v} recommendations");
    }
    let l = kopru_store::demo::load_local_plans(store)
        .await
        .context("loading the demo ROMACTED group and plan")?;
    if l > 0 {
        eprintln!("demo: loaded a joint local action plan of {l} measures in Niš");
    }
    let d = kopru_store::demo::load_indicators(store)
        .await
        .context("loading the demo dashboards and targets")?;
    if d > 0 {
        eprintln!("demo: composed {d} indicator dashboards");
    }
    eprintln!("demo: ready in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve { db, listen, demo } => {
            let (settings, store) = open(&db).await?;
            init_logging(settings.log_json);
            if demo {
                // Programmes, units, institutions and the users first (well
                // under a second): then the server answers and signs in.
                kopru_store::demo::load(&store)
                    .await
                    .context("loading demo data")?;
            }
            let listen = listen.unwrap_or_else(|| settings.listen.clone());
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .with_context(|| format!("cannot listen on {listen}"))?;
            let bound = listener
                .local_addr()
                .map(|a| a.to_string())
                .unwrap_or(listen);
            eprintln!(
                "Köprü is serving on http://{bound} ({:?})",
                settings.location
            );
            if demo {
                eprintln!(
                    "Demo users (password: {}):",
                    kopru_store::demo::DEMO_PASSWORD
                );
                for (username, role, scope, _) in kopru_store::demo::DEMO_USERS {
                    let scope = if scope.is_empty() {
                        "installation"
                    } else {
                        scope
                    };
                    eprintln!("  {username:<15} {:<24} {scope}", role.as_str());
                }
                let people = store.clone();
                tokio::spawn(async move {
                    if let Err(e) = load_demo_people(&people).await {
                        eprintln!("error: {e:#}");
                    }
                });
            }
            // The planner's statistics, at start and every hour.
            let planner = store.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tick.tick().await;
                    if let Err(e) = planner.optimize().await {
                        tracing::warn!(error = %e, "ANALYZE failed");
                    }
                }
            });
            // Keeps the indicator runs read lately up to the data
            // (`store::indicators::cache`): dashboards read from memory.
            // First it computes what was read before the restart; every
            // minute it writes down what is read now (`indicators::warm`).
            let warm = store.clone();
            tokio::spawn(async move {
                match warm.warm_indicator_cache().await {
                    Ok(n) => {
                        tracing::info!(runs = n, "indicator runs read before the restart computed")
                    }
                    Err(e) => tracing::warn!(error = %e, "indicator warm-up failed"),
                }
                let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                for round in 1u64.. {
                    tick.tick().await;
                    if let Err(e) = warm.refresh_indicator_cache().await {
                        tracing::warn!(error = %e, "indicator refresh failed");
                    }
                    if round % 60 == 0 {
                        if let Err(e) = warm.save_indicator_reads().await {
                            tracing::warn!(error = %e, "writing down the indicator reads failed");
                        }
                    }
                }
            });
            let state = kopru_web::AppState {
                store: store.clone(),
                config: settings.web.clone(),
                metrics: Default::default(),
                import_jobs: Default::default(),
            };
            kopru_web::serve(listener, state).await?;
            if let Err(e) = store.save_indicator_reads().await {
                tracing::warn!(error = %e, "writing down the indicator reads failed");
            }
            store.close().await;
            Ok(())
        }
        Command::Migrate { db } => {
            let (settings, _store) = open(&db).await?;
            say!("database is up to date ({:?})", settings.location);
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Create {
                    username,
                    role,
                    scope,
                    name,
                    password_stdin: _,
                    db,
                },
        } => {
            let username = Username::parse(&username)
                .map_err(|c| anyhow::anyhow!("username: {}", message(c)))?;
            let role = Role::parse(&role).map_err(|_| {
                let all: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
                anyhow::anyhow!("unknown role; one of: {}", all.join(", "))
            })?;
            let scope =
                Scope::parse(&scope).map_err(|c| anyhow::anyhow!("scope: {}", message(c)))?;
            let display = Label::parse(name.as_deref().unwrap_or(username.as_str()))
                .map_err(|c| anyhow::anyhow!("name: {}", message(c)))?;
            let mut raw = String::new();
            std::io::stdin()
                .read_to_string(&mut raw)
                .context("reading the password from standard input")?;
            let raw = raw.strip_suffix('\n').unwrap_or(&raw);
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            let password =
                Password::parse(raw).map_err(|c| anyhow::anyhow!("password: {}", message(c)))?;
            let (_, store) = open(&db).await?;
            let user = store
                .create_user(
                    &Actor::system("cli"),
                    None,
                    NewUser {
                        username,
                        display_name: display,
                        password,
                        assignments: vec![Assignment {
                            role,
                            scope: scope.clone(),
                        }],
                        must_change_password: false,
                    },
                )
                .await
                .map_err(store_message)?;
            say!(
                "created user {} ({}) as {} in {}",
                user.username,
                user.id,
                role.as_str(),
                scope
            );
            Ok(())
        }
        Command::Token {
            command: TokenCommand::Create { username, name, db },
        } => {
            let (_, store) = open(&db).await?;
            let user = store
                .user_by_username(&username.trim().to_ascii_lowercase())
                .await?
                .with_context(|| format!("no user named {username}"))?;
            if user.disabled_at.is_some() {
                bail!("user {username} is disabled");
            }
            let (_, token) = store
                .create_token(&Actor::system("cli"), &user.id, &name)
                .await?;
            say!("{token}");
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify { db },
        } => {
            let (_, store) = open_read_only(&db).await?;
            let v = store.verify_audit().await?;
            match v.first_break {
                None => {
                    say!(
                        "audit chain intact: {} entries, head {}",
                        v.entries,
                        v.head_hash
                    );
                    Ok(())
                }
                Some(b) => bail!(
                    "audit chain broken at entry {}: {} ({} entries verified before it)",
                    b.seq,
                    b.reason,
                    v.entries
                ),
            }
        }
        Command::Backup { file, db } => {
            let (_, store) = open(&db).await?;
            if store.backend() == Backend::Postgres {
                bail!(
                    "on PostgreSQL, back up with the database's own tools, for example:\n  pg_dump --format=custom --file={} \"$KOPRU_DATABASE_URL\"",
                    file.display()
                );
            }
            store.backup_sqlite(&file).await.map_err(store_message)?;
            say!("backup written to {}", file.display());
            Ok(())
        }
        Command::Check { db } => {
            let settings = Settings::load(&db)?;
            say!("configuration: ok");
            say!("database: {:?}", settings.location);
            say!("listen address: {}", settings.listen);
            say!("time zone: {}", settings.time_zone);
            say!("maps: {}", settings.web.maps.keys().join(", "));
            let store =
                Store::open_read_only(&settings.location, std::time::Duration::from_secs(3))
                    .await
                    .context("the database cannot be opened")?;
            store.ping().await.context("the database does not answer")?;
            if let Some(tls) = store.connection_tls().await? {
                say!(
                    "connection encrypted (TLS): {}",
                    if tls {
                        "yes"
                    } else {
                        "no (add sslmode=verify-full and sslrootcert to the URL)"
                    }
                );
            }
            let pending = store.pending_migrations().await?;
            say!("database answers; pending migrations: {pending}");
            Ok(())
        }
        Command::Import {
            command:
                ImportCommand::Persons {
                    file,
                    mapping,
                    dry_run,
                    unit,
                    area,
                    rejected,
                    db,
                },
        } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let (_, store) = open(&db).await?;
            let mapping = match mapping {
                Some(name) => Some(
                    store
                        .mapping(&name)
                        .await?
                        .with_context(|| format!("no saved mapping named {name}"))?,
                ),
                None => None,
            };
            let operator = operator();
            let tr = kopru_web::i18n::Tr::new(kopru_domain::Locale::En);
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let to_cli_error = |e| match e {
                kopru_web::service::ServiceError::Invalid(v) => {
                    store_message(kopru_store::StoreError::Invalid(v))
                }
                kopru_web::service::ServiceError::Store(e) => store_message(e),
                other => anyhow::anyhow!(other.to_string()),
            };
            let prepared = kopru_web::imports::service::prepare(
                tr,
                kopru_web::imports::service::ImportRequest {
                    file_name: &name,
                    bytes: &bytes,
                    unit_code: &unit,
                    area_code: &area,
                    mapping,
                    dry_run,
                },
            )
            .map_err(to_cli_error)?;
            let total = prepared.rows_to_write();
            // Progress on stderr, one line per committed batch, for long files.
            let progress = |done: usize| {
                if total > kopru_store::imports::BATCH_ROWS {
                    eprintln!(
                        "  {done} of {total} rows checked{}",
                        if dry_run { "" } else { " and saved" }
                    );
                }
            };
            let report = kopru_web::imports::service::commit(
                &store,
                &Actor::system("cli"),
                &operator,
                prepared,
                &progress,
            )
            .await
            .map_err(to_cli_error)?;
            if let Some(stopped) = &report.stopped {
                say!("{stopped}");
            }
            say!(
                "{}{} rows read ({}{}): {} {}, {} already imported before, {} rejected",
                if dry_run { "DRY RUN: " } else { "" },
                report.total_rows,
                report.encoding,
                report
                    .delimiter
                    .as_ref()
                    .map(|d| format!(", separated by {d}"))
                    .unwrap_or_default(),
                report.imported,
                if dry_run {
                    "would be imported"
                } else {
                    "imported"
                },
                report.already_imported.len(),
                report.rejected.len(),
            );
            for c in &report.columns {
                say!(
                    "  column {:<24} -> {}",
                    c.header,
                    c.field.as_deref().unwrap_or("(ignored)")
                );
            }
            for r in report.rejected.iter().take(50) {
                let why: Vec<String> = r
                    .errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect();
                say!("  row {}: {}", r.row, why.join("; "));
            }
            if report.rejected.len() > 50 {
                say!(
                    "  ... and {} more rejected rows",
                    report.rejected.len() - 50
                );
            }
            if let Some(path) = rejected {
                std::fs::write(&path, kopru_web::imports::service::rejected_csv(&report))
                    .with_context(|| format!("writing {}", path.display()))?;
                say!("rejected rows written to {}", path.display());
            }
            if report.stopped.is_some() {
                anyhow::bail!("the import stopped part-way (see above)");
            }
            Ok(())
        }
        Command::Dedup {
            command:
                DedupCommand::Run {
                    area,
                    min_probability,
                    db,
                },
        } => {
            if !(0.0..=1.0).contains(&min_probability) {
                anyhow::bail!("--min-probability is a probability, between 0 and 1");
            }
            let (_, store) = open(&db).await?;
            let started = std::time::Instant::now();
            let summary = store
                .dedup_run(
                    &Actor::system("cli"),
                    &operator(),
                    area.as_deref(),
                    min_probability,
                )
                .await
                .map_err(store_message)?;
            say!(
                "{} records, {} candidate pairs compared, {} queued for review ({} decided before, left out); {:.1} s",
                summary.records,
                summary.pairs_compared,
                summary.pairs_queued,
                summary.pairs_decided_before,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Dedup {
            command:
                DedupCommand::Csv {
                    input,
                    link_with,
                    output,
                    pairs,
                    threshold,
                    show_model,
                    save_model,
                },
        } => dedup_csv(
            &input,
            link_with.as_deref(),
            &output,
            pairs.as_deref(),
            threshold,
            show_model,
            save_model.as_deref(),
        ),
        Command::Keys {
            command: KeysCommand::Generate,
        } => {
            say!("{}", kopru_store::crypto::Keyring::new_key_line());
            Ok(())
        }
        Command::Keys {
            command: KeysCommand::Rotate { db },
        } => {
            let (settings, store) = open(&db).await?;
            let config::KeySource::File(path) = &settings.keys else {
                bail!("keys come from KOPRU_KEYS: add a line from `kopru keys generate` at its end, then run `kopru keys rotate` with a key file, or re-run with the new value");
            };
            config::write_private(
                path,
                &format!("{}\n", kopru_store::crypto::Keyring::new_key_line()),
            )?;
            let keyring = settings.keys.load(false)?;
            let active = keyring.active_id().to_owned();
            let store = store.with_keyring(keyring);
            let n = store.reencrypt_sealed().await.map_err(store_message)?;
            say!("new active key {active}; re-encrypted {n} values");
            Ok(())
        }
        Command::Openapi => {
            say!("{}", serde_json::to_string_pretty(&kopru_web::openapi())?);
            Ok(())
        }
    }
}

/// The operator of the machine: the whole installation in scope.
fn operator() -> kopru_domain::Principal {
    kopru_domain::Principal {
        user_id: String::new(),
        username: "cli".into(),
        assignments: vec![Assignment {
            role: Role::Administrator,
            scope: Scope::Installation,
        }],
    }
}

/// English text for a validation code on the command line.
fn message(code: &str) -> String {
    kopru_web::i18n::catalogues().format(kopru_domain::Locale::En, code, None)
}

fn store_message(e: kopru_store::StoreError) -> anyhow::Error {
    match e {
        kopru_store::StoreError::Invalid(v) => {
            let parts: Vec<String> =
                v.0.iter()
                    .map(|f| format!("{}: {}", f.field, message(f.code)))
                    .collect();
            anyhow::anyhow!(parts.join("; "))
        }
        other => anyhow::anyhow!(other),
    }
}

/// `kopru dedup csv`: reads, links, writes; a summary on stderr.
fn dedup_csv(
    input: &std::path::Path,
    link_with: Option<&std::path::Path>,
    output: &std::path::Path,
    pairs_out: Option<&std::path::Path>,
    threshold: f64,
    show_model: bool,
    save_model: Option<&std::path::Path>,
) -> Result<()> {
    use kopru_linkage::{csv_io, Record};
    if !(0.0..=1.0).contains(&threshold) {
        anyhow::bail!("--threshold is a probability, between 0 and 1");
    }
    let started = std::time::Instant::now();
    let mut records: Vec<Record> = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    let mut interner = kopru_linkage::Interner::default();
    let mut read = |path: &std::path::Path, source: u8, prefix: &str| -> Result<()> {
        let file =
            std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
        csv_io::read_each(std::io::BufReader::new(file), |r| {
            ids.push(format!("{prefix}{}", r.id));
            records.push(interner.record(&r, source));
        })
        .with_context(|| format!("reading {}", path.display()))
    };
    match link_with {
        None => read(input, 0, "")?,
        Some(path) => {
            read(input, 0, "a:")?;
            read(path, 1, "b:")?;
        }
    }
    drop(interner);
    let settings = kopru_linkage::Settings {
        threshold,
        ..Default::default()
    };
    let linkage = kopru_linkage::link(&records, &settings);
    if show_model {
        let model = &linkage.model;
        say!(
            "prior: {:.2e} (two random records match), {:.1} bits",
            model.lambda,
            model.prior()
        );
        for (f, field) in kopru_linkage::FIELDS.iter().enumerate() {
            for (l, level) in field.levels().iter().enumerate() {
                let (m, u) = (model.m[f][l], model.u[f][l]);
                say!(
                    "  {:<12} {:<32} m {m:.4}  u {u:.4}  {:+6.1} bits",
                    field.name(),
                    level,
                    (m / u).log2()
                );
            }
        }
    }
    if let Some(path) = save_model {
        let mut model = linkage.model.clone();
        model.compact();
        std::fs::write(path, model.to_json())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let file =
        std::fs::File::create(output).with_context(|| format!("writing {}", output.display()))?;
    csv_io::write_clusters(std::io::BufWriter::new(file), &ids, &linkage.cluster_of)?;
    if let Some(path) = pairs_out {
        let file =
            std::fs::File::create(path).with_context(|| format!("writing {}", path.display()))?;
        csv_io::write_pairs(
            std::io::BufWriter::new(file),
            &ids,
            linkage
                .pairs
                .iter()
                .filter(|p| p.probability >= threshold)
                .map(|p| (p.a, p.b, p.probability)),
        )?;
    }
    let clusters = {
        let mut c: Vec<usize> = linkage.cluster_of.clone();
        c.sort_unstable();
        c.dedup();
        c.len()
    };
    say!(
        "{} records, {} candidate pairs compared, {} at or above {threshold}; {} people; {:.1} s",
        records.len(),
        linkage.compared,
        linkage
            .pairs
            .iter()
            .filter(|p| p.probability >= threshold)
            .count(),
        clusters,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
