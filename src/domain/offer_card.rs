//! The agent notification template (PRODUCT.md §3, Advanced): which facts a workstream's offers
//! show the agent. Stored as one byte of flags; the configuration file names them.

use serde::{Deserialize, Serialize};

/// One fact an offer can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferField {
    /// The customer's name and whether they are a known contact, else their number.
    Customer,
    /// The channel and the business number written to.
    Channel,
    Queue,
    LatestMessage,
    /// The skills the conversation requires.
    Skills,
    /// The workstream's context variables with their values.
    ContextVariables,
}

impl OfferField {
    pub const ALL: [OfferField; 6] = [
        Self::Customer,
        Self::Channel,
        Self::Queue,
        Self::LatestMessage,
        Self::Skills,
        Self::ContextVariables,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Channel => "channel",
            Self::Queue => "queue",
            Self::LatestMessage => "latest_message",
            Self::Skills => "skills",
            Self::ContextVariables => "context_variables",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Customer => "Customer",
            Self::Channel => "Channel and number",
            Self::Queue => "Queue",
            Self::LatestMessage => "Latest message",
            Self::Skills => "Required skills",
            Self::ContextVariables => "Context variables",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// The facts a workstream's offers show, in the order of `OfferField::ALL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfferCard(u8);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OfferCardError {
    #[error("Choose at least one thing the offer shows.")]
    Empty,
    #[error("“{0}” is not something an offer can show.")]
    Unknown(String),
}

impl Default for OfferCard {
    /// Everything but the context variables, which may be long or private.
    fn default() -> Self {
        Self::of(&OfferField::ALL[..5])
    }
}

impl OfferCard {
    pub fn of(fields: &[OfferField]) -> Self {
        Self(fields.iter().fold(0, |acc, f| acc | f.bit()))
    }

    pub fn shows(self, field: OfferField) -> bool {
        self.0 & field.bit() != 0
    }

    pub fn fields(self) -> Vec<OfferField> {
        OfferField::ALL
            .into_iter()
            .filter(|f| self.shows(*f))
            .collect()
    }

    /// The ticked slugs of a form; nothing unknown, at least one.
    pub fn parse<'a>(slugs: impl IntoIterator<Item = &'a str>) -> Result<Self, OfferCardError> {
        let mut fields = Vec::new();
        for s in slugs {
            let f = OfferField::ALL
                .into_iter()
                .find(|f| f.slug() == s)
                .ok_or_else(|| OfferCardError::Unknown(s.chars().take(40).collect()))?;
            fields.push(f);
        }
        Self::checked(&fields)
    }

    /// `fields` as a card, refusing an empty one.
    pub fn checked(fields: &[OfferField]) -> Result<Self, OfferCardError> {
        let card = Self::of(fields);
        if card.0 == 0 {
            return Err(OfferCardError::Empty);
        }
        Ok(card)
    }

    /// The stored byte.
    pub fn code(self) -> u8 {
        self.0
    }

    /// A stored byte; bits no field has are dropped, and nothing becomes the default.
    pub fn from_code(code: u8) -> Self {
        let all = Self::of(&OfferField::ALL).0;
        match code & all {
            0 => Self::default(),
            c => Self(c),
        }
    }
}

impl Serialize for OfferCard {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.fields().serialize(s)
    }
}

impl<'de> Deserialize<'de> for OfferCard {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let fields = Vec::<OfferField>::deserialize(d)?;
        Self::checked(&fields).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_shows_all_but_the_context_variables() {
        let card = OfferCard::default();
        assert!(card.shows(OfferField::Customer));
        assert!(card.shows(OfferField::Skills));
        assert!(!card.shows(OfferField::ContextVariables));
        assert_eq!(OfferCard::from_code(card.code()), card);
        assert_eq!(OfferCard::from_code(0), card, "nothing stored");
    }

    #[test]
    fn forms_name_fields_by_slug_and_need_one() {
        let card = OfferCard::parse(["latest_message", "customer"]).unwrap();
        assert_eq!(
            card.fields(),
            vec![OfferField::Customer, OfferField::LatestMessage],
            "in the fixed order"
        );
        assert_eq!(OfferCard::parse([]), Err(OfferCardError::Empty));
        assert_eq!(
            OfferCard::parse(["customer", "salary"]),
            Err(OfferCardError::Unknown("salary".into()))
        );
        assert_eq!(OfferCard::from_code(0b1100_0000), OfferCard::default());
    }

    #[test]
    fn the_configuration_file_lists_the_fields() {
        let card = OfferCard::of(&[OfferField::Queue, OfferField::ContextVariables]);
        let json = serde_json::to_string(&card).unwrap();
        assert_eq!(json, r#"["queue","context_variables"]"#);
        assert_eq!(serde_json::from_str::<OfferCard>(&json).unwrap(), card);
        assert!(serde_json::from_str::<OfferCard>("[]").is_err());
        assert!(serde_json::from_str::<OfferCard>(r#"["nope"]"#).is_err());
    }
}
