//! People and households as the registry holds them: national identifiers with
//! their checksums, birth dates with their precision, and the drafts that forms,
//! the API and imports validate into domain values.

use crate::codes::{self, AreaCode, Code};
use crate::error::ValidationErrors;
use serde::Serialize;

/// Turkish T.C. kimlik numarası: 11 digits, not starting with 0; the 10th digit is
/// ((d1+d3+d5+d7+d9)·7 − (d2+d4+d6+d8)) mod 10 and the 11th is (d1+…+d10) mod 10.
pub fn validate_tckn(raw: &str) -> Result<String, &'static str> {
    let s: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if s.len() != 11 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err("err-tckn-format");
    }
    let d: Vec<i32> = s.bytes().map(|b| i32::from(b - b'0')).collect();
    if d[0] == 0 {
        return Err("err-tckn-format");
    }
    let odd = d[0] + d[2] + d[4] + d[6] + d[8];
    let even = d[1] + d[3] + d[5] + d[7];
    let d10 = (odd * 7 - even).rem_euclid(10);
    let d11 = (d[..10].iter().sum::<i32>()) % 10;
    if d[9] != d10 || d[10] != d11 {
        return Err("err-tckn-checksum");
    }
    Ok(s)
}

/// What a valid JMBG says about its holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jmbg {
    pub number: String,
    /// `YYYY-MM-DD` as embedded in the number.
    pub birth_date: String,
    pub sex: Sex,
}

/// Serbian JMBG: DDMMYYYRRBBBK, 13 digits. K = 11 − ((7(a+g) + 6(b+h) + 5(c+i) +
/// 4(d+j) + 3(e+k) + 2(f+l)) mod 11), and 0 when that is 10 or 11. BBB below 500
/// is male. The three-digit year is 1YYY from 800 up, else 2YYY.
pub fn validate_jmbg(raw: &str) -> Result<Jmbg, &'static str> {
    let s: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if s.len() != 13 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err("err-jmbg-format");
    }
    let d: Vec<u32> = s.bytes().map(|b| u32::from(b - b'0')).collect();
    let sum = 7 * (d[0] + d[6])
        + 6 * (d[1] + d[7])
        + 5 * (d[2] + d[8])
        + 4 * (d[3] + d[9])
        + 3 * (d[4] + d[10])
        + 2 * (d[5] + d[11]);
    let mut k = 11 - (sum % 11);
    if k > 9 {
        k = 0;
    }
    if d[12] != k {
        return Err("err-jmbg-checksum");
    }
    let day = d[0] * 10 + d[1];
    let month = d[2] * 10 + d[3];
    let yyy = d[4] * 100 + d[5] * 10 + d[6];
    let year = if yyy >= 800 { 1000 + yyy } else { 2000 + yyy };
    let date = format!("{year:04}-{month:02}-{day:02}");
    if codes::optional_date(&date).is_err() {
        return Err("err-jmbg-date");
    }
    let serial = d[9] * 100 + d[10] * 10 + d[11];
    Ok(Jmbg {
        number: s,
        birth_date: date,
        sex: if serial < 500 { Sex::Male } else { Sex::Female },
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
    Unknown,
}

impl Sex {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        match raw.trim().to_lowercase().as_str() {
            "female" | "f" | "k" | "ž" | "z" | "kadın" | "kadin" | "žensko" | "zensko"
            | "женско" => Ok(Sex::Female),
            "male" | "m" | "e" | "erkek" | "muško" | "musko" | "мушко" => Ok(Sex::Male),
            "" | "unknown" | "?" => Ok(Sex::Unknown),
            _ => Err("err-choice"),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::Unknown => "unknown",
        }
    }
}

/// How much of a birth date is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DatePrecision {
    Exact,
    Month,
    Year,
    /// The year is a guess (e.g. "about 40 years old").
    Estimated,
}

impl DatePrecision {
    pub fn as_str(self) -> &'static str {
        match self {
            DatePrecision::Exact => "exact",
            DatePrecision::Month => "month",
            DatePrecision::Year => "year",
            DatePrecision::Estimated => "estimated",
        }
    }
}

/// A birth date with its precision: `YYYY-MM-DD`, `YYYY-MM`, `YYYY`, or an
/// estimated year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BirthDate {
    pub value: String,
    pub precision: DatePrecision,
}

impl BirthDate {
    /// `estimated` marks a year-only value as a guess.
    pub fn parse(raw: &str, estimated: bool, today: &str) -> Result<Option<Self>, &'static str> {
        let normalised = codes::normalise_date(raw.trim());
        let s = normalised.as_str();
        if s.is_empty() {
            return Ok(None);
        }
        let (value, precision) = match s.len() {
            4 if s.bytes().all(|b| b.is_ascii_digit()) => (
                s.to_owned(),
                if estimated {
                    DatePrecision::Estimated
                } else {
                    DatePrecision::Year
                },
            ),
            7 if s.as_bytes()[4] == b'-' => {
                codes::optional_date(&format!("{s}-01")).map_err(|_| "err-birth-date")?;
                (s.to_owned(), DatePrecision::Month)
            }
            10 => {
                codes::optional_date(s).map_err(|_| "err-birth-date")?;
                (s.to_owned(), DatePrecision::Exact)
            }
            _ => return Err("err-birth-date"),
        };
        let year: i32 = value[..4].parse().map_err(|_| "err-birth-date")?;
        if !(1900..=2200).contains(&year) {
            return Err("err-birth-date");
        }
        if value.as_str() > today {
            return Err("err-birth-future");
        }
        Ok(Some(BirthDate { value, precision }))
    }

    pub fn year(&self) -> i64 {
        self.value[..4].parse().unwrap_or(0)
    }

    /// Whether an exact date (from an ID number) agrees with this one as far as it is known.
    pub fn agrees_with(&self, exact: &str) -> bool {
        match self.precision {
            DatePrecision::Estimated => true,
            _ => exact.starts_with(&self.value),
        }
    }
}

macro_rules! choice {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $s:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $s),+ } }
            pub fn parse(raw: &str) -> Result<Self, &'static str> {
                let s = raw.trim();
                Self::ALL.iter().copied().find(|v| v.as_str() == s).ok_or("err-choice")
            }
        }
    };
}

choice!(
    /// Which identifier a national ID number is.
    IdType { TrTckn = "tr_tckn", RsJmbg = "rs_jmbg", Other = "other", Foreign = "foreign" }
);
choice!(YesNoUnknown { Yes = "yes", No = "no", Unknown = "unknown" });
choice!(IdCard { Held = "held", Expired = "expired", None = "none", Unknown = "unknown" });
choice!(Statelessness { No = "no", AtRisk = "at_risk", Stateless = "stateless", Unknown = "unknown" });
choice!(
    /// Groups and vulnerabilities that are not special-category data.
    Group {
        InformalSettlement = "informal_settlement",
        Migrant = "migrant",
        InternallyDisplaced = "internally_displaced",
        Returnee = "returnee",
        Stateless = "stateless",
    }
);
choice!(
    Education {
        None = "none", Primary = "primary", LowerSecondary = "lower_secondary",
        UpperSecondary = "upper_secondary", Vocational = "vocational", Higher = "higher", Unknown = "unknown",
    }
);
choice!(
    Relationship {
        Head = "head", Spouse = "spouse", Child = "child", Parent = "parent", Sibling = "sibling",
        Grandchild = "grandchild", Grandparent = "grandparent", OtherRelative = "other_relative", NonRelative = "non_relative",
    }
);
choice!(
    Tenure { Owner = "owner", Tenant = "tenant", SocialHousing = "social_housing", Informal = "informal", Other = "other", Unknown = "unknown" }
);
choice!(
    /// The special categories of personal data the registry may hold, each
    /// encrypted and readable only by roles that need it.
    SpecialCategory {
        Ethnicity = "ethnicity",
        Health = "health",
        Disability = "disability",
        CriminalRecord = "criminal_record",
        ViolenceSurvivor = "violence_survivor",
    }
);
choice!(
    /// What a consent is for.
    ConsentPurpose { Services = "services", ReferralSharing = "referral_sharing", Statistics = "statistics" }
);
choice!(
    LegalBasis { Consent = "consent", ExplicitConsent = "explicit_consent", LegalObligation = "legal_obligation", VitalInterest = "vital_interest", PublicTask = "public_task" }
);

/// A person as entered, before validation. Every field is text, as forms and files give it.
#[derive(Debug, Clone, Default)]
pub struct PersonDraft {
    pub given_names: String,
    pub family_name: String,
    pub father_name: String,
    pub mother_name: String,
    /// Other names and aliases, one per entry.
    pub aliases: Vec<String>,
    pub sex: String,
    pub birth_date: String,
    pub birth_estimated: bool,
    pub id_type: String,
    pub national_id: String,
    pub nationality: String,
    pub phone: String,
    pub languages: Vec<String>,
    pub education: String,
    pub birth_registered: String,
    pub id_card: String,
    pub statelessness: String,
    pub legally_invisible: bool,
    pub groups: Vec<String>,
    pub unit_code: String,
    pub area_code: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Person {
    pub given_names: String,
    pub family_name: String,
    pub father_name: Option<String>,
    pub mother_name: Option<String>,
    pub aliases: Vec<String>,
    pub sex: Sex,
    pub birth: Option<BirthDate>,
    pub id_type: Option<IdType>,
    pub national_id: Option<String>,
    pub nationality: Option<String>,
    pub phone: Option<String>,
    pub languages: Vec<String>,
    pub education: Education,
    pub birth_registered: YesNoUnknown,
    pub id_card: IdCard,
    pub statelessness: Statelessness,
    pub legally_invisible: bool,
    pub groups: Vec<Group>,
    pub unit_code: Code,
    pub area_code: AreaCode,
    /// Problems worth a look that do not stop saving (message ids).
    pub warnings: Vec<&'static str>,
}

fn name(raw: &str, required: bool) -> Result<Option<String>, &'static str> {
    let s = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.is_empty() {
        return if required {
            Err("err-required")
        } else {
            Ok(None)
        };
    }
    if s.chars().count() > 100 {
        return Err("err-too-long");
    }
    if s.chars()
        .any(|c| c.is_control() || c.is_ascii_digit() || "<>{}[]=@#$%^*_|\\/".contains(c))
    {
        return Err("err-name-chars");
    }
    Ok(Some(s))
}

impl PersonDraft {
    /// `today` is `YYYY-MM-DD`, for "not in the future".
    pub fn validate(&self, today: &str) -> Result<Person, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let given = e.take("given_names", name(&self.given_names, true));
        let family = e.take("family_name", name(&self.family_name, true));
        let father = e.take("father_name", name(&self.father_name, false));
        let mother = e.take("mother_name", name(&self.mother_name, false));
        let mut aliases = Vec::new();
        for a in &self.aliases {
            match name(a, false) {
                Ok(Some(v)) if !aliases.contains(&v) => aliases.push(v),
                Ok(_) => {}
                Err(c) => e.push("aliases", c),
            }
        }
        let sex = e.take("sex", Sex::parse(&self.sex));
        let birth = e.take(
            "birth_date",
            BirthDate::parse(&self.birth_date, self.birth_estimated, today),
        );
        let mut warnings = Vec::new();
        let id_raw = self.national_id.trim();
        let (id_type, national_id) = if id_raw.is_empty() {
            (Some(None), Some(None))
        } else {
            let t = if self.id_type.trim().is_empty() {
                // Guess from the shape, as a mediator would.
                Ok(match id_raw.len() {
                    11 => IdType::TrTckn,
                    13 => IdType::RsJmbg,
                    _ => IdType::Other,
                })
            } else {
                IdType::parse(&self.id_type)
            };
            match t {
                Err(c) => {
                    e.push("id_type", c);
                    (None, None)
                }
                Ok(IdType::TrTckn) => (
                    Some(Some(IdType::TrTckn)),
                    e.take("national_id", validate_tckn(id_raw).map(Some)),
                ),
                Ok(IdType::RsJmbg) => match validate_jmbg(id_raw) {
                    Ok(j) => {
                        if let Some(Some(b)) = &birth {
                            if !b.agrees_with(&j.birth_date) {
                                warnings.push("warn-jmbg-birth-date");
                            }
                        }
                        (Some(Some(IdType::RsJmbg)), Some(Some(j.number)))
                    }
                    Err(c) => {
                        e.push("national_id", c);
                        (None, None)
                    }
                },
                Ok(t) => {
                    let v: String = id_raw.chars().filter(|c| !c.is_whitespace()).collect();
                    if v.len() > 40
                        || !v
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '/')
                    {
                        e.push("national_id", "err-id-chars");
                        (None, None)
                    } else {
                        (Some(Some(t)), Some(Some(v.to_ascii_uppercase())))
                    }
                }
            }
        };
        let nationality = e.take("nationality", codes::optional_text(&self.nationality));
        let phone = e.take("phone", codes::optional_phone(&self.phone));
        let languages: Vec<String> = self
            .languages
            .iter()
            .map(|l| l.trim().to_lowercase())
            .filter(|l| !l.is_empty())
            .fold(Vec::new(), |mut acc, l| {
                if !acc.contains(&l) {
                    acc.push(l);
                }
                acc
            });
        if languages
            .iter()
            .any(|l| l.len() > 20 || !l.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        {
            e.push("languages", "err-language-code");
        }
        let or_unknown = |s: &str| {
            if s.trim().is_empty() {
                "unknown".to_owned()
            } else {
                s.to_owned()
            }
        };
        let education = e.take("education", Education::parse(&or_unknown(&self.education)));
        let birth_registered = e.take(
            "birth_registered",
            YesNoUnknown::parse(&or_unknown(&self.birth_registered)),
        );
        let id_card = e.take("id_card", IdCard::parse(&or_unknown(&self.id_card)));
        let statelessness = e.take(
            "statelessness",
            Statelessness::parse(&or_unknown(&self.statelessness)),
        );
        let mut groups = Vec::new();
        for g in &self.groups {
            if g.trim().is_empty() {
                continue;
            }
            match Group::parse(g) {
                Ok(v) if !groups.contains(&v) => groups.push(v),
                Ok(_) => {}
                Err(c) => e.push("groups", c),
            }
        }
        let unit_code = e.take("unit_code", Code::parse(&self.unit_code));
        let area_code = e.take("area_code", AreaCode::parse(&self.area_code));
        if !e.is_empty() {
            return Err(e);
        }
        match (
            given,
            family,
            father,
            mother,
            sex,
            birth,
            id_type,
            national_id,
            nationality,
            phone,
        ) {
            (
                Some(Some(given_names)),
                Some(Some(family_name)),
                Some(father_name),
                Some(mother_name),
                Some(sex),
                Some(birth),
                Some(id_type),
                Some(national_id),
                Some(nationality),
                Some(phone),
            ) => Ok(Person {
                given_names,
                family_name,
                father_name,
                mother_name,
                aliases,
                sex,
                birth,
                id_type,
                national_id,
                nationality,
                phone,
                languages,
                education: education.unwrap_or(Education::Unknown),
                birth_registered: birth_registered.unwrap_or(YesNoUnknown::Unknown),
                id_card: id_card.unwrap_or(IdCard::Unknown),
                statelessness: statelessness.unwrap_or(Statelessness::Unknown),
                legally_invisible: self.legally_invisible,
                groups,
                unit_code: unit_code
                    .ok_or_else(|| ValidationErrors::single("unit_code", "err-required"))?,
                area_code: area_code
                    .ok_or_else(|| ValidationErrors::single("area_code", "err-required"))?,
                warnings,
            }),
            _ => Err(ValidationErrors::single("given_names", "err-required")),
        }
    }
}

/// A household as entered.
#[derive(Debug, Clone, Default)]
pub struct HouseholdDraft {
    pub unit_code: String,
    pub area_code: String,
    pub address: String,
    pub settlement: String,
    pub latitude: String,
    pub longitude: String,
    pub tenure: String,
    pub rooms: String,
    pub tap_water: String,
    pub indoor_toilet: String,
    pub electricity: String,
    pub damp_roof: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Household {
    pub unit_code: Code,
    pub area_code: AreaCode,
    pub address: Option<String>,
    pub settlement: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub tenure: Tenure,
    pub rooms: Option<i64>,
    pub tap_water: YesNoUnknown,
    pub indoor_toilet: YesNoUnknown,
    pub electricity: YesNoUnknown,
    pub damp_roof: YesNoUnknown,
}

fn coordinate(raw: &str, limit: f64) -> Result<Option<f64>, &'static str> {
    let s = raw.trim().replace(',', ".");
    if s.is_empty() {
        return Ok(None);
    }
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v.abs() <= limit => Ok(Some(v)),
        _ => Err("err-coordinate"),
    }
}

impl HouseholdDraft {
    pub fn validate(&self) -> Result<Household, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let unit_code = e.take("unit_code", Code::parse(&self.unit_code));
        let area_code = e.take("area_code", AreaCode::parse(&self.area_code));
        let address = e.take("address", codes::optional_text(&self.address));
        let settlement = e.take("settlement", codes::optional_text(&self.settlement));
        let latitude = e.take("latitude", coordinate(&self.latitude, 90.0));
        let longitude = e.take("longitude", coordinate(&self.longitude, 180.0));
        if matches!(
            (&latitude, &longitude),
            (Some(Some(_)), Some(None)) | (Some(None), Some(Some(_)))
        ) {
            e.push("longitude", "err-coordinate-pair");
        }
        let yn = |e: &mut ValidationErrors, f: &str, v: &str| {
            e.take(
                f,
                YesNoUnknown::parse(if v.trim().is_empty() { "unknown" } else { v }),
            )
        };
        let tap_water = yn(&mut e, "tap_water", &self.tap_water);
        let indoor_toilet = yn(&mut e, "indoor_toilet", &self.indoor_toilet);
        let electricity = yn(&mut e, "electricity", &self.electricity);
        let damp_roof = yn(&mut e, "damp_roof", &self.damp_roof);
        let tenure = e.take(
            "tenure",
            Tenure::parse(if self.tenure.trim().is_empty() {
                "unknown"
            } else {
                &self.tenure
            }),
        );
        let rooms = if self.rooms.trim().is_empty() {
            Some(None)
        } else {
            e.take(
                "rooms",
                self.rooms
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|r| (0..=50).contains(r))
                    .map(Some)
                    .ok_or("err-rooms"),
            )
        };
        match (
            unit_code,
            area_code,
            address,
            settlement,
            latitude,
            longitude,
            tenure,
            rooms,
            tap_water,
            indoor_toilet,
            electricity,
            damp_roof,
        ) {
            (
                Some(unit_code),
                Some(area_code),
                Some(address),
                Some(settlement),
                Some(latitude),
                Some(longitude),
                Some(tenure),
                Some(rooms),
                Some(tap_water),
                Some(indoor_toilet),
                Some(electricity),
                Some(damp_roof),
            ) if e.is_empty() => Ok(Household {
                unit_code,
                area_code,
                address,
                settlement,
                latitude,
                longitude,
                tenure,
                rooms,
                tap_water,
                indoor_toilet,
                electricity,
                damp_roof,
            }),
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Builds a valid TCKN from its first nine digits.
    fn tckn_from(nine: &[i32; 9]) -> String {
        let odd = nine[0] + nine[2] + nine[4] + nine[6] + nine[8];
        let even = nine[1] + nine[3] + nine[5] + nine[7];
        let d10 = (odd * 7 - even).rem_euclid(10);
        let d11 = (nine.iter().sum::<i32>() + d10) % 10;
        nine.iter()
            .chain([d10, d11].iter())
            .map(|d| char::from(b'0' + *d as u8))
            .collect()
    }

    /// Builds a valid JMBG from its first twelve digits.
    fn jmbg_from(twelve: &str) -> String {
        let d: Vec<u32> = twelve.bytes().map(|b| u32::from(b - b'0')).collect();
        let sum = 7 * (d[0] + d[6])
            + 6 * (d[1] + d[7])
            + 5 * (d[2] + d[8])
            + 4 * (d[3] + d[9])
            + 3 * (d[4] + d[10])
            + 2 * (d[5] + d[11]);
        let mut k = 11 - (sum % 11);
        if k > 9 {
            k = 0;
        }
        format!("{twelve}{k}")
    }

    #[test]
    fn known_numbers() {
        assert!(validate_tckn("10000000146").is_ok());
        assert_eq!(validate_tckn("10000000147"), Err("err-tckn-checksum"));
        assert_eq!(validate_tckn("01234567890"), Err("err-tckn-format"));
        assert_eq!(validate_tckn("1234"), Err("err-tckn-format"));
        let j = validate_jmbg("0101985710008").map(|j| (j.birth_date, j.sex));
        assert_eq!(j, Ok(("1985-01-01".to_owned(), Sex::Male)));
        assert_eq!(validate_jmbg("0101985710009"), Err("err-jmbg-checksum"));
        let j = validate_jmbg(&jmbg_from("150398571555")).unwrap();
        assert_eq!((j.birth_date.as_str(), j.sex), ("1985-03-15", Sex::Female));
        let j = validate_jmbg(&jmbg_from("010100571000")).unwrap();
        assert_eq!(
            j.birth_date, "2005-01-01",
            "three-digit years below 800 are 2xxx"
        );
    }

    #[test]
    fn jmbg_with_impossible_date_is_refused() {
        assert_eq!(
            validate_jmbg(&jmbg_from("310298571000")),
            Err("err-jmbg-date")
        );
    }

    proptest! {
        #[test]
        fn every_well_formed_tckn_validates(first in 1i32..10, rest in proptest::array::uniform8(0i32..10)) {
            let mut nine = [0i32; 9];
            nine[0] = first;
            nine[1..].copy_from_slice(&rest);
            let n = tckn_from(&nine);
            prop_assert!(validate_tckn(&n).is_ok(), "{}", n);
        }

        #[test]
        fn one_changed_digit_breaks_a_tckn(first in 1i32..10, rest in proptest::array::uniform8(0i32..10), pos in 1usize..11, delta in 1u8..10) {
            let mut nine = [0i32; 9];
            nine[0] = first;
            nine[1..].copy_from_slice(&rest);
            let mut b = tckn_from(&nine).into_bytes();
            b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
            let bad = String::from_utf8(b).unwrap();
            prop_assert!(validate_tckn(&bad).is_err(), "{}", bad);
        }

        #[test]
        fn every_well_formed_jmbg_validates(day in 1u32..29, month in 1u32..13, yyy in 900u32..1000, region in 70u32..100, serial in 0u32..1000) {
            let base = format!("{day:02}{month:02}{yyy:03}{region:02}{serial:03}");
            let n = jmbg_from(&base);
            // A checksum of 10 is written as 0 and so some bases have none; skip those.
            prop_assume!(n.len() == 13);
            let j = validate_jmbg(&n).unwrap();
            prop_assert_eq!(j.birth_date, format!("{}-{month:02}-{day:02}", 1000 + yyy));
            prop_assert_eq!(j.sex, if serial < 500 { Sex::Male } else { Sex::Female });
        }

        #[test]
        fn one_changed_digit_breaks_a_jmbg(day in 1u32..29, month in 1u32..13, yyy in 900u32..1000, serial in 0u32..1000, pos in 0usize..13, delta in 1u8..10) {
            let n = jmbg_from(&format!("{day:02}{month:02}{yyy:03}71{serial:03}"));
            let mut b = n.into_bytes();
            b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
            let bad = String::from_utf8(b).unwrap();
            // A change may yield another valid number only if the checksum maps 10 and 11 to 0;
            // the weights 2..7 make a single-digit change always detectable otherwise.
            let r = validate_jmbg(&bad);
            prop_assert!(r.is_err() || bad.ends_with('0'), "{}", bad);
        }
    }

    #[test]
    fn birth_dates_keep_their_precision() {
        let today = "2026-11-23";
        // As people write them here, day first: the person form once refused 15.04.1982.
        let b = BirthDate::parse("15.04.1982", false, today)
            .unwrap()
            .unwrap();
        assert_eq!(
            (b.value.as_str(), b.precision),
            ("1982-04-15", DatePrecision::Exact)
        );
        let b = BirthDate::parse("04.1982", false, today).unwrap().unwrap();
        assert_eq!(
            (b.value.as_str(), b.precision),
            ("1982-04", DatePrecision::Month)
        );
        let b = BirthDate::parse("1985", false, today).unwrap().unwrap();
        assert_eq!((b.precision, b.year()), (DatePrecision::Year, 1985));
        assert_eq!(
            BirthDate::parse("1985", true, today)
                .unwrap()
                .unwrap()
                .precision,
            DatePrecision::Estimated
        );
        assert_eq!(
            BirthDate::parse("1985-03", false, today)
                .unwrap()
                .unwrap()
                .precision,
            DatePrecision::Month
        );
        assert_eq!(
            BirthDate::parse("1985-02-30", false, today),
            Err("err-birth-date")
        );
        assert_eq!(
            BirthDate::parse("2030-01-01", false, today),
            Err("err-birth-future")
        );
        assert!(BirthDate::parse("1985-03", false, today)
            .unwrap()
            .unwrap()
            .agrees_with("1985-03-12"));
        assert!(!BirthDate::parse("1986", false, today)
            .unwrap()
            .unwrap()
            .agrees_with("1985-03-12"));
    }

    #[test]
    fn person_draft_warns_when_jmbg_and_birth_date_disagree() {
        let d = PersonDraft {
            given_names: "Šaban".into(),
            family_name: "Đorđević".into(),
            birth_date: "1990".into(),
            national_id: "0101985710008".into(),
            unit_code: "MT-NIS".into(),
            area_code: "RS-20-NIS".into(),
            ..Default::default()
        };
        let p = d.validate("2026-11-23").unwrap();
        assert_eq!(p.id_type, Some(IdType::RsJmbg));
        assert_eq!(p.warnings, vec!["warn-jmbg-birth-date"]);
        let bad = PersonDraft {
            national_id: "12345678901".into(),
            ..d.clone()
        };
        assert_eq!(
            bad.validate("2026-11-23").unwrap_err().0[0].code,
            "err-tckn-checksum"
        );
        let nameless = PersonDraft {
            given_names: " ".into(),
            family_name: "X1".into(),
            ..d
        };
        let codes: Vec<_> = nameless
            .validate("2026-11-23")
            .unwrap_err()
            .0
            .iter()
            .map(|e| e.code)
            .collect();
        assert_eq!(codes, vec!["err-required", "err-name-chars"]);
    }
}

/// Whether someone born on `birth` (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`) was
/// under 18 on `on`; a partial date counts from its earliest day, so a child
/// born "2009" is a child until the end of doubt. Unknown: not a child.
pub fn was_child_on(birth: Option<&str>, on: &str) -> bool {
    let Some(birth) = birth.filter(|b| b.len() >= 4) else {
        return false;
    };
    let (Ok(year), Ok(on_year)) = (
        birth[..4].parse::<i32>(),
        on.get(..4).unwrap_or("").parse::<i32>(),
    ) else {
        return false;
    };
    // Month and day of the 18th birthday; a year alone is the last day of doubt.
    let rest = if birth.len() >= 10 {
        birth[4..10].to_owned()
    } else if birth.len() >= 7 {
        format!("{}-31", &birth[4..7])
    } else {
        "-12-31".to_owned()
    };
    let adult_on = format!("{:04}{rest}", year + 18);
    on_year <= year + 18 && on < adult_on.as_str()
}

#[cfg(test)]
mod child_tests {
    use super::was_child_on;

    #[test]
    fn a_child_until_the_eighteenth_birthday() {
        assert!(was_child_on(Some("2010-05-04"), "2028-05-03"));
        assert!(!was_child_on(Some("2010-05-04"), "2028-05-04"));
        assert!(was_child_on(Some("2010"), "2028-12-30"));
        assert!(!was_child_on(Some("2010"), "2029-01-01"));
        assert!(was_child_on(Some("2010-05"), "2028-05-30"));
        assert!(!was_child_on(Some("1982-04-15"), "2026-01-15"));
        assert!(!was_child_on(None, "2026-01-15"));
    }
}

/// Age in whole years on `on` of someone born on `birth` (`YYYY`, `YYYY-MM`
/// or `YYYY-MM-DD`; a partial date counts from its start).
pub fn age_on(birth: &str, on: &str) -> Option<i64> {
    let y: i64 = birth.get(..4)?.parse().ok()?;
    let oy: i64 = on.get(..4)?.parse().ok()?;
    let md = |s: &str| s.get(5..).unwrap_or("").to_owned();
    let mut age = oy - y;
    if md(on) < md(birth) {
        age -= 1;
    }
    Some(age)
}

#[cfg(test)]
mod age_tests {
    use super::age_on;

    #[test]
    fn ages_count_birthdays_and_partial_dates() {
        assert_eq!(age_on("2000-03-04", "2026-03-03"), Some(25));
        assert_eq!(age_on("2000-03-04", "2026-03-04"), Some(26));
        assert_eq!(age_on("2000", "2026-01-01"), Some(26));
        assert_eq!(age_on("2000-12", "2026-11-30"), Some(25));
        assert_eq!(age_on("x", "2026-01-01"), None);
        assert_eq!(age_on("2008-02-29", "2026-02-28"), Some(17));
    }
}
