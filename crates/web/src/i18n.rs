//! Fluent message catalogues for the four interface languages.
//!
//! The `.ftl` files are compiled into the binary. `sr-Latn.ftl` is kept as the
//! exact transliteration of `sr-Cyrl.ftl`; a test holds them together.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use kopru_domain::Locale;
use std::sync::OnceLock;

pub const SOURCES: [(Locale, &str); 4] = [
    (Locale::Tr, include_str!("../locales/tr.ftl")),
    (Locale::En, include_str!("../locales/en.ftl")),
    (Locale::SrCyrl, include_str!("../locales/sr-Cyrl.ftl")),
    (Locale::SrLatn, include_str!("../locales/sr-Latn.ftl")),
];

pub struct Catalogues {
    bundles: Vec<(Locale, FluentBundle<FluentResource>)>,
}

fn build() -> Catalogues {
    let bundles = SOURCES
        .iter()
        .map(|(locale, text)| {
            // A broken catalogue is a build defect caught by the tests; at run time
            // the parsable part is still used rather than failing every page.
            let res = FluentResource::try_new((*text).to_owned()).unwrap_or_else(|(res, _)| res);
            let langid = locale
                .tag()
                .parse()
                .unwrap_or_else(|_| unic_langid::LanguageIdentifier::default());
            let mut b = FluentBundle::new_concurrent(vec![langid]);
            b.set_use_isolating(false);
            let _ = b.add_resource(res);
            (*locale, b)
        })
        .collect();
    Catalogues { bundles }
}

pub fn catalogues() -> &'static Catalogues {
    static C: OnceLock<Catalogues> = OnceLock::new();
    C.get_or_init(build)
}

impl Catalogues {
    fn bundle(&self, locale: Locale) -> &FluentBundle<FluentResource> {
        self.bundles
            .iter()
            .find(|(l, _)| *l == locale)
            .map(|(_, b)| b)
            .unwrap_or(&self.bundles[0].1)
    }

    pub fn has(&self, locale: Locale, id: &str) -> bool {
        self.bundle(locale).has_message(id)
    }

    /// The message `id` in `locale`; falls back to English, then to the id itself,
    /// so that a missing message shows as its id rather than breaking a page.
    pub fn format(&self, locale: Locale, id: &str, args: Option<&FluentArgs<'_>>) -> String {
        for l in [locale, Locale::En] {
            let b = self.bundle(l);
            if let Some(pattern) = b.get_message(id).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                return b.format_pattern(pattern, args, &mut errors).into_owned();
            }
        }
        id.to_owned()
    }
}

/// A translator bound to one locale; templates call `ctx.t(message_id)`.
#[derive(Clone, Copy, Debug)]
pub struct Tr {
    pub locale: Locale,
}

impl Tr {
    pub fn new(locale: Locale) -> Self {
        Tr { locale }
    }

    pub fn t(&self, id: &str) -> String {
        catalogues().format(self.locale, id, None)
    }

    /// Where a role applies, in words: "the whole installation", "Unit SHKB-ANK-01".
    pub fn scope(&self, s: &kopru_domain::Scope) -> String {
        match s.code() {
            None => self.t("scope-installation"),
            Some(code) => self.t1(&format!("scope-{}", s.kind()), "code", code),
        }
    }

    /// A message with one named argument (a string).
    pub fn t1(&self, id: &str, name: &str, value: &str) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_owned(), FluentValue::from(value.to_owned()));
        catalogues().format(self.locale, id, Some(&args))
    }

    /// A message with a count: the plural form follows the language's rules, the
    /// number is shown with the language's digit grouping.
    pub fn count<N: std::borrow::Borrow<i64>>(&self, id: &str, n: N) -> String {
        let n = *n.borrow();
        let mut args = FluentArgs::new();
        args.set("count", FluentValue::from(n));
        args.set("n", FluentValue::from(self.locale.format_int(n)));
        catalogues().format(self.locale, id, Some(&args))
    }

    /// A message with named numbers, each shown with the language's digit grouping.
    pub fn numbers(&self, id: &str, values: &[(&str, i64)]) -> String {
        let mut args = FluentArgs::new();
        for (name, n) in values {
            args.set(
                (*name).to_owned(),
                FluentValue::from(self.locale.format_int(*n)),
            );
        }
        catalogues().format(self.locale, id, Some(&args))
    }

    pub fn num<N: std::borrow::Borrow<i64>>(&self, n: N) -> String {
        self.locale.format_int(*n.borrow())
    }

    pub fn date(&self, iso: &str) -> String {
        self.locale.format_date(iso)
    }

    pub fn datetime(&self, ts: &str) -> String {
        self.locale.format_datetime(ts)
    }

    pub fn upper(&self, s: &str) -> String {
        self.locale.to_upper(s)
    }

    /// An area's name in the reader's script: Cyrillic for sr-Cyrl when known.
    pub fn area_name(&self, name: &str, name_alt: &Option<String>) -> String {
        match (self.locale, name_alt) {
            (Locale::SrCyrl, Some(alt)) => alt.clone(),
            _ => name.to_owned(),
        }
    }

    pub fn tag(&self) -> &'static str {
        self.locale.tag()
    }
}
