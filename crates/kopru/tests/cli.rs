//! The `kopru` binary's subcommands, run as a user would run them, against a
//! fresh database (SQLite, or PostgreSQL when KOPRU_TEST_POSTGRES_URL is set).

// A test may unwrap: a panic here is a failed test (workspace lints, Cargo.toml).
#![allow(clippy::unwrap_used)]

use kopru_store::testing::{fresh_db, TestDb};
use kopru_store::{Backend, Location};
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn url(db: &TestDb) -> String {
    match &db.location {
        Location::SqliteFile(p) => format!("sqlite://{}", p.display()),
        Location::Postgres(u) => u.clone(),
    }
}

/// The test's own data directory (its key file), named after its database:
/// tests never share one, and nothing depends on what an earlier run left in
/// the temp directory (a shared `kopru-data` once made the suite fail by chance).
fn data_dir(db: &TestDb) -> std::path::PathBuf {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    url(db).hash(&mut h);
    let dir = std::env::temp_dir().join(format!("kopru-cli-{:016x}", h.finish()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A command with no configuration from the environment or the working directory.
fn bare() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kopru"));
    for var in [
        "KOPRU_DATABASE_URL",
        "KOPRU_DATA_DIR",
        "KOPRU_KEYS",
        "KOPRU_KEY_FILE",
        "KOPRU_LISTEN",
        "KOPRU_TIME_ZONE",
        "KOPRU_MAPS_DIR",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

fn kopru(db: &TestDb, args: &[&str], stdin: Option<&str>) -> Output {
    let dir = data_dir(db);
    let mut cmd = bare();
    cmd.args(args)
        .arg("--database-url")
        .arg(url(db))
        .arg("--data-dir")
        .arg(&dir)
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run kopru");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test]
async fn user_create_reads_the_password_from_stdin_and_token_create_prints_a_working_token() {
    let db = fresh_db().await;
    let o = kopru(
        &db,
        &[
            "user",
            "create",
            "--username",
            "Ayse.K",
            "--role",
            "social_mediator",
            "--scope",
            "unit:SHKB-ANK-01",
            "--password-stdin",
        ],
        Some("a long password 1\n"),
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        !text(&o).contains("a long password"),
        "the password is never echoed"
    );
    let ok = db
        .store
        .login("ayse.k", "a long password 1", "127.0.0.1")
        .await
        .unwrap();
    assert!(ok.is_ok(), "the new user can sign in");
    let p = db.store.principal(&ok.unwrap().id).await.unwrap().unwrap();
    assert_eq!(p.assignments[0].scope.to_string(), "unit:SHKB-ANK-01");

    let o = kopru(&db, &["token", "create", "--username", "ayse.k"], None);
    assert!(o.status.success(), "{}", text(&o));
    let token = String::from_utf8(o.stdout).unwrap().trim().to_owned();
    assert_eq!(db.store.token_user(&token).await.unwrap(), Some(p.user_id));

    for (args, stdin, expect) in [
        (
            vec!["--username", "xx1", "--role", "wizard"],
            "long enough pass",
            "unknown role",
        ),
        (
            vec!["--username", "xx2", "--role", "auditor"],
            "short",
            "10",
        ),
        (
            vec![
                "--username",
                "xx3",
                "--role",
                "auditor",
                "--scope",
                "unit:NOPE",
            ],
            "long enough pass",
            "scope",
        ),
        (
            vec!["--username", "ayse.k", "--role", "auditor"],
            "long enough pass",
            "already in use",
        ),
        (
            vec![
                "--username",
                "xx4",
                "--role",
                "auditor",
                "--scope",
                "planet:mars",
            ],
            "long enough pass",
            "scope",
        ),
    ] {
        let mut full = vec!["user", "create"];
        full.extend(args);
        let o = kopru(&db, &full, Some(stdin));
        assert!(!o.status.success(), "{full:?} should fail");
        assert!(text(&o).contains(expect), "{full:?}: {}", text(&o));
    }
    let o = kopru(&db, &["token", "create", "--username", "nobody"], None);
    assert!(!o.status.success() && text(&o).contains("no user named nobody"));
}

#[tokio::test]
async fn audit_verify_names_the_first_broken_entry() {
    let db = fresh_db().await;
    let o = kopru(&db, &["audit", "verify"], None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("audit chain intact"));
    {
        let mut conn = db.store.acquire().await.unwrap();
        sqlx::query("UPDATE audit_log SET details = '{\"forged\":true}' WHERE seq = 7")
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    let o = kopru(&db, &["audit", "verify"], None);
    assert!(!o.status.success());
    assert!(text(&o).contains("broken at entry 7"), "{}", text(&o));
}

/// Read-only commands write nothing: on a data directory with no database
/// and no keys, `audit verify` and `check` fail and leave it empty.
#[test]
fn read_only_commands_create_nothing() {
    let dir = std::env::temp_dir().join(format!("kopru-empty-{}", kopru_store::new_id()));
    std::fs::create_dir_all(&dir).unwrap();
    for args in [["audit", "verify"].as_slice(), ["check"].as_slice()] {
        let o = bare()
            .args(args)
            .arg("--data-dir")
            .arg(&dir)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(!o.status.success(), "{args:?}: {}", text(&o));
        assert!(text(&o).contains("no database"), "{args:?}: {}", text(&o));
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert!(left.is_empty(), "{args:?} wrote {left:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn backup_check_migrate_and_openapi() {
    let db = fresh_db().await;
    let o = kopru(&db, &["migrate"], None);
    assert!(o.status.success(), "{}", text(&o));
    let o = kopru(&db, &["check"], None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("pending migrations: 0"), "{}", text(&o));

    let target = std::env::temp_dir().join(format!("kopru-backup-{}.db", kopru_store::new_id()));
    let o = kopru(&db, &["backup", target.to_str().unwrap()], None);
    match db.store.backend() {
        Backend::Sqlite => {
            assert!(o.status.success(), "{}", text(&o));
            let copy = kopru_store::Store::open(&Location::SqliteFile(target.clone()))
                .await
                .unwrap();
            assert!(
                copy.user_by_username("admin").await.unwrap().is_some(),
                "the backup holds the data"
            );
            assert!(copy.verify_audit().await.unwrap().first_break.is_none());
            copy.close().await;
            let again = kopru(&db, &["backup", target.to_str().unwrap()], None);
            assert!(
                !again.status.success() && text(&again).contains("exists already"),
                "never overwrites"
            );
            let _ = std::fs::remove_file(&target);
        }
        Backend::Postgres => {
            assert!(!o.status.success());
            assert!(text(&o).contains("pg_dump"), "{}", text(&o));
        }
    }

    let o = bare().arg("openapi").output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
}

#[test]
fn secrets_in_the_database_url_are_never_printed() {
    let o = bare()
        .args([
            "check",
            "--database-url",
            "postgres://kopru:hunter2secret@127.0.0.1:1/kopru",
        ])
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert!(!o.status.success());
    let all = text(&o);
    assert!(
        all.contains("***") && !all.contains("hunter2secret"),
        "{all}"
    );
}

#[test]
fn configuration_comes_from_flags_environment_and_file() {
    let dir = std::env::temp_dir().join(format!("kopru-cfg-{}", kopru_store::new_id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("kopru.toml"),
        "data_dir = \"from-file\"\nlisten = \"127.0.0.1:9999\"\n",
    )
    .unwrap();
    let run = |extra: &[(&str, &str)], args: &[&str]| {
        let mut c = bare();
        c.arg("check").args(args).current_dir(&dir);
        for (k, v) in extra {
            c.env(k, v);
        }
        text(&c.output().unwrap())
    };
    let out = run(&[], &[]);
    assert!(
        out.contains("from-file/kopru.db") && out.contains("127.0.0.1:9999"),
        "{out}"
    );
    let out = run(&[("KOPRU_DATA_DIR", "from-env")], &[]);
    assert!(out.contains("from-env/kopru.db"), "{out}");
    let out = run(
        &[("KOPRU_DATA_DIR", "from-env")],
        &["--data-dir", "from-flag"],
    );
    assert!(out.contains("from-flag/kopru.db"), "{out}");
    // The time zone: Türkiye's by default, Serbia's when configured, a typo refused.
    assert!(run(&[], &[]).contains("time zone: Europe/Istanbul"));
    let out = run(&[("KOPRU_TIME_ZONE", "Europe/Belgrade")], &[]);
    assert!(out.contains("time zone: Europe/Belgrade"), "{out}");
    let out = run(&[("KOPRU_TIME_ZONE", "Europe/Belgarde")], &[]);
    assert!(out.contains("unknown time zone"), "{out}");
    // Maps: the shipped ones, and an installation's directory of more; a
    // bad file there stops the start with its name.
    assert!(run(&[], &[]).contains("maps: RS, TR\n"));
    let maps = dir.join("maps");
    std::fs::create_dir_all(&maps).unwrap();
    std::fs::write(
        maps.join("TR-06.json"),
        r#"{"width":10,"height":10,"areas":[{"code":"TR-06-CANKAYA","d":"M0 0L5 0L5 5Z"}]}"#,
    )
    .unwrap();
    let out = run(&[("KOPRU_MAPS_DIR", maps.to_str().unwrap())], &[]);
    assert!(out.contains("maps: RS, TR, TR-06\n"), "{out}");
    std::fs::write(maps.join("TR-07.json"), "{\"width\": 10").unwrap();
    let out = run(&[("KOPRU_MAPS_DIR", maps.to_str().unwrap())], &[]);
    assert!(
        out.contains("maps: ") && out.contains("TR-07.json"),
        "{out}"
    );
    let out = run(&[("KOPRU_MAPS_DIR", "/nonexistent/maps")], &[]);
    assert!(out.contains("reading /nonexistent/maps"), "{out}");
    std::fs::write(dir.join("kopru.toml"), "data_dri = \"typo\"\n").unwrap();
    let out = run(&[], &[]);
    assert!(out.contains("kopru.toml is not valid"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn import_persons_reports_rejected_rows_and_adds_nothing_twice() {
    let db = fresh_db().await;
    let dir = std::env::temp_dir().join(format!("kopru-import-{}", kopru_store::new_id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("liste.csv");
    std::fs::write(
        &file,
        "Ime,Prezime,JMBG\nŠaban,Ajdini,\nFatima,Osmani,1234567890123\n",
    )
    .unwrap();
    let rejected = dir.join("rejected.csv");
    let args = [
        "import",
        "persons",
        file.to_str().unwrap(),
        "--unit",
        "MT-NIS",
        "--area",
        "RS-20-NIS",
        "--rejected",
        rejected.to_str().unwrap(),
    ];
    let mut dry = args.to_vec();
    dry.push("--dry-run");
    let o = kopru(&db, &dry, None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("DRY RUN: 2 rows read (utf-8, separated by ,): 1 would be imported"),
        "{}",
        text(&o)
    );
    assert!(text(&o).contains("row 3: national_id:"), "{}", text(&o));
    let o = kopru(&db, &args, None);
    assert!(
        text(&o).contains(": 1 imported, 0 already imported before, 1 rejected"),
        "{}",
        text(&o)
    );
    assert!(std::fs::read_to_string(&rejected)
        .unwrap()
        .contains("Osmani"));
    let o = kopru(&db, &args, None);
    assert!(
        text(&o).contains(": 0 imported, 1 already imported before"),
        "{}",
        text(&o)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `kopru dedup csv` needs no database: it reads files and writes files.
fn dedup(args: &[&str]) -> Output {
    bare()
        .args(["dedup", "csv"])
        .args(args)
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run kopru")
}

#[test]
fn dedup_csv_writes_a_cluster_for_every_record_and_finds_the_same_person_across_scripts() {
    let dir = std::env::temp_dir().join(format!("kopru-dedup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("people.csv");
    // A population for the model to learn from, with every tenth person twice.
    const GIVEN: &[&str] = &[
        "Mehmet", "Ayşe", "Šaban", "Fatima", "Jelena", "Bajram", "Elif", "Marko",
    ];
    const FAMILY: &[&str] = &[
        "Yılmaz", "Kaya", "Ajdini", "Nikolić", "Osmani", "Demir", "Ramić", "Ilić",
    ];
    let mut csv = String::from("ID,Given_Name,Family_Name,Birth_Date,Sex,Extra\n");
    let mut x: u64 = 99;
    let mut next = |m: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % m as u64) as usize
    };
    for i in 0..600 {
        let (g, f) = (GIVEN[next(8)], FAMILY[next(8)]);
        let birth = format!(
            "{}-{:02}-{:02}",
            1950 + next(60),
            1 + next(12),
            1 + next(28)
        );
        csv.push_str(&format!(
            "p{i},{g},{f},{birth},{},ignored\n",
            ["f", "m"][next(2)]
        ));
        if i % 10 == 0 {
            // Upper case, no sex: the same person written by another unit.
            csv.push_str(&format!("p{i}b,{},{f},{birth},,\n", g.to_uppercase()));
        }
    }
    csv.push_str("dj1,Šaban,Đorđević,1975-04-02,m,\ndj2,Шабан,Ђорђевић,1975-04-02,m,\n");
    std::fs::write(&input, csv).unwrap();
    let clusters = dir.join("clusters.csv");
    let pairs = dir.join("pairs.csv");
    let o = dedup(&[
        "--input",
        input.to_str().unwrap(),
        "--output",
        clusters.to_str().unwrap(),
        "--pairs",
        pairs.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("662 records"), "{}", text(&o));
    let out = std::fs::read_to_string(&clusters).unwrap();
    let rows: std::collections::HashMap<String, String> = out
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(','))
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .collect();
    assert_eq!(out.lines().next(), Some("id,cluster_id"));
    assert_eq!(rows.len(), 662, "a row for every record");
    assert_eq!(rows["dj1"], rows["dj2"], "one person in two scripts");
    assert_eq!(rows["p0"], rows["p0b"]);
    assert_ne!(rows["p1"], rows["p2"]);
    // What the model learned, on request.
    let o = dedup(&[
        "--input",
        input.to_str().unwrap(),
        "--output",
        clusters.to_str().unwrap(),
        "--show-model",
    ]);
    assert!(
        text(&o).contains("prior:") && text(&o).contains("birth_date   same date"),
        "{}",
        text(&o)
    );
    let pairs = std::fs::read_to_string(&pairs).unwrap();
    assert!(pairs.starts_with("id_l,id_r,match_probability\n"));
    assert!(pairs.lines().any(|l| l.starts_with("dj1,dj2,")), "{pairs}");
    // Unusable input is refused with a reason.
    std::fs::write(&input, "name,birth\nAli,1980\n").unwrap();
    let o = dedup(&[
        "--input",
        input.to_str().unwrap(),
        "--output",
        clusters.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("no `id` column"), "{}", text(&o));
    std::fs::write(&input, "id,given_name\n1,Ali\n1,Veli\n").unwrap();
    let o = dedup(&[
        "--input",
        input.to_str().unwrap(),
        "--output",
        clusters.to_str().unwrap(),
    ]);
    assert!(text(&o).contains("id 1 appears twice"), "{}", text(&o));
    let o = dedup(&[
        "--input",
        input.to_str().unwrap(),
        "--output",
        clusters.to_str().unwrap(),
        "--threshold",
        "2",
    ]);
    assert!(text(&o).contains("between 0 and 1"), "{}", text(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

/// sqlx was built without TLS: `sslmode=prefer` connected in clear and
/// `sslmode=require` failed. On PostgreSQL runs (`.ci/run` gives the server a
/// self-signed certificate for 127.0.0.1 and names it in
/// `KOPRU_TEST_POSTGRES_CA`) the connection is encrypted when asked, and
/// verified against the certificate with `verify-full`.
#[test]
fn postgres_connections_are_encrypted_when_asked() {
    let Some(url) = std::env::var(kopru_store::testing::POSTGRES_ENV)
        .ok()
        .filter(|u| !u.is_empty())
    else {
        return; // the SQLite run: there is no connection to encrypt
    };
    let check = |extra: &str| {
        let sep = if url.contains('?') { '&' } else { '?' };
        let o = bare()
            .args(["check", "--database-url", &format!("{url}{sep}{extra}")])
            .current_dir(std::env::temp_dir())
            .output()
            .unwrap();
        (o.status.success(), text(&o))
    };
    let (ok, out) = check("sslmode=disable");
    assert!(
        ok && out.contains("connection encrypted (TLS): no"),
        "{out}"
    );
    let (ok, out) = check("sslmode=require");
    assert!(ok, "sslmode=require must connect: {out}");
    assert!(out.contains("connection encrypted (TLS): yes"), "{out}");
    match std::env::var("KOPRU_TEST_POSTGRES_CA") {
        Ok(ca) if !ca.is_empty() => {
            let (ok, out) = check(&format!("sslmode=verify-full&sslrootcert={ca}"));
            assert!(
                ok && out.contains("connection encrypted (TLS): yes"),
                "{out}"
            );
            // A certificate the server's was not signed with is refused.
            let other =
                std::env::temp_dir().join(format!("kopru-other-ca-{}.pem", kopru_store::new_id()));
            std::fs::write(&other, include_str!("other_ca.pem")).unwrap();
            let (ok, out) = check(&format!(
                "sslmode=verify-full&sslrootcert={}",
                other.display()
            ));
            assert!(!ok, "an unknown certificate must be refused: {out}");
            let _ = std::fs::remove_file(other);
        }
        _ => assert!(
            std::env::var("CI").is_err(),
            "CI names the server's certificate in KOPRU_TEST_POSTGRES_CA"
        ),
    }
}
