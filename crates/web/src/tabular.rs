//! Reading the spreadsheets units keep: CSV in UTF-8 (with or without BOM),
//! Windows-1254 (Turkish) or Windows-1250 (Serbian Latin), comma, semicolon or
//! tab separated; or XLSX. Every file becomes a header row and numbered rows
//! of text, so one import path serves both.

use std::io::Cursor;

#[derive(Debug, Clone)]
pub struct Table {
    pub headers: Vec<String>,
    /// (row number as the spreadsheet shows it, cells)
    pub rows: Vec<(usize, Vec<String>)>,
    /// utf-8, windows-1254, windows-1250, xlsx
    pub encoding: &'static str,
    pub delimiter: Option<char>,
}

/// Refusals, as Fluent message ids.
pub type ReadError = &'static str;

pub fn read(bytes: &[u8]) -> Result<Table, ReadError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err("err-import-empty");
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return read_xlsx(bytes);
    }
    // Text never holds NUL bytes (UTF-16 aside); pictures, PDFs and old .xls files do.
    let utf16 = bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF");
    if !utf16 && bytes.iter().take(1 << 20).any(|b| *b == 0) {
        return Err("err-import-binary");
    }
    let (text, encoding) = decode(bytes)?;
    read_csv(&text, encoding)
}

/// UTF-8 (a BOM is dropped); otherwise whichever of Windows-1254 and -1250 gives
/// more letters of its own language.
pub fn decode(bytes: &[u8]) -> Result<(String, &'static str), ReadError> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if body.starts_with(b"\xFF\xFE") || body.starts_with(b"\xFE\xFF") {
        let (text, _, bad) = encoding_rs::UTF_16LE.decode(body);
        if bad {
            return Err("err-import-encoding");
        }
        return Ok((text.into_owned(), "utf-16"));
    }
    if let Ok(s) = std::str::from_utf8(body) {
        return Ok((s.to_owned(), "utf-8"));
    }
    let (tr, _, tr_bad) = encoding_rs::WINDOWS_1254.decode(body);
    let (sr, _, sr_bad) = encoding_rs::WINDOWS_1250.decode(body);
    let score = |s: &str, letters: &str| s.chars().filter(|c| letters.contains(*c)).count();
    let tr_score = score(&tr, "ğĞşŞıİçÇöÖüÜ");
    let sr_score = score(&sr, "čČćĆžŽšŠđĐ");
    match (tr_bad, sr_bad) {
        (true, true) => Err("err-import-encoding"),
        (false, true) => Ok((tr.into_owned(), "windows-1254")),
        (true, false) => Ok((sr.into_owned(), "windows-1250")),
        _ if sr_score > tr_score => Ok((sr.into_owned(), "windows-1250")),
        _ => Ok((tr.into_owned(), "windows-1254")),
    }
}

fn sniff_delimiter(text: &str) -> u8 {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for ch in first.bytes() {
        if ch == b'"' {
            quoted = !quoted;
        }
        if !quoted {
            for c in counts.iter_mut() {
                if c.0 == ch {
                    c.1 += 1;
                }
            }
        }
    }
    counts
        .iter()
        .max_by_key(|c| c.1)
        .filter(|c| c.1 > 0)
        .map(|c| c.0)
        .unwrap_or(b',')
}

fn read_csv(text: &str, encoding: &'static str) -> Result<Table, ReadError> {
    let delimiter = sniff_delimiter(text);
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut headers: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    let bytes = text.as_bytes();
    let (mut counted_to, mut line) = (0usize, 1usize);
    for rec in rdr.records() {
        let rec = rec.map_err(|_| "err-import-csv")?;
        // The line the row starts on, as a text editor numbers it (blank lines count).
        let mut at = rec
            .position()
            .map(|p| p.byte() as usize)
            .unwrap_or(counted_to)
            .min(bytes.len());
        // The reader may report the start of the blank lines it skipped.
        while at < bytes.len() && (bytes[at] == b'\n' || bytes[at] == b'\r') {
            at += 1;
        }
        line += bytes[counted_to..at]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        counted_to = at;
        let cells: Vec<String> = rec.iter().map(|c| c.trim().to_owned()).collect();
        if cells.iter().all(|c| c.is_empty()) {
            continue;
        }
        match headers {
            None => headers = Some(cells),
            Some(_) => rows.push((line, cells)),
        }
    }
    finish(headers, rows, encoding, Some(delimiter as char))
}

fn finish(
    headers: Option<Vec<String>>,
    rows: Vec<(usize, Vec<String>)>,
    encoding: &'static str,
    delimiter: Option<char>,
) -> Result<Table, ReadError> {
    let headers = headers.ok_or("err-import-empty")?;
    if rows.is_empty() {
        return Err("err-import-no-rows");
    }
    Ok(Table {
        headers,
        rows,
        encoding,
        delimiter,
    })
}

fn read_xlsx(bytes: &[u8]) -> Result<Table, ReadError> {
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes.to_vec())).map_err(|_| "err-import-xlsx")?;
    let name = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or("err-import-empty")?;
    let range = book.worksheet_range(&name).map_err(|_| "err-import-xlsx")?;
    let mut headers = None;
    let mut rows = Vec::new();
    let start = range.start().map(|(r, _)| r as usize).unwrap_or(0);
    for (i, row) in range.rows().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .map(|c| match c {
                Data::Empty => String::new(),
                Data::String(s) => s.trim().to_owned(),
                // Excel keeps ID and phone numbers as floats: write whole numbers without ".0".
                Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e16 => format!("{}", *f as i64),
                Data::Float(f) => f.to_string(),
                Data::Int(n) => n.to_string(),
                Data::Bool(b) => b.to_string(),
                // Dates are serial numbers; the import turns them into dates.
                Data::DateTime(d) => format!("{}", d.as_f64() as i64),
                Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
                Data::Error(_) => String::new(),
            })
            .collect();
        if cells.iter().all(|c| c.is_empty()) {
            continue;
        }
        match headers {
            None => headers = Some(cells),
            Some(_) => rows.push((start + i + 1, cells)),
        }
    }
    finish(headers, rows, "xlsx", None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_and_delimiters() {
        let utf8 = "Adı;Soyadı\nŞükrü;Yılmaz\n";
        let t = read(utf8.as_bytes()).unwrap();
        assert_eq!(
            (t.encoding, t.delimiter, t.rows[0].1[0].as_str()),
            ("utf-8", Some(';'), "Şükrü")
        );
        let bom = [b"\xEF\xBB\xBF".as_slice(), b"a,b\n1,2\n"].concat();
        assert_eq!(read(&bom).unwrap().headers[0], "a");
        let (cp1254, _, _) =
            encoding_rs::WINDOWS_1254.encode("Adı,Soyadı\nŞükrü,Yılmaz\nİsmail,Doğan\n");
        let t = read(&cp1254).unwrap();
        assert_eq!(
            (t.encoding, t.rows[1].1[1].as_str()),
            ("windows-1254", "Doğan")
        );
        let (cp1250, _, _) =
            encoding_rs::WINDOWS_1250.encode("Ime,Prezime\nŠaban,Đorđević\nĆazim,Čolić\n");
        let t = read(&cp1250).unwrap();
        assert_eq!(
            (t.encoding, t.rows[0].1[1].as_str()),
            ("windows-1250", "Đorđević")
        );
        assert_eq!(read(b"").unwrap_err(), "err-import-empty");
        assert_eq!(read(b"a,b\n").unwrap_err(), "err-import-no-rows");
        let t = read(b"a\tb\n\n1\t2\n").unwrap();
        assert_eq!(
            (t.delimiter, t.rows[0].0),
            (Some('\t'), 3),
            "row numbers as the file shows them"
        );
    }
}
