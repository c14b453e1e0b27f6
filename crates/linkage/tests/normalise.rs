//! Properties of normalisation: parsing is idempotent, and the Latin and
//! Cyrillic spellings of a Serbian name give the same words and sound keys.

// A test may unwrap: a panic here is a failed test (workspace lints, Cargo.toml).
#![allow(clippy::unwrap_used)]

use kopru_linkage::Name;
use proptest::prelude::*;

/// Serbian letters, Latin and Cyrillic, one to one.
const LETTERS: &[(&str, &str)] = &[
    ("a", "а"),
    ("b", "б"),
    ("v", "в"),
    ("g", "г"),
    ("d", "д"),
    ("đ", "ђ"),
    ("e", "е"),
    ("ž", "ж"),
    ("z", "з"),
    ("i", "и"),
    ("j", "ј"),
    ("k", "к"),
    ("l", "л"),
    ("lj", "љ"),
    ("m", "м"),
    ("n", "н"),
    ("nj", "њ"),
    ("o", "о"),
    ("p", "п"),
    ("r", "р"),
    ("s", "с"),
    ("t", "т"),
    ("ć", "ћ"),
    ("u", "у"),
    ("f", "ф"),
    ("h", "х"),
    ("c", "ц"),
    ("č", "ч"),
    ("dž", "џ"),
    ("š", "ш"),
];

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// A name of one to three words, in both scripts.
fn serbian_name() -> impl Strategy<Value = (String, String)> {
    prop::collection::vec(prop::collection::vec(0..LETTERS.len(), 2..9), 1..4).prop_map(|words| {
        let (mut latin, mut cyrillic) = (Vec::new(), Vec::new());
        for w in words {
            latin.push(capitalised(
                &w.iter().map(|&i| LETTERS[i].0).collect::<String>(),
            ));
            cyrillic.push(capitalised(
                &w.iter().map(|&i| LETTERS[i].1).collect::<String>(),
            ));
        }
        (latin.join(" "), cyrillic.join(" "))
    })
}

proptest! {
    #[test]
    fn latin_and_cyrillic_spellings_give_the_same_name((latin, cyrillic) in serbian_name()) {
        let (a, b) = (Name::parse(&latin), Name::parse(&cyrillic));
        prop_assert_eq!(&a.full, &b.full);
        prop_assert_eq!(&a.sounds, &b.sounds);
        // Capitals change nothing either.
        prop_assert_eq!(Name::parse(&latin.to_uppercase()).sounds, a.sounds);
    }

    #[test]
    fn parsing_is_idempotent(raw in "\\PC{0,40}") {
        let once = Name::parse(&raw);
        prop_assert_eq!(Name::parse(&once.full), once);
    }
}
