//! Folding text for search: one key for every script and spelling of a name.
//!
//! `Đorđević`, `Djordjevic`, `DJORĐEVIĆ` and `Ђорђевић` all fold to `djordjevic`;
//! `Şükrü` and `SUKRU` to `sukru`; Turkish `I`, `ı`, `İ`, `i` all to `i`. Stored
//! keys and typed queries go through the same function, so matching is plain,
//! engine-independent, case-sensitive comparison of folded text.

use crate::locale::serbian_cyrillic_to_latin;

pub fn fold(s: &str) -> String {
    let latin = serbian_cyrillic_to_latin(s);
    let mut out = String::with_capacity(latin.len());
    let mut last_space = true;
    for c in latin.chars() {
        let mapped: &str = match c {
            'a'..='z' | '0'..='9' => {
                out.push(c);
                last_space = false;
                continue;
            }
            'A'..='Z' => {
                out.push(c.to_ascii_lowercase());
                last_space = false;
                continue;
            }
            'ı' | 'İ' | 'î' | 'Î' | 'í' | 'Í' | 'ì' | 'Ì' | 'ï' | 'Ï' => "i",
            'ç' | 'Ç' | 'č' | 'Č' | 'ć' | 'Ć' => "c",
            'ğ' | 'Ğ' => "g",
            'ö' | 'Ö' | 'ó' | 'Ó' | 'ò' | 'Ò' | 'ô' | 'Ô' | 'õ' | 'Õ' | 'ő' | 'Ő' => {
                "o"
            }
            'ş' | 'Ş' | 'š' | 'Š' | 'ś' | 'Ś' | 'ș' | 'Ș' => "s",
            'ü' | 'Ü' | 'û' | 'Û' | 'ú' | 'Ú' | 'ù' | 'Ù' | 'ű' | 'Ű' => "u",
            'â' | 'Â' | 'á' | 'Á' | 'à' | 'À' | 'ä' | 'Ä' | 'ã' | 'Ã' | 'å' | 'Å' | 'ă' | 'Ă' => {
                "a"
            }
            'é' | 'É' | 'è' | 'È' | 'ê' | 'Ê' | 'ë' | 'Ë' | 'ě' | 'Ě' => "e",
            'đ' | 'Đ' => "dj",
            'ž' | 'Ž' | 'ź' | 'Ź' | 'ż' | 'Ż' => "z",
            'ñ' | 'Ñ' | 'ń' | 'Ń' => "n",
            'ý' | 'Ý' | 'ÿ' => "y",
            'ř' | 'Ř' => "r",
            'ł' | 'Ł' => "l",
            'ß' => "ss",
            // Apostrophes inside names (D'Souza, Ma'ruf) join rather than split.
            '\'' | '’' | '`' => continue,
            _ => {
                if !last_space {
                    out.push(' ');
                    last_space = true;
                }
                continue;
            }
        };
        out.push_str(mapped);
        last_space = false;
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

/// A sound key for one folded word, built for Turkish, Serbian and Romani names
/// written by people who drop diacritics or spell by ear: `dj`/`đ` → `d`, `dž`/`c`
/// (Turkish c is Serbian dž) → `c`, `y` → `j`, `w` → `v`, `x` → `ks`, doubled
/// letters once, a final `d`/`b`/`g` devoiced, and vowels after the first letter
/// dropped, so that `Mehmed`/`Mehmet`, `Redžep`/`Recep`, `Đorđević`/`Dordevic`,
/// `Yusuf`/`Jusuf` share a key and vowel typos do not matter.
pub fn phonetic(word: &str) -> String {
    let folded = fold(word).replace(' ', "");
    // `y` is a consonant (Turkish/Serbian j) at the start or before a vowel, else a vowel.
    let chars: Vec<char> = folded.chars().collect();
    let w: String = chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if c != 'y' {
                c
            } else if i == 0 || chars.get(i + 1).is_some_and(|n| "aeiou".contains(*n)) {
                'j'
            } else {
                'i'
            }
        })
        .collect();
    let mut s = w
        .replace("dj", "d")
        .replace("dz", "c")
        .replace("ch", "c")
        .replace("sh", "s")
        .replace("zh", "z")
        .replace("ph", "f")
        .replace("kh", "h")
        .replace('q', "k")
        .replace('w', "v")
        .replace('x', "ks");
    if let Some(last) = s.pop() {
        s.push(match last {
            'd' => 't',
            'b' => 'p',
            'g' => 'k',
            c => c,
        });
    }
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.chars().enumerate() {
        let vowel = matches!(c, 'a' | 'e' | 'i' | 'o' | 'u');
        if i > 0 && vowel {
            continue;
        }
        if out.ends_with(c) {
            continue;
        }
        out.push(c);
    }
    out
}

/// How many typing mistakes (a letter wrong, missing, extra, or two swapped)
/// a query word of this many letters may carry and still find a name word:
/// none below four letters (too many short names are one letter apart), one
/// up to seven, two from eight.
pub fn typo_allowance(letters: usize) -> usize {
    match letters {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// How many slips apart `word` and `candidate` (both folded) are, when
/// `candidate` is a name word that `word` may be a mistyping of and that the
/// other search levels do not already find: not the same word, not a longer
/// word it begins, not one with the same sound key. Vowel slips are the sound
/// key's job; this catches consonant slips (`Nikolik`, `Jovanovlc`, `Djorjdevic`).
pub fn typo_distance(word: &str, candidate: &str) -> Option<usize> {
    let allowance = typo_allowance(word.chars().count());
    if allowance == 0 || candidate == word || candidate.starts_with(word) {
        return None;
    }
    let d = strsim::osa_distance(word, candidate);
    (d <= allowance && phonetic(candidate) != phonetic(word)).then_some(d)
}

/// The writing system of a name, as an ISO 15924 code: `Latn`, `Cyrl`,
/// `Zyyy` when it mixes scripts, `Zzzz` when it has no letters.
pub fn script_of(text: &str) -> &'static str {
    let (mut latin, mut cyrillic) = (false, false);
    for c in text.chars().filter(|c| c.is_alphabetic()) {
        match c as u32 {
            0x0400..=0x052F => cyrillic = true,
            _ if c.is_ascii_alphabetic() || ('\u{00C0}'..='\u{024F}').contains(&c) => latin = true,
            _ => return "Zyyy",
        }
    }
    match (latin, cyrillic) {
        (true, false) => "Latn",
        (false, true) => "Cyrl",
        (true, true) => "Zyyy",
        (false, false) => "Zzzz",
    }
}

/// The folded words of a name, each at least two characters (initials do not
/// find anyone).
pub fn name_tokens(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in fold(name).split(' ') {
        if t.len() >= 2 && !out.iter().any(|o| o == t) {
            out.push(t.to_owned());
        }
    }
    out
}

/// The smallest string greater than every string starting with `prefix`
/// (for an indexable `token >= prefix AND token < upper` range).
pub fn prefix_upper_bound(prefix: &str) -> String {
    let mut b = prefix.as_bytes().to_vec();
    while let Some(last) = b.pop() {
        if last < 0x7f {
            b.push(last + 1);
            return String::from_utf8(b).unwrap_or_default();
        }
    }
    "\u{7f}".to_owned()
}

#[cfg(test)]
mod typo_tests {
    use super::*;

    #[test]
    fn consonant_slips_are_typos_and_what_other_levels_find_is_not() {
        assert!(typo_distance("nikolik", "nikolic").is_some());
        assert!(typo_distance("djorjdevic", "djordjevic").is_some());
        // Letters swapped around a vowel sound the same: the sound key finds it.
        assert!(typo_distance("djrodjevic", "djordjevic").is_none());
        assert!(typo_distance("jovanovlc", "jovanovic").is_some());
        assert!(typo_distance("mehnet", "mehmet").is_some());
        // Same word, a longer word it begins, or the same sound: other levels.
        assert!(typo_distance("nikolic", "nikolic").is_none());
        assert!(typo_distance("niko", "nikola").is_none());
        assert!(typo_distance("mehmat", "mehmet").is_none());
        // Too short to guess, or too far.
        assert!(typo_distance("ali", "alp").is_none());
        assert!(typo_distance("kaya", "kurt").is_none());
        // Four letters allow one slip (found after every exact "kaya"), eight allow two.
        assert!(typo_distance("kaya", "kara").is_some());
        assert!(typo_distance("stamkovik", "stankovic").is_some());
        assert!(typo_distance("stamkovik", "stojkovic").is_none());
        assert!(typo_distance("petrovic", "markovic").is_none());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn script_of_names() {
        assert_eq!(script_of("Đorđević"), "Latn");
        assert_eq!(script_of("Şükrü Yılmaz"), "Latn");
        assert_eq!(script_of("Ђорђевић Шабан"), "Cyrl");
        assert_eq!(script_of("Ђорђевић Saban"), "Zyyy");
        assert_eq!(script_of("12 -"), "Zzzz");
    }

    #[test]
    fn spellings_share_a_sound_key() {
        for (a, b) in [
            ("Mehmed", "Mehmet"),
            ("Redžep", "Recep"),
            ("Đorđević", "Dordevic"),
            ("Ђорђевић", "Djordjevic"),
            ("Šaban", "Şaban"),
            ("Yusuf", "Jusuf"),
            ("Ahmeti", "Ahmety"),
            ("Demirović", "Demirovic"),
            ("Saliji", "Salija"),
        ] {
            assert_eq!(phonetic(a), phonetic(b), "{a} / {b}");
        }
        assert_ne!(phonetic("Ahmet"), phonetic("Mehmet"));
        assert_eq!(name_tokens("Ali  Rıza-Şen A."), vec!["ali", "riza", "sen"]);
        assert_eq!(prefix_upper_bound("djor"), "djos");
    }

    #[test]
    fn scripts_and_spellings_meet() {
        for s in ["Đorđević", "Djordjevic", "DJORĐEVIĆ", "Ђорђевић"] {
            assert_eq!(fold(s), "djordjevic", "{s}");
        }
        assert_eq!(fold("Şükrü"), fold("SUKRU"));
        assert_eq!(fold("İSMAİL ılgın"), "ismail ilgin");
        assert_eq!(fold("  Vrnjačka   Banja, Srbija "), "vrnjacka banja srbija");
        assert_eq!(fold("Врњачка Бања"), "vrnjacka banja");
    }

    proptest! {
        #[test]
        fn fold_is_idempotent(s in "\\PC{0,40}") {
            let once = fold(&s);
            prop_assert_eq!(fold(&once), once.clone());
        }

        #[test]
        fn fold_output_is_plain_ascii(s in "\\PC{0,40}") {
            prop_assert!(fold(&s).bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b' '));
        }
    }
}
