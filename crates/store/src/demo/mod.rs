//! A small, realistic world for trying Köprü out: the SİROMA pilot provinces
//! and units, İSKEP municipal units, ROMACTED municipalities in Serbia,
//! institutions of every kind, and one user per role.

mod activities;
mod indicators;
mod local_plans;
mod outcomes;
mod strategy;
pub use activities::load_activities;
pub use indicators::load_indicators;
pub use local_plans::load_local_plans;
pub use outcomes::load_outcomes;
pub use strategy::{load_strategy, load_visits};

use crate::accounts::NewUser;
use crate::audit::Actor;
use crate::{Result, Sql, Store, StoreError};
use kopru_domain::codes::{Label, Password, Username};
use kopru_domain::policy::{Assignment, Principal};
use kopru_domain::reference::{InstitutionDraft, ProgrammeDraft, UnitDraft};
use kopru_domain::{Role, Scope};

/// Every demo user has this password (printed at start-up and in README.md).
pub const DEMO_PASSWORD: &str = "kopru-demo-2026";

/// (username, role, scope, display name)
pub const DEMO_USERS: [(&str, Role, &str, &str); 11] = [
    ("admin", Role::Administrator, "", "Sistem Yöneticisi"),
    (
        "manager",
        Role::ProgrammeManager,
        "country:TR",
        "Programme Manager (TR)",
    ),
    ("analyst", Role::MeOfficer, "", "M&E Officer"),
    (
        "coordinator",
        Role::UnitCoordinator,
        "unit:SHKB-ANK-01",
        "Ayşe Yılmaz",
    ),
    (
        "mediator",
        Role::SocialMediator,
        "unit:SHKB-ANK-01",
        "Mehmet Demir",
    ),
    (
        "healthmediator",
        Role::HealthMediator,
        "unit:MT-NIS",
        "Снежана Јовановић",
    ),
    (
        "assistant",
        Role::PedagogicalAssistant,
        "unit:MT-KRAGUJEVAC",
        "Dragana Nikolić",
    ),
    (
        "volunteer",
        Role::Volunteer,
        "unit:MT-VRANJE",
        "Šaban Redžepi",
    ),
    (
        "school",
        Role::InstitutionFocalPoint,
        "institution:SCH-ANK-ALTINDAG",
        "Okul Müdürü",
    ),
    ("auditor", Role::Auditor, "", "Denetçi"),
    (
        "ministry",
        Role::InstitutionFocalPoint,
        "institution:MIN-MEB",
        "MEB Strateji Odak Noktası",
    ),
];

/// (code, name, donor, start, end, result areas)
type ProgrammeSeed = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

const PROGRAMMES: [ProgrammeSeed; 5] = [
    (
        "SIROMA",
        "SİROMA — Romanların Yoğun Olarak Yaşadığı Yerlerde Sosyal İçermenin Desteklenmesi",
        "EU IPA",
        "2015-01-01",
        "2017-12-31",
        &[
            "Institutional capacity",
            "Dialogue against discrimination",
            "Access to education",
            "Access to health",
            "Employment via vocational skills",
        ],
    ),
    (
        "ISKEP",
        "İSKEP — İstihdam İçin Koordinasyon ve Eğitim Projesi",
        "EU / Union of Municipalities of Turkey",
        "2014-01-01",
        "2016-12-31",
        &[
            "Municipal units for disadvantaged people",
            "Employability",
            "Awareness",
        ],
    ),
    (
        "ROMSID",
        "ROMSİD — Roman Vatandaşlar Strateji Belgesi İzleme ve Değerlendirme",
        "EU",
        "2020-01-01",
        "2022-12-31",
        &[
            "Monitoring of the national strategy",
            "Progress reporting by institutions",
        ],
    ),
    (
        "ROMACTED",
        "ROMACTED — Promoting good governance and Roma empowerment at local level",
        "EU / Council of Europe",
        "2017-05-01",
        "2020-04-30",
        &[
            "Political will and sustainable policies",
            "Empowerment of Roma communities",
            "Institutional commitment",
        ],
    ),
    (
        "YRV",
        "Young Roma volunteers — local initiatives for social inclusion",
        "UNDP / UNHCR / UNV",
        "2018-05-29",
        "2019-12-31",
        &[
            "Training of young Roma",
            "Volunteering in local institutions",
        ],
    ),
];

/// (code, name, kind, area, programme)
const UNITS: [(&str, &str, &str, &str, &str); 28] = [
    (
        "SHKB-ADA-01",
        "Adana Sosyal Hizmet Koordinasyon Birimi",
        "coordination_unit",
        "TR-01-SEYHAN",
        "SIROMA",
    ),
    (
        "SHKB-ANK-01",
        "Ankara Altındağ SHKB",
        "coordination_unit",
        "TR-06-ALTINDAG",
        "SIROMA",
    ),
    (
        "SHKB-ANK-02",
        "Ankara Polatlı SHKB",
        "coordination_unit",
        "TR-06-POLATLI",
        "SIROMA",
    ),
    (
        "SHKB-BAL-01",
        "Balıkesir SHKB",
        "coordination_unit",
        "TR-10-KARESI",
        "SIROMA",
    ),
    (
        "SHKB-EDI-01",
        "Edirne SHKB",
        "coordination_unit",
        "TR-22-MERKEZ",
        "SIROMA",
    ),
    (
        "SHKB-EDI-02",
        "Edirne Keşan SHKB",
        "coordination_unit",
        "TR-22-KESAN",
        "SIROMA",
    ),
    (
        "SHKB-ESK-01",
        "Eskişehir SHKB",
        "coordination_unit",
        "TR-26-ODUNPAZARI",
        "SIROMA",
    ),
    (
        "SHKB-HAT-01",
        "Hatay SHKB",
        "coordination_unit",
        "TR-31-ANTAKYA",
        "SIROMA",
    ),
    (
        "SHKB-KIR-01",
        "Kırklareli SHKB",
        "coordination_unit",
        "TR-39-MERKEZ",
        "SIROMA",
    ),
    (
        "SHKB-KIR-02",
        "Kırklareli Lüleburgaz SHKB",
        "coordination_unit",
        "TR-39-LULEBURGAZ",
        "SIROMA",
    ),
    (
        "SHKB-MAN-01",
        "Manisa SHKB",
        "coordination_unit",
        "TR-45-SEHZADELER",
        "SIROMA",
    ),
    (
        "SHKB-MAN-02",
        "Manisa Akhisar SHKB",
        "coordination_unit",
        "TR-45-AKHISAR",
        "SIROMA",
    ),
    (
        "SHKB-MER-01",
        "Mersin SHKB",
        "coordination_unit",
        "TR-33-AKDENIZ",
        "SIROMA",
    ),
    (
        "SHKB-IST-01",
        "İstanbul Sarıyer SHKB",
        "coordination_unit",
        "TR-34-SARIYER",
        "SIROMA",
    ),
    (
        "SHKB-IST-02",
        "İstanbul Kağıthane SHKB",
        "coordination_unit",
        "TR-34-KAGITHANE",
        "SIROMA",
    ),
    (
        "SHKB-IZM-01",
        "İzmir Buca SHKB",
        "coordination_unit",
        "TR-35-BUCA",
        "SIROMA",
    ),
    (
        "SHKB-IZM-02",
        "İzmir Torbalı SHKB",
        "coordination_unit",
        "TR-35-TORBALI",
        "SIROMA",
    ),
    (
        "SHKB-TEK-01",
        "Tekirdağ Süleymanpaşa SHKB",
        "coordination_unit",
        "TR-59-SULEYMANPASA",
        "SIROMA",
    ),
    (
        "SHKB-TEK-02",
        "Tekirdağ Çorlu SHKB",
        "coordination_unit",
        "TR-59-CORLU",
        "SIROMA",
    ),
    (
        "SHKB-ADA-02",
        "Adana Yüreğir SHKB",
        "coordination_unit",
        "TR-01-YUREGIR",
        "SIROMA",
    ),
    (
        "ISKEP-ANK-ALT",
        "Altındağ Belediyesi Dezavantajlılar Birimi",
        "municipal_unit",
        "TR-06-ALTINDAG",
        "ISKEP",
    ),
    (
        "ISKEP-ANK-KEC",
        "Keçiören Belediyesi Dezavantajlılar Birimi",
        "municipal_unit",
        "TR-06-KECIOREN",
        "ISKEP",
    ),
    (
        "ISKEP-MER-TOR",
        "Toroslar Belediyesi Dezavantajlılar Birimi",
        "municipal_unit",
        "TR-33-TOROSLAR",
        "ISKEP",
    ),
    (
        "MT-NIS",
        "Мобилни тим за инклузију Рома — Ниш",
        "mobile_team",
        "RS-20-NIS",
        "ROMACTED",
    ),
    (
        "MT-KRAGUJEVAC",
        "Mobilni tim za inkluziju Roma — Kragujevac",
        "mobile_team",
        "RS-12-KRAGUJEVAC",
        "ROMACTED",
    ),
    (
        "MT-VRANJE",
        "Mobilni tim za inkluziju Roma — Vranje",
        "mobile_team",
        "RS-24-VRANJE",
        "YRV",
    ),
    (
        "CAG-ZVEZDARA",
        "Lokalna akciona grupa Zvezdara",
        "community_action_group",
        "RS-00-ZVEZDARA",
        "ROMACTED",
    ),
    (
        "IWG-SUBOTICA",
        "Institucionalna radna grupa Subotica",
        "institutional_working_group",
        "RS-01-SUBOTICA",
        "ROMACTED",
    ),
];

/// (code, name, kind, area, services, phone)
const INSTITUTIONS: [(&str, &str, &str, &str, &str, &str); 36] = [
    // Met on the İzmir monitoring visit of February 2022 (seed 002).
    ("IZM-VALILIK", "İzmir Valiliği", "ministry", "TR-35", "", ""),
    (
        "IZM-ASHB",
        "Aile ve Sosyal Hizmetler İzmir İl Müdürlüğü",
        "ministry",
        "TR-35",
        "social_services",
        "",
    ),
    (
        "IZM-MEB",
        "İzmir İl Millî Eğitim Müdürlüğü",
        "ministry",
        "TR-35",
        "school_enrolment",
        "",
    ),
    (
        "IZM-ISKUR",
        "İŞKUR İzmir Çalışma ve İş Kurumu İl Müdürlüğü",
        "employment_agency",
        "TR-35-KONAK",
        "job_placement,vocational_course",
        "",
    ),
    (
        "KONAK-SHM",
        "Konak Sosyal Hizmet Merkezi",
        "social_service_centre",
        "TR-35-KONAK",
        "social_services",
        "",
    ),
    (
        "KONAK-KAYMAKAM",
        "Konak Kaymakamlığı",
        "ministry",
        "TR-35-KONAK",
        "",
        "",
    ),
    (
        "MUH-EGE",
        "Ege Mahallesi Muhtarlığı",
        "neighbourhood_head",
        "TR-35-KONAK",
        "civil_documents",
        "",
    ),
    (
        "MUH-HILAL",
        "Hilal Mahallesi Muhtarlığı",
        "neighbourhood_head",
        "TR-35-KONAK",
        "civil_documents",
        "",
    ),
    (
        "IZM-ROMAN-DER",
        "İzmir Roman Dernekleri Federasyonu",
        "ngo",
        "TR-35-KONAK",
        "",
        "",
    ),
    // Responsible institutions of the Roma strategy's action plan (issue 20).
    (
        "MIN-ASHB",
        "Aile ve Sosyal Hizmetler Bakanlığı",
        "ministry",
        "TR-06",
        "",
        "+90 312 705 50 00",
    ),
    (
        "MIN-MEB",
        "Millî Eğitim Bakanlığı",
        "ministry",
        "TR-06",
        "",
        "+90 312 413 10 00",
    ),
    (
        "MIN-SB",
        "Sağlık Bakanlığı",
        "ministry",
        "TR-06",
        "",
        "+90 312 585 10 00",
    ),
    (
        "ISKUR-GM",
        "Türkiye İş Kurumu Genel Müdürlüğü",
        "ministry",
        "TR-06",
        "",
        "+90 312 294 10 00",
    ),
    (
        "MIN-CSB",
        "Çevre, Şehircilik ve İklim Değişikliği Bakanlığı",
        "ministry",
        "TR-06",
        "",
        "",
    ),
    (
        "MIN-ICISLERI",
        "İçişleri Bakanlığı",
        "ministry",
        "TR-06",
        "",
        "",
    ),
    (
        "EMP-ANK-TEKSTIL",
        "Altındağ Tekstil Konfeksiyon Ltd. Şti.",
        "employer",
        "TR-06-ALTINDAG",
        "",
        "+90 312 555 70 70",
    ),
    (
        "EMP-ANK-TEMIZLIK",
        "Başkent Temizlik Hizmetleri A.Ş.",
        "employer",
        "TR-06-CANKAYA",
        "",
        "+90 312 555 71 71",
    ),
    (
        "EMP-NIS-PEKARA",
        "Pekara Niš d.o.o.",
        "employer",
        "RS-20-NIS",
        "",
        "+381 18 555 700",
    ),
    (
        "SCH-ANK-ALTINDAG",
        "Altındağ Atatürk İlkokulu",
        "school",
        "TR-06-ALTINDAG",
        "school_enrolment,after_school_support",
        "+90 312 555 10 10",
    ),
    (
        "PRE-ANK-ALTINDAG",
        "Altındağ Anaokulu",
        "pre_school",
        "TR-06-ALTINDAG",
        "pre_school_enrolment",
        "",
    ),
    (
        "ASM-ANK-ALTINDAG",
        "Altındağ 3 No'lu Aile Sağlığı Merkezi",
        "family_health_centre",
        "TR-06-ALTINDAG",
        "family_doctor_registration,health_care",
        "+90 312 555 20 20",
    ),
    (
        "HOS-ANK-01",
        "Ankara Şehir Hastanesi",
        "hospital",
        "TR-06-CANKAYA",
        "health_care",
        "",
    ),
    (
        "ISKUR-ANK",
        "İŞKUR Ankara Çalışma ve İş Kurumu İl Müdürlüğü",
        "employment_agency",
        "TR-06-CANKAYA",
        "vocational_course,job_placement",
        "+90 312 555 30 30",
    ),
    (
        "SYDV-ALTINDAG",
        "Altındağ Sosyal Yardımlaşma ve Dayanışma Vakfı",
        "social_assistance_foundation",
        "TR-06-ALTINDAG",
        "social_assistance,health_insurance",
        "",
    ),
    (
        "SHM-ALTINDAG",
        "Altındağ Sosyal Hizmet Merkezi",
        "social_service_centre",
        "TR-06-ALTINDAG",
        "social_services,psychosocial_support",
        "",
    ),
    (
        "NGO-ANK-ROMAN",
        "Roman Kültürünü Araştırma ve Geliştirme Derneği",
        "ngo",
        "TR-06-ALTINDAG",
        "adult_education",
        "",
    ),
    (
        "BARO-ANK",
        "Ankara Barosu Adli Yardım Bürosu",
        "legal_aid",
        "TR-06-CANKAYA",
        "legal_aid",
        "",
    ),
    (
        "MUH-ANK-BEN",
        "Önder Mahallesi Muhtarlığı",
        "neighbourhood_head",
        "TR-06-ALTINDAG",
        "civil_documents",
        "",
    ),
    (
        "SCH-IZM-BUCA",
        "Buca Yıldız İlkokulu",
        "school",
        "TR-35-BUCA",
        "school_enrolment",
        "",
    ),
    (
        "ISKUR-EDI",
        "İŞKUR Edirne İl Müdürlüğü",
        "employment_agency",
        "TR-22-MERKEZ",
        "vocational_course,job_placement",
        "",
    ),
    (
        "CSR-NIS",
        "Центар за социјални рад „Свети Сава“ Ниш",
        "social_service_centre",
        "RS-20-NIS",
        "social_services,social_assistance",
        "+381 18 555 100",
    ),
    (
        "NSZ-NIS",
        "Nacionalna služba za zapošljavanje — filijala Niš",
        "employment_agency",
        "RS-20-NIS",
        "job_placement,vocational_course",
        "",
    ),
    (
        "DZ-KRAGUJEVAC",
        "Dom zdravlja Kragujevac",
        "family_health_centre",
        "RS-12-KRAGUJEVAC",
        "health_care,family_doctor_registration",
        "",
    ),
    (
        "BEL-ALTINDAG",
        "Altındağ Belediyesi Sosyal Yardım İşleri",
        "municipality",
        "TR-06-ALTINDAG",
        "social_assistance,housing",
        "",
    ),
    (
        "NUF-ALTINDAG",
        "Altındağ İlçe Nüfus Müdürlüğü",
        "civil_registry",
        "TR-06-ALTINDAG",
        "civil_documents",
        "",
    ),
    (
        "OS-VRANJE",
        "OŠ „Vuk Karadžić“ Vranje",
        "school",
        "RS-24-VRANJE",
        "school_enrolment,after_school_support",
        "",
    ),
];

fn system_principal() -> Principal {
    Principal {
        user_id: String::new(),
        username: "demo".into(),
        assignments: vec![Assignment {
            role: Role::Administrator,
            scope: Scope::Installation,
        }],
    }
}

async fn exists(store: &Store, table: &str, column: &str, value: &str) -> Result<bool> {
    let hit: Option<(i64,)> = Sql::new(&format!("SELECT 1 FROM {table} WHERE {column} = "))
        .bind(value.to_owned())
        .fetch_optional(store.pool())
        .await?;
    Ok(hit.is_some())
}

/// Loads the demo world; running it again adds nothing twice.
pub async fn load(store: &Store) -> Result<()> {
    let _changes = store.data_changes();
    let actor = Actor::system("demo");
    let by = system_principal();
    let bad =
        |e: kopru_domain::ValidationErrors| StoreError::Other(format!("demo data invalid: {e:?}"));
    for (code, name, donor, start, end, areas) in PROGRAMMES {
        if exists(store, "programmes", "code", code).await? {
            continue;
        }
        let p = ProgrammeDraft {
            code: code.into(),
            name: name.into(),
            donor: donor.into(),
            starts_on: start.into(),
            ends_on: end.into(),
            result_areas: areas.iter().map(|s| s.to_string()).collect(),
        }
        .validate()
        .map_err(bad)?;
        store.create_programme(&actor, &by, &p).await?;
    }
    for (n, (code, name, kind, area, programme)) in UNITS.into_iter().enumerate() {
        if exists(store, "units", "code", code).await? {
            continue;
        }
        // A letterhead for every unit: Turkish units by their area, Serbian
        // ones in their town, numbered so no two are the same.
        let (address, phone, email) = if area.starts_with("TR") {
            (
                format!("Hükümet Cad. No: {}, {}", 10 + n, area_town(area)),
                format!("+90 312 555 {:02} {:02}", n / 10, 10 + n % 10),
                format!("{}@shkb.example.gov.tr", code.to_ascii_lowercase()),
            )
        } else {
            (
                format!("Ulica Nikole Pašića {}, {}", 10 + n, area_town(area)),
                format!("+381 18 555 {:03}", 100 + n),
                format!("{}@mt.example.rs", code.to_ascii_lowercase()),
            )
        };
        let u = UnitDraft {
            code: code.into(),
            name: name.into(),
            kind: kind.into(),
            area_code: area.into(),
            programme_code: programme.into(),
            address,
            phone,
            email,
        }
        .validate()
        .map_err(bad)?;
        store.create_unit(&actor, &by, &u).await?;
    }
    for (n, (code, name, kind, area, services, phone)) in INSTITUTIONS.into_iter().enumerate() {
        if exists(store, "institutions", "code", code).await? {
            continue;
        }
        let address = if area.starts_with("TR") {
            format!("Cumhuriyet Cad. No: {}, {}", 3 + n, area_town(area))
        } else {
            format!("Bulevar oslobođenja {}, {}", 3 + n, area_town(area))
        };
        let i = InstitutionDraft {
            code: code.into(),
            name: name.into(),
            kind: kind.into(),
            area_code: area.into(),
            phone: phone.into(),
            address,
            services: services
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            sector: if kind == "employer" {
                if code.contains("PEKARA") {
                    "Food".into()
                } else {
                    "Services".into()
                }
            } else {
                String::new()
            },
            size: if kind == "employer" {
                "small".into()
            } else {
                String::new()
            },
            ..Default::default()
        }
        .validate()
        .map_err(bad)?;
        store.create_institution(&actor, &by, &i).await?;
    }
    let password = Password::parse(DEMO_PASSWORD).map_err(|e| StoreError::Other(e.into()))?;
    for (username, role, scope, display) in DEMO_USERS {
        if exists(store, "users", "username", username).await? {
            continue;
        }
        let scope = Scope::parse(scope).map_err(|e| StoreError::Other(e.into()))?;
        store
            .create_user(
                &actor,
                None,
                NewUser {
                    username: Username::parse(username).map_err(|e| StoreError::Other(e.into()))?,
                    display_name: Label::parse(display).map_err(|e| StoreError::Other(e.into()))?,
                    password: password.clone(),
                    assignments: vec![Assignment { role, scope }],
                    must_change_password: false,
                },
            )
            .await?;
    }
    Ok(())
}

/// The town of an area code for a demo address (`TR-06-ALTINDAG` → `Altindag`).
fn area_town(area: &str) -> String {
    let last = area.rsplit('-').next().unwrap_or(area);
    let mut chars = last.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars.flat_map(|c| c.to_lowercase()))
            .collect(),
        None => String::new(),
    }
}

// ---------------- demo people ----------------

/// A small deterministic generator (no dependency, same world on every machine).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const TR_MALE: &[&str] = &[
    "Mehmet", "Ali", "Hasan", "Hüseyin", "İsmail", "Mustafa", "Ahmet", "Recep", "Şaban", "Ramazan",
    "Erdal", "Cengiz", "Gökhan", "Serkan", "Tuncay", "Emre", "Şükrü", "Yusuf",
];
const TR_FEMALE: &[&str] = &[
    "Ayşe", "Fatma", "Emine", "Hatice", "Zeynep", "Elif", "Songül", "Gülşen", "Esra", "Derya",
    "Nurcan", "Sevgi", "Şükran", "Naciye", "Melek", "Dilek",
];
const TR_FAMILY: &[&str] = &[
    "Yılmaz", "Kaya", "Demir", "Çelik", "Şahin", "Yıldız", "Aydın", "Öztürk", "Arslan", "Doğan",
    "Kılıç", "Aslan", "Çetin", "Kara", "Koç", "Kurt", "Özdemir", "Akın", "Gündüz", "Erdem", "Işık",
    "Güneş",
];
const RS_MALE: &[&str] = &[
    "Šaban", "Redžep", "Bajram", "Sejdi", "Ramiz", "Ćazim", "Dževdet", "Nenad", "Dragan", "Zoran",
    "Dejan", "Miloš", "Nikola", "Marko", "Esad", "Muharem", "Đorđe", "Ljubiša",
];
const RS_FEMALE: &[&str] = &[
    "Fatima",
    "Ljiljana",
    "Snežana",
    "Dragana",
    "Jelena",
    "Mirjana",
    "Zorica",
    "Sabina",
    "Selvija",
    "Elvira",
    "Emina",
    "Suzana",
    "Vesna",
    "Dženeta",
    "Njegoslava",
];
const RS_FAMILY: &[&str] = &[
    "Đorđević",
    "Jovanović",
    "Nikolić",
    "Petrović",
    "Stanković",
    "Mitrović",
    "Ajdini",
    "Demirović",
    "Salihović",
    "Redžepović",
    "Bajramović",
    "Mustafić",
    "Osmani",
    "Saliji",
    "Ramić",
    "Mehmedović",
    "Stojanović",
    "Ilić",
];
const TR_STREETS: &[&str] = &[
    "Önder Mahallesi",
    "Hacılar Mahallesi",
    "Sulukule",
    "Kuştepe",
    "Tarlabaşı",
    "Yenimahalle",
    "Çinçin Bağları",
    "Hıdırlık",
];
const RS_STREETS: &[&str] = &[
    "Stočni trg",
    "Crvena zvezda",
    "Beograd mala",
    "Šljivari",
    "Marija Bursać",
    "Gazela",
    "Čukarica Ciganska mala",
    "Pirotska",
];

/// (unit, area, Serbian)
const PEOPLE_UNITS: &[(&str, &str, bool)] = &[
    ("SHKB-ANK-01", "TR-06-ALTINDAG", false),
    ("SHKB-ANK-02", "TR-06-POLATLI", false),
    ("SHKB-ADA-01", "TR-01-SEYHAN", false),
    ("SHKB-IZM-01", "TR-35-BUCA", false),
    ("SHKB-IST-01", "TR-34-SARIYER", false),
    ("SHKB-EDI-01", "TR-22-MERKEZ", false),
    ("SHKB-MAN-01", "TR-45-SEHZADELER", false),
    ("ISKEP-ANK-KEC", "TR-06-KECIOREN", false),
    ("SHKB-TEK-02", "TR-59-CORLU", false),
    ("MT-NIS", "RS-20-NIS", true),
    ("MT-KRAGUJEVAC", "RS-12-KRAGUJEVAC", true),
    ("MT-VRANJE", "RS-24-VRANJE", true),
    ("CAG-ZVEZDARA", "RS-00-ZVEZDARA", true),
    ("IWG-SUBOTICA", "RS-01-SUBOTICA", true),
];

fn tckn(rng: &mut Lcg) -> String {
    let mut d = [0i32; 9];
    d[0] = 1 + rng.below(9) as i32;
    for x in d.iter_mut().skip(1) {
        *x = rng.below(10) as i32;
    }
    let odd = d[0] + d[2] + d[4] + d[6] + d[8];
    let even = d[1] + d[3] + d[5] + d[7];
    let d10 = (odd * 7 - even).rem_euclid(10);
    let d11 = (d.iter().sum::<i32>() + d10) % 10;
    d.iter()
        .chain([d10, d11].iter())
        .map(|x| char::from(b'0' + *x as u8))
        .collect()
}

fn jmbg(rng: &mut Lcg, date: &str, female: bool) -> String {
    let (y, m, d) = (&date[..4], &date[5..7], &date[8..10]);
    let serial = if female {
        500 + rng.below(500)
    } else {
        rng.below(500)
    };
    let base = format!("{d}{m}{}{:02}{serial:03}", &y[1..], 71 + rng.below(9));
    let v: Vec<u32> = base.bytes().map(|b| u32::from(b - b'0')).collect();
    let sum = 7 * (v[0] + v[6])
        + 6 * (v[1] + v[7])
        + 5 * (v[2] + v[8])
        + 4 * (v[3] + v[9])
        + 3 * (v[4] + v[10])
        + 2 * (v[5] + v[11]);
    let k = match 11 - (sum % 11) {
        k if k > 9 => 0,
        k => k,
    };
    format!("{base}{k}")
}

/// Loads `households` demo households (about four people each) across the
/// SİROMA units in Türkiye and the Serbian teams, with Turkish, Serbian (a third
/// in Cyrillic) and Romani names, valid ID numbers for many, consents for most,
/// and self-identification recorded (encrypted) for some. Skipped when people exist.
pub async fn load_people(store: &Store, households: usize) -> Result<usize> {
    load_people_with(store, households, &mut |_| {}).await
}

/// [`load_people`], telling `progress` how many households are done after each one.
pub async fn load_people_with(
    store: &Store,
    households: usize,
    progress: &mut (dyn FnMut(usize) + Send),
) -> Result<usize> {
    let _changes = store.data_changes();
    let existing: (i64,) = Sql::new("SELECT COUNT(*) FROM persons")
        .fetch_one(store.pool())
        .await?;
    if existing.0 > 0 {
        return Ok(0);
    }
    let actor = Actor::system("demo");
    let by = system_principal();
    let mut rng = Lcg(20_260_123);
    let bad = |e: kopru_domain::ValidationErrors| {
        StoreError::Other(format!("demo person invalid: {e:?}"))
    };
    let mut created = 0;
    for h in 0..households {
        let (unit, area, serbian) = PEOPLE_UNITS[h % PEOPLE_UNITS.len()];
        let cyrillic = serbian && rng.chance(33);
        let script = |s: &str| {
            if cyrillic {
                latin_to_cyrillic(s)
            } else {
                s.to_owned()
            }
        };
        let streets = if serbian { RS_STREETS } else { TR_STREETS };
        let hh = kopru_domain::person::HouseholdDraft {
            unit_code: unit.into(),
            area_code: area.into(),
            address: format!("{} {}", rng.pick(streets), 1 + rng.below(120)),
            settlement: rng.pick(streets).into(),
            tenure: rng
                .pick(&["owner", "tenant", "informal", "informal", "social_housing"])
                .into(),
            rooms: (1 + rng.below(4)).to_string(),
            tap_water: rng.pick(&["yes", "yes", "no"]).into(),
            indoor_toilet: rng.pick(&["yes", "no", "no"]).into(),
            electricity: rng.pick(&["yes", "yes", "yes", "no"]).into(),
            damp_roof: rng.pick(&["yes", "no", "unknown"]).into(),
            ..Default::default()
        }
        .validate()
        .map_err(bad)?;
        let household = store.create_household(&actor, &by, &hh).await?;
        let family = if serbian {
            rng.pick(RS_FAMILY)
        } else {
            rng.pick(TR_FAMILY)
        };
        let (male, female) = if serbian {
            (RS_MALE, RS_FEMALE)
        } else {
            (TR_MALE, TR_FEMALE)
        };
        let head_year = 1955 + rng.below(45);
        let father = rng.pick(male);
        let size = 1 + rng.below(6);
        for m in 0..size {
            let (rel, year, is_female) = match m {
                0 => ("head", head_year, rng.chance(30)),
                1 => ("spouse", head_year + rng.below(6) - 2, true),
                _ => (
                    "child",
                    (head_year + 20 + rng.below(25)).min(2025),
                    rng.chance(50),
                ),
            };
            let given = if is_female {
                rng.pick(female)
            } else {
                rng.pick(male)
            };
            let date = format!("{year}-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28));
            let precision = rng.below(10);
            let birth = match precision {
                0..=5 => date.clone(),
                6 | 7 => date[..4].to_owned(),
                8 => date[..7].to_owned(),
                _ => date[..4].to_owned(),
            };
            let national_id = match (serbian, rng.chance(55), precision <= 5) {
                (false, true, _) => tckn(&mut rng),
                (true, true, true) => jmbg(&mut rng, &date, is_female),
                _ => String::new(),
            };
            let p = kopru_domain::person::PersonDraft {
                given_names: script(given),
                family_name: script(if rel == "spouse" && rng.chance(40) {
                    if serbian {
                        rng.pick(RS_FAMILY)
                    } else {
                        rng.pick(TR_FAMILY)
                    }
                } else {
                    family
                }),
                father_name: if rel == "child" {
                    script(father)
                } else {
                    String::new()
                },
                sex: if is_female { "female" } else { "male" }.into(),
                birth_date: birth,
                birth_estimated: precision == 9,
                national_id,
                phone: if m == 0 && rng.chance(70) {
                    format!(
                        "{}{}",
                        if serbian { "+381 6" } else { "+90 5" },
                        10_000_000 + rng.below(89_999_999)
                    )
                } else {
                    String::new()
                },
                languages: if serbian {
                    vec!["romani".into(), "sr".into()]
                } else {
                    vec!["romani".into(), "tr".into()]
                },
                education: rng
                    .pick(&[
                        "none",
                        "primary",
                        "primary",
                        "lower_secondary",
                        "upper_secondary",
                        "unknown",
                    ])
                    .into(),
                birth_registered: rng.pick(&["yes", "yes", "yes", "no", "unknown"]).into(),
                id_card: rng.pick(&["held", "held", "expired", "none"]).into(),
                statelessness: if serbian && rng.chance(5) {
                    "at_risk".into()
                } else {
                    "no".into()
                },
                groups: if hh.tenure == kopru_domain::person::Tenure::Informal {
                    vec!["informal_settlement".into()]
                } else {
                    vec![]
                },
                unit_code: unit.into(),
                area_code: area.into(),
                ..Default::default()
            }
            .validate(&crate::clock::today())
            .map_err(bad)?;
            let rel = kopru_domain::person::Relationship::parse(rel)
                .unwrap_or(kopru_domain::person::Relationship::OtherRelative);
            let row = match store
                .create_person(&actor, &by, &p, Some((&household.id, rel)))
                .await
            {
                Ok(r) => r,
                // A generated ID number may repeat; the registry refuses it, so does the demo.
                Err(StoreError::Invalid(_)) => continue,
                Err(e) => return Err(e),
            };
            created += 1;
            if rng.chance(75) {
                store
                    .record_consent(
                        &actor,
                        &by,
                        &row.id,
                        &crate::registry::NewConsent {
                            purpose: kopru_domain::person::ConsentPurpose::Services,
                            basis: kopru_domain::person::LegalBasis::ExplicitConsent,
                            text_version: "2026-01".into(),
                            language: if serbian { "sr-Latn" } else { "tr" }.into(),
                            given_on: "2026-01-15".into(),
                            covers: Vec::new(),
                            // A child's consent is given by a parent.
                            given_by: (year >= 2008).then(|| {
                                format!(
                                    "{} {} ({})",
                                    script(father),
                                    script(family),
                                    if serbian { "roditelj" } else { "ebeveyn" }
                                )
                            }),
                        },
                    )
                    .await?;
                if rng.chance(60) && store.keyring().is_ok() {
                    let v = crate::registry::SpecialValue {
                        value: "roma".into(),
                        notes: None,
                    };
                    store
                        .set_special(
                            &actor,
                            &demo_field_worker(unit),
                            &row.id,
                            kopru_domain::person::SpecialCategory::Ethnicity,
                            Some(&v),
                        )
                        .await?;
                }
            }
        }
        progress(h + 1);
    }
    Ok(created)
}

/// Special-category data is written by those allowed to read it: a coordinator of the unit.
fn demo_field_worker(unit: &str) -> Principal {
    Principal {
        user_id: String::new(),
        username: "demo".into(),
        assignments: vec![Assignment {
            role: Role::UnitCoordinator,
            scope: Scope::parse(&format!("unit:{unit}")).unwrap_or(Scope::Installation),
        }],
    }
}

/// Serbian Latin to Cyrillic, for demo names written in Cyrillic.
pub fn latin_to_cyrillic(s: &str) -> String {
    let pairs: &[(&str, &str)] = &[
        ("Lj", "Љ"),
        ("LJ", "Љ"),
        ("lj", "љ"),
        ("Nj", "Њ"),
        ("NJ", "Њ"),
        ("nj", "њ"),
        ("Dž", "Џ"),
        ("DŽ", "Џ"),
        ("dž", "џ"),
    ];
    let single: std::collections::HashMap<char, char> =
        "abvgdđežzijklmnoprstćufhcčšABVGDĐEŽZIJKLMNOPRSTĆUFHCČŠ"
            .chars()
            .zip("абвгдђежзијклмнопрстћуфхцчшАБВГДЂЕЖЗИЈКЛМНОПРСТЋУФХЦЧШ".chars())
            .collect();
    let mut out = String::new();
    let mut rest = s;
    'outer: while let Some(c) = rest.chars().next() {
        for (lat, cyr) in pairs {
            if let Some(r) = rest.strip_prefix(lat) {
                out.push_str(cyr);
                rest = r;
                continue 'outer;
            }
        }
        out.push(*single.get(&c).unwrap_or(&c));
        rest = &rest[c.len_utf8()..];
    }
    out
}

// ---------------- demo casework ----------------

/// Cases for some of the demo people of Ankara Altındağ and Niš, worked by
/// `mediator` and `healthmediator`: assessments done or not, plans, contacts,
/// follow-ups (some overdue), referrals to the school and the social centre
/// (some answered), so that "my work" and the dashboard show something on
/// first start. Skipped when any case exists.
pub async fn load_casework(store: &Store) -> Result<usize> {
    let _changes = store.data_changes();
    use kopru_domain::casework::{
        CaseDraft, ContactDraft, FollowUpDraft, GoalDraft, ReferralDraft, ReferralMoveDraft,
    };
    let existing: (i64,) = Sql::new("SELECT COUNT(*) FROM cases")
        .fetch_one(store.pool())
        .await?;
    if existing.0 > 0 {
        return Ok(0);
    }
    let actor = Actor::system("demo");
    // The unit coordinator's rights everywhere, and the institutions' answers.
    let by = Principal {
        user_id: String::new(),
        username: "demo".into(),
        assignments: vec![
            Assignment {
                role: Role::UnitCoordinator,
                scope: Scope::Installation,
            },
            Assignment {
                role: Role::InstitutionFocalPoint,
                scope: Scope::Installation,
            },
        ],
    };
    let bad = |e: kopru_domain::ValidationErrors| StoreError::Other(format!("demo case: {e:?}"));
    let today = crate::casework::today();
    let day = kopru_domain::case::day_number(&today).unwrap_or(0);
    let date = |d: i64| kopru_domain::case::date_of(day + d);
    let mut rng = Lcg(20_261_124);
    let mut created = 0;
    // Texts in the unit's language, as its workers would write them.
    struct Words {
        goal: &'static str,
        tasks: [&'static str; 3],
        reason: &'static str,
        paper: &'static str,
    }
    let tr = Words {
        goal: "Okula kayıtlı ve düzenli devam ediyor",
        tasks: ["Aileyi ara", "Okulu ziyaret et", "Belgeleri kontrol et"],
        reason: "Ev ziyaretinde ihtiyaç belirlendi",
        paper: "Tanıtım: rıza kâğıt üzerinde alındı",
    };
    let sr = Words {
        goal: "Prima pomoć na koju ima pravo",
        tasks: ["Pozvati porodicu", "Posetiti centar", "Proveriti dokumenta"],
        reason: "Potreba utvrđena prilikom posete domu",
        paper: "Demo: saglasnost data na papiru",
    };
    for (unit, worker, institution, service, domain, words) in [
        (
            "SHKB-ANK-01",
            "mediator",
            "SCH-ANK-ALTINDAG",
            "school_enrolment",
            "education",
            &tr,
        ),
        (
            "MT-NIS",
            "healthmediator",
            "CSR-NIS",
            "social_services",
            "social_assistance",
            &sr,
        ),
    ] {
        let Some(user) = store.user_by_username(worker).await? else {
            continue;
        };
        let people: Vec<(String,)> =
            Sql::new("SELECT id FROM persons WHERE merged_into IS NULL AND unit_code = ")
                .bind(unit.to_owned())
                .push(" ORDER BY sort_key, id LIMIT 40")
                .fetch_all(store.pool())
                .await?;
        for (i, (person,)) in people.into_iter().enumerate() {
            let new = CaseDraft {
                person_id: person,
                unit_code: unit.into(),
                domains: vec![domain.into()],
                priority: ["normal", "high", "low", "urgent"][i % 4].into(),
                opened_on: date(-20 - rng.below(200) as i64),
                ..Default::default()
            }
            .validate(&today)
            .map_err(bad)?;
            let case = store
                .open_case(&actor, &by, &new, std::slice::from_ref(&user.id))
                .await?;
            created += 1;
            let mut version = case.version;
            let steps = [
                kopru_domain::case::CaseStatus::Assessed,
                kopru_domain::case::CaseStatus::PlanAgreed,
                kopru_domain::case::CaseStatus::InService,
            ];
            for s in steps.iter().take(i % 4) {
                version = store
                    .change_case_status(&actor, &by, &case.id, version, *s, None)
                    .await?
                    .version;
            }
            if i % 4 >= 2 {
                let g = GoalDraft {
                    domain: domain.into(),
                    description: words.goal.into(),
                    target_date: date(30 + rng.below(90) as i64),
                    status: "in_progress".into(),
                }
                .validate()
                .map_err(bad)?;
                store.add_goal(&actor, &by, &case.id, &g).await?;
            }
            if rng.chance(70) {
                let c = ContactDraft {
                    kind: ["home_visit", "office_visit", "phone_call"][i % 3].into(),
                    date: date(-(rng.below(60) as i64)),
                    duration_minutes: "30".into(),
                    ..Default::default()
                }
                .validate(&today)
                .map_err(bad)?;
                store.add_contact(&actor, &by, &case.id, &c).await?;
            }
            if i % 4 >= 1 {
                // The needs assessments of an assessed case: what indicators
                // over form answers read.
                let attendance = ["regular", "irregular", "dropped_out"][i % 3];
                let mut answers = serde_json::Map::new();
                answers.insert("enrolled".into(), true.into());
                answers.insert("attendance".into(), attendance.into());
                if attendance != "regular" {
                    answers.insert("days_absent".into(), (3 + rng.below(40)).into());
                }
                answers.insert("needs".into(), serde_json::json!(["tutoring"]));
                store
                    .submit_form(&actor, &by, &case.id, "needs_education", &answers)
                    .await?;
                let mut answers = serde_json::Map::new();
                answers.insert(
                    "tenure".into(),
                    ["tenant", "owner", "informal"][i % 3].into(),
                );
                answers.insert("rooms".into(), (1 + rng.below(3)).into());
                answers.insert("people".into(), (2 + rng.below(6)).into());
                store
                    .submit_form(&actor, &by, &case.id, "needs_housing", &answers)
                    .await?;
            }
            let f = FollowUpDraft {
                title: words.tasks[i % 3].into(),
                due_on: date(rng.below(20) as i64 - 8),
                assignee_id: user.id.clone(),
            }
            .validate()
            .map_err(bad)?;
            store.add_follow_up(&actor, &by, &case.id, &f).await?;
            if i % 3 == 0 {
                let r = ReferralDraft {
                    institution_code: institution.into(),
                    service: service.into(),
                    reason: words.reason.into(),
                    shared: vec!["birth_date".into()],
                    override_reason: words.paper.into(),
                    ..Default::default()
                }
                .validate()
                .map_err(bad)?;
                let referral = store.send_referral(&actor, &by, &case.id, &r).await?;
                if i % 2 == 0 {
                    let m = ReferralMoveDraft {
                        status: "accepted".into(),
                        ..Default::default()
                    }
                    .validate(&today)
                    .map_err(bad)?;
                    store
                        .move_referral(&actor, &by, &referral.id, referral.version, &m)
                        .await?;
                }
            }
        }
    }
    Ok(created)
}
