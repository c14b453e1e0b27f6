//! A school's enrolment list: the spreadsheet a school gives a unit at the
//! start of a year (or a term), one pupil per row. Which column is which,
//! how a row becomes the pupil (to be found in the registry, never created
//! from the list) and the school year to record. Reading the file happens
//! elsewhere (the registry import's reader and its bounds); this module sees
//! rows of text. The words schools write for a level or a status are
//! understood in Turkish, Serbian and English.

use crate::error::ValidationErrors;
use crate::import::{self, excel_date, header_field, once_each, set_person_field};
use crate::outcome::{Enrolment, EnrolmentDraft};
use crate::person::{Person, PersonDraft};
use crate::search::fold;

/// The fields a list's column can fill: who the pupil is, then their year.
pub const LIST_FIELDS: &[&str] = &[
    "given_names",
    "family_name",
    "full_name",
    "father_name",
    "mother_name",
    "sex",
    "birth_date",
    "national_id",
    "level",
    "grade",
    "status",
    "status_on",
    "reason",
    "absent_days_term1",
    "absent_days_term2",
];

/// Header spellings of the enrolment fields, folded (person fields are the
/// registry import's).
const ALIASES: &[(&str, &[&str])] = &[
    (
        "level",
        &[
            "level",
            "school level",
            "kademe",
            "okul turu",
            "ogrenim kademesi",
            "nivo",
            "nivo obrazovanja",
            "stepen",
        ],
    ),
    (
        "grade",
        &["grade", "class", "sinif", "sinifi", "razred", "odeljenje"],
    ),
    (
        "status",
        &[
            "status",
            "enrolment status",
            "durum",
            "kayit durumu",
            "ogrenci durumu",
            "status ucenika",
        ],
    ),
    (
        "status_on",
        &[
            "status on",
            "status date",
            "enrolled on",
            "date",
            "tarih",
            "kayit tarihi",
            "datum",
            "datum upisa",
        ],
    ),
    (
        "reason",
        &[
            "reason",
            "reason not enrolled",
            "neden",
            "ayrilma nedeni",
            "razlog",
            "razlog ispisa",
        ],
    ),
    (
        "absent_days_term1",
        &[
            "absent days term 1",
            "absences term 1",
            "absences",
            "devamsizlik",
            "1 donem devamsizlik",
            "izostanci",
            "izostanci 1 polugodiste",
        ],
    ),
    (
        "absent_days_term2",
        &[
            "absent days term 2",
            "absences term 2",
            "2 donem devamsizlik",
            "izostanci 2 polugodiste",
        ],
    ),
];

/// Column index → field, guessed from the header row; each field once.
pub fn guess_list_mapping(headers: &[String]) -> Vec<Option<&'static str>> {
    once_each(headers.iter().map(|h| {
        header_field(h, LIST_FIELDS, ALIASES).or_else(|| {
            header_field(h, import::FIELDS, import::ALIASES).filter(|f| LIST_FIELDS.contains(f))
        })
    }))
}

/// A level as schools write it, as its code; anything else as written (the
/// enrolment's validation names it).
pub fn level_code(raw: &str) -> String {
    let f = fold(raw);
    let code = match f.as_str() {
        "okul oncesi" | "anaokulu" | "anasinifi" | "predskolsko" | "vrtic" | "preschool"
        | "pre school" => "pre_school",
        "ilkokul" | "osnovna" | "osnovna skola" | "primary" | "primary school" => "primary",
        "ortaokul" | "lower secondary" => "lower_secondary",
        "lise" | "srednja" | "srednja skola" | "upper secondary" | "high school" => {
            "upper_secondary"
        }
        _ => return raw.trim().to_owned(),
    };
    code.to_owned()
}

/// A status as schools write it, as its code; anything else as written.
pub fn status_code(raw: &str) -> String {
    let f = fold(raw);
    let code = match f.as_str() {
        "kayitli" | "kayit" | "kayit oldu" | "upisan" | "upisana" | "upisan a" | "enrolled" => {
            "enrolled"
        }
        "devam ediyor"
        | "devamli"
        | "duzenli"
        | "redovno"
        | "redovan"
        | "redovna"
        | "attending"
        | "attending regularly" => "attending_regularly",
        "devamsiz"
        | "duzensiz"
        | "neredovno"
        | "neredovan"
        | "neredovna"
        | "irregular"
        | "irregular attendance" => "irregular_attendance",
        "terk" | "okulu birakti" | "ayrildi" | "napustio" | "napustila" | "ispisan"
        | "ispisana" | "dropped out" => "dropped_out",
        "mezun" | "tamamladi" | "zavrsio" | "zavrsila" | "completed" => "completed",
        _ => return raw.trim().to_owned(),
    };
    code.to_owned()
}

/// What a list's rows have in common: the school, the school year, and the
/// level, status and date for rows that do not say; the unit and area a
/// pupil's record is looked for with (the school's area scores the match).
#[derive(Debug, Clone, Default)]
pub struct ListDefaults {
    pub school_id: String,
    pub school_year: String,
    pub level: String,
    pub status: String,
    pub status_on: String,
    pub unit_code: String,
    pub area_code: String,
}

/// One row: who the pupil is, and the year to record for them.
#[derive(Debug, Clone)]
pub struct ListRow {
    pub pupil: Person,
    pub enrolment: Enrolment,
}

/// One row read against a mapping and validated: every problem of the row
/// at once, named by field.
pub fn list_row(
    cells: &[String],
    mapping: &[Option<&str>],
    d: &ListDefaults,
    today: &str,
) -> Result<ListRow, ValidationErrors> {
    let mut p = PersonDraft {
        unit_code: d.unit_code.clone(),
        area_code: d.area_code.clone(),
        ..Default::default()
    };
    let mut e = EnrolmentDraft {
        school_year: d.school_year.clone(),
        level: d.level.clone(),
        school_id: d.school_id.clone(),
        status: d.status.clone(),
        status_on: d.status_on.clone(),
        ..Default::default()
    };
    for (i, field) in mapping.iter().enumerate() {
        let (Some(field), Some(raw)) = (field, cells.get(i)) else {
            continue;
        };
        let v = raw.trim().to_owned();
        if v.is_empty() {
            continue;
        }
        if set_person_field(&mut p, field, v.clone()) {
            continue;
        }
        match *field {
            "level" => e.level = level_code(&v),
            "grade" => e.grade = v.trim_end_matches(['.', ' ']).to_owned(),
            "status" => e.status = status_code(&v),
            "status_on" => e.status_on = excel_date(&v),
            "reason" => e.reason = v,
            "absent_days_term1" => e.absent_days_term1 = v,
            "absent_days_term2" => e.absent_days_term2 = v,
            _ => {}
        }
    }
    let pupil = p.validate(today);
    let enrolment = e.validate(today);
    match (pupil, enrolment) {
        (Ok(pupil), Ok(enrolment)) => Ok(ListRow { pupil, enrolment }),
        (a, b) => {
            let mut all = ValidationErrors::new();
            if let Err(x) = a {
                all.0.extend(x.0);
            }
            if let Err(x) = b {
                all.0.extend(x.0);
            }
            Err(all)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    fn defaults() -> ListDefaults {
        ListDefaults {
            school_id: "school-1".into(),
            school_year: "2026-2027".into(),
            level: "primary".into(),
            status: "enrolled".into(),
            status_on: "2026-09-14".into(),
            unit_code: "SHKB-ANK-01".into(),
            area_code: "TR-06-ALTINDAG".into(),
        }
    }

    #[test]
    fn turkish_and_serbian_lists_map_their_columns() {
        let m = guess_list_mapping(&s(&[
            "Adı Soyadı",
            "T.C. Kimlik No",
            "Doğum Tarihi",
            "Sınıfı",
            "Durum",
            "Devamsızlık",
            "Veli telefonu",
        ]));
        assert_eq!(
            m,
            vec![
                Some("full_name"),
                Some("national_id"),
                Some("birth_date"),
                Some("grade"),
                Some("status"),
                Some("absent_days_term1"),
                None
            ]
        );
        let m = guess_list_mapping(&s(&["Ime", "Prezime", "JMBG", "Razred", "Nivo", "Telefon"]));
        assert_eq!(
            m,
            vec![
                Some("given_names"),
                Some("family_name"),
                Some("national_id"),
                Some("grade"),
                Some("level"),
                None
            ],
            "a registry field the list has no use for (phone) is ignored"
        );
    }

    #[test]
    fn a_row_is_a_pupil_and_a_school_year() {
        let m = guess_list_mapping(&s(&["Ad Soyad", "Doğum Tarihi", "Sınıf", "Durum"]));
        let r = list_row(
            &s(&["Ayşe Nur Yılmaz", "14.03.2017", "3.", "Devam ediyor"]),
            &m,
            &defaults(),
            "2026-10-01",
        )
        .unwrap();
        assert_eq!(r.pupil.family_name, "Yılmaz");
        assert_eq!(r.pupil.birth.unwrap().value, "2017-03-14");
        assert_eq!(r.enrolment.grade, Some(3));
        assert_eq!(r.enrolment.status.as_str(), "attending_regularly");
        assert_eq!(r.enrolment.school_id.as_deref(), Some("school-1"));
        assert_eq!(r.enrolment.status_on, "2026-09-14");
        // Every problem of a row at once, the pupil's and the year's.
        let e = list_row(
            &s(&["", "31.02.2017", "twenty", "maybe"]),
            &m,
            &defaults(),
            "2026-10-01",
        )
        .unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        for f in ["given_names", "birth_date", "grade", "status"] {
            assert!(fields.contains(&f), "{f}: {fields:?}");
        }
    }

    #[test]
    fn words_schools_write() {
        assert_eq!(status_code("Okulu bıraktı"), "dropped_out");
        assert_eq!(status_code("Napustio"), "dropped_out");
        assert_eq!(status_code("Уписан"), "enrolled");
        assert_eq!(status_code("attending_regularly"), "attending_regularly");
        assert_eq!(level_code("Ortaokul"), "lower_secondary");
        assert_eq!(level_code("Основна школа"), "primary");
        assert_eq!(level_code("lise"), "upper_secondary");
    }
}
