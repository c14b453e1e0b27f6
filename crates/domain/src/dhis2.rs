//! Exchange with DHIS2: the mapping from Köprü's codes to a DHIS2
//! instance's data set, data elements, category option combos and
//! organisation units, and the two shapes DHIS2 imports — IHE ADX XML
//! (`urn:ihe:qrph:adx:2015`) and `dataValueSets` JSON. No I/O: the web layer
//! computes the values and sends or serves what these functions write.

use crate::form::{DefinitionErrors, DefinitionProblem};
use crate::indicator::{valid_dhis2_uid, Dimension, Period};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The largest mapping file read.
pub const MAX_MAPPING_BYTES: usize = 1024 * 1024;

/// An installation's mapping file (JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// The DHIS2 data set the values belong to.
    pub data_set: String,
    /// Köprü's area codes to DHIS2 organisation unit ids.
    pub org_units: BTreeMap<String, String>,
    /// Indicator codes to data elements.
    pub data_elements: BTreeMap<String, ElementMapping>,
}

/// How one indicator is sent: its data element, the combo of its total, and
/// optionally one breakdown whose values map to category option combos.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ElementMapping {
    pub data_element: String,
    /// The category option combo of the undisaggregated value (DHIS2's
    /// default combo when none is given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<String>,
    /// A breakdown sent instead of the total (`sex` or `age`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<Dimension>,
    /// The category's code, an ADX attribute name (`SEX`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// The breakdown's keys (`female`, or an age band's index) to their combo
    /// and category option code.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, OptionMapping>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OptionMapping {
    pub combo: String,
    pub code: String,
}

/// DHIS2's default category option combo.
pub const DEFAULT_COMBO: &str = "HllvX50cXC0";

fn xml_name(s: &str) -> bool {
    let mut b = s.bytes();
    b.next().is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
        && s.len() <= 50
        // ADX's own attributes cannot be a category.
        && !matches!(s, "dataElement" | "value" | "orgUnit" | "period" | "dataSet")
}

fn token(s: &str) -> bool {
    !s.is_empty() && s.len() <= 100 && s.bytes().all(|b| b.is_ascii_graphic())
}

impl Mapping {
    /// A mapping file, checked whole: every problem named.
    pub fn parse(json: &str) -> Result<Mapping, DefinitionErrors> {
        let problem = |code: &'static str, at: String, detail: &str| DefinitionProblem {
            code,
            at,
            detail: detail.to_owned(),
        };
        if json.len() > MAX_MAPPING_BYTES {
            return Err(DefinitionErrors(vec![problem(
                "dhis2-mapping-too-large",
                String::new(),
                "",
            )]));
        }
        let m: Mapping = serde_json::from_str(json).map_err(|e| {
            DefinitionErrors(vec![problem(
                "dhis2-mapping-syntax",
                format!("line {}, column {}", e.line(), e.column()),
                &e.to_string(),
            )])
        })?;
        let mut p = Vec::new();
        if !valid_dhis2_uid(&m.data_set) {
            p.push(problem("dhis2-mapping-uid", "data_set".into(), &m.data_set));
        }
        for (area, ou) in &m.org_units {
            if !valid_dhis2_uid(ou) || area.is_empty() || area.len() > 40 {
                p.push(problem(
                    "dhis2-mapping-uid",
                    format!("org_units.{area}"),
                    ou,
                ));
            }
        }
        for (code, e) in &m.data_elements {
            let at = |f: &str| format!("data_elements.{code}.{f}");
            if !valid_dhis2_uid(&e.data_element) {
                p.push(problem(
                    "dhis2-mapping-uid",
                    at("data_element"),
                    &e.data_element,
                ));
            }
            if e.total.as_deref().is_some_and(|t| !valid_dhis2_uid(t)) {
                p.push(problem("dhis2-mapping-uid", at("total"), ""));
            }
            match (&e.by, &e.category) {
                (Some(Dimension::Sex | Dimension::Age), Some(c)) if xml_name(c) => {}
                (None, None) if e.options.is_empty() => {}
                _ => p.push(problem("dhis2-mapping-breakdown", at("by"), "")),
            }
            for (k, o) in &e.options {
                if !valid_dhis2_uid(&o.combo) || !token(&o.code) || k.is_empty() {
                    p.push(problem(
                        "dhis2-mapping-uid",
                        at(&format!("options.{k}")),
                        &o.combo,
                    ));
                }
            }
        }
        if p.is_empty() {
            Ok(m)
        } else {
            Err(DefinitionErrors(p))
        }
    }
}

/// One value to send: an indicator's value for an area and a period, the
/// total or one option of its mapped breakdown.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportValue {
    pub indicator: String,
    pub area: String,
    pub period: Period,
    /// A key of the mapped breakdown; none for the total.
    pub option: Option<String>,
    pub value: f64,
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// A decimal as `xs:decimal` writes it: no exponent, no NaN.
fn decimal(v: f64) -> String {
    if !v.is_finite() {
        return "0".into();
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// The values as an ADX document: one group per organisation unit and
/// period (ISO 8601 as ADX asks), one `dataValue` per value, a mapped
/// breakdown's category as an attribute. Values of unmapped indicators,
/// areas or options are left out (the caller counts them).
pub fn adx(m: &Mapping, values: &[ExportValue], exported: &str) -> String {
    let mut groups: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for v in values {
        let (Some(e), Some(ou)) = (m.data_elements.get(&v.indicator), m.org_units.get(&v.area))
        else {
            continue;
        };
        let category = match (&v.option, &e.category) {
            (None, _) => String::new(),
            (Some(k), Some(cat)) => match e.options.get(k) {
                Some(o) => format!(" {}=\"{}\"", cat, escape(&o.code)),
                None => continue,
            },
            (Some(_), None) => continue,
        };
        groups
            .entry((ou.clone(), v.period.iso8601()))
            .or_default()
            .push(format!(
                "    <dataValue dataElement=\"{}\"{category} value=\"{}\"/>\n",
                escape(&e.data_element),
                decimal(v.value)
            ));
    }
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<adx xmlns=\"urn:ihe:qrph:adx:2015\" exported=\"{}\">\n",
        escape(exported)
    );
    for ((ou, period), lines) in groups {
        out.push_str(&format!(
            "  <group orgUnit=\"{}\" period=\"{}\" dataSet=\"{}\">\n",
            escape(&ou),
            escape(&period),
            escape(&m.data_set)
        ));
        for l in lines {
            out.push_str(&l);
        }
        out.push_str("  </group>\n");
    }
    out.push_str("</adx>\n");
    out
}

/// The same values as DHIS2's `dataValueSets` JSON; periods as DHIS2 names
/// them (`2026Q1`), values of a custom range left out (DHIS2 has no period
/// for them).
pub fn data_value_sets(m: &Mapping, values: &[ExportValue]) -> serde_json::Value {
    let mut out = Vec::new();
    for v in values {
        let (Some(e), Some(ou), Some(pe)) = (
            m.data_elements.get(&v.indicator),
            m.org_units.get(&v.area),
            v.period.dhis2(),
        ) else {
            continue;
        };
        let combo = match &v.option {
            None => e.total.clone().unwrap_or_else(|| DEFAULT_COMBO.to_owned()),
            Some(k) => match e.options.get(k) {
                Some(o) => o.combo.clone(),
                None => continue,
            },
        };
        out.push(serde_json::json!({
            "dataElement": e.data_element,
            "period": pe,
            "orgUnit": ou,
            "categoryOptionCombo": combo,
            "value": decimal(v.value),
        }));
    }
    serde_json::json!({ "dataSet": m.data_set, "dataValues": out })
}

/// The mapping shipped as an example (`data/dhis2/mapping.example.json`):
/// the demo's provinces and the headline indicators, with made-up ids.
pub const EXAMPLE_MAPPING: &str = include_str!("../../../data/dhis2/mapping.example.json");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_mapping_parses_and_bad_ones_are_named() {
        let m = Mapping::parse(EXAMPLE_MAPPING).unwrap();
        assert!(m.data_elements.contains_key("HL01"));
        let e = Mapping::parse(
            r#"{"data_set": "x", "org_units": {"TR": "short"}, "data_elements":
            {"A": {"data_element": "AbcdefGhij1", "by": "sex", "category": "value"}}}"#,
        )
        .unwrap_err();
        let codes: Vec<&str> = e.0.iter().map(|p| p.code).collect();
        assert_eq!(
            codes,
            [
                "dhis2-mapping-uid",
                "dhis2-mapping-uid",
                "dhis2-mapping-breakdown"
            ]
        );
    }

    #[test]
    fn values_become_adx_groups_and_data_values() {
        let m = Mapping::parse(EXAMPLE_MAPPING).unwrap();
        let q = Period::quarter(2026, 1);
        let v = |o: Option<&str>, value| ExportValue {
            indicator: "HL01".into(),
            area: "TR-06".into(),
            period: q.clone(),
            option: o.map(str::to_owned),
            value,
        };
        let values = [
            v(None, 12.0),
            v(Some("female"), 7.0),
            v(Some("nobody"), 1.0),
        ];
        let x = adx(&m, &values, "2026-04-01T10:00:00Z");
        assert!(x.contains("period=\"2026-01-01/P3M\""), "{x}");
        assert_eq!(x.matches("<dataValue").count(), 2, "{x}");
        assert!(x.contains("SEX=\"F\" value=\"7\""), "{x}");
        let j = data_value_sets(&m, &values);
        assert_eq!(j["dataValues"].as_array().unwrap().len(), 2);
        assert_eq!(j["dataValues"][0]["period"], "2026Q1");
        assert_eq!(decimal(0.1 + 0.2), "0.3");
    }
}
