//! The code's layout, checked (ARCHITECTURE.md, "Layout"):
//!
//! - in `kopru-store` and `kopru-web`, files at the top of `src/` are the
//!   kernel and folders are features; the kernel uses no feature;
//! - features depend one way: no cycle between them;
//! - the two crates name their features alike;
//! - no page uses an API module; services (`service.rs`) use no HTTP type;
//!   the CLI does not use the web layer's error type.
//!
//! Module references are read from the source text (`crate::x`, `use
//! crate::{x, y}`, `super::x` inside a feature's root), comments left out.

// A test may unwrap: a panic here is a failed test (workspace lints, Cargo.toml).
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn crate_src(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(name)
        .join("src")
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The source without comments (line comments and doc comments) and without
/// its unit tests (`#[cfg(test)] mod tests`, at the end by house style): a
/// test may use test support from anywhere.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    text.lines()
        .map(|l| {
            let t = l.trim_start();
            if t.starts_with("//") {
                ""
            } else {
                // A trailing comment; `//` inside a string literal is rare in
                // module paths and would only hide, never invent, a reference.
                l.split(" //").next().unwrap_or("")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The crate-root modules a file refers to.
fn crate_refs(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(pos) = text[i..].find("crate::") {
        let start = i + pos + "crate::".len();
        // `kopru_store::crate::…` does not occur; `$crate::` is a macro's.
        let before = text[..i + pos].chars().last();
        i = start;
        if matches!(before, Some(c) if c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        if b.get(start) == Some(&b'{') {
            // A group: the first segment of each item at depth one.
            let mut depth = 0;
            let mut item = String::new();
            let mut at_item_start = false;
            for &c in &b[start..] {
                let c = c as char;
                if depth == 1 && at_item_start && (c.is_alphanumeric() || c == '_') {
                    item.push(c);
                    continue;
                }
                if !item.is_empty() {
                    out.insert(std::mem::take(&mut item));
                    at_item_start = false;
                }
                match c {
                    '{' => {
                        depth += 1;
                        at_item_start = depth == 1;
                    }
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => at_item_start = true,
                    _ => {}
                }
            }
        } else {
            let name: String = text[start..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

struct Layout {
    kernel: BTreeSet<String>,
    features: BTreeSet<String>,
    /// Feature → the features it uses.
    uses: BTreeMap<String, BTreeSet<String>>,
    /// Kernel file → the features it uses.
    kernel_uses: BTreeMap<String, BTreeSet<String>>,
}

fn layout(crate_name: &str) -> Layout {
    let src = crate_src(crate_name);
    let mut kernel = BTreeSet::new();
    let mut features = BTreeSet::new();
    for e in std::fs::read_dir(&src).expect("src").flatten() {
        let p = e.path();
        let name = p
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        if p.is_dir() {
            features.insert(name);
        } else if name != "lib" && name != "main" {
            kernel.insert(name);
        }
    }
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut kernel_uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in rust_files(&src) {
        let rel = f.strip_prefix(&src).expect("under src");
        let first = rel
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .unwrap_or_default()
            .trim_end_matches(".rs")
            .to_owned();
        if first == "lib" {
            continue; // the root that puts features together
        }
        let text = code(&std::fs::read_to_string(&f).expect("read"));
        let used: BTreeSet<String> = crate_refs(&text)
            .into_iter()
            .filter(|m| features.contains(m) && *m != first)
            .collect();
        if features.contains(&first) {
            uses.entry(first).or_default().extend(used);
        } else if !used.is_empty() {
            kernel_uses.insert(rel.display().to_string(), used);
        }
    }
    Layout {
        kernel,
        features,
        uses,
        kernel_uses,
    }
}

/// A cycle among the features, if there is one, as the path around it.
fn cycle(uses: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        uses: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match state.get(n) {
            Some(2) => return None,
            Some(1) => {
                let from = path.iter().position(|p| p == n).unwrap_or(0);
                let mut c = path[from..].to_vec();
                c.push(n.to_owned());
                return Some(c);
            }
            _ => {}
        }
        state.insert(n.to_owned(), 1);
        path.push(n.to_owned());
        for m in uses.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, uses, state, path) {
                return Some(c);
            }
        }
        path.pop();
        state.insert(n.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in uses.keys() {
        if let Some(c) = visit(n, uses, &mut state, &mut Vec::new()) {
            return Some(c);
        }
    }
    None
}

fn check(crate_name: &str) -> Layout {
    let l = layout(crate_name);
    assert!(
        l.features.len() >= 5 && l.kernel.len() >= 5,
        "{crate_name}: the layout was read ({} features, {} kernel files)",
        l.features.len(),
        l.kernel.len()
    );
    assert!(
        l.kernel_uses.is_empty(),
        "{crate_name}: kernel files that use a feature: {:?}",
        l.kernel_uses
    );
    if let Some(c) = cycle(&l.uses) {
        panic!("{crate_name}: features in a cycle: {}", c.join(" → "));
    }
    l
}

/// The levels ARCHITECTURE.md draws: a feature uses only features on lower levels.
const STORE_LEVELS: &[(&str, u8)] = &[
    ("registry", 0),
    ("accounts", 0),
    ("directory", 0),
    ("casework", 1),
    ("dedup", 1),
    ("imports", 1),
    ("strategy", 1),
    ("activities", 2),
    ("outcomes", 3),
    ("local_plans", 3),
    ("work", 4),
    ("indicators", 3),
    ("demo", 4),
    ("testing", 5),
];

#[test]
fn store_features_depend_one_way_and_the_kernel_on_none() {
    let l = check("store");
    let level = |f: &str| STORE_LEVELS.iter().find(|(n, _)| *n == f).map(|(_, l)| *l);
    for f in &l.features {
        assert!(
            level(f).is_some(),
            "store feature {f} has no level in STORE_LEVELS (and ARCHITECTURE.md's picture)"
        );
    }
    for (f, used) in &l.uses {
        for u in used {
            assert!(
                level(u) < level(f),
                "store: {f} uses {u}, which is not on a lower level (ARCHITECTURE.md, Layout)"
            );
        }
    }
}

#[test]
fn web_features_depend_one_way_and_the_kernel_on_none() {
    let l = check("web");
    // Web features share through the kernel and the store, never directly.
    let crossing: Vec<_> = l.uses.iter().filter(|(_, u)| !u.is_empty()).collect();
    assert!(
        crossing.is_empty(),
        "web features using each other: {crossing:?}"
    );
}

#[test]
fn both_crates_name_their_features_alike() {
    let store = layout("store").features;
    let web = layout("web").features;
    // Store-only: demo data and test support. Web-only: the home page, and
    // the audit trail's pages (the store's audit trail is kernel: every
    // feature writes to it).
    let store_only: BTreeSet<_> = store.difference(&web).cloned().collect();
    let web_only: BTreeSet<_> = web.difference(&store).cloned().collect();
    assert_eq!(
        store_only,
        ["demo", "testing"].map(String::from).into(),
        "store features without a web folder"
    );
    assert_eq!(
        web_only,
        ["audit", "home"].map(String::from).into(),
        "web features without a store folder"
    );
}

#[test]
fn pages_use_no_api_module_and_services_no_http() {
    let src = crate_src("web");
    for f in rust_files(&src) {
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let text = code(&std::fs::read_to_string(&f).expect("read"));
        if name.ends_with("pages.rs") {
            for bad in ["::api::", "super::api", "form_api"] {
                assert!(
                    !text.contains(bad),
                    "{}: a page module uses an API module ({bad})",
                    f.display()
                );
            }
        }
        if name == "service.rs" {
            for bad in [
                "axum",
                "AppError",
                "AppResult",
                "crate::context",
                "StatusCode",
            ] {
                assert!(
                    !text.contains(bad),
                    "{}: a service uses an HTTP type ({bad})",
                    f.display()
                );
            }
        }
    }
    let cli = code(&std::fs::read_to_string(crate_src("kopru").join("main.rs")).expect("main"));
    assert!(
        !cli.contains("kopru_web::error"),
        "the CLI uses the web layer's error type"
    );
}

#[test]
fn the_reader_finds_references_and_cycles() {
    let refs = crate_refs(
        "use crate::{clock, registry::{a, b}, Store};\nlet x = crate::dedup::f();\n$crate::no",
    );
    assert_eq!(
        refs,
        ["clock", "registry", "Store", "dedup"]
            .map(String::from)
            .into()
    );
    let mut uses = BTreeMap::new();
    uses.insert("a".to_owned(), BTreeSet::from(["b".to_owned()]));
    uses.insert("b".to_owned(), BTreeSet::from(["c".to_owned()]));
    assert_eq!(cycle(&uses), None);
    uses.insert("c".to_owned(), BTreeSet::from(["a".to_owned()]));
    assert_eq!(
        cycle(&uses).map(|c| c.join(">")),
        Some("a>b>c>a".to_owned())
    );
    assert_eq!(code("x // crate::y\n// crate::z"), "x\n");
}

/// The names API types take in the OpenAPI document: a struct or enum that
/// derives `ToSchema` is named by its identifier (or `#[schema(as = …)]`).
fn schema_names(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending = false;
    let mut alias: Option<String> = None;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("#[derive(") && t.contains("ToSchema") {
            pending = true;
        } else if let Some(rest) = t.strip_prefix("#[schema(as = ") {
            alias = rest.split(')').next().map(str::to_owned);
        } else if pending && !t.starts_with('#') && !t.starts_with("///") {
            let name = t
                .trim_start_matches("pub ")
                .trim_start_matches("struct ")
                .trim_start_matches("enum ")
                .split(|c: char| !c.is_alphanumeric() && c != '_')
                .next()
                .unwrap_or_default()
                .to_owned();
            out.push(alias.take().unwrap_or(name));
            pending = false;
        }
    }
    out
}

#[test]
fn every_api_type_has_a_name_of_its_own() {
    // Two types of one name become one schema: the document then describes
    // one of the two operations wrongly (it happened to `MergeInput` and
    // `StatusInput`).
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut twice = Vec::new();
    for c in ["store", "web"] {
        for f in rust_files(&crate_src(c)) {
            let text = code(&std::fs::read_to_string(&f).expect("read"));
            for name in schema_names(&text) {
                let place = f.display().to_string();
                if let Some(other) = seen.insert(name.clone(), place.clone()) {
                    twice.push(format!("{name}: {other} and {place}"));
                }
            }
        }
    }
    assert!(seen.len() > 50, "the API types were read: {}", seen.len());
    assert!(twice.is_empty(), "API types sharing a name: {twice:#?}");
    assert_eq!(
        schema_names("#[derive(Serialize, ToSchema)]\n/// doc\npub struct A {}\n#[derive(ToSchema)]\n#[schema(as = B2)]\nenum B {}"),
        vec!["A", "B2"]
    );
}
