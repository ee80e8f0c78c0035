//! Search terms: text is lower-cased, its accents folded (`é` → `e`, `ß` → `ss`, combining marks
//! dropped) and split at every character that is not a letter or digit; one-letter words and the
//! commonest words of English, Spanish, Portuguese and French are left out, so a customer's
//! "how do I …" does not match every article. A final `s` is dropped from words of four letters
//! or more (not from `ss`), so plurals find singulars in English, Spanish, Portuguese and French
//! ("returns" finds "return", "pedidos" finds "pedido"); query and articles fold alike.

/// Latin letters with diacritics and their plain spelling (Latin-1 and Latin Extended-A, the
/// letters of the languages omnidesk serves). Lower-case only: text is lower-cased first.
const FOLDS: &[(char, &str)] = &[
    ('à', "a"),
    ('á', "a"),
    ('â', "a"),
    ('ã', "a"),
    ('ä', "a"),
    ('å', "a"),
    ('ā', "a"),
    ('ă', "a"),
    ('ą', "a"),
    ('æ', "ae"),
    ('ç', "c"),
    ('ć', "c"),
    ('č', "c"),
    ('ď', "d"),
    ('đ', "d"),
    ('è', "e"),
    ('é', "e"),
    ('ê', "e"),
    ('ë', "e"),
    ('ē', "e"),
    ('ė', "e"),
    ('ę', "e"),
    ('ě', "e"),
    ('ğ', "g"),
    ('ì', "i"),
    ('í', "i"),
    ('î', "i"),
    ('ï', "i"),
    ('ī', "i"),
    ('į', "i"),
    ('ı', "i"),
    ('ł', "l"),
    ('ľ', "l"),
    ('ñ', "n"),
    ('ń', "n"),
    ('ň', "n"),
    ('ò', "o"),
    ('ó', "o"),
    ('ô', "o"),
    ('õ', "o"),
    ('ö', "o"),
    ('ø', "o"),
    ('ō', "o"),
    ('ő', "o"),
    ('œ', "oe"),
    ('ř', "r"),
    ('ś', "s"),
    ('ş', "s"),
    ('š', "s"),
    ('ß', "ss"),
    ('ť', "t"),
    ('ţ', "t"),
    ('ù', "u"),
    ('ú', "u"),
    ('û', "u"),
    ('ü', "u"),
    ('ū', "u"),
    ('ů', "u"),
    ('ű', "u"),
    ('ų', "u"),
    ('ý', "y"),
    ('ÿ', "y"),
    ('ź', "z"),
    ('ż', "z"),
    ('ž', "z"),
];

/// Words too common to tell articles apart.
const STOPWORDS: &[&str] = &[
    // English
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "do", "does", "for", "from",
    "has", "have", "hi", "hello", "how", "i", "if", "in", "is", "it", "its", "me", "my", "no",
    "not", "of", "on", "or", "our", "please", "so", "that", "the", "their", "there", "this", "to",
    "was", "we", "what", "when", "where", "which", "who", "why", "will", "with", "you", "your",
    "am", "im", "thanks", "thank", // Spanish and Portuguese
    "al", "como", "con", "da", "de", "del", "do", "el", "em", "en", "es", "esta", "este", "la",
    "las", "lo", "los", "mi", "na", "no", "o", "os", "para", "por", "que", "se", "su", "um", "un",
    "una", "uma", "y", "hola", "ola", "gracias", "obrigado", // French
    "au", "aux", "ce", "des", "du", "est", "et", "je", "le", "les", "mon", "ne", "pas", "pour",
    "qui", "sur", "une", "vous", "bonjour", "merci",
];

/// `s` lower-cased with its accents folded.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        if c.is_ascii() {
            out.push(c);
        } else if ('\u{300}'..='\u{36f}').contains(&c) {
            // A combining mark of text typed decomposed (e + U+0301): the letter stays plain.
        } else {
            match FOLDS.iter().find(|(from, _)| *from == c) {
                Some((_, to)) => out.push_str(to),
                None => out.push(c),
            }
        }
    }
    out
}

/// The search terms of `s`, in order, repeats kept (they count as term frequency).
pub fn terms(s: &str) -> Vec<String> {
    fold(s)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() > 1 && !STOPWORDS.contains(w))
        .map(singular)
        .collect()
}

/// `w` without a plural's final `s`.
fn singular(w: &str) -> String {
    match w.strip_suffix('s') {
        Some(stem) if w.chars().count() >= 4 && !stem.ends_with('s') => stem.to_owned(),
        _ => w.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_and_accents_do_not_matter() {
        assert_eq!(terms("Devolución RÁPIDA"), ["devolucion", "rapida"]);
        assert_eq!(terms("devolucion rapida"), ["devolucion", "rapida"]);
        assert_eq!(fold("Stra\u{df}e"), "strasse");
        assert_eq!(fold("e\u{301}te\u{301}"), "ete", "decomposed accents");
    }

    #[test]
    fn punctuation_splits_words_and_common_words_are_dropped() {
        assert_eq!(
            terms("How do I get a refund?! (order #123)"),
            ["get", "refund", "order", "123"]
        );
        assert_eq!(terms("¿Cómo está mi pedido?"), ["pedido"]);
        assert!(terms("the a of").is_empty());
    }

    #[test]
    fn plurals_fold_to_their_singular() {
        assert_eq!(
            terms("Returns ORDERS pedidos"),
            ["return", "order", "pedido"]
        );
        assert_eq!(
            terms("address bus gas"),
            ["address", "bus", "gas"],
            "ss and short words stay"
        );
    }

    #[test]
    fn other_scripts_are_kept_as_words() {
        assert_eq!(terms("Доставка заказа"), ["доставка", "заказа"]);
    }
}
