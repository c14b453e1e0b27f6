//! Charts drawn on the server as inline SVG: no script, a few hundred bytes
//! each, readable on a cheap phone and printable. Written by hand because a
//! horizontal bar chart is thirty lines and no crate draws one this small.

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

/// Horizontal bars, one per (label, value), labels left, values right.
/// `title` is read by screen readers. Safe to insert unescaped: every text is escaped here.
pub fn bars(title: &str, rows: &[(String, i64)]) -> String {
    const ROW: i64 = 22;
    const LABEL_W: i64 = 150;
    const BAR_W: i64 = 190;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let height = ROW * rows.len().max(1) as i64 + 4;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 {w} {height}\" width=\"100%\" xmlns=\"http://www.w3.org/2000/svg\"><title>{t}</title>",
        w = LABEL_W + BAR_W + 50,
        t = escape(title)
    );
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = i as i64 * ROW + 2;
        let w = (value * BAR_W / max).max(if *value > 0 { 2 } else { 0 });
        let short: String = label.chars().take(24).collect();
        let _ = write!(
            svg,
            "<text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\" font-size=\"12\">{l}</text>\
             <rect x=\"{bx}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" fill=\"#2b6cb0\"><title>{full}: {value}</title></rect>\
             <text x=\"{vx}\" y=\"{ty}\" font-size=\"12\">{value}</text>",
            lx = LABEL_W - 6,
            ty = y + 14,
            l = escape(&short),
            bx = LABEL_W,
            h = ROW - 6,
            full = escape(label),
            vx = LABEL_W + w + 4,
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_escape_labels() {
        let svg = bars(
            "Cases <by> status",
            &[("a&b".into(), 10), ("c".into(), 5), ("d".into(), 0)],
        );
        assert!(svg.contains("<title>Cases &lt;by&gt; status</title>"));
        assert!(svg.contains(">a&amp;b</text>"));
        assert!(svg.contains("width=\"190\""), "{svg}");
        assert!(svg.contains("width=\"95\""), "{svg}");
        assert!(svg.contains("width=\"0\""), "{svg}");
        assert!(!svg.contains("<script"));
    }
}
