//! A conversation's sentiment: how the customer's last six messages read, in seven levels.
//!
//! Each message is scored with VADER (Hutto & Gilbert, ICWSM-14; the `vader-parity` crate, which
//! matches the reference package 3.3.2 and ships its MIT lexicon), and the level comes from the
//! mean of their compound scores (−1 to 1):
//!
//! | compound        | level              |
//! |-----------------|--------------------|
//! | ≤ −0.6          | Very negative      |
//! | −0.6 to −0.3    | Negative           |
//! | −0.3 to −0.05   | Slightly negative  |
//! | −0.05 to 0.05   | Neutral            |
//! | 0.05 to 0.3     | Slightly positive  |
//! | 0.3 to 0.6      | Positive           |
//! | ≥ 0.6           | Very positive      |
//!
//! (±0.05 is VADER's own neutral band; the bounds belong to the level nearer neutral.)
//! VADER's lexicon is English. The language detector (`whatlang`) decides which messages it can
//! score: one detected as English, or with no language detected (an emoji), is scored; one
//! detected as another language with confidence of at least `OTHER_LANGUAGE` is not; one whose
//! detection is weaker (short messages such as "thanks!" are often guessed wrong) is scored only
//! when VADER finds words it knows in it. When none of the messages can be scored, the sentiment
//! is "Not available" rather than a guess.

use std::sync::OnceLock;
use vader_parity::SentimentIntensityAnalyzer;

/// How many of the customer's latest messages make the sentiment.
pub const WINDOW: usize = 6;
/// A detection of a language other than English at least this confident keeps a message out.
const OTHER_LANGUAGE: f64 = 0.5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sentiment {
    VeryNegative,
    Negative,
    SlightlyNegative,
    Neutral,
    SlightlyPositive,
    Positive,
    VeryPositive,
    /// No message in a language the analyzer scores (or no customer message yet).
    NotAvailable,
}

impl Sentiment {
    /// The level of a mean compound score, by the table above.
    pub fn from_compound(compound: f64) -> Self {
        match compound {
            c if c <= -0.6 => Self::VeryNegative,
            c if c <= -0.3 => Self::Negative,
            c if c <= -0.05 => Self::SlightlyNegative,
            c if c < 0.05 => Self::Neutral,
            c if c < 0.3 => Self::SlightlyPositive,
            c if c < 0.6 => Self::Positive,
            _ => Self::VeryPositive,
        }
    }

    /// The sentiment of `texts`, the customer's messages oldest first; only the last `WINDOW`
    /// count.
    pub fn of_messages<'a>(texts: impl IntoIterator<Item = &'a str>) -> Self {
        let texts: Vec<&str> = texts.into_iter().collect();
        let recent = &texts[texts.len().saturating_sub(WINDOW)..];
        let scores: Vec<f64> = recent.iter().filter_map(|t| score(t)).collect();
        if scores.is_empty() {
            return Self::NotAvailable;
        }
        Self::from_compound(scores.iter().sum::<f64>() / scores.len() as f64)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::VeryNegative => "Very negative",
            Self::Negative => "Negative",
            Self::SlightlyNegative => "Slightly negative",
            Self::Neutral => "Neutral",
            Self::SlightlyPositive => "Slightly positive",
            Self::Positive => "Positive",
            Self::VeryPositive => "Very positive",
            Self::NotAvailable => "Not available",
        }
    }

    /// −3 (very negative) to 3 (very positive); `None` when not available. For sorting and
    /// styling.
    pub fn level(self) -> Option<i8> {
        match self {
            Self::VeryNegative => Some(-3),
            Self::Negative => Some(-2),
            Self::SlightlyNegative => Some(-1),
            Self::Neutral => Some(0),
            Self::SlightlyPositive => Some(1),
            Self::Positive => Some(2),
            Self::VeryPositive => Some(3),
            Self::NotAvailable => None,
        }
    }
}

impl Sentiment {
    /// The CSS class that colours the level on pages.
    pub fn css(self) -> &'static str {
        match self {
            Self::VeryNegative => "sentiment-neg3",
            Self::Negative => "sentiment-neg2",
            Self::SlightlyNegative => "sentiment-neg1",
            Self::Neutral => "sentiment-neutral",
            Self::SlightlyPositive => "sentiment-pos1",
            Self::Positive => "sentiment-pos2",
            Self::VeryPositive => "sentiment-pos3",
            Self::NotAvailable => "sentiment-na",
        }
    }
}

impl std::fmt::Display for Sentiment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// The compound score of `text`, or `None` when VADER cannot score it (see the module's rules).
fn score(text: &str) -> Option<f64> {
    if text.trim().is_empty() {
        return None;
    }
    let compound = analyzer().polarity_scores(text).compound;
    match whatlang::detect(text) {
        None => Some(compound),
        Some(info) if info.lang() == whatlang::Lang::Eng => Some(compound),
        Some(info) if info.confidence() >= OTHER_LANGUAGE => None,
        Some(_) => (compound != 0.0).then_some(compound),
    }
}

/// The analyzer, built once: building parses the lexicon.
fn analyzer() -> &'static SentimentIntensityAnalyzer {
    static ANALYZER: OnceLock<SentimentIntensityAnalyzer> = OnceLock::new();
    ANALYZER.get_or_init(SentimentIntensityAnalyzer::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(texts: &[&str]) -> Sentiment {
        Sentiment::of_messages(texts.iter().copied())
    }

    #[test]
    fn labelled_examples_land_on_each_of_the_seven_levels() {
        let cases: &[(&[&str], Sentiment)] = &[
            (
                &["This is the worst service ever, I hate it and I am furious!!!"],
                Sentiment::VeryNegative,
            ),
            (&["The delivery was bad."], Sentiment::Negative),
            // −0.54 and 0: the mean of the two.
            (
                &["The delivery was bad.", "When will the parcel arrive?"],
                Sentiment::SlightlyNegative,
            ),
            (&["When will the parcel arrive?"], Sentiment::Neutral),
            (&["Okay, that works I guess"], Sentiment::SlightlyPositive),
            (&["thanks!"], Sentiment::Positive),
            (&["Thanks, that is good"], Sentiment::VeryPositive),
        ];
        for (texts, want) in cases {
            let compounds: Vec<f64> = texts.iter().filter_map(|t| score(t)).collect();
            assert_eq!(of(texts), *want, "{texts:?} (compounds {compounds:?})");
        }
    }

    #[test]
    fn the_thresholds_put_each_bound_on_the_level_nearer_neutral() {
        assert_eq!(Sentiment::from_compound(-1.0), Sentiment::VeryNegative);
        assert_eq!(Sentiment::from_compound(-0.6), Sentiment::VeryNegative);
        assert_eq!(Sentiment::from_compound(-0.59), Sentiment::Negative);
        assert_eq!(Sentiment::from_compound(-0.3), Sentiment::Negative);
        assert_eq!(Sentiment::from_compound(-0.29), Sentiment::SlightlyNegative);
        assert_eq!(Sentiment::from_compound(-0.05), Sentiment::SlightlyNegative);
        assert_eq!(Sentiment::from_compound(-0.04), Sentiment::Neutral);
        assert_eq!(Sentiment::from_compound(0.0), Sentiment::Neutral);
        assert_eq!(Sentiment::from_compound(0.05), Sentiment::SlightlyPositive);
        assert_eq!(Sentiment::from_compound(0.3), Sentiment::Positive);
        assert_eq!(Sentiment::from_compound(0.6), Sentiment::VeryPositive);
        assert_eq!(Sentiment::from_compound(1.0), Sentiment::VeryPositive);
    }

    #[test]
    fn only_the_last_six_messages_count() {
        let mut texts = vec!["I hate this, it is terrible and awful!"; 3];
        texts.extend(["When will the parcel arrive?"; 6]);
        assert_eq!(of(&texts), Sentiment::Neutral);
        texts.push("I hate this, it is terrible and awful!");
        assert_ne!(of(&texts), Sentiment::Neutral);
    }

    #[test]
    fn another_language_is_not_available_rather_than_a_guess() {
        assert_eq!(
            of(&[
                "El servicio es terrible, estoy muy enojado con ustedes y quiero una respuesta hoy"
            ]),
            Sentiment::NotAvailable
        );
        assert_eq!(
            of(&["Der Service ist schrecklich und ich bin sehr wütend über die Verspätung"]),
            Sentiment::NotAvailable
        );
        assert_eq!(
            of(&["hola, necesito ayuda con mi pedido"]),
            Sentiment::NotAvailable
        );
        assert_eq!(of(&[]), Sentiment::NotAvailable);
        assert_eq!(of(&["   "]), Sentiment::NotAvailable);
    }

    #[test]
    fn english_messages_among_others_are_scored_alone() {
        let texts = [
            "El servicio es terrible, estoy muy enojado con ustedes y quiero una respuesta hoy",
            "Thank you so much, you are amazing and this is wonderful!",
        ];
        assert_eq!(of(&texts), Sentiment::VeryPositive);
    }

    #[test]
    fn short_messages_and_emoji_are_scored() {
        assert_eq!(of(&["thanks!"]).level().map(i8::signum), Some(1));
        assert_eq!(of(&["😞"]).level().map(i8::signum), Some(-1));
    }
}
