//! Merging two records of one person: the reviewer picks, field by field,
//! which record's value the survivor keeps. The rules here are pure; the
//! storage layer applies them and keeps what it needs to undo the merge.

use crate::person::PersonDraft;
use crate::search::fold;

/// A field (or group of fields that only make sense together) a reviewer
/// chooses between.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MergeField {
    GivenNames,
    FamilyName,
    FatherName,
    MotherName,
    Sex,
    /// Date and whether it is estimated.
    BirthDate,
    /// Type and number.
    NationalId,
    Nationality,
    Phone,
    Languages,
    Education,
    BirthRegistered,
    IdCard,
    Statelessness,
    LegallyInvisible,
    Groups,
    /// Unit and area: which unit keeps the merged record.
    Place,
}

impl MergeField {
    pub const ALL: [MergeField; 17] = [
        MergeField::GivenNames,
        MergeField::FamilyName,
        MergeField::FatherName,
        MergeField::MotherName,
        MergeField::Sex,
        MergeField::BirthDate,
        MergeField::NationalId,
        MergeField::Nationality,
        MergeField::Phone,
        MergeField::Languages,
        MergeField::Education,
        MergeField::BirthRegistered,
        MergeField::IdCard,
        MergeField::Statelessness,
        MergeField::LegallyInvisible,
        MergeField::Groups,
        MergeField::Place,
    ];

    /// The field's name in forms, the API and message ids (`field-…`).
    pub fn name(self) -> &'static str {
        match self {
            MergeField::GivenNames => "given_names",
            MergeField::FamilyName => "family_name",
            MergeField::FatherName => "father_name",
            MergeField::MotherName => "mother_name",
            MergeField::Sex => "sex",
            MergeField::BirthDate => "birth_date",
            MergeField::NationalId => "national_id",
            MergeField::Nationality => "nationality",
            MergeField::Phone => "phone",
            MergeField::Languages => "languages",
            MergeField::Education => "education",
            MergeField::BirthRegistered => "birth_registered",
            MergeField::IdCard => "id_card",
            MergeField::Statelessness => "statelessness",
            MergeField::LegallyInvisible => "legally_invisible",
            MergeField::Groups => "groups",
            MergeField::Place => "place",
        }
    }

    pub fn parse(raw: &str) -> Result<MergeField, &'static str> {
        MergeField::ALL
            .into_iter()
            .find(|f| f.name() == raw.trim())
            .ok_or("err-choice")
    }

    /// The field's value in `d`, as shown side by side and compared.
    pub fn value(self, d: &PersonDraft) -> String {
        match self {
            MergeField::GivenNames => d.given_names.clone(),
            MergeField::FamilyName => d.family_name.clone(),
            MergeField::FatherName => d.father_name.clone(),
            MergeField::MotherName => d.mother_name.clone(),
            MergeField::Sex => d.sex.clone(),
            MergeField::BirthDate => {
                if d.birth_estimated && !d.birth_date.is_empty() {
                    format!("~{}", d.birth_date)
                } else {
                    d.birth_date.clone()
                }
            }
            MergeField::NationalId => d.national_id.clone(),
            MergeField::Nationality => d.nationality.clone(),
            MergeField::Phone => d.phone.clone(),
            MergeField::Languages => d.languages.join(", "),
            MergeField::Education => d.education.clone(),
            MergeField::BirthRegistered => d.birth_registered.clone(),
            MergeField::IdCard => d.id_card.clone(),
            MergeField::Statelessness => d.statelessness.clone(),
            MergeField::LegallyInvisible => if d.legally_invisible { "yes" } else { "" }.into(),
            MergeField::Groups => d.groups.join(", "),
            MergeField::Place => format!("{} / {}", d.unit_code, d.area_code),
        }
    }

    /// Whether `value` says nothing (empty or "unknown").
    fn is_blank(value: &str) -> bool {
        let v = value.trim();
        v.is_empty() || v == "unknown"
    }

    fn copy(self, to: &mut PersonDraft, from: &PersonDraft) {
        match self {
            MergeField::GivenNames => to.given_names = from.given_names.clone(),
            MergeField::FamilyName => to.family_name = from.family_name.clone(),
            MergeField::FatherName => to.father_name = from.father_name.clone(),
            MergeField::MotherName => to.mother_name = from.mother_name.clone(),
            MergeField::Sex => to.sex = from.sex.clone(),
            MergeField::BirthDate => {
                to.birth_date = from.birth_date.clone();
                to.birth_estimated = from.birth_estimated;
            }
            MergeField::NationalId => {
                to.id_type = from.id_type.clone();
                to.national_id = from.national_id.clone();
            }
            MergeField::Nationality => to.nationality = from.nationality.clone(),
            MergeField::Phone => to.phone = from.phone.clone(),
            MergeField::Languages => to.languages = from.languages.clone(),
            MergeField::Education => to.education = from.education.clone(),
            MergeField::BirthRegistered => to.birth_registered = from.birth_registered.clone(),
            MergeField::IdCard => to.id_card = from.id_card.clone(),
            MergeField::Statelessness => to.statelessness = from.statelessness.clone(),
            MergeField::LegallyInvisible => to.legally_invisible = from.legally_invisible,
            MergeField::Groups => to.groups = from.groups.clone(),
            MergeField::Place => {
                to.unit_code = from.unit_code.clone();
                to.area_code = from.area_code.clone();
            }
        }
    }
}

/// What a reviewer would pick without thinking: the survivor's value, unless
/// it is blank and the other record's is not. (A more precise birth date is
/// not preferred automatically: precision is not correctness.)
pub fn default_choices(survivor: &PersonDraft, other: &PersonDraft) -> Vec<MergeField> {
    MergeField::ALL
        .into_iter()
        .filter(|f| {
            MergeField::is_blank(&f.value(survivor)) && !MergeField::is_blank(&f.value(other))
        })
        .collect()
}

/// The fields on which the two records differ.
pub fn differing(survivor: &PersonDraft, other: &PersonDraft) -> Vec<MergeField> {
    MergeField::ALL
        .into_iter()
        .filter(|f| f.value(survivor) != f.value(other))
        .collect()
}

/// The survivor as it will be: its own values, the other record's for the
/// fields in `take_other`; its aliases gain the other record's aliases and
/// every full name either record went by that the result does not, so that
/// both spellings keep finding the person.
pub fn merge_drafts(
    survivor: &PersonDraft,
    other: &PersonDraft,
    take_other: &[MergeField],
) -> PersonDraft {
    let mut out = survivor.clone();
    for f in take_other {
        f.copy(&mut out, other);
    }
    let full = |d: &PersonDraft| format!("{} {}", d.given_names.trim(), d.family_name.trim());
    let own = fold(&full(&out));
    let mut aliases: Vec<String> = Vec::new();
    let candidates = survivor
        .aliases
        .iter()
        .chain(other.aliases.iter())
        .cloned()
        .chain([full(survivor), full(other)]);
    for a in candidates {
        let key = fold(&a);
        if key.is_empty() || key == own || aliases.iter().any(|x| fold(x) == key) {
            continue;
        }
        aliases.push(a);
    }
    out.aliases = aliases;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(given: &str, family: &str) -> PersonDraft {
        PersonDraft {
            given_names: given.into(),
            family_name: family.into(),
            sex: "male".into(),
            unit_code: "U1".into(),
            area_code: "A1".into(),
            education: "unknown".into(),
            ..Default::default()
        }
    }

    #[test]
    fn the_survivor_keeps_its_values_unless_told_and_gains_the_other_spelling() {
        let a = draft("Šaban", "Đorđević");
        let mut b = draft("Шабан", "Ђорђевић");
        b.phone = "0601234567".into();
        b.education = "primary".into();
        b.aliases = vec!["Šabo".into()];
        assert_eq!(
            default_choices(&a, &b),
            vec![MergeField::Phone, MergeField::Education]
        );
        let m = merge_drafts(&a, &b, &[MergeField::Phone]);
        assert_eq!(m.given_names, "Šaban");
        assert_eq!(m.phone, "0601234567");
        assert_eq!(m.education, "unknown");
        // The Cyrillic spelling folds to the same name: not an alias.
        assert_eq!(m.aliases, vec!["Šabo".to_owned()]);
        let m = merge_drafts(&a, &draft("Saban", "Djordjevic Kovač"), &[]);
        assert_eq!(m.aliases, vec!["Saban Djordjevic Kovač".to_owned()]);
    }

    #[test]
    fn taking_the_other_name_keeps_the_survivors_as_an_alias() {
        let a = draft("Mehmed", "Ramić");
        let b = draft("Mehmet", "Ramiç");
        let m = merge_drafts(&a, &b, &[MergeField::GivenNames]);
        assert_eq!(m.given_names, "Mehmet");
        assert_eq!(m.aliases, vec!["Mehmed Ramić".to_owned()]);
        assert_eq!(
            differing(&a, &b),
            vec![MergeField::GivenNames, MergeField::FamilyName]
        );
        assert_eq!(MergeField::parse("birth_date"), Ok(MergeField::BirthDate));
        assert!(MergeField::parse("password").is_err());
    }
}
