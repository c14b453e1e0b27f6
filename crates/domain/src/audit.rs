//! The audit chain: each entry's hash covers its own fields and the previous
//! entry's hash, so changing, inserting or deleting any entry breaks every hash
//! after it. Encoding is length-prefixed so that no two different entries can
//! produce the same byte string.

use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of one audit entry that the hash covers (all of them).
#[derive(Debug, Clone, Copy)]
pub struct EntryFields<'a> {
    pub seq: i64,
    pub at: &'a str,
    pub actor_id: Option<&'a str>,
    pub actor_name: &'a str,
    pub action: &'a str,
    pub record_type: Option<&'a str>,
    pub record_id: Option<&'a str>,
    pub area_code: Option<&'a str>,
    pub unit_code: Option<&'a str>,
    pub client_addr: Option<&'a str>,
    pub outcome: &'a str,
    pub details: &'a str,
}

fn put(h: &mut Sha256, field: Option<&str>) {
    match field {
        None => h.update([0u8]),
        Some(s) => {
            h.update([1u8]);
            h.update((s.len() as u64).to_be_bytes());
            h.update(s.as_bytes());
        }
    }
}

/// The hash of an entry given the previous entry's hash, as lower-case hex.
pub fn chain_hash(prev_hash: &str, f: &EntryFields<'_>) -> String {
    let mut h = Sha256::new();
    h.update(b"kopru-audit-v1");
    put(&mut h, Some(prev_hash));
    h.update(f.seq.to_be_bytes());
    put(&mut h, Some(f.at));
    put(&mut h, f.actor_id);
    put(&mut h, Some(f.actor_name));
    put(&mut h, Some(f.action));
    put(&mut h, f.record_type);
    put(&mut h, f.record_id);
    put(&mut h, f.area_code);
    put(&mut h, f.unit_code);
    put(&mut h, f.client_addr);
    put(&mut h, Some(f.outcome));
    put(&mut h, Some(f.details));
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(details: &str) -> EntryFields<'_> {
        EntryFields {
            seq: 1,
            at: "2026-01-01T00:00:00.000000Z",
            actor_id: Some("u1"),
            actor_name: "admin",
            action: "unit.create",
            record_type: Some("unit"),
            record_id: Some("x"),
            area_code: None,
            unit_code: None,
            client_addr: Some("127.0.0.1"),
            outcome: "ok",
            details,
        }
    }

    #[test]
    fn every_field_and_the_previous_hash_matter() {
        let a = chain_hash(GENESIS_HASH, &fields("{}"));
        assert_eq!(a.len(), 64);
        assert_ne!(a, chain_hash(GENESIS_HASH, &fields("{ }")));
        assert_ne!(a, chain_hash(&a, &fields("{}")));
        let mut f = fields("{}");
        f.area_code = Some("");
        assert_ne!(a, chain_hash(GENESIS_HASH, &f), "None and empty differ");
    }
}
