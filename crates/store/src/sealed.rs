//! Every column sealed with the keyring that records the key it was sealed
//! with (`key_id`), and how its associated data is built: what `kopru keys
//! rotate` re-encrypts with the active key. A feature that seals a column
//! with a `key_id` adds a row here in the same change.

use crate::audit::{append, Actor};
use crate::error::{Result, StoreError};
use crate::sql::Sql;
use crate::Store;

/// A sealed column of a table.
struct Sealed {
    table: &'static str,
    /// The one or two columns that identify a row, in the order `aad` reads them.
    key: &'static [&'static str],
    /// The associated data a row was sealed with, from its key columns.
    aad: fn(&[String]) -> String,
    column: &'static str,
    /// Sealed as bytes (`encrypt_bytes`), not text.
    bytes: bool,
}

const SEALED: &[Sealed] = &[
    // Special-category values: `<person>/<category>`.
    Sealed {
        table: "person_special",
        key: &["person_id", "category"],
        aad: |k| format!("{}/{}", k[0], k[1]),
        column: "ciphertext",
        bytes: false,
    },
    // Immunisation status (health): `immunisation/<row>`.
    Sealed {
        table: "immunisations",
        key: &["id"],
        aad: |k| format!("immunisation/{}", k[0]),
        column: "sealed",
        bytes: false,
    },
    // Case attachments: `attachment/<row>`.
    Sealed {
        table: "case_attachments",
        key: &["id"],
        aad: |k| format!("attachment/{}", k[0]),
        column: "ciphertext",
        bytes: true,
    },
    // Evidence attached to progress reports: `evidence/<row>`.
    Sealed {
        table: "report_evidence",
        key: &["id"],
        aad: |k| format!("evidence/{}", k[0]),
        column: "ciphertext",
        bytes: true,
    },
];

/// Rows per transaction.
const BATCH: usize = 200;

impl Store {
    /// Re-encrypts every sealed value not sealed with the active key
    /// (special categories, immunisation statuses, case attachments), in
    /// batches each committed with an audit entry. Returns how many.
    pub async fn reencrypt_sealed(&self) -> Result<u64> {
        let keyring = self.keyring()?;
        let active = keyring.active_id().to_owned();
        let crypt = |e: crate::crypto::CryptoError| StoreError::Other(e.to_string());
        let mut done = 0u64;
        for s in SEALED {
            // One or two key columns, read as two (the one twice).
            let select = format!(
                "SELECT {}, {}, {} FROM {} WHERE key_id <> ",
                s.key[0],
                s.key[s.key.len() - 1],
                s.column,
                s.table
            );
            loop {
                let rows: Vec<(String, String, String)> = Sql::new(&select)
                    .bind(active.clone())
                    .push(&format!(" LIMIT {BATCH}"))
                    .fetch_all(self.pool())
                    .await?;
                if rows.is_empty() {
                    break;
                }
                let mut tx = self.begin_write().await?;
                for (first, last, sealed) in &rows {
                    let key = if s.key.len() == 1 {
                        vec![first.clone()]
                    } else {
                        vec![first.clone(), last.clone()]
                    };
                    let aad = (s.aad)(&key);
                    let fresh = if s.bytes {
                        let plain = keyring.decrypt_bytes(&aad, sealed).map_err(crypt)?;
                        keyring.encrypt_bytes(&aad, &plain).map_err(crypt)?
                    } else {
                        let plain = keyring.decrypt(&aad, sealed).map_err(crypt)?;
                        keyring.encrypt(&aad, &plain).map_err(crypt)?
                    };
                    let mut q = Sql::new(&format!("UPDATE {} SET {} = ", s.table, s.column));
                    q.bind(fresh).push(", key_id = ").bind(active.clone());
                    for (i, (col, value)) in s.key.iter().zip(&key).enumerate() {
                        q.push(if i == 0 { " WHERE " } else { " AND " })
                            .push(&format!("{col} = "))
                            .bind(value.clone());
                    }
                    q.execute(tx.conn()).await?;
                }
                append(
                    tx.conn(),
                    &Actor::system("keys").event("keys.reencrypt").details(
                        serde_json::json!({ "table": s.table, "rows": rows.len(), "key": active }),
                    ),
                )
                .await?;
                tx.commit().await?;
                done += rows.len() as u64;
            }
        }
        Ok(done)
    }
}
