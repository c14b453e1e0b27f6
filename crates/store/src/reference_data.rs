//! Reference data shipped in `data/`: loaded by `migrate`, refreshed when the
//! file changes (tracked by checksum), never duplicated.

use crate::{clock, Result, Sql, Store, StoreError};
use kopru_domain::search::fold;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

const AREA_FILES: [(&str, &str); 2] = [
    ("areas/tr.csv", include_str!("../../../data/areas/tr.csv")),
    ("areas/rs.csv", include_str!("../../../data/areas/rs.csv")),
];

#[derive(Debug, Clone)]
pub(crate) struct AreaRow {
    pub code: String,
    pub parent: Option<String>,
    pub kind: String,
    pub name: String,
    pub name_alt: Option<String>,
}

fn parse_areas(text: &str) -> Result<Vec<AreaRow>> {
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| StoreError::Other(format!("area data: {e}")))?;
        let get = |i: usize| rec.get(i).unwrap_or("").trim().to_owned();
        let non_empty = |s: String| (!s.is_empty()).then_some(s);
        out.push(AreaRow {
            code: get(0),
            parent: non_empty(get(1)),
            kind: get(2),
            name: get(3),
            name_alt: non_empty(get(4)),
        });
    }
    Ok(out)
}

pub(crate) async fn load(store: &Store) -> Result<()> {
    let mut hasher = Sha256::new();
    for (name, text) in AREA_FILES {
        hasher.update(name.as_bytes());
        hasher.update(text.as_bytes());
    }
    let checksum = hex::encode(hasher.finalize());
    let current: Option<(String,)> = Sql::new("SELECT checksum FROM reference_data WHERE name = ")
        .bind("areas")
        .fetch_optional(store.pool())
        .await?;
    if current.as_ref().map(|c| c.0.as_str()) == Some(checksum.as_str()) {
        return Ok(());
    }

    let mut rows = Vec::new();
    for (_, text) in AREA_FILES {
        rows.extend(parse_areas(text)?);
    }
    let parents: HashMap<&str, Option<&str>> = rows
        .iter()
        .map(|r| (r.code.as_str(), r.parent.as_deref()))
        .collect();
    let level_of = |code: &str| -> i64 {
        let mut level = 0;
        let mut cur = parents.get(code).copied().flatten();
        while let Some(p) = cur {
            level += 1;
            cur = parents.get(p).copied().flatten();
        }
        level
    };

    let mut tx = store.begin_write().await?;
    // Files list parents before children, so foreign keys hold row by row.
    for chunk in rows.chunks(150) {
        let mut q = Sql::new(
            "INSERT INTO areas (code, parent_code, country, level, kind, name, name_alt, search_key) VALUES ",
        );
        for (i, r) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            let key = fold(&format!(
                "{} {}",
                r.name,
                r.name_alt.clone().unwrap_or_default()
            ));
            q.push("(")
                .bind(r.code.clone())
                .push(", ")
                .bind(r.parent.clone())
                .push(", ")
                .bind(r.code[..2].to_owned())
                .push(", ")
                .bind(level_of(&r.code))
                .push(", ")
                .bind(r.kind.clone())
                .push(", ")
                .bind(r.name.clone())
                .push(", ")
                .bind(r.name_alt.clone())
                .push(", ")
                .bind(key)
                .push(")");
        }
        q.push(
            " ON CONFLICT (code) DO UPDATE SET parent_code = excluded.parent_code, \
             level = excluded.level, kind = excluded.kind, name = excluded.name, \
             name_alt = excluded.name_alt, search_key = excluded.search_key",
        );
        q.execute(tx.conn()).await?;
    }

    Sql::new("DELETE FROM area_closure")
        .execute(tx.conn())
        .await?;
    let mut pairs: Vec<(String, String, i64)> = Vec::new();
    for r in &rows {
        let mut depth = 0;
        let mut cur = Some(r.code.as_str());
        while let Some(a) = cur {
            pairs.push((a.to_owned(), r.code.clone(), depth));
            depth += 1;
            cur = parents.get(a).copied().flatten();
        }
    }
    for chunk in pairs.chunks(300) {
        let mut q =
            Sql::new("INSERT INTO area_closure (ancestor_code, descendant_code, depth) VALUES ");
        for (i, (a, d, depth)) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push("(")
                .bind(a.clone())
                .push(", ")
                .bind(d.clone())
                .push(", ")
                .bind(*depth)
                .push(")");
        }
        q.execute(tx.conn()).await?;
    }

    let now = clock::now();
    let mut q = Sql::new("INSERT INTO reference_data (name, checksum, loaded_at) VALUES (");
    q.bind("areas")
        .push(", ")
        .bind(checksum)
        .push(", ")
        .bind(now)
        .push(") ON CONFLICT (name) DO UPDATE SET checksum = excluded.checksum, loaded_at = excluded.loaded_at");
    q.execute(tx.conn()).await?;
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_files_are_complete_and_consistent() {
        let mut all = Vec::new();
        for (_, text) in AREA_FILES {
            all.extend(parse_areas(text).unwrap());
        }
        let codes: std::collections::HashSet<_> = all.iter().map(|r| r.code.clone()).collect();
        assert_eq!(codes.len(), all.len(), "codes are unique");
        for r in &all {
            assert!(
                kopru_domain::codes::AreaCode::parse(&r.code).is_ok(),
                "{}",
                r.code
            );
            if let Some(p) = &r.parent {
                assert!(codes.contains(p), "parent {p} of {}", r.code);
            }
        }
        let provinces = all.iter().filter(|r| r.kind == "province").count();
        assert_eq!(provinces, 81);
        for n in 1..=81 {
            assert!(codes.contains(&format!("TR-{n:02}")));
        }
        for n in 0..=29 {
            assert!(codes.contains(&format!("RS-{n:02}")), "RS-{n:02}");
        }
        // Every municipality the seed pages name.
        for m in [
            "Kragujevac",
            "Odžaci",
            "Niš",
            "Kostolac",
            "Prokuplje",
            "Smederevo",
            "Subotica",
            "Vranje",
            "Vrnjačka Banja",
            "Zaječar",
            "Zvezdara",
            "Bačka Palanka",
            "Bela Palanka",
            "Čukarica",
            "Beočin",
            "Bujanovac",
            "Kraljevo",
            "Kruševac",
            "Lajkovac",
            "Leskovac",
            "Nova Crnja",
            "Novi Beograd",
            "Novi Bečej",
            "Novi Pazar",
            "Novi Sad",
            "Obrenovac",
            "Pančevo",
            "Surčin",
            "Valjevo",
            "Vladičin Han",
            "Požarevac",
        ] {
            assert!(all.iter().any(|r| r.name == m), "{m}");
        }
    }
}
