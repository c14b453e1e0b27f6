//! Turning spreadsheet rows into people: which column is which field, how a
//! cell becomes a value, and a fingerprint that makes importing the same row
//! twice a no-op. Reading files (encodings, CSV, XLSX) happens elsewhere; this
//! module sees rows of text.

use crate::codes;
use crate::error::ValidationErrors;
use crate::person::{Person, PersonDraft};
use crate::search::fold;
use sha2::{Digest, Sha256};

/// The fields an import column can fill.
pub const FIELDS: &[&str] = &[
    "given_names",
    "family_name",
    "full_name",
    "father_name",
    "mother_name",
    "aliases",
    "sex",
    "birth_date",
    "national_id",
    "id_type",
    "nationality",
    "phone",
    "languages",
    "education",
    "birth_registered",
    "id_card",
    "statelessness",
    "groups",
    "unit_code",
    "area_code",
];

/// Header spellings seen in the units' spreadsheets, folded, per field.
pub(crate) const ALIASES: &[(&str, &[&str])] = &[
    (
        "given_names",
        &[
            "given names",
            "given name",
            "first name",
            "name",
            "ad",
            "adi",
            "isim",
            "ime",
        ],
    ),
    (
        "family_name",
        &[
            "family name",
            "surname",
            "last name",
            "soyad",
            "soyadi",
            "prezime",
        ],
    ),
    (
        "full_name",
        &[
            "full name",
            "ad soyad",
            "adi soyadi",
            "ime i prezime",
            "ime prezime",
        ],
    ),
    (
        "father_name",
        &[
            "father name",
            "fathers name",
            "father",
            "baba adi",
            "baba",
            "ime oca",
            "otac",
        ],
    ),
    (
        "mother_name",
        &[
            "mother name",
            "mothers name",
            "mother",
            "anne adi",
            "anne",
            "ime majke",
            "majka",
        ],
    ),
    (
        "aliases",
        &[
            "aliases",
            "other names",
            "diger adlar",
            "lakap",
            "nadimak",
            "druga imena",
        ],
    ),
    ("sex", &["sex", "gender", "cinsiyet", "pol"]),
    (
        "birth_date",
        &[
            "birth date",
            "date of birth",
            "dob",
            "born",
            "dogum tarihi",
            "dogum yili",
            "datum rodjenja",
            "godina rodjenja",
            "rodjen",
        ],
    ),
    (
        "national_id",
        &[
            "national id",
            "id number",
            "tc kimlik no",
            "tc kimlik",
            "tckn",
            "tc no",
            "kimlik no",
            "jmbg",
            "maticni broj",
        ],
    ),
    ("id_type", &["id type", "kimlik turu", "vrsta dokumenta"]),
    (
        "nationality",
        &["nationality", "uyruk", "uyrugu", "drzavljanstvo"],
    ),
    (
        "phone",
        &[
            "phone",
            "telephone",
            "mobile",
            "telefon",
            "tel",
            "gsm",
            "cep",
        ],
    ),
    (
        "languages",
        &["languages", "language", "dil", "diller", "jezik", "jezici"],
    ),
    (
        "education",
        &["education", "egitim", "egitim durumu", "obrazovanje"],
    ),
    (
        "birth_registered",
        &["birth registered", "dogum kaydi", "upisan u maticne knjige"],
    ),
    ("id_card", &["id card", "kimlik karti", "licna karta"]),
    (
        "statelessness",
        &["statelessness", "vatansizlik", "apatridija"],
    ),
    ("groups", &["groups", "gruplar", "grupe"]),
    ("unit_code", &["unit", "unit code", "birim", "jedinica"]),
    (
        "area_code",
        &[
            "area",
            "area code",
            "district",
            "municipality",
            "ilce",
            "il",
            "opstina",
            "mesto",
        ],
    ),
];

/// Column index → field, guessed from the header row.
pub fn guess_mapping(headers: &[String]) -> Vec<Option<&'static str>> {
    once_each(headers.iter().map(|h| header_field(h, FIELDS, ALIASES)))
}

/// The field a header names among `fields` (by its name) or their
/// `aliases`, compared folded and without spaces: "T.C. Kimlik No", "TC
/// kimlik no" and "tckimlikno" are one header.
pub fn header_field(
    header: &str,
    fields: &[&'static str],
    aliases: &[(&'static str, &[&str])],
) -> Option<&'static str> {
    let f = fold(header).replace(' ', "");
    fields
        .iter()
        .find(|field| field.replace('_', "") == f)
        .copied()
        .or_else(|| {
            aliases
                .iter()
                .find(|(_, names)| names.iter().any(|n| n.replace(' ', "") == f))
                .map(|(field, _)| *field)
        })
}

/// Each field for one column only: the first that names it.
pub fn once_each(found: impl Iterator<Item = Option<&'static str>>) -> Vec<Option<&'static str>> {
    let mut used: Vec<&str> = Vec::new();
    found
        .map(|field| match field {
            Some(field) if !used.contains(&field) => {
                used.push(field);
                Some(field)
            }
            _ => None,
        })
        .collect()
}

/// The value of a date cell: an Excel serial number (days since 1899-12-30) or text.
pub fn excel_date(cell: &str) -> String {
    let t = cell.trim();
    let whole = t.split('.').next().unwrap_or(t);
    if !(whole.len() == 5
        && whole.bytes().all(|b| b.is_ascii_digit())
        && t.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
    {
        return codes::normalise_date(t);
    }
    let Ok(serial) = whole.parse::<i64>() else {
        return t.to_owned();
    };
    // Civil-from-days (Howard Hinnant), days counted from 1970-01-01.
    let z = serial - 25569 + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}")
}

/// Puts a cell's (trimmed, not empty) text into the person field it was
/// mapped to; false when `field` is not a person field.
pub fn set_person_field(d: &mut PersonDraft, field: &str, v: String) -> bool {
    let list = || {
        v.split([',', ';', '/'])
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
    };
    match field {
        "given_names" => d.given_names = v,
        "family_name" => d.family_name = v,
        "full_name" => {
            // "Given Names Family" — the last word is the family name.
            let words: Vec<&str> = v.split_whitespace().collect();
            if let Some((last, rest)) = words.split_last() {
                if d.family_name.is_empty() {
                    d.family_name = (*last).to_owned();
                }
                if d.given_names.is_empty() {
                    d.given_names = rest.join(" ");
                }
            }
        }
        "father_name" => d.father_name = v,
        "mother_name" => d.mother_name = v,
        "aliases" => d.aliases = list(),
        "sex" => d.sex = v,
        "birth_date" => d.birth_date = excel_date(&v),
        "national_id" => d.national_id = v,
        "id_type" => d.id_type = v,
        "nationality" => d.nationality = v,
        "phone" => d.phone = v,
        "languages" => d.languages = list(),
        "education" => d.education = v,
        "birth_registered" => d.birth_registered = v,
        "id_card" => d.id_card = v,
        "statelessness" => d.statelessness = v,
        "groups" => d.groups = list(),
        "unit_code" => d.unit_code = v,
        "area_code" => d.area_code = v,
        _ => return false,
    }
    true
}

/// One row read against a mapping: the draft, and a fingerprint of its content.
pub fn row_draft(
    row: &[String],
    mapping: &[Option<&str>],
    default_unit: &str,
    default_area: &str,
) -> (PersonDraft, String) {
    let mut d = PersonDraft {
        unit_code: default_unit.to_owned(),
        area_code: default_area.to_owned(),
        ..Default::default()
    };
    for (i, field) in mapping.iter().enumerate() {
        let (Some(field), Some(raw)) = (field, row.get(i)) else {
            continue;
        };
        let v = raw.trim().to_owned();
        if !v.is_empty() {
            set_person_field(&mut d, field, v);
        }
    }
    // Same person data, same fingerprint, however it was spelled or spaced.
    let mut h = Sha256::new();
    for part in [
        &d.given_names,
        &d.family_name,
        &d.father_name,
        &d.mother_name,
        &d.birth_date,
        &d.national_id,
        &d.unit_code,
    ] {
        h.update(fold(part).as_bytes());
        h.update([0u8]);
    }
    (d, hex::encode(&h.finalize()[..16]))
}

/// A validated row, or why it was refused.
pub fn validate_row(d: &PersonDraft, today: &str) -> Result<Person, ValidationErrors> {
    d.validate(today)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn headers_in_three_languages_map_to_fields() {
        let m = guess_mapping(&s(&[
            "Adı",
            "SOYADI",
            "T.C. Kimlik No",
            "Doğum Tarihi",
            "Telefon",
            "Not",
        ]));
        assert_eq!(
            m,
            vec![
                Some("given_names"),
                Some("family_name"),
                Some("national_id"),
                Some("birth_date"),
                Some("phone"),
                None
            ]
        );
        let m = guess_mapping(&s(&["Ime", "Prezime", "JMBG", "Datum rođenja", "Ime oca"]));
        assert_eq!(
            m,
            vec![
                Some("given_names"),
                Some("family_name"),
                Some("national_id"),
                Some("birth_date"),
                Some("father_name")
            ]
        );
        let m = guess_mapping(&s(&["Име", "Презиме", "ЈМБГ"]));
        assert_eq!(
            m,
            vec![
                Some("given_names"),
                Some("family_name"),
                Some("national_id")
            ]
        );
        let m = guess_mapping(&s(&["given_names", "family_name", "name"]));
        assert_eq!(
            m,
            vec![Some("given_names"), Some("family_name"), None],
            "a field is mapped once"
        );
    }

    #[test]
    fn dates_from_excel_and_from_people() {
        assert_eq!(excel_date("31048"), "1985-01-01");
        assert_eq!(excel_date("45658"), "2025-01-01");
        assert_eq!(excel_date("31048.0"), "1985-01-01");
        assert_eq!(excel_date("12.03.1985"), "1985-03-12");
        assert_eq!(excel_date("5.3.1985."), "1985-03-05");
        assert_eq!(excel_date("03/1985"), "1985-03");
        assert_eq!(excel_date("1985"), "1985");
        assert_eq!(excel_date("1985-03-12"), "1985-03-12");
    }

    #[test]
    fn fingerprints_ignore_spelling_and_spacing() {
        let m = vec![Some("given_names"), Some("family_name"), Some("birth_date")];
        let (_, a) = row_draft(
            &s(&["Şaban", "Đorđević", "1984"]),
            &m,
            "MT-NIS",
            "RS-20-NIS",
        );
        let (_, b) = row_draft(
            &s(&[" saban ", "DJORDJEVIC", "1984"]),
            &m,
            "MT-NIS",
            "RS-20-NIS",
        );
        let (_, c) = row_draft(
            &s(&["Šaban", "Đorđević", "1985"]),
            &m,
            "MT-NIS",
            "RS-20-NIS",
        );
        assert_eq!(a, b);
        assert_ne!(a, c);
        let (d, _) = row_draft(&s(&["Ayşe Nur Yılmaz"]), &[Some("full_name")], "U", "TR-06");
        assert_eq!(
            (d.given_names.as_str(), d.family_name.as_str()),
            ("Ayşe Nur", "Yılmaz")
        );
    }
}
