//! Records from CSV files and results to CSV files, for `kopru dedup csv` and
//! the benchmark. Columns are recognised by name (any case, surrounding spaces
//! ignored); all are optional but `id`; other columns are ignored.

use crate::record::RecordInput;
use std::io::{Read, Write};

#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("line {line}: {message}")]
    Malformed { line: u64, message: String },
    #[error("the file has no `id` column")]
    NoId,
    #[error("line {line}: the id is empty")]
    EmptyId { line: u64 },
    #[error("line {line}: id {id} appears twice")]
    DuplicateId { line: u64, id: String },
}

/// Where a column's value goes in a record.
type Slot = fn(&mut RecordInput) -> &mut String;

/// Reads records; ids must be present and unique.
pub fn read(input: impl Read) -> Result<Vec<RecordInput>, CsvError> {
    let mut out = Vec::new();
    read_each(input, |r| out.push(r))?;
    Ok(out)
}

/// Reads records one by one into `each`, without holding the file's records
/// (a million of them as text are most of a run's memory otherwise).
pub fn read_each(input: impl Read, mut each: impl FnMut(RecordInput)) -> Result<(), CsvError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let malformed = |e: csv::Error| CsvError::Malformed {
        line: e.position().map(|p| p.line()).unwrap_or(0),
        message: e.to_string(),
    };
    let headers: Vec<String> = reader
        .headers()
        .map_err(malformed)?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
        .collect();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let id = col("id").ok_or(CsvError::NoId)?;
    let fields: Vec<(Option<usize>, Slot)> = vec![
        (col("given_name"), |r| &mut r.given_name),
        (col("family_name"), |r| &mut r.family_name),
        (col("father_name"), |r| &mut r.father_name),
        (col("mother_name"), |r| &mut r.mother_name),
        (col("birth_date"), |r| &mut r.birth_date),
        (col("sex"), |r| &mut r.sex),
        (col("national_id"), |r| &mut r.national_id),
        (col("locality"), |r| &mut r.locality),
        (col("postcode"), |r| &mut r.postcode),
        (col("address"), |r| &mut r.address),
        (col("phone"), |r| &mut r.phone),
        (col("household"), |r| &mut r.household),
    ];
    let mut seen = std::collections::HashSet::new();
    for row in reader.records() {
        let row = row.map_err(malformed)?;
        let line = row.position().map(|p| p.line()).unwrap_or(0);
        let mut r = RecordInput {
            id: row.get(id).unwrap_or("").trim().to_owned(),
            ..Default::default()
        };
        if r.id.is_empty() {
            return Err(CsvError::EmptyId { line });
        }
        if !seen.insert(r.id.clone()) {
            return Err(CsvError::DuplicateId { line, id: r.id });
        }
        for (c, slot) in &fields {
            if let Some(v) = c.and_then(|c| row.get(c)) {
                *slot(&mut r) = v.trim().to_owned();
            }
        }
        each(r);
    }
    Ok(())
}

/// `id,cluster_id` for every record; a cluster is named by its first member's id.
pub fn write_clusters(
    out: impl Write,
    ids: &[String],
    cluster_of: &[usize],
) -> Result<(), CsvError> {
    let mut w = csv::Writer::from_writer(out);
    let to_io = |e: csv::Error| CsvError::Io(std::io::Error::other(e));
    w.write_record(["id", "cluster_id"]).map_err(to_io)?;
    // The first member (in input order) of each cluster names it.
    let mut name: Vec<Option<usize>> = vec![None; ids.len()];
    for (i, &c) in cluster_of.iter().enumerate() {
        let first = *name[c].get_or_insert(i);
        w.write_record([ids[i].as_str(), ids[first].as_str()])
            .map_err(to_io)?;
    }
    w.flush()?;
    Ok(())
}

/// `id_l,id_r,match_probability` for the given pairs.
pub fn write_pairs(
    out: impl Write,
    ids: &[String],
    pairs: impl Iterator<Item = (u32, u32, f64)>,
) -> Result<(), CsvError> {
    let mut w = csv::Writer::from_writer(out);
    let to_io = |e: csv::Error| CsvError::Io(std::io::Error::other(e));
    w.write_record(["id_l", "id_r", "match_probability"])
        .map_err(to_io)?;
    for (a, b, p) in pairs {
        w.write_record([
            ids[a as usize].as_str(),
            ids[b as usize].as_str(),
            &format!("{p:.6}"),
        ])
        .map_err(to_io)?;
    }
    w.flush()?;
    Ok(())
}
