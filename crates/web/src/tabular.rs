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
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        // Trailing empty cells (a spreadsheet's stray commas) do not count.
        let width = (0..rec.len())
            .rev()
            .find(|&i| !rec[i].trim().is_empty())
            .map_or(0, |i| i + 1);
        if width > MAX_COLUMNS {
            return Err("err-import-too-wide");
        }
        if rows.len() >= MAX_ROWS {
            return Err("err-import-too-many-rows");
        }
        let keep = if rec.len() > MAX_COLUMNS {
            width
        } else {
            rec.len()
        };
        let cells: Vec<String> = rec.iter().take(keep).map(|c| c.trim().to_owned()).collect();
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

/// Bounds on what one uploaded spreadsheet may make us hold, whatever it
/// declares: the XLSX's unpacked parts together (a zip bomb stops here, before
/// any part is parsed), its parts, the columns and the rows kept.
pub const MAX_XLSX_UNPACKED: u64 = 128 * 1024 * 1024;
pub const MAX_XLSX_PARTS: usize = 1_000;
pub const MAX_COLUMNS: usize = 256;
pub const MAX_ROWS: usize = 1_000_000;

/// Unpacks every part of the archive, counting, so that the real read below
/// never meets more than `MAX_XLSX_UNPACKED` bytes of XML (the sizes an
/// archive declares are not trusted). Worksheets are also checked for cell
/// references a spreadsheet could hold (calamine's reference parser overflows
/// on `ZZZZZZ99999999999`).
fn check_unpacked_size(bytes: &[u8]) -> Result<(), ReadError> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| "err-import-xlsx")?;
    if zip.len() > MAX_XLSX_PARTS {
        return Err("err-import-too-large");
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let part = zip.by_index(i).map_err(|_| "err-import-xlsx")?;
        let sheet = part
            .name()
            .map_err(|_| "err-import-xlsx")?
            .starts_with("xl/worksheets/");
        let budget = MAX_XLSX_UNPACKED - total;
        let mut limited = part.take(budget + 1);
        let n = if sheet {
            let mut xml = Vec::new();
            let n = limited
                .read_to_end(&mut xml)
                .map_err(|_| "err-import-xlsx")? as u64;
            if n <= budget && !references_are_sane(&xml) {
                return Err("err-import-xlsx");
            }
            n
        } else {
            std::io::copy(&mut limited, &mut std::io::sink()).map_err(|_| "err-import-xlsx")?
        };
        total += n;
        if total > MAX_XLSX_UNPACKED {
            return Err("err-import-too-large");
        }
    }
    Ok(())
}

/// Every `r="…"` attribute of a worksheet is a cell (`XFD1048576` at most) or
/// a row number, and every `ref="…"` a cell or a range of cells.
fn references_are_sane(xml: &[u8]) -> bool {
    fn cell(v: &[u8], letters_needed: bool) -> bool {
        let letters = v.iter().take_while(|c| c.is_ascii_alphabetic()).count();
        let digits = &v[letters..];
        (letters > 0 || !letters_needed)
            && letters <= 3
            && !digits.is_empty()
            && digits.len() <= 7
            && digits.iter().all(u8::is_ascii_digit)
    }
    let mut at = 0;
    while let Some(p) = xml[at..].windows(2).position(|w| w == b"=\"") {
        let eq = at + p;
        let start = eq + 2;
        let Some(len) = xml[start..].iter().position(|c| *c == b'"') else {
            return false;
        };
        let value = &xml[start..start + len];
        let name_start = xml[..eq]
            .iter()
            .rposition(|c| c.is_ascii_whitespace() || *c == b'<')
            .map_or(0, |i| i + 1);
        let ok = match &xml[name_start..eq] {
            b"r" => cell(value, false),
            b"ref" | b"sqref" => value
                .split(|c| *c == b':' || *c == b' ')
                .all(|c| c.is_empty() || cell(c, true)),
            _ => true,
        };
        if !ok {
            return false;
        }
        at = start + len + 1;
    }
    true
}

/// The first sheet, cell by cell as stored (never the dense rectangle its
/// declared dimensions or its farthest cell would span: one cell at XFD1048576
/// asked calamine's `worksheet_range` for 512 GiB).
fn read_xlsx(bytes: &[u8]) -> Result<Table, ReadError> {
    use calamine::{DataRef, Reader, Xlsx};
    check_unpacked_size(bytes)?;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| "err-import-xlsx")?;
    let name = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or("err-import-empty")?;
    let mut cells = book
        .worksheet_cells_reader(&name)
        .map_err(|_| "err-import-xlsx")?;
    // Row index → (column, text); rows are normally stored in order, but a
    // file may list them in any.
    let mut by_row: std::collections::BTreeMap<u32, Vec<(usize, String)>> = Default::default();
    while let Some(cell) = cells.next_cell().map_err(|_| "err-import-xlsx")? {
        let text = match cell.get_value() {
            DataRef::Empty | DataRef::Error(_) => continue,
            DataRef::String(s) => s.trim().to_owned(),
            DataRef::SharedString(s) => s.trim().to_owned(),
            // Excel keeps ID and phone numbers as floats: write whole numbers without ".0".
            DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e16 => format!("{}", *f as i64),
            DataRef::Float(f) => f.to_string(),
            DataRef::Int(n) => n.to_string(),
            DataRef::Bool(b) => b.to_string(),
            // Dates are serial numbers; the import turns them into dates.
            DataRef::DateTime(d) => format!("{}", d.as_f64() as i64),
            DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        };
        if text.is_empty() {
            continue;
        }
        let (row, col) = cell.get_position();
        let col = col as usize;
        if col >= MAX_COLUMNS {
            return Err("err-import-too-wide");
        }
        if by_row.len() > MAX_ROWS && !by_row.contains_key(&row) {
            return Err("err-import-too-many-rows");
        }
        by_row.entry(row).or_default().push((col, text));
    }
    drop(cells);
    let mut headers = None;
    let mut rows = Vec::new();
    for (row, mut kept) in by_row {
        let width = kept.iter().map(|(c, _)| c + 1).max().unwrap_or(0);
        let mut line = vec![String::new(); width];
        kept.sort_by_key(|(c, _)| *c);
        for (c, text) in kept {
            line[c] = text;
        }
        match headers {
            None => headers = Some(line),
            Some(_) => rows.push((row as usize + 1, line)),
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

    /// A minimal workbook whose first sheet's `<sheetData>` is `rows`
    /// (`sheet` overrides the whole sheet part when given).
    pub(crate) fn xlsx_with(rows: &str, sheet: Option<Vec<u8>>) -> Vec<u8> {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let sheet = sheet.unwrap_or_else(|| {
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>"#
            )
            .into_bytes()
        });
        let parts: [(&str, &[u8]); 5] = [
            ("[Content_Types].xml", br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#),
            ("_rels/.rels", br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#),
            ("xl/workbook.xml", br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
            ("xl/_rels/workbook.xml.rels", br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
            ("xl/worksheets/sheet1.xml", &sheet),
        ];
        for (name, body) in parts {
            zip.start_file(name, opts).unwrap();
            zip.write_all(body).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    const HEADER_AND_ONE: &str = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Adı</t></is></c><c r="B1" t="inlineStr"><is><t>Soyadı</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>Ayşe</t></is></c><c r="B2" t="inlineStr"><is><t>Yılmaz</t></is></c></row>"#;

    #[test]
    fn xlsx_read_cell_by_cell() {
        let t = read(&xlsx_with(HEADER_AND_ONE, None)).unwrap();
        assert_eq!(t.headers, ["Adı", "Soyadı"]);
        assert_eq!(t.rows, [(2, vec!["Ayşe".to_owned(), "Yılmaz".to_owned()])]);
        // A far-away row costs one row, not a million: its number is kept.
        let far = format!(
            r#"{HEADER_AND_ONE}<row r="1048576"><c r="B1048576" t="inlineStr"><is><t>Demir</t></is></c></row>"#
        );
        let t = read(&xlsx_with(&far, None)).unwrap();
        assert_eq!(
            t.rows[1],
            (1_048_576, vec![String::new(), "Demir".to_owned()])
        );
    }

    /// The outside test's 1.6 KB file: one extra cell at XFD1048576 made
    /// calamine allocate 512 GiB and abort the process.
    #[test]
    fn the_last_cell_of_a_sheet_is_refused_not_allocated() {
        let attack = format!(
            r#"{HEADER_AND_ONE}<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>"#
        );
        let file = xlsx_with(&attack, None);
        assert!(file.len() < 4096);
        assert_eq!(read(&file).unwrap_err(), "err-import-too-wide");
        // An empty cell out there (a formatted column) is nothing.
        let styled = format!(r#"{HEADER_AND_ONE}<row r="1048576"><c r="XFD1048576" s="1"/></row>"#);
        assert_eq!(read(&xlsx_with(&styled, None)).unwrap().rows.len(), 1);
        // A declared dimension of the whole sheet changes nothing either.
        let sheet = format!(
            r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData>{HEADER_AND_ONE}</sheetData></worksheet>"#
        );
        assert_eq!(
            read(&xlsx_with("", Some(sheet.into_bytes())))
                .unwrap()
                .rows
                .len(),
            1
        );
    }

    /// A sheet part that deflates 1000:1 past the bound is refused before
    /// calamine parses anything.
    #[test]
    fn a_zip_bomb_is_refused() {
        let mut sheet = br#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#.to_vec();
        sheet.resize(sheet.len() + MAX_XLSX_UNPACKED as usize + 1, b' ');
        sheet.extend_from_slice(b"</sheetData></worksheet>");
        let file = xlsx_with("", Some(sheet));
        assert!(file.len() < 1024 * 1024, "{}", file.len());
        assert_eq!(read(&file).unwrap_err(), "err-import-too-large");
    }

    #[test]
    fn wide_and_long_csv_files_are_refused() {
        let wide = format!(
            "{}\n{}\n",
            vec!["a"; 300].join(","),
            vec!["1"; 300].join(",")
        );
        assert_eq!(read(wide.as_bytes()).unwrap_err(), "err-import-too-wide");
        // Stray trailing commas are not columns.
        let commas = format!("a,b{}\n1,2{}\n", ",".repeat(400), ",".repeat(400));
        assert_eq!(read(commas.as_bytes()).unwrap().rows[0].1, ["1", "2"]);
        let long = "a\n".repeat(MAX_ROWS + 2);
        assert_eq!(
            read(long.as_bytes()).unwrap_err(),
            "err-import-too-many-rows"
        );
    }
}

/// Fuzz target for uploads: every file of `fuzz-corpus/tabular/` as a
/// regression, and mutated (flipped, cut, inserted and repeated bytes) as
/// proptest seeds, with valid CSV and XLSX files among them. Whatever the
/// bytes, `read` answers with a table or a refusal, within its bounds.
#[cfg(test)]
mod fuzz {
    use super::*;
    use proptest::prelude::*;

    fn corpus() -> Vec<(String, Vec<u8>)> {
        let root =
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz-corpus/tabular");
        let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(root)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        out.sort();
        out
    }

    fn within_bounds(t: &Table) -> bool {
        t.rows.len() <= MAX_ROWS
            && t.headers.len() <= MAX_COLUMNS.max(t.headers.len().min(MAX_COLUMNS))
            && t.rows.iter().all(|(_, r)| r.len() <= MAX_COLUMNS)
    }

    #[test]
    fn corpus_regressions() {
        for (name, bytes) in corpus() {
            let r = read(&bytes);
            match name.as_str() {
                "good.xlsx" | "cp1254.csv" | "utf16.csv" | "whole_sheet_dimension.xlsx" => {
                    assert!(r.as_ref().is_ok_and(|t| t.rows.len() == 1), "{name}: {r:?}")
                }
                "last_cell.xlsx" | "wide.csv" => {
                    assert_eq!(r.unwrap_err(), "err-import-too-wide", "{name}")
                }
                _ => assert!(r.as_ref().map_or(true, within_bounds), "{name}"),
            }
        }
    }

    proptest! {
        #[test]
        fn mutated_uploads(pick in any::<usize>(), edits in proptest::collection::vec(
            (any::<u8>(), any::<usize>(), any::<u8>()), 0..6)) {
            let seeds = corpus();
            let mut b = seeds[pick % seeds.len()].1.clone();
            for (op, at, byte) in edits {
                let at = at % (b.len() + 1);
                match op % 4 {
                    0 if at < b.len() => b[at] ^= byte | 1,
                    1 => b.truncate(at),
                    2 => b.insert(at, byte),
                    _ => {
                        let piece = b[at..(at + 16).min(b.len())].to_vec();
                        b.splice(at..at, piece);
                    }
                }
            }
            if let Ok(t) = read(&b) {
                prop_assert!(within_bounds(&t));
            }
        }

        #[test]
        fn any_text(text in "(?s).{0,400}") {
            if let Ok(t) = read(text.as_bytes()) {
                prop_assert!(within_bounds(&t));
            }
        }
    }
}
