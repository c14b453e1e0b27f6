//! Rules for data leaving the system in files.

/// Neutralises a spreadsheet cell that a spreadsheet program would read as a
/// formula (`=`, `+`, `-`, `@`, or a leading tab or carriage return) by
/// prefixing an apostrophe, as OWASP recommends against CSV injection.
pub fn safe_cell(value: &str) -> std::borrow::Cow<'_, str> {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => std::borrow::Cow::Owned(format!("'{value}")),
        _ => std::borrow::Cow::Borrowed(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        for f in ["=1+1", "+90 312", "-2", "@SUM(A1)", "\t=x"] {
            assert!(safe_cell(f).starts_with('\''), "{f}");
        }
        assert_eq!(safe_cell("Altındağ"), "Altındağ");
        assert_eq!(safe_cell(""), "");
    }
}
