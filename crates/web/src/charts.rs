//! Charts drawn on the server as HTML: a table whose rows carry a bar, so the
//! labels and numbers are the page's own text — its type scale at every width,
//! long labels wrapped rather than cut — screen readers read a table, and no
//! script runs. (An SVG scaled to the column drew 28 px labels at 1280 px and
//! cut "Kimlik ve nüfus belgeleri".) Written by hand because a bar chart is
//! thirty lines and no crate draws one this small.
//!
//! Maps (`choropleth`): an SVG of shapes shipped in `data/maps/` (Natural
//! Earth's provinces and districts, built by `scripts/maps-build`), each
//! area filled by its value's class; the words — the legend, each area's
//! name and value — are HTML and SVG titles, so they keep the page's type
//! scale. The table beside it is the accessible form of the same values.

use serde::Deserialize;
use std::collections::HashMap;
use std::fmt::Write;

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Horizontal bars, one per (label, value): the label, a bar scaled to the
/// largest value, the value. `title` captions the table. Safe to insert
/// unescaped: every text is escaped here.
pub fn bars(title: &str, rows: &[(String, i64)]) -> String {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let mut html = String::new();
    let _ = write!(
        html,
        "<table class=\"bars grid\"><caption class=\"sr-only\">{}</caption><tbody>",
        escape(title)
    );
    for (label, value) in rows {
        // Tenths of a percent; a value above nought shows at least a sliver.
        let permille = (value * 1000 / max).max(if *value > 0 { 5 } else { 0 });
        let _ = write!(
            html,
            "<tr><th scope=\"row\">{l}</th><td><span class=\"bar\" style=\"width:{w}.{f}%\"></span><span class=\"value\">{value}</span></td></tr>",
            l = escape(label),
            w = permille / 10,
            f = permille % 10,
        );
    }
    html.push_str("</tbody></table>");
    html
}

/// A country's shapes: SVG paths in a `width` × `height` box, by area code.
#[derive(Debug, Deserialize)]
pub struct Shapes {
    pub width: u32,
    pub height: u32,
    pub areas: Vec<Shape>,
    /// Areas of the country's level without a shape in the source.
    #[serde(default)]
    pub without_shape: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct Shape {
    pub code: String,
    pub d: String,
}

const MAPS: [(&str, &str); 2] = [
    ("TR", include_str!("../../../data/maps/tr.json")),
    ("RS", include_str!("../../../data/maps/rs.json")),
];

/// A map file of the installation's larger than this is refused (the
/// shipped ones are 31 KB and 25 KB).
pub const MAX_MAP_BYTES: u64 = 4 * 1024 * 1024;
/// At most this many map files are read from the maps directory.
pub const MAX_MAP_FILES: usize = 200;

/// Why the installation's maps directory could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MapError {
    #[error("reading {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {reason}")]
    Invalid { path: String, reason: String },
}

/// The maps the pages draw, by what they show: a country's (`TR`, `RS`:
/// shipped) or an area's parts (`TR-06.json` in the installation's maps
/// directory, `KOPRU_MAPS_DIR`: Ankara's districts). A table whose areas
/// are the parts of one area is drawn on that area's map when there is one.
#[derive(Debug)]
pub struct Maps(HashMap<String, Shapes>);

impl Default for Maps {
    fn default() -> Self {
        Maps::shipped()
    }
}

impl Maps {
    /// The shipped maps only.
    pub fn shipped() -> Self {
        Maps(
            MAPS.iter()
                .filter_map(|(c, text)| {
                    serde_json::from_str::<Shapes>(text)
                        .ok()
                        .map(|s| ((*c).to_owned(), s))
                })
                .collect(),
        )
    }

    /// The shipped maps and every `<AREA-CODE>.json` in `dir`, in the
    /// shipped files' format (`scripts/maps-build` writes it from GeoJSON);
    /// one there replaces a shipped one of the same name. Every file is
    /// checked whole — its size, its name, each path's characters — so a
    /// bad file stops the start with its name rather than drawing wrong.
    pub fn load(dir: &std::path::Path) -> Result<Self, MapError> {
        let mut maps = Maps::shipped();
        let read = |path: &std::path::Path, source| MapError::Read {
            path: path.display().to_string(),
            source,
        };
        let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| read(dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        if files.len() > MAX_MAP_FILES {
            return Err(MapError::Invalid {
                path: dir.display().to_string(),
                reason: format!("more than {MAX_MAP_FILES} map files"),
            });
        }
        for path in files {
            let invalid = |reason: String| MapError::Invalid {
                path: path.display().to_string(),
                reason,
            };
            let key = path
                .file_stem()
                .and_then(|s| s.to_str())
                .filter(|k| valid_code(k))
                .ok_or_else(|| invalid("the name must be an area code, as TR-06.json".into()))?
                .to_owned();
            let size = std::fs::metadata(&path).map_err(|e| read(&path, e))?.len();
            if size > MAX_MAP_BYTES {
                return Err(invalid(format!("larger than {MAX_MAP_BYTES} bytes")));
            }
            let text = std::fs::read_to_string(&path).map_err(|e| read(&path, e))?;
            let shapes: Shapes = serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
            shapes.check().map_err(invalid)?;
            maps.0.insert(key, shapes);
        }
        Ok(maps)
    }

    pub fn get(&self, key: &str) -> Option<&Shapes> {
        self.0.get(key)
    }

    /// What the maps show (`RS`, `TR`, `TR-06`, …), sorted.
    pub fn keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = self.0.keys().map(String::as_str).collect();
        keys.sort_unstable();
        keys
    }

    /// The maps a table by these areas may be drawn on: each area's
    /// country's and its parent's where there is one, once each, sorted.
    pub fn for_areas<'a>(&self, codes: impl Iterator<Item = &'a str>) -> Vec<&str> {
        let mut keys: Vec<&str> = Vec::new();
        for code in codes {
            let country = code.split('-').next().unwrap_or(code);
            let parent = code.rsplit_once('-').map_or(code, |(p, _)| p);
            for k in [country, parent] {
                if let Some((key, _)) = self.0.get_key_value(k) {
                    if !keys.contains(&key.as_str()) {
                        keys.push(key.as_str());
                    }
                }
            }
        }
        keys.sort_unstable();
        keys
    }
}

/// An area code as the registry writes them: capitals, digits, hyphens.
fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 64
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
}

impl Shapes {
    /// What a map file must be for its paths to go into a page as they are.
    fn check(&self) -> Result<(), String> {
        if !(1..=10_000).contains(&self.width) || !(1..=10_000).contains(&self.height) {
            return Err("width and height must be from 1 to 10000".into());
        }
        if self.areas.is_empty() || self.areas.len() > 5_000 {
            return Err("a map has from 1 to 5000 areas".into());
        }
        for a in &self.areas {
            if !valid_code(&a.code) {
                return Err(format!("{:?} is not an area code", a.code));
            }
            if a.d.is_empty()
                || !a
                    .d
                    .chars()
                    .all(|c| matches!(c, 'M' | 'L' | 'Z' | '0'..='9' | ' ' | '.' | '-'))
            {
                return Err(format!(
                    "the path of {} may hold only M, L, Z, digits, spaces, points and minus signs",
                    a.code
                ));
            }
        }
        Ok(())
    }
}

/// One area's value on a map: its code, name, value (none: nothing to
/// show) and the text to show for it ("<5" when hidden).
#[derive(Debug, Clone)]
pub struct MapValue {
    pub code: String,
    pub label: String,
    pub value: Option<f64>,
    pub text: String,
    pub hidden: bool,
}

/// Sequential blues (ColorBrewer), light to dark: readable for the common
/// colour-vision deficiencies and in greyscale print.
const CLASSES: [&str; 5] = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"];
const NO_VALUE: &str = "#e2e8f0";

/// The words a map needs in the reader's language, and the prefix of its
/// element ids (unique on the page: `{id}-tr`).
pub struct MapWords<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub no_value: &'a str,
    pub hidden: &'a str,
}

/// The map `key` of `maps` with each area of `values` filled by its class
/// (five equal steps from the smallest value given to the largest), hidden
/// cells hatched, areas without a value light grey; a legend below. `None`
/// when there is no such map or no value falls on one of its shapes. Safe to insert
/// unescaped: every text is escaped here.
pub fn choropleth(maps: &Maps, key: &str, values: &[MapValue], words: &MapWords) -> Option<String> {
    let shapes = maps.get(key)?;
    let by_code: HashMap<&str, &MapValue> = values.iter().map(|v| (v.code.as_str(), v)).collect();
    if !shapes
        .areas
        .iter()
        .any(|a| by_code.contains_key(a.code.as_str()))
    {
        return None;
    }
    // One scale for every value given, so that maps of two countries drawn
    // from one table read alike.
    let shown: Vec<f64> = values
        .iter()
        .filter(|v| !v.hidden)
        .filter_map(|v| v.value)
        .collect();
    let lo = shown.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = shown.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let class_of = |v: f64| -> usize {
        if hi <= lo {
            return CLASSES.len() - 1;
        }
        (((v - lo) / (hi - lo) * CLASSES.len() as f64) as usize).min(CLASSES.len() - 1)
    };
    let id = format!("{}-{}", words.id, key.to_ascii_lowercase());
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<figure class=\"map\" id=\"{id}\"><svg viewBox=\"0 0 {w} {h}\" role=\"img\" \
         aria-labelledby=\"{id}-title\" preserveAspectRatio=\"xMidYMid meet\">\
         <title id=\"{id}-title\">{t}</title>\
         <defs><pattern id=\"{id}-hatch\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" \
         patternTransform=\"rotate(45)\"><rect width=\"8\" height=\"8\" fill=\"{NO_VALUE}\"/>\
         <line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"8\" stroke=\"#777\" stroke-width=\"3\"/></pattern></defs>",
        w = shapes.width,
        h = shapes.height,
        t = escape(words.title),
    );
    for a in &shapes.areas {
        let v = by_code.get(a.code.as_str());
        let (fill, title) = match v {
            Some(v) if v.hidden => (
                format!("url(#{id}-hatch)"),
                format!("{}: {}", v.label, v.text),
            ),
            Some(v) => match v.value {
                Some(x) => (
                    CLASSES[class_of(x)].to_owned(),
                    format!("{}: {}", v.label, v.text),
                ),
                None => (NO_VALUE.to_owned(), format!("{}: {}", v.label, v.text)),
            },
            None => (NO_VALUE.to_owned(), format!("{}: –", a.code)),
        };
        let _ = write!(
            svg,
            "<path d=\"{d}\" fill=\"{fill}\" data-area=\"{code}\"><title>{t}</title></path>",
            d = a.d,
            code = escape(&a.code),
            t = escape(&title),
        );
    }
    svg.push_str("</svg><figcaption><ul class=\"legend\">");
    if !shown.is_empty() {
        if hi > lo {
            let step = (hi - lo) / CLASSES.len() as f64;
            for (i, colour) in CLASSES.iter().enumerate() {
                let (from, to) = (lo + step * i as f64, lo + step * (i + 1) as f64);
                let _ = write!(
                    svg,
                    "<li><span class=\"swatch\" style=\"background:{colour}\"></span>{} – {}</li>",
                    number(from),
                    number(to)
                );
            }
        } else {
            let _ = write!(
                svg,
                "<li><span class=\"swatch\" style=\"background:{}\"></span>{}</li>",
                CLASSES[CLASSES.len() - 1],
                number(lo)
            );
        }
    }
    if values.iter().any(|v| v.hidden) {
        let _ = write!(
            svg,
            "<li><svg class=\"swatch\" viewBox=\"0 0 8 8\" aria-hidden=\"true\"><rect width=\"8\" height=\"8\" fill=\"url(#{id}-hatch)\"/></svg>{}</li>",
            escape(words.hidden)
        );
    }
    let _ = write!(
        svg,
        "<li><span class=\"swatch\" style=\"background:{NO_VALUE}\"></span>{}</li></ul></figcaption></figure>",
        escape(words.no_value)
    );
    Some(svg)
}

/// A legend's bound: whole numbers as such, others to one decimal.
fn number(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_escape_labels() {
        let html = bars(
            "Cases <by> status",
            &[
                ("a&b".into(), 10),
                ("Kimlik ve nüfus belgeleri ile ilgili işler".into(), 5),
                ("d".into(), 0),
            ],
        );
        assert!(html.contains("<caption class=\"sr-only\">Cases &lt;by&gt; status</caption>"));
        assert!(html.contains("<th scope=\"row\">a&amp;b</th>"));
        assert!(
            html.contains("Kimlik ve nüfus belgeleri ile ilgili işler</th>"),
            "labels are whole: {html}"
        );
        assert!(html.contains("width:100.0%"), "{html}");
        assert!(html.contains("width:50.0%"), "{html}");
        assert!(html.contains("width:0.0%"), "{html}");
        assert!(!html.contains("<script") && !html.contains("font-size"));
    }

    #[test]
    fn every_province_and_district_has_a_shape_with_a_path() {
        let maps = Maps::shipped();
        let tr = maps.get("TR").unwrap();
        assert_eq!(tr.areas.len(), 81);
        assert!(tr.without_shape.is_empty());
        let rs = maps.get("RS").unwrap();
        // Belgrade and the 24 districts outside Kosovo and Metohija.
        assert_eq!(rs.areas.len(), 25);
        for a in tr.areas.iter().chain(&rs.areas) {
            assert!(a.d.starts_with('M') && a.d.ends_with('Z'), "{}", a.code);
        }
        assert!(tr.areas.iter().any(|a| a.code == "TR-06"));
        assert!(rs.areas.iter().any(|a| a.code == "RS-00"));
    }

    #[test]
    fn areas_are_filled_by_class_hidden_ones_hatched_and_names_escaped() {
        let v = |code: &str, value: Option<f64>, hidden: bool| MapValue {
            code: code.into(),
            label: format!("<{code}>"),
            value,
            text: if hidden {
                "<5".into()
            } else {
                format!("{value:?}")
            },
            hidden,
        };
        let words = MapWords {
            id: "map",
            title: "HL01 & co",
            no_value: "none",
            hidden: "hidden",
        };
        let maps = Maps::shipped();
        let svg = choropleth(
            &maps,
            "TR",
            &[
                v("TR-06", Some(100.0), false),
                v("TR-34", Some(0.0), false),
                v("TR-35", None, true),
            ],
            &words,
        )
        .unwrap();
        assert!(svg.contains("HL01 &amp; co"));
        assert!(svg.contains(&format!("fill=\"{}\" data-area=\"TR-06\"", CLASSES[4])));
        assert!(svg.contains(&format!("fill=\"{}\" data-area=\"TR-34\"", CLASSES[0])));
        assert!(svg.contains("fill=\"url(#map-tr-hatch)\" data-area=\"TR-35\""));
        assert!(svg.contains("&lt;TR-35&gt;: &lt;5"));
        assert!(svg.contains(&format!("fill=\"{NO_VALUE}\" data-area=\"TR-01\"")));
        assert!(svg.contains("0 – 20"));
        // No value on a shape (districts of a province): no map.
        assert!(choropleth(&maps, "TR", &[v("TR-06-CANKAYA", Some(3.0), false)], &words).is_none());
        assert!(choropleth(&maps, "XX", &[v("TR-06", Some(3.0), false)], &words).is_none());
    }

    fn map_dir(files: &[(&str, &str)]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("kopru-maps-{}", kopru_store::new_id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        dir
    }

    #[test]
    fn an_installation_adds_the_districts_of_a_province_and_a_table_by_them_finds_that_map() {
        let dir = map_dir(&[(
            "TR-06.json",
            r#"{"width":100,"height":50,"areas":[{"code":"TR-06-CANKAYA","d":"M0 0L10 0L10 10Z"},{"code":"TR-06-ALTINDAG","d":"M10 0L20 0L20 10Z"}]}"#,
        )]);
        let maps = Maps::load(&dir).unwrap();
        assert!(
            maps.get("TR").is_some() && maps.get("RS").is_some(),
            "the shipped maps stay"
        );
        let codes = ["TR-06-CANKAYA", "TR-06-ALTINDAG", "TR-07-MURATPASA"];
        assert_eq!(maps.for_areas(codes.into_iter()), vec!["TR", "TR-06"]);
        assert_eq!(maps.for_areas(["RS-00"].into_iter()), vec!["RS"]);
        let words = MapWords {
            id: "map",
            title: "t",
            no_value: "none",
            hidden: "hidden",
        };
        let value = MapValue {
            code: "TR-06-CANKAYA".into(),
            label: "Çankaya".into(),
            value: Some(4.0),
            text: "4".into(),
            hidden: false,
        };
        let svg = choropleth(&maps, "TR-06", std::slice::from_ref(&value), &words).unwrap();
        assert!(svg.contains("id=\"map-tr-06\""));
        assert!(svg.contains(&format!(
            "fill=\"{}\" data-area=\"TR-06-CANKAYA\"",
            CLASSES[4]
        )));
        assert!(svg.contains(&format!("fill=\"{NO_VALUE}\" data-area=\"TR-06-ALTINDAG\"")));
        assert!(choropleth(&maps, "TR", &[value], &words).is_none());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_bad_map_file_is_refused_by_name_and_reason() {
        for (name, text, says) in [
            ("TR-06.json", "{", "EOF"),
            (
                "ankara.json",
                r#"{"width":1,"height":1,"areas":[]}"#,
                "area code",
            ),
            (
                "TR-06.json",
                r#"{"width":1,"height":1,"areas":[]}"#,
                "from 1 to 5000",
            ),
            (
                "TR-06.json",
                r#"{"width":1,"height":1,"areas":[{"code":"TR-06-X","d":"M0 0\"/><script>"}]}"#,
                "only M, L, Z",
            ),
            (
                "TR-06.json",
                r#"{"width":1,"height":1,"areas":[{"code":"<b>","d":"M0 0Z"}]}"#,
                "not an area code",
            ),
            (
                "TR-06.json",
                r#"{"width":0,"height":1,"areas":[]}"#,
                "width and height",
            ),
        ] {
            let dir = map_dir(&[(name, text)]);
            let e = Maps::load(&dir).unwrap_err().to_string();
            assert!(e.contains(name) && e.contains(says), "{name}: {e}");
            std::fs::remove_dir_all(dir).unwrap();
        }
        let e = Maps::load(std::path::Path::new("/nonexistent/maps")).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/maps"), "{e}");
    }
}
