use crate::helpers::*;
use kopru_domain::locale::serbian_cyrillic_to_latin;
use kopru_domain::reference::{InstitutionKind, ServiceKind, UnitKind};
use kopru_domain::{Locale, Role};
use kopru_web::i18n::{catalogues, Tr, SOURCES};
use std::collections::BTreeSet;
use std::path::Path;

fn ids(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|l| {
            !l.starts_with(' ') && !l.starts_with('#') && l.contains(" = ") || l.ends_with(" =")
        })
        .filter_map(|l| l.split(" =").next())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty() && !s.starts_with(['[', '*', '}']))
        .collect()
}

#[test]
fn every_catalogue_parses_and_has_the_same_messages() {
    let en = ids(SOURCES[1].1);
    assert!(en.len() > 150);
    for (locale, text) in SOURCES {
        assert!(fluent_ok(text), "{locale}: the catalogue does not parse");
        let these = ids(text);
        let missing: Vec<_> = en.difference(&these).collect();
        let extra: Vec<_> = these.difference(&en).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{locale}: missing {missing:?}, extra {extra:?}"
        );
    }
}

fn fluent_ok(text: &str) -> bool {
    fluent_bundle::FluentResource::try_new(text.to_owned()).is_ok()
}

/// Every message id the code and templates ask for exists in every language.
#[test]
fn every_message_used_exists_in_every_language() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut used = BTreeSet::new();
    let mut files = Vec::new();
    for dir in [
        "crates/web/templates",
        "crates/web/src",
        "crates/domain/src",
        "crates/store/src",
    ] {
        collect(&root.join(dir), &mut files);
    }
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for marker in [
            ".t(\"",
            "count(\"",
            "t1(\"",
            "\"err-",
            "\"problem-",
            "\"login-",
        ] {
            let mut rest = text.as_str();
            while let Some(i) = rest.find(marker) {
                let start = i + marker.len();
                let prefix = marker.strip_prefix('"').unwrap_or("");
                let tail: String = rest[start..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect();
                if !tail.is_empty() {
                    used.insert(format!("{prefix}{tail}"));
                }
                rest = &rest[start..];
            }
        }
    }
    for r in Role::ALL {
        used.insert(r.message_id());
    }
    used.extend(UnitKind::ALL.iter().map(|k| k.message_id()));
    used.extend(InstitutionKind::ALL.iter().map(|k| k.message_id()));
    used.extend(ServiceKind::ALL.iter().map(|k| k.message_id()));
    for k in [
        "country",
        "province",
        "district",
        "autonomous-province",
        "city",
        "municipality",
        "city-municipality",
    ] {
        used.insert(format!("area-kind-{k}"));
    }
    for f in [
        "code",
        "name",
        "donor",
        "starts-on",
        "ends-on",
        "result-areas",
        "kind",
        "area-code",
        "programme-code",
        "address",
        "phone",
        "email",
        "contact-person",
        "services",
    ] {
        used.insert(format!("field-{f}"));
    }
    for d in ["role", "password", "status"] {
        used.insert(format!("user-done-{d}"));
    }
    // Import columns are offered by their field's label (`ctx.field`): the
    // picker once showed `field-full-name`.
    for f in kopru_domain::import::FIELDS {
        used.insert(format!("field-{}", f.replace('_', "-")));
    }
    // The registry's closed lists, shown through `label(prefix, value)`.
    use kopru_domain::person::*;
    let mut lists: Vec<(&str, Vec<&str>)> = vec![
        ("sex", vec!["female", "male", "unknown"]),
        ("id-type", IdType::ALL.iter().map(|v| v.as_str()).collect()),
        (
            "education",
            Education::ALL.iter().map(|v| v.as_str()).collect(),
        ),
        (
            "answer",
            YesNoUnknown::ALL.iter().map(|v| v.as_str()).collect(),
        ),
        ("id-card", IdCard::ALL.iter().map(|v| v.as_str()).collect()),
        (
            "statelessness",
            Statelessness::ALL.iter().map(|v| v.as_str()).collect(),
        ),
        ("group", Group::ALL.iter().map(|v| v.as_str()).collect()),
        (
            "relationship",
            Relationship::ALL.iter().map(|v| v.as_str()).collect(),
        ),
        ("tenure", Tenure::ALL.iter().map(|v| v.as_str()).collect()),
        (
            "purpose",
            ConsentPurpose::ALL.iter().map(|v| v.as_str()).collect(),
        ),
        (
            "basis",
            LegalBasis::ALL.iter().map(|v| v.as_str()).collect(),
        ),
        (
            "special",
            SpecialCategory::ALL.iter().map(|v| v.as_str()).collect(),
        ),
        (
            "special-value",
            vec!["roma", "not_roma", "not_stated", "yes", "no"],
        ),
        (
            "reason",
            vec![
                "birth",
                "move_in",
                "marriage",
                "split",
                "merge",
                "registration",
                "other",
                "moved_out",
                "death",
                "moved",
            ],
        ),
    ];
    lists.push(("script", vec!["latn", "cyrl", "zyyy", "zzzz"]));
    // Case management's closed lists, shown through `ctx.l(prefix, value)`.
    {
        use kopru_domain::case::*;
        use kopru_domain::casework::SharedField;
        let names = |v: &[&'static str]| v.to_vec();
        lists.push((
            "case-status",
            CaseStatus::ALL.iter().map(|v| v.as_str()).collect(),
        ));
        lists.push((
            "referral-status",
            ReferralStatus::ALL.iter().map(|v| v.as_str()).collect(),
        ));
        lists.push((
            "case-domain",
            Domain::ALL.iter().map(|v| v.as_str()).collect(),
        ));
        lists.push((
            "case-priority",
            Priority::ALL.iter().map(|v| v.as_str()).collect(),
        ));
        lists.push((
            "contact-kind",
            ContactKind::ALL.iter().map(|v| v.as_str()).collect(),
        ));
        lists.push((
            "delivered-service",
            DeliveredService::ALL.iter().map(|v| v.as_str()).collect(),
        ));
        lists.push((
            "goal-status",
            GoalStatus::ALL.iter().map(|v| v.as_str()).collect(),
        ));
        lists.push((
            "closure-reason",
            ClosureReason::ALL.iter().map(|v| v.as_str()).collect(),
        ));
        lists.push((
            "shared-field",
            SharedField::ALL.iter().map(|v| v.as_str()).collect(),
        ));
        lists.push((
            "transfer-status",
            names(&["pending", "accepted", "declined"]),
        ));
        lists.push(("referral-side", names(&["institution", "unit"])));
        lists.push((
            "case-event",
            names(&[
                "opened",
                "status",
                "assigned",
                "transfer_requested",
                "transfer_accepted",
                "transfer_declined",
                "closed",
                "reopened",
            ]),
        ));
    }
    // Fields named in person and household histories.
    lists.push((
        "field",
        vec![
            "given_names",
            "family_name",
            "father_name",
            "mother_name",
            "aliases",
            "sex",
            "birth_date",
            "national_id",
            "nationality",
            "phone",
            "languages",
            "education",
            "birth_registered",
            "id_card",
            "statelessness",
            "legally_invisible",
            "groups",
            "unit_code",
            "area_code",
            "address",
            "settlement",
            "tenure",
            "rooms",
            "tap_water",
            "indoor_toilet",
            "electricity",
            "damp_roof",
            "ethnicity",
            "health",
            "disability",
            "criminal_record",
            "violence_survivor",
            "merged_into",
        ],
    ));
    for (prefix, values) in lists {
        for v in values {
            used.insert(format!("{prefix}-{}", v.replace('_', "-")));
        }
    }
    assert!(
        used.len() > 150,
        "the scan found the messages ({})",
        used.len()
    );
    for locale in Locale::ALL {
        let missing: Vec<_> = used
            .iter()
            .filter(|id| !catalogues().has(locale, id))
            .collect();
        assert!(missing.is_empty(), "{locale}: missing {missing:?}");
    }
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs" || x == "html") {
            out.push(p);
        }
    }
}

#[test]
fn serbian_latin_is_the_transliteration_of_cyrillic() {
    let cyr = SOURCES[2]
        .1
        .lines()
        .skip(1)
        .map(serbian_cyrillic_to_latin)
        .collect::<Vec<_>>();
    let lat = SOURCES[3]
        .1
        .lines()
        .skip(1)
        .map(str::to_owned)
        .collect::<Vec<_>>();
    assert_eq!(cyr, lat, "regenerate with scripts/sr-latn");
}

#[test]
fn plurals_and_numbers_follow_each_language() {
    let sr = Tr::new(Locale::SrCyrl);
    assert_eq!(sr.count("list-total", 1), "1 ред");
    assert_eq!(sr.count("list-total", 3), "3 реда");
    assert_eq!(sr.count("list-total", 5), "5 редова");
    assert_eq!(sr.count("list-total", 22), "22 реда");
    assert_eq!(Tr::new(Locale::SrLatn).count("list-total", 11), "11 redova");
    assert_eq!(Tr::new(Locale::En).count("list-total", 1), "1 row");
    assert_eq!(Tr::new(Locale::En).count("list-total", 1234), "1,234 rows");
    assert_eq!(Tr::new(Locale::Tr).count("list-total", 1234), "1.234 kayıt");
    assert_eq!(
        Tr::new(Locale::En).count("login-throttled", 1),
        "Too many failed attempts. Try again in 1 minute."
    );
    assert_eq!(Tr::new(Locale::Tr).upper("çiğdem ılık"), "ÇİĞDEM ILIK");
}

#[tokio::test]
async fn language_comes_from_the_user_then_the_browser_and_switches_on_every_page() {
    let app = spawn_app().await;
    let mut c = app.client();
    c.accept_language = Some("sr-Latn-RS,sr;q=0.9".into());
    let login = c.get("/login").await.body;
    assert!(
        login.contains("lang=\"sr-Latn\"") && login.contains("Prijava"),
        "{login}"
    );
    c.accept_language = Some("en-GB,en;q=0.8".into());
    assert!(c.get("/login").await.body.contains("Sign in"));

    c.login("healthmediator", DEMO_PASSWORD).await;
    let home = c.get("/").await.body;
    assert!(
        home.contains("Home"),
        "browser language until the user chooses"
    );
    // Every page offers the switch.
    for page in [
        "/",
        "/units",
        "/institutions",
        "/areas",
        "/programmes",
        "/account",
    ] {
        let body = c.get(page).await.body;
        assert!(
            body.contains("action=\"/lang\"") && body.contains("value=\"sr-Cyrl\""),
            "{page}"
        );
    }
    let r = c
        .post_form("/lang", &[("lang", "sr-Cyrl"), ("next", "/units")])
        .await;
    assert_eq!(r.location(), "/units");
    let units = c.get("/units").await.body;
    assert!(
        units.contains("lang=\"sr-Cyrl\"") && units.contains("Јединице и тимови"),
        "{units}"
    );
    // Saved on the account: another browser in English still gets Cyrillic.
    let mut other = app.signed_in("healthmediator").await;
    other.accept_language = Some("en".into());
    assert!(other.get("/").await.body.contains("Почетна"));
    // Open redirects are refused.
    let r = c
        .post_form(
            "/lang",
            &[("lang", "tr"), ("next", "https://evil.example/")],
        )
        .await;
    assert_eq!(r.location(), "/");
    let r = c
        .post_form("/lang", &[("lang", "klingon"), ("next", "/")])
        .await;
    assert_eq!(r.status, axum::http::StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn api_errors_are_localised_by_accept_language() {
    let app = spawn_app().await;
    let mut c = app.client();
    for (lang, title) in [
        ("tr", "Lütfen giriş yapın."),
        ("en", "Please sign in."),
        ("sr-Cyrl", "Пријавите се."),
        ("sr-Latn", "Prijavite se."),
    ] {
        c.accept_language = Some(lang.into());
        let r = c.get("/api/v1/units").await;
        assert_eq!(r.json()["title"], title);
    }
}

/// Where a role applies reads as words in the user's language, not as a
/// stored code (`installation`, `unit:SHKB-ANK-01` on Turkish home pages).
#[tokio::test]
async fn home_pages_say_where_roles_apply_in_words() {
    let app = spawn_app().await;
    for (user, lang, want, raw) in [
        ("mediator", "tr", "birim: SHKB-ANK-01", "unit:SHKB-ANK-01"),
        ("admin", "tr", "tüm kurulum", "installation"),
        ("admin", "sr-Cyrl", "цела инсталација", "installation"),
    ] {
        let mut c = app.signed_in(user).await;
        c.post_form("/lang", &[("lang", lang), ("next", "/")]).await;
        for page in ["/", "/account"] {
            let body = c.get(page).await.body;
            assert!(body.contains(want), "{user} {lang} {page}: {want} missing");
            assert!(!body.contains(raw), "{user} {lang} {page}: {raw} shown");
        }
    }
}
