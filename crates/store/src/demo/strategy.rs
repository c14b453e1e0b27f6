//! The demo's strategy: Türkiye's Strategy Document for Roma Citizens
//! 2023–2030, its Phase II action plan (2026–2030) with actions in the six
//! policy areas for six responsible institutions and their indicators, and
//! two reporting cycles whose reports stand in every state: approved,
//! submitted, returned with comments, draft, late. Skipped when a strategy
//! exists.

use crate::audit::Actor;
use crate::strategy::plans::{PlanInput, StrategyInput};
use crate::strategy::reports::{Decision, ReportFilter};
use crate::{Result, Sql, Store};
use kopru_domain::case::{date_of, day_number};
use kopru_domain::codes::Code;
use kopru_domain::policy::{Assignment, Principal};
use kopru_domain::strategy::{
    plan_line, FindingDraft, MeetingDraft, RecommendationDraft, RecommendationStatus, ReportDraft,
    ReportValueDraft, VisitDraft, PLAN_FIELDS,
};
use kopru_domain::{Role, Scope};
use std::collections::BTreeMap;

fn day(n: i64) -> String {
    date_of(day_number(&crate::clock::today()).unwrap_or(0) + n)
}

/// (area, objective no., objective, action no., action tr, action en,
/// responsible, partners, starts, ends, budget, indicator code, indicator,
/// unit, baseline, targets, breakdown)
type Row = [&'static str; 17];

const ROWS: [Row; 14] = [
    [
        "education",
        "1.1",
        "Okul öncesi eğitime erişimin artırılması",
        "1.1.1",
        "Roman çocuklar için okul öncesi kayıt kampanyaları düzenlenecek",
        "Pre-school enrolment campaigns for Roma children",
        "MIN-MEB",
        "MIN-ASHB",
        "2026-Q1",
        "2027-Q4",
        "2500000",
        "IND-1-1-1",
        "Okul öncesine kaydolan Roman çocuk sayısı",
        "child",
        "1200",
        "2026: 1500; 2027: 1800",
        "sex",
    ],
    [
        "education",
        "1.1",
        "Okul öncesi eğitime erişimin artırılması",
        "1.1.2",
        "Mahallelere yakın anasınıfları açılacak",
        "Pre-school classes opened near the neighbourhoods",
        "MIN-MEB",
        "",
        "2026",
        "2028",
        "12000000",
        "IND-1-1-2",
        "Açılan anasınıfı sayısı",
        "class",
        "0",
        "2026: 20; 2027: 45; 2028: 60",
        "none",
    ],
    [
        "education",
        "1.2",
        "Okul terkinin azaltılması",
        "1.2.1",
        "Devamsızlık erken uyarı sistemi kurulacak",
        "An early-warning system for absenteeism",
        "MIN-MEB",
        "MIN-ICISLERI",
        "2026-Q2",
        "2026-Q4",
        "",
        "IND-1-2-1",
        "İzlenen öğrenci sayısı",
        "pupil",
        "",
        "2026: 5000",
        "sex",
    ],
    [
        "education",
        "1.2",
        "Okul terkinin azaltılması",
        "1.2.2",
        "Okul sonrası destek eğitimleri verilecek",
        "After-school support classes",
        "MIN-MEB",
        "MIN-ASHB",
        "2026",
        "2030",
        "4000000",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "employment",
        "2.1",
        "İşgücü piyasasına erişim",
        "2.1.1",
        "Roman gençlere mesleki eğitim kursları",
        "Vocational courses for young Roma",
        "ISKUR-GM",
        "MIN-MEB",
        "2026",
        "2027",
        "8000000",
        "IND-2-1-1",
        "Kursu tamamlayan kişi sayısı",
        "person",
        "300",
        "2026: 600; 2027: 900",
        "sex_province",
    ],
    [
        "employment",
        "2.1",
        "İşgücü piyasasına erişim",
        "2.1.2",
        "İşbaşı eğitim programlarında Roman katılımcı kotası",
        "A quota for Roma participants in on-the-job training",
        "ISKUR-GM",
        "",
        "2026-Q3",
        "2027-Q2",
        "",
        "IND-2-1-2",
        "İşe yerleşen kişi sayısı",
        "person",
        "150",
        "2026: 250; 2027: 400",
        "sex",
    ],
    [
        "health",
        "3.1",
        "Sağlık hizmetlerine erişim",
        "3.1.1",
        "Sağlık arabulucuları ile aile hekimine kayıt",
        "Registration with family doctors through health mediators",
        "MIN-SB",
        "MIN-ASHB",
        "2026",
        "2027",
        "1500000",
        "IND-3-1-1",
        "Aile hekimine kaydedilen kişi sayısı",
        "person",
        "",
        "2026: 3000; 2027: 5000",
        "none",
    ],
    [
        "health",
        "3.1",
        "Sağlık hizmetlerine erişim",
        "3.1.2",
        "Mahallelerde aşı günleri düzenlenecek",
        "Vaccination days in the neighbourhoods",
        "MIN-SB",
        "",
        "2026-Q2",
        "2026-Q4",
        "300000",
        "IND-3-1-2",
        "Aşılanan çocuk sayısı",
        "child",
        "",
        "2026: 2000",
        "none",
    ],
    [
        "housing",
        "4.1",
        "Barınma koşullarının iyileştirilmesi",
        "4.1.1",
        "Kentsel dönüşüm projelerinde Roman hanelere danışmanlık",
        "Advice to Roma households in urban renewal projects",
        "MIN-CSB",
        "MIN-ICISLERI",
        "2026",
        "2028",
        "",
        "IND-4-1-1",
        "Danışmanlık verilen hane sayısı",
        "household",
        "",
        "2026: 400; 2027: 800",
        "province",
    ],
    [
        "housing",
        "4.1",
        "Barınma koşullarının iyileştirilmesi",
        "4.1.2",
        "Altyapısı eksik mahallelerin envanteri çıkarılacak",
        "An inventory of neighbourhoods lacking infrastructure",
        "MIN-CSB",
        "",
        "2026-Q1",
        "2026-Q4",
        "200000",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "social_assistance",
        "5.1",
        "Sosyal hizmetlere erişim",
        "5.1.1",
        "Sosyal Hizmet Merkezlerinde Roman vatandaşlara yönelik birimler",
        "Units for Roma citizens in social service centres",
        "MIN-ASHB",
        "MIN-ICISLERI",
        "2026",
        "2027",
        "3000000",
        "IND-5-1-1",
        "Hizmet verilen kişi sayısı",
        "person",
        "5000",
        "2026: 8000; 2027: 12000",
        "sex",
    ],
    [
        "social_assistance",
        "5.1",
        "Sosyal hizmetlere erişim",
        "5.1.2",
        "Sosyal yardım başvurularında rehberlik",
        "Guidance with social-assistance applications",
        "MIN-ASHB",
        "",
        "2026",
        "2030",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "cross_cutting",
        "6.1",
        "Ayrımcılıkla mücadele",
        "6.1.1",
        "Kamu personeline ayrımcılık karşıtı eğitimler",
        "Anti-discrimination training for public staff",
        "MIN-ICISLERI",
        "MIN-ASHB; MIN-MEB",
        "2026",
        "2028",
        "900000",
        "IND-6-1-1",
        "Eğitim alan personel sayısı",
        "person",
        "",
        "2026: 1000; 2027: 2500",
        "sex",
    ],
    [
        "cross_cutting",
        "6.1",
        "Ayrımcılıkla mücadele",
        "6.1.2",
        "İzleme ve değerlendirme kurulunun yıllık toplantısı",
        "The monitoring and evaluation board's annual meeting",
        "MIN-ASHB",
        "",
        "2026",
        "2030",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
];

fn principal(role: Role, scope: Scope) -> Principal {
    Principal {
        user_id: String::new(),
        username: "demo".into(),
        assignments: vec![Assignment { role, scope }],
    }
}

fn institution(code: &str) -> Principal {
    principal(
        Role::InstitutionFocalPoint,
        Scope::parse(&format!("institution:{code}")).unwrap_or(Scope::Installation),
    )
}

/// Loads the demo strategy. Returns how many actions it has.
pub async fn load_strategy(store: &Store) -> Result<usize> {
    let _changes = store.data_changes();
    let existing: (i64,) = Sql::new("SELECT COUNT(*) FROM strategies")
        .fetch_one(store.pool())
        .await?;
    if existing.0 > 0 {
        return Ok(0);
    }
    let actor = Actor::system("demo");
    let me = principal(Role::MeOfficer, Scope::Installation);
    let code = |c: &str| Code::parse(c).map_err(|e| crate::StoreError::Other(e.into()));
    let strategy = store
        .create_strategy(
            &actor,
            &me,
            &StrategyInput {
                code: code("TR-ROMA-2030")?,
                titles: BTreeMap::from([
                    (
                        "tr".into(),
                        "Roman Vatandaşlara Yönelik Strateji Belgesi 2023–2030".into(),
                    ),
                    (
                        "en".into(),
                        "Strategy Document for Roma Citizens 2023–2030".into(),
                    ),
                ]),
                country: "TR".into(),
                starts_year: 2023,
                ends_year: 2030,
            },
        )
        .await?;
    let plan = store
        .create_action_plan(
            &actor,
            &me,
            &strategy.id,
            &PlanInput {
                code: code("TR-ROMA-AP2")?,
                titles: BTreeMap::from([
                    ("tr".into(), "II. Aşama Eylem Planı 2026–2030".into()),
                    ("en".into(), "Phase II Action Plan 2026–2030".into()),
                ]),
                starts_year: 2026,
                ends_year: 2030,
                cycle_months: 3,
            },
        )
        .await?;
    let headers = [
        "policy_area",
        "objective_number",
        "objective_text",
        "number",
        "text_tr",
        "text_en",
        "responsible",
        "partners",
        "starts",
        "ends",
        "budget",
        "indicator_code",
        "definition_tr",
        "unit",
        "baseline_value",
        "targets",
        "breakdown",
    ];
    let mapping: Vec<Option<&str>> = headers
        .iter()
        .map(|h| PLAN_FIELDS.iter().find(|f| *f == h).copied())
        .collect();
    let mut lines = Vec::new();
    for (i, r) in ROWS.iter().enumerate() {
        let cells: Vec<String> = r.iter().map(|c| (*c).to_owned()).collect();
        match plan_line(&cells, &mapping) {
            Ok(l) => lines.push((i + 2, l)),
            Err(e) => {
                return Err(crate::StoreError::Other(format!(
                    "demo plan row {}: {e:?}",
                    i + 2
                )))
            }
        }
    }
    let n = lines.len();
    store
        .import_action_plan(&actor, &me, &plan.id, lines, 0, false)
        .await?;

    // Two cycles: the last quarter, closed for new reports but reviewed;
    // the current one, open, due in two weeks — one report already late in
    // the earlier cycle.
    let q1 = store
        .open_cycle(&actor, &me, &plan.id, "2026-Q2", &day(-150), &day(-60))
        .await?;
    let q2 = store
        .open_cycle(&actor, &me, &plan.id, "2026-Q3", &day(-20), &day(14))
        .await?;
    let values = |code: &str, n: &str| {
        vec![ReportValueDraft {
            indicator: code.into(),
            value: n.into(),
            ..Default::default()
        }]
    };
    for (cycle, round) in [(&q1.id, 0usize), (&q2.id, 1usize)] {
        let reports = store
            .progress_reports(
                &me,
                &ReportFilter {
                    cycle_id: Some(cycle.clone()),
                    ..Default::default()
                },
            )
            .await?;
        for (k, r) in reports.iter().enumerate() {
            let by = institution(&r.responsible_code);
            let file = store.progress_report(&by, &r.id).await?;
            let code = file.indicators.first().map(|i| i.code.clone());
            let breakdowns = file
                .indicators
                .iter()
                .map(|i| {
                    (
                        i.code.clone(),
                        kopru_domain::strategy::Breakdown::parse(&i.breakdown)
                            .unwrap_or(kopru_domain::strategy::Breakdown::Total),
                    )
                })
                .collect();
            let status = [
                "on_track",
                "on_track",
                "delayed",
                "completed",
                "on_track",
                "not_started",
            ][(k + round) % 6];
            let draft = ReportDraft {
                action_status: status.into(),
                done_text: format!(
                    "{} illerde çalışmalar sürdü; {} toplantı yapıldı.",
                    3 + k,
                    2 + round
                ),
                spending: format!("{}", 25_000 * (k + 1)),
                obstacles: if status == "delayed" {
                    "Pilot illerde mahalle muhtarlarıyla görüşmeler gecikti.".into()
                } else {
                    String::new()
                },
                values: code
                    .map(|c| values(&c, &format!("{}", 100 * (k + 1) + 50 * round)))
                    .unwrap_or_default(),
            }
            .validate(true, &breakdowns)
            .map_err(|e| crate::StoreError::Other(format!("demo report: {e:?}")))?;
            // The earlier cycle: everything approved but one returned and one never sent (late).
            // The current one: a few submitted, one returned, the rest drafts.
            let fate = match (round, k % 5) {
                (0, 4) => "late",
                (0, 3) => "returned",
                (0, _) => "approved",
                (1, 0) => "submitted",
                (1, 1) => "returned",
                (1, 2) => "submitted",
                _ => "draft",
            };
            if fate == "late" {
                continue;
            }
            let submit = fate != "draft";
            let saved = store
                .save_progress_report(&actor, &by, &r.id, r.version, &draft, submit)
                .await?;
            match fate {
                "approved" => {
                    store
                        .review_progress_report(
                            &actor,
                            &me,
                            &r.id,
                            saved.version,
                            &Decision::Approve,
                        )
                        .await?;
                }
                "returned" => {
                    let comments = BTreeMap::from([(
                        "done_text".to_owned(),
                        "Hangi illerde ne yapıldığını ve kaç kişiye ulaşıldığını yazın.".to_owned(),
                    )]);
                    store
                        .review_progress_report(
                            &actor,
                            &me,
                            &r.id,
                            saved.version,
                            &Decision::Return(comments),
                        )
                        .await?;
                }
                _ => {}
            }
        }
    }
    Ok(n)
}

/// The first ROMSİD monitoring visit (İzmir, 23–25 February 2022, seed
/// 002): its three days of meetings, what was noted, and recommendations,
/// one of them already followed up. Loaded once.
pub async fn load_visits(store: &Store) -> Result<usize> {
    let _changes = store.data_changes();
    let existing: (i64,) = Sql::new("SELECT COUNT(*) FROM monitoring_visits")
        .fetch_one(store.pool())
        .await?;
    if existing.0 > 0 {
        return Ok(0);
    }
    let actor = Actor::system("demo");
    let me = principal(Role::MeOfficer, Scope::Installation);
    let visit = VisitDraft {
        province: "TR-35".into(),
        title: "1. İzleme Ziyareti — İzmir".into(),
        starts_on: "2022-02-23".into(),
        ends_on: "2022-02-25".into(),
        team: "ROMSİD İzleme ve Değerlendirme Birimi\nAile ve Sosyal Hizmetler Bakanlığı SHGM".into(),
        purpose: "ROMSİD Projesi'nin sahadaki izleme ve değerlendirme dinamiklerine uyarlanması; bilgi işlem altyapısı için öneriler; Strateji Belgesi ve Eylem Planı hakkında görüş alışverişi.".into(),
    }
    .validate()?;
    let v = store.create_visit(&actor, &me, &visit).await?;
    let meetings = [
        ("2022-02-23", "IZM-ASHB", "İl Müdürü, Sosyal Hizmetler Şube Müdürü", "Sahadaki izleme ve değerlendirme dinamikleri ile bilgi işlem altyapısı konusundaki öneriler görüşüldü."),
        ("2022-02-23", "IZM-MEB", "İl Millî Eğitim Müdür Yardımcısı", "Roman çocukların okul öncesine kaydı ve devamsızlık verileri üzerine görüş alındı."),
        ("2022-02-23", "IZM-ISKUR", "İl Müdürü, İş ve Meslek Danışmanı", "Meslek kurslarına katılım ve işe yerleştirme verilerinin paylaşımı konuşuldu."),
        ("2022-02-24", "MUH-EGE", "Ege Mahallesi Muhtarı", "Vatandaşlarımızın ROMSİD Projesi özelinde ve genel konularda dile getirdiği hususlar not edildi."),
        ("2022-02-24", "MUH-HILAL", "Hilal Mahallesi Muhtarı", "Okul servisinin olmaması ve nüfus kaydı eksik çocuklar dile getirildi."),
        ("2022-02-24", "IZM-ROMAN-DER", "Sivil toplum kuruluşlarının temsilcileri", "Konak Sosyal Hizmet Merkezi'nde STK'lara ROMSİD Projesi özelinde bilgilendirme yapıldı ve destek talep edildi."),
        ("2022-02-25", "KONAK-SHM", "Merkez Müdürü, sosyal çalışmacılar", "Uygulamada sıkça karşılaşılan sorunlar ve çözüm önerileri üzerine istişare yapıldı."),
        ("2022-02-25", "IZM-VALILIK", "Vali Yardımcısı", "Programa ve toplantılarda edinilen çıktılara ilişkin bilgi verildi."),
        ("2022-02-25", "KONAK-KAYMAKAM", "Kaymakam", "Roman vatandaşlara yönelik çalışmalara dair görüş ve öneriler not edildi."),
    ];
    let mut ids = Vec::new();
    for (held_on, institution, participants, notes) in meetings {
        let m = store
            .add_meeting(
                &actor,
                &me,
                &v.id,
                &MeetingDraft {
                    held_on: held_on.into(),
                    institution: institution.into(),
                    participants: participants.into(),
                    notes: notes.into(),
                },
            )
            .await?;
        ids.push(m.id);
    }
    let findings = [
        (4, "Hilal Mahallesi'nde okul servisi olmadığı için çocukların devamsızlığı artıyor.", "education"),
        (4, "Nüfusa kaydı olmayan çocuklar okul ve sağlık hizmetlerine erişemiyor.", "social_assistance"),
        (6, "Sosyal hizmet merkezinde Roman vatandaşlarla çalışan personelin iş yükü yüksek; vakalar kâğıt üzerinde izleniyor.", "cross_cutting"),
        (2, "Meslek kursu bitirenlerin işe yerleşip yerleşmediği izlenmiyor.", "employment"),
    ];
    let mut finding_ids = Vec::new();
    for (meeting, text, area) in findings {
        let f = FindingDraft {
            meeting_id: ids[meeting].clone(),
            text: text.into(),
            policy_area: area.into(),
            action_id: String::new(),
        }
        .validate()?;
        finding_ids.push(store.add_finding(&actor, &me, &v.id, &f).await?);
    }
    let recommendations = [
        (0, "Hilal ve Ege mahalleleri için taşımalı eğitim kapsamında okul servisi planlanması.", "IZM-MEB", "2022-09-01"),
        (1, "Nüfus kaydı eksik çocukların muhtarlıklarla birlikte tespit edilip kayıt için yönlendirilmesi.", "KONAK-SHM", "2022-06-30"),
        (2, "Vaka takibinin Köprü üzerinden yapılması ve personelin eğitilmesi.", "IZM-ASHB", "2022-12-31"),
        (3, "Kurs bitirenlerin altı ay sonra istihdam durumunun izlenmesi.", "IZM-ISKUR", "2023-03-31"),
    ];
    let mut n = 0;
    for (finding, text, responsible, due_on) in recommendations {
        let r = RecommendationDraft {
            finding_id: finding_ids[finding].clone(),
            text: text.into(),
            responsible: responsible.into(),
            due_on: due_on.into(),
        }
        .validate()?;
        let row = store.add_recommendation(&actor, &me, &v.id, &r).await?;
        if responsible == "KONAK-SHM" {
            let owner = institution("KONAK-SHM");
            store
                .follow_up_recommendation(
                    &actor,
                    &owner,
                    &row.id,
                    row.version,
                    RecommendationStatus::Implemented,
                    "Ege ve Hilal muhtarlıklarıyla 38 çocuk tespit edildi; 31'i nüfus müdürlüğüne yönlendirildi ve kaydedildi.",
                )
                .await?;
        }
        n += 1;
    }
    Ok(n)
}
