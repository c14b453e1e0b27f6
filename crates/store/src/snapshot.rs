//! Every row that belongs to a set of people, captured as it is and put back
//! exactly: what makes a merge of two records undoable.
//!
//! Rows are read with `SELECT *` and kept as JSON values with each column's
//! kind, so a table needs no code of its own: the tables are those of
//! `person_links::PERSON_LINKS` that say they are snapshotted.

use crate::person_links::{Link, Restore, PERSON_LINKS};
use crate::{Result, Sql};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyTypeInfoKind;
use sqlx::{AnyConnection, Column, Row, ValueRef};

/// One column's value, typed so that it can be bound again on either engine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "k", content = "v")]
enum Value {
    Null,
    /// A NULL in a column known to hold integers (PostgreSQL wants the type).
    NullInt,
    NullFloat,
    Text(String),
    Int(i64),
    Float(f64),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct TableRows {
    table: String,
    columns: Vec<String>,
    rows: Vec<Vec<Value>>,
}

/// The rows of some people in every tracked table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    people: Vec<String>,
    tables: Vec<TableRows>,
}

fn value(row: &sqlx::any::AnyRow, i: usize) -> Result<Value> {
    let column_kind = row.column(i).type_info().kind();
    let raw = row.try_get_raw(i)?;
    let kind = if raw.is_null() {
        return Ok(match column_kind {
            k if k.is_integer() || k == AnyTypeInfoKind::Bool => Value::NullInt,
            AnyTypeInfoKind::Real | AnyTypeInfoKind::Double => Value::NullFloat,
            _ => Value::Null,
        });
    } else {
        raw.type_info().kind()
    };
    Ok(match kind {
        k if k.is_integer() => Value::Int(row.try_get::<i64, _>(i)?),
        AnyTypeInfoKind::Bool => Value::Int(row.try_get::<bool, _>(i)? as i64),
        AnyTypeInfoKind::Real | AnyTypeInfoKind::Double => Value::Float(row.try_get::<f64, _>(i)?),
        _ => Value::Text(row.try_get::<String, _>(i)?),
    })
}

fn bind(q: &mut Sql, v: &Value) {
    match v {
        Value::Null => q.bind(None::<String>),
        Value::NullInt => q.bind(None::<i64>),
        Value::NullFloat => q.bind(None::<f64>),
        Value::Text(s) => q.bind(s.clone()),
        Value::Int(n) => q.bind(*n),
        Value::Float(f) => q.bind(*f),
    };
}

/// The snapshotted tables, in restoring order, with their key and restore way.
fn tracked() -> impl Iterator<Item = (&'static Link, &'static [&'static str], Restore)> {
    PERSON_LINKS
        .iter()
        .filter_map(|l| l.snapshot.map(|(key, restore)| (l, key, restore)))
}

impl Snapshot {
    /// The current rows of `people` (in that order) in every tracked table.
    pub async fn take(conn: &mut AnyConnection, people: &[&str]) -> Result<Snapshot> {
        let mut tables = Vec::new();
        for (t, key, _) in tracked() {
            let mut columns: Vec<String> = Vec::new();
            let mut rows = Vec::new();
            for person in people {
                let mut q = Sql::new(&format!("SELECT * FROM {} WHERE {} = ", t.table, t.column));
                q.bind((*person).to_owned())
                    .push(&format!(" ORDER BY {}", key.join(", ")));
                let found = q.fetch_rows(&mut *conn).await?;
                for row in found {
                    if columns.is_empty() {
                        columns = row.columns().iter().map(|c| c.name().to_owned()).collect();
                    }
                    rows.push(
                        (0..row.columns().len())
                            .map(|i| value(&row, i))
                            .collect::<Result<Vec<Value>>>()?,
                    );
                }
            }
            tables.push(TableRows {
                table: t.table.to_owned(),
                columns,
                rows,
            });
        }
        Ok(Snapshot {
            people: people.iter().map(|p| (*p).to_owned()).collect(),
            tables,
        })
    }

    /// Puts every kept row back as it was.
    pub async fn restore(&self, conn: &mut AnyConnection) -> Result<()> {
        for (t, key, restore) in tracked() {
            let Some(kept) = self.tables.iter().find(|k| k.table == t.table) else {
                continue;
            };
            match restore {
                Restore::Replace => {
                    let mut q =
                        Sql::new(&format!("DELETE FROM {} WHERE {} IN (", t.table, t.column));
                    q.bind_list(self.people.iter().cloned()).push(")");
                    q.execute(&mut *conn).await?;
                    for row in &kept.rows {
                        let mut q = Sql::new(&format!(
                            "INSERT INTO {} ({}) VALUES (",
                            t.table,
                            kept.columns.join(", ")
                        ));
                        for (i, v) in row.iter().enumerate() {
                            if i > 0 {
                                q.push(", ");
                            }
                            bind(&mut q, v);
                        }
                        q.push(")");
                        q.execute(&mut *conn).await?;
                    }
                }
                Restore::Update => {
                    for row in &kept.rows {
                        let mut q = Sql::new(&format!("UPDATE {} SET ", t.table));
                        let mut first = true;
                        for (c, v) in kept.columns.iter().zip(row) {
                            if key.contains(&c.as_str()) {
                                continue;
                            }
                            if !first {
                                q.push(", ");
                            }
                            first = false;
                            q.push(&format!("{c} = "));
                            bind(&mut q, v);
                        }
                        q.push(" WHERE 1 = 1");
                        for (c, v) in kept.columns.iter().zip(row) {
                            if key.contains(&c.as_str()) {
                                q.push(&format!(" AND {c} = "));
                                bind(&mut q, v);
                            }
                        }
                        q.execute(&mut *conn).await?;
                    }
                }
            }
        }
        Ok(())
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Result<Snapshot> {
        serde_json::from_str(text)
            .map_err(|e| crate::StoreError::Other(format!("a kept merge cannot be read: {e}")))
    }
}
