//! Every row that belongs to a set of people, captured as it is and put back
//! exactly: what makes a merge of two records undoable.
//!
//! Rows are read with `SELECT *` and kept as JSON values with each column's
//! kind, so a table added to `TRACKED` needs no code of its own. A later
//! feature whose rows hang off a person (cases, services, enrolments) adds
//! its table here, and merges move it and unmerges restore it.

use crate::{Result, Sql};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyTypeInfoKind;
use sqlx::{AnyConnection, Column, Row, ValueRef};

/// How a table's rows are put back.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Restore {
    /// Other rows refer to these: write every column back over the row with the same key.
    Update,
    /// Nothing refers to these: delete the people's rows and insert the kept ones.
    Replace,
}

struct Tracked {
    table: &'static str,
    /// The column holding the person's id.
    person_column: &'static str,
    /// Columns that identify a row (for `Update`) and order rows (for both).
    key: &'static [&'static str],
    restore: Restore,
}

/// The tables whose rows a merge may change. Order matters for restoring:
/// people first (survivor before the merged record: the survivor may hold the
/// other's ID number, unique among open records, until it is restored).
const TRACKED: &[Tracked] = &[
    Tracked {
        table: "persons",
        person_column: "id",
        key: &["id"],
        restore: Restore::Update,
    },
    Tracked {
        table: "households",
        person_column: "head_person_id",
        key: &["id"],
        restore: Restore::Update,
    },
    Tracked {
        table: "household_members",
        person_column: "person_id",
        key: &["id"],
        restore: Restore::Replace,
    },
    Tracked {
        table: "consents",
        person_column: "person_id",
        key: &["id"],
        restore: Restore::Replace,
    },
    Tracked {
        table: "person_special",
        person_column: "person_id",
        key: &["category"],
        restore: Restore::Replace,
    },
    Tracked {
        table: "person_names",
        person_column: "person_id",
        key: &["token", "sound", "field"],
        restore: Restore::Replace,
    },
    Tracked {
        table: "cases",
        person_column: "person_id",
        key: &["id"],
        restore: Restore::Update,
    },
    Tracked {
        table: "referrals",
        person_column: "person_id",
        key: &["id"],
        restore: Restore::Update,
    },
    Tracked {
        table: "import_fingerprints",
        person_column: "person_id",
        key: &["fingerprint"],
        restore: Restore::Replace,
    },
    Tracked {
        table: "person_transfers",
        person_column: "person_id",
        key: &["id"],
        restore: Restore::Replace,
    },
];

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

impl Snapshot {
    /// The current rows of `people` (in that order) in every tracked table.
    pub async fn take(conn: &mut AnyConnection, people: &[&str]) -> Result<Snapshot> {
        let mut tables = Vec::new();
        for t in TRACKED {
            let mut columns: Vec<String> = Vec::new();
            let mut rows = Vec::new();
            for person in people {
                let mut q = Sql::new(&format!(
                    "SELECT * FROM {} WHERE {} = ",
                    t.table, t.person_column
                ));
                q.bind((*person).to_owned())
                    .push(&format!(" ORDER BY {}", t.key.join(", ")));
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
        for t in TRACKED {
            let Some(kept) = self.tables.iter().find(|k| k.table == t.table) else {
                continue;
            };
            match t.restore {
                Restore::Replace => {
                    let mut q = Sql::new(&format!(
                        "DELETE FROM {} WHERE {} IN (",
                        t.table, t.person_column
                    ));
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
                            if t.key.contains(&c.as_str()) {
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
                            if t.key.contains(&c.as_str()) {
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
