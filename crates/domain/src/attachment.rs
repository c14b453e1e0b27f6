//! What an uploaded attachment is, decided by reading it: a JPEG, PNG or WebP
//! picture, or a PDF document, each checked far enough to know it is what its
//! first bytes claim (the outside test got a 3-byte "JPEG", a PNG signature
//! followed by HTML and a PDF named `x.html` accepted). Written by hand: the
//! image crates decode whole pictures (more code, more memory and more build
//! time than a structural check needs); this walks the containers, checks
//! every PNG chunk's CRC and inflates its pixels to count them, and refuses
//! what is not whole. Every check is bounded by the 5 MiB upload and by
//! `MAX_PIXELS`.

use std::io::Read;

/// Attachments: photos and scanned documents, at most this many bytes each.
pub const ATTACHMENT_MAX_BYTES: usize = 5 * 1024 * 1024;
/// A spreadsheet's media type (evidence of a progress report may be one,
/// once the spreadsheet reader has read it whole).
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// The largest picture accepted, in pixels (a 48-megapixel phone camera fits).
pub const MAX_PIXELS: u64 = 60_000_000;

/// The media type of an attachment, read from its content (never from the
/// name or the browser's claim): JPEG, PNG, WebP or PDF, whole, nothing else.
/// Refusals are Fluent message ids.
pub fn attachment_type(bytes: &[u8]) -> Result<&'static str, &'static str> {
    if bytes.is_empty() {
        return Err("err-attachment-empty");
    }
    if bytes.len() > ATTACHMENT_MAX_BYTES {
        return Err("err-attachment-too-large");
    }
    let (media, ok) = if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        ("image/jpeg", jpeg_is_whole(bytes))
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        ("image/png", png_is_whole(bytes))
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        ("image/webp", webp_is_whole(bytes))
    } else if bytes.starts_with(b"%PDF-") {
        return pdf_check(bytes).map(|()| "application/pdf");
    } else {
        return Err("err-attachment-type");
    };
    if ok {
        Ok(media)
    } else {
        Err("err-attachment-damaged")
    }
}

/// The file name extensions a media type is known by (the first is added when
/// a name has none of them).
pub fn extensions(media_type: &str) -> &'static [&'static str] {
    match media_type {
        "image/jpeg" => &["jpg", "jpeg"],
        "image/png" => &["png"],
        "image/webp" => &["webp"],
        "application/pdf" => &["pdf"],
        XLSX => &["xlsx"],
        _ => &[],
    }
}

/// Characters that change how a name displays without being seen: bidi
/// embeddings, overrides and isolates (a right-to-left override makes
/// `cv<U+202E>fdp.exe` read as `cvexe.pdf`), zero-width characters and the BOM.
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        | '\u{061C}' | '\u{FEFF}' | '\u{2060}'..='\u{2064}')
}

/// A file name safe to show and to send back in `Content-Disposition`: the
/// last path part, without control or invisible formatting characters, quotes
/// or separators, at most 120 characters, ending in an extension of the type
/// the content really is (`x.html` holding a PDF is kept as `x.pdf`).
pub fn attachment_name(raw: &str, media_type: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control() && !invisible(*c) && !matches!(c, '"' | ';' | '<' | '>'))
        .take(120)
        .collect();
    let clean = clean.trim().trim_start_matches('.').trim().to_owned();
    let exts = extensions(media_type);
    let (stem, ext) = match clean.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s.to_owned(), e.to_ascii_lowercase()),
        _ => (clean.clone(), String::new()),
    };
    if exts.contains(&ext.as_str()) {
        return clean;
    }
    let stem = if stem.is_empty() {
        "attachment".to_owned()
    } else {
        stem
    };
    match exts.first() {
        Some(e) => format!("{stem}.{e}"),
        None => stem,
    }
}

fn be16(b: &[u8], at: usize) -> Option<usize> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]) as usize)
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Markers from SOI to EOI: a frame header with a size and components, at
/// least one scan, and the end-of-image marker (bytes after it are allowed:
/// some cameras append data there).
fn jpeg_is_whole(b: &[u8]) -> bool {
    let (mut i, mut frame, mut scan) = (2usize, false, false);
    loop {
        // Fill bytes before a marker.
        while b.get(i) == Some(&0xFF) && b.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        if b.get(i) != Some(&0xFF) {
            return false;
        }
        let Some(&marker) = b.get(i + 1) else {
            return false;
        };
        i += 2;
        match marker {
            0xD9 => return frame && scan,
            0xD8 | 0x00 => return false,
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let Some(len) = be16(b, i) else { return false };
        if len < 2 || i + len > b.len() {
            return false;
        }
        let seg = &b[i + 2..i + len];
        match marker {
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                let (h, w, n) = match (be16(seg, 1), be16(seg, 3), seg.get(5)) {
                    (Some(h), Some(w), Some(&n)) => (h, w, n as usize),
                    _ => return false,
                };
                if h == 0 || w == 0 || !(1..=4).contains(&n) || seg.len() != 6 + 3 * n {
                    return false;
                }
                frame = true;
            }
            0xDA => {
                if !frame {
                    return false;
                }
                scan = true;
                // Entropy-coded data runs to the next marker that is not a
                // stuffed zero or a restart.
                i += len;
                loop {
                    match b.get(i..) {
                        None | Some([]) => return false,
                        Some(rest) => match rest.iter().position(|&x| x == 0xFF) {
                            None => return false,
                            Some(p) => {
                                i += p;
                                match b.get(i + 1) {
                                    Some(0x00) | Some(0xD0..=0xD7) | Some(0xFF) => i += 1,
                                    Some(_) => break,
                                    None => return false,
                                }
                            }
                        },
                    }
                }
                continue;
            }
            _ => {}
        }
        i += len;
    }
}

/// Chunks from IHDR to IEND with their CRCs, nothing after, and image data
/// that inflates to exactly the rows the header declares.
fn png_is_whole(b: &[u8]) -> bool {
    let mut i = 8usize;
    let mut header: Option<(u64, u64, u64, bool)> = None; // width, height, bits per pixel, interlaced
    let mut data: Vec<u8> = Vec::new();
    let mut palette = false;
    loop {
        let (Some(len), Some(kind)) = (be32(b, i), b.get(i + 4..i + 8)) else {
            return false;
        };
        let len = len as usize;
        let Some(body) = b.get(i + 8..i + 8 + len) else {
            return false;
        };
        let Some(crc) = be32(b, i + 8 + len) else {
            return false;
        };
        if !kind.iter().all(u8::is_ascii_alphabetic) {
            return false;
        }
        let mut h = crc32fast::Hasher::new();
        h.update(kind);
        h.update(body);
        if h.finalize() != crc {
            return false;
        }
        if header.is_none() && kind != b"IHDR" {
            return false;
        }
        match kind {
            b"IHDR" => {
                if header.is_some() || len != 13 {
                    return false;
                }
                let (Some(w), Some(hgt)) = (be32(body, 0), be32(body, 4)) else {
                    return false;
                };
                let (depth, colour) = (body[8], body[9]);
                let channels = match (colour, depth) {
                    (0, 1 | 2 | 4 | 8 | 16) => 1,
                    (3, 1 | 2 | 4 | 8) => 1,
                    (2 | 6 | 4, 8 | 16) => match colour {
                        2 => 3,
                        6 => 4,
                        _ => 2,
                    },
                    _ => return false,
                };
                let (w, hgt) = (u64::from(w), u64::from(hgt));
                if w == 0
                    || hgt == 0
                    || w * hgt > MAX_PIXELS
                    || body[10] != 0
                    || body[11] != 0
                    || body[12] > 1
                {
                    return false;
                }
                if colour == 3 {
                    palette = true;
                }
                header = Some((w, hgt, channels * u64::from(depth), body[12] == 1));
            }
            b"PLTE" => palette = false,
            b"IDAT" => data.extend_from_slice(body),
            b"IEND" => {
                return i + 12 + len == b.len()
                    && !palette
                    && header.is_some_and(|(w, h, bpp, interlaced)| {
                        inflates_to(&data, png_data_size(w, h, bpp, interlaced))
                    });
            }
            _ => {}
        }
        i += 12 + len;
    }
}

/// The bytes of filtered scanlines a PNG of this shape holds.
fn png_data_size(w: u64, h: u64, bpp: u64, interlaced: bool) -> u64 {
    let rows = |w: u64, h: u64| {
        if w == 0 || h == 0 {
            0
        } else {
            h * (1 + (w * bpp).div_ceil(8))
        }
    };
    if !interlaced {
        return rows(w, h);
    }
    // Adam7: (x start, y start, x step, y step) of the seven passes.
    [
        (0, 0, 8, 8),
        (4, 0, 8, 8),
        (0, 4, 4, 8),
        (2, 0, 4, 4),
        (0, 2, 2, 4),
        (1, 0, 2, 2),
        (0, 1, 1, 2),
    ]
    .iter()
    .map(|&(x0, y0, dx, dy)| rows((w + dx - 1 - x0) / dx, (h + dy - 1 - y0) / dy))
    .sum()
}

/// The zlib stream inflates without error to exactly `size` bytes (counted,
/// not kept; never more than `size + 1` are produced).
fn inflates_to(data: &[u8], size: u64) -> bool {
    let mut z = flate2::read::ZlibDecoder::new(data).take(size + 1);
    let mut counted = 0u64;
    let mut buf = [0u8; 16 * 1024];
    loop {
        match z.read(&mut buf) {
            Ok(0) => return counted == size,
            Ok(n) => counted += n as u64,
            Err(_) => return false,
        }
    }
}

/// The RIFF size agrees with the file and the first chunk is a lossy (VP8),
/// lossless (VP8L) or extended (VP8X, followed by image data) bitstream with
/// a size.
fn webp_is_whole(b: &[u8]) -> bool {
    let Some(riff) = le32(b, 4) else { return false };
    let riff = riff as usize + 8;
    if riff > b.len() || riff + 1 < b.len() || riff < 20 {
        return false;
    }
    let b = &b[..riff];
    let mut i = 12usize;
    let mut first = true;
    let mut extended = false;
    while i + 8 <= b.len() {
        let kind = &b[i..i + 4];
        let Some(len) = le32(b, i + 4) else {
            return false;
        };
        let len = len as usize;
        let Some(body) = b.get(i + 8..i + 8 + len) else {
            return false;
        };
        match kind {
            b"VP8 " => {
                // A key frame: its tag's low bit clear, the start code, a size.
                return body.len() >= 10
                    && body[0] & 1 == 0
                    && body[3..6] == [0x9D, 0x01, 0x2A]
                    && u16::from_le_bytes([body[6], body[7]]) & 0x3FFF > 0
                    && u16::from_le_bytes([body[8], body[9]]) & 0x3FFF > 0;
            }
            b"VP8L" => return body.len() >= 5 && body[0] == 0x2F,
            b"VP8X" if first => {
                if len < 10 {
                    return false;
                }
                extended = true;
            }
            b"ANIM" | b"ANMF" if extended => return true,
            _ if first => return false,
            _ => {}
        }
        first = false;
        i += 8 + len + (len & 1);
    }
    false
}

/// A PDF: a version line, objects, a trailer or cross-reference stream naming
/// the document's root, and an end-of-file mark near the end. No active
/// content: scripts, launch actions or embedded files (a person's scanned
/// document needs none of them).
fn pdf_check(b: &[u8]) -> Result<(), &'static str> {
    let version_ok =
        matches!(b.get(5..8), Some([d, b'.', e]) if d.is_ascii_digit() && e.is_ascii_digit());
    let tail = &b[b.len().saturating_sub(2048)..];
    let has = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    if !version_ok
        || !has(tail, b"%%EOF")
        || !has(b, b" obj")
        || !has(b, b"endobj")
        || !has(b, b"/Root")
    {
        return Err("err-attachment-damaged");
    }
    // Names may hide letters as #xx escapes (/J#61vaScript): read them unescaped.
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'/' {
            let mut j = i + 1;
            let mut name = Vec::new();
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'#') && name.len() < 64 {
                if b[j] == b'#' {
                    let hex = b
                        .get(j + 1..j + 3)
                        .and_then(|h| std::str::from_utf8(h).ok());
                    match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                        Some(c) => {
                            name.push(c);
                            j += 3;
                            continue;
                        }
                        None => break,
                    }
                }
                name.push(b[j]);
                j += 1;
            }
            if matches!(
                name.as_slice(),
                b"JavaScript"
                    | b"JS"
                    | b"Launch"
                    | b"EmbeddedFile"
                    | b"EmbeddedFiles"
                    | b"RichMedia"
                    | b"XFA"
            ) {
                return Err("err-attachment-active-content");
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    Ok(())
}

#[doc(hidden)]
pub mod samples {
    //! Small valid files of each kind, made here rather than shipped, for
    //! the tests of every layer.

    /// A 2×1 RGB PNG (optionally interlaced).
    pub fn png(interlaced: bool) -> Vec<u8> {
        use std::io::Write;
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        let chunk = |out: &mut Vec<u8>, kind: &[u8], body: &[u8]| {
            out.extend_from_slice(&(body.len() as u32).to_be_bytes());
            out.extend_from_slice(kind);
            out.extend_from_slice(body);
            let mut h = crc32fast::Hasher::new();
            h.update(kind);
            h.update(body);
            out.extend_from_slice(&h.finalize().to_be_bytes());
        };
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&2u32.to_be_bytes());
        ihdr.extend_from_slice(&1u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, u8::from(interlaced)]);
        chunk(&mut out, b"IHDR", &ihdr);
        // Non-interlaced: one row, filter byte + 6 bytes. Adam7 for 2×1:
        // pass 1 has pixel (0,0), pass 6 has pixel (1,0): two rows of 1+3.
        let raw: Vec<u8> = if interlaced {
            vec![0, 255, 0, 0, 0, 0, 0, 255]
        } else {
            vec![0, 255, 0, 0, 0, 0, 255]
        };
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        let _ = z.write_all(&raw);
        chunk(&mut out, b"IDAT", &z.finish().unwrap_or_default());
        chunk(&mut out, b"IEND", &[]);
        out
    }

    /// A minimal baseline JPEG's markers (1×1, one component): the
    /// structure the check reads, with a token scan.
    pub fn jpeg() -> Vec<u8> {
        let mut j = vec![0xFF, 0xD8];
        let mut seg = |marker: u8, body: &[u8]| {
            j.extend_from_slice(&[0xFF, marker]);
            j.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
            j.extend_from_slice(body);
        };
        seg(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        seg(0xDB, &[[0u8].as_slice(), &[1u8; 64]].concat());
        // Baseline frame: 8 bits, 1×1, one component.
        seg(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]);
        seg(0xC4, &[[0u8, 1].as_slice(), &[0u8; 15], &[0]].concat());
        seg(0xDA, &[1, 1, 0, 0, 63, 0]);
        // Entropy-coded data with a stuffed 0xFF.
        j.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD9]);
        j
    }

    pub fn pdf() -> Vec<u8> {
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
          2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n\
          trailer << /Root 1 0 R >>\n%%EOF\n"
            .to_vec()
    }

    /// A lossless WebP header with a token bitstream.
    pub fn webp() -> Vec<u8> {
        let body = [0x2F, 0x00, 0x00, 0x00, 0x00, 0x00];
        let mut w = b"RIFF".to_vec();
        w.extend_from_slice(&((4 + 8 + body.len()) as u32).to_le_bytes());
        w.extend_from_slice(b"WEBPVP8L");
        w.extend_from_slice(&(body.len() as u32).to_le_bytes());
        w.extend_from_slice(&body);
        w
    }
}

#[cfg(test)]
mod tests {
    use super::samples::*;
    use super::*;

    #[test]
    fn whole_files_of_each_kind_are_recognised() {
        assert_eq!(attachment_type(&png(false)), Ok("image/png"));
        assert_eq!(attachment_type(&png(true)), Ok("image/png"));
        assert_eq!(attachment_type(&jpeg()), Ok("image/jpeg"));
        assert_eq!(attachment_type(&pdf()), Ok("application/pdf"));
        assert_eq!(attachment_type(&webp()), Ok("image/webp"));
    }

    /// The outside test's files, and their neighbours.
    #[test]
    fn headers_alone_or_followed_by_something_else_are_refused() {
        let damaged = Err("err-attachment-damaged");
        assert_eq!(attachment_type(&[0xFF, 0xD8, 0xFF]), damaged);
        assert_eq!(attachment_type(&[0xFF, 0xD8, 0xFF, 0xE0]), damaged);
        let mut png_html = b"\x89PNG\r\n\x1a\n".to_vec();
        png_html.extend_from_slice(b"<html><script>alert(1)</script></html>");
        assert_eq!(attachment_type(&png_html), damaged);
        // A real PNG with HTML after its end.
        let mut tail = png(false);
        tail.extend_from_slice(b"<html></html>");
        assert_eq!(attachment_type(&tail), damaged);
        // One flipped bit: the CRC catches it.
        let mut flipped = png(false);
        flipped[20] ^= 1;
        assert_eq!(attachment_type(&flipped), damaged);
        // Pixels cut short.
        let cut = jpeg()[..jpeg().len() - 2].to_vec();
        assert_eq!(attachment_type(&cut), damaged);
        assert_eq!(attachment_type(b"%PDF-1.4\n<html></html>"), damaged);
        assert_eq!(attachment_type(b"RIFF\x04\x00\x00\x00WEBP"), damaged);
        assert_eq!(attachment_type(b"MZ\x90\x00"), Err("err-attachment-type"));
        assert_eq!(attachment_type(b"<html>"), Err("err-attachment-type"));
        assert_eq!(attachment_type(b""), Err("err-attachment-empty"));
        let big = vec![b'%'; ATTACHMENT_MAX_BYTES + 1];
        assert_eq!(attachment_type(&big), Err("err-attachment-too-large"));
    }

    #[test]
    fn pdfs_with_active_content_are_refused() {
        for name in [
            "/JavaScript",
            "/JS",
            "/J#61vaScript",
            "/Launch",
            "/EmbeddedFiles",
        ] {
            let doc = String::from_utf8(pdf()).unwrap().replace(
                "/Type /Catalog",
                &format!("/Type /Catalog /OpenAction << /S {name} >>"),
            );
            assert_eq!(
                attachment_type(doc.as_bytes()),
                Err("err-attachment-active-content"),
                "{name}"
            );
        }
    }

    #[test]
    fn names_are_cleaned_and_end_in_the_real_type() {
        assert_eq!(
            attachment_name("C:\\Users\\a\\kimlik \"ön\".jpg", "image/jpeg"),
            "kimlik ön.jpg"
        );
        assert_eq!(attachment_name("photo.JPEG", "image/jpeg"), "photo.JPEG");
        assert_eq!(attachment_name("x.html", "application/pdf"), "x.pdf");
        assert_eq!(attachment_name("scan", "application/pdf"), "scan.pdf");
        assert_eq!(attachment_name("../", "image/png"), "attachment.png");
        assert_eq!(attachment_name(".htaccess", "image/png"), "htaccess.png");
        // A right-to-left override made "cv\u{202E}fdp.exe" read as "cvexe.pdf".
        assert_eq!(
            attachment_name("cv\u{202E}fdp.exe", "application/pdf"),
            "cvfdp.pdf"
        );
        assert_eq!(
            attachment_name("a\u{200B}b\u{2066}.png", "image/png"),
            "ab.png"
        );
    }

    proptest::proptest! {
        /// Whatever the bytes, the check answers (no panic) within its bounds.
        #[test]
        fn any_bytes_get_an_answer(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..4096)) {
            let _ = attachment_type(&bytes);
        }

        #[test]
        fn any_prefix_of_a_real_file_gets_an_answer(cut in 0usize..200) {
            for f in [png(false), png(true), jpeg(), pdf(), webp()] {
                let cut = cut.min(f.len());
                let _ = attachment_type(&f[..cut]);
                let mut noisy = f.clone();
                if !noisy.is_empty() { let i = cut % noisy.len(); noisy[i] ^= 0x5A; }
                let _ = attachment_type(&noisy);
            }
        }
    }
}
