//! A small, realistic world for trying Köprü out: the SİROMA pilot provinces
//! and units, İSKEP municipal units, ROMACTED municipalities in Serbia,
//! institutions of every kind, and one user per role.

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
pub const DEMO_USERS: [(&str, Role, &str, &str); 10] = [
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
const INSTITUTIONS: [(&str, &str, &str, &str, &str, &str); 18] = [
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
    for (code, name, kind, area, programme) in UNITS {
        if exists(store, "units", "code", code).await? {
            continue;
        }
        let u = UnitDraft {
            code: code.into(),
            name: name.into(),
            kind: kind.into(),
            area_code: area.into(),
            programme_code: programme.into(),
        }
        .validate()
        .map_err(bad)?;
        store.create_unit(&actor, &by, &u).await?;
    }
    for (code, name, kind, area, services, phone) in INSTITUTIONS {
        if exists(store, "institutions", "code", code).await? {
            continue;
        }
        let i = InstitutionDraft {
            code: code.into(),
            name: name.into(),
            kind: kind.into(),
            area_code: area.into(),
            phone: phone.into(),
            services: services.split(',').map(str::to_owned).collect(),
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
