//! How columns kept as portable text read in the API: lists as JSON arrays or
//! comma-separated codes, yes/no as 0/1, documents as JSON text. Rows keep
//! the stored text (one query text for both engines); these serializers give
//! the API its typed shape, written once for every feature's rows.

use serde::{Serialize, Serializer};

/// A JSON array of strings kept as text (`["tr","rom"]`); unreadable text is an empty list.
pub fn json_list<S: Serializer>(text: &str, s: S) -> Result<S::Ok, S::Error> {
    serde_json::from_str::<Vec<String>>(text)
        .unwrap_or_default()
        .serialize(s)
}

/// Codes kept comma-separated (`health,education`).
pub fn csv_list<S: Serializer>(text: &str, s: S) -> Result<S::Ok, S::Error> {
    split_list(text).serialize(s)
}

/// The codes of a comma-separated column.
pub fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A yes/no kept as 0/1.
pub fn flag<S: Serializer>(v: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_bool(*v != 0)
}

/// A JSON document kept as text; unreadable text is null.
pub fn json_value<S: Serializer>(text: &str, s: S) -> Result<S::Ok, S::Error> {
    serde_json::from_str::<serde_json::Value>(text)
        .unwrap_or(serde_json::Value::Null)
        .serialize(s)
}

#[cfg(test)]
mod tests {
    #[derive(serde::Serialize)]
    struct Row {
        #[serde(serialize_with = "super::json_list")]
        languages: String,
        #[serde(serialize_with = "super::csv_list")]
        services: String,
        #[serde(serialize_with = "super::flag")]
        lead: i64,
        #[serde(serialize_with = "super::json_value")]
        answers: String,
    }

    #[test]
    fn stored_text_reads_typed() {
        let r = Row {
            languages: r#"["tr","rom"]"#.into(),
            services: "health,,education".into(),
            lead: 1,
            answers: "not json".into(),
        };
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            serde_json::json!({"languages": ["tr", "rom"], "services": ["health", "education"], "lead": true, "answers": null})
        );
    }
}
