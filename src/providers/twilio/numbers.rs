//! Whether a number belongs to a Twilio account, asked before omnidesk calls an account ready:
//! `GET /2010-04-01/Accounts/{Sid}/IncomingPhoneNumbers.json?PhoneNumber=…` for long codes,
//! toll-free numbers and WhatsApp senders, `GET …/SMS/ShortCodes.json?ShortCode=…` for short
//! codes (both from the spec in shared/twilio). Twilio filters on partial numbers, so the
//! answer is matched here on the exact number.

use super::client::FetchError;
use crate::domain::PhoneNumber;
use crate::providers::Credentials;
use serde::Deserialize;

/// What Twilio lists for a number on the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// The account has the number.
    Listed,
    /// Twilio does not list the number on this account.
    NotListed,
}

#[derive(Deserialize)]
struct IncomingPage {
    #[serde(default)]
    incoming_phone_numbers: Vec<Incoming>,
}

#[derive(Deserialize)]
struct Incoming {
    phone_number: Option<String>,
}

#[derive(Deserialize)]
struct ShortCodePage {
    #[serde(default)]
    short_codes: Vec<ShortCode>,
}

#[derive(Deserialize)]
struct ShortCode {
    short_code: Option<String>,
}

impl super::TwilioClient {
    /// Whether the account of `credentials` lists `number` among its phone numbers (or its
    /// short codes, for a short code).
    pub async fn find_number(
        &self,
        credentials: &Credentials,
        number: &PhoneNumber,
    ) -> Result<Listing, FetchError> {
        let (resource, filter) = if number.is_short_code() {
            ("SMS/ShortCodes", "ShortCode")
        } else {
            ("IncomingPhoneNumbers", "PhoneNumber")
        };
        let path = format!("{}/{resource}.json", credentials.account_sid);
        let query = [(filter, number.as_str())];
        let listed: Vec<Option<String>> = if number.is_short_code() {
            let page: ShortCodePage = self.get_json(credentials, &path, &query).await?;
            page.short_codes.into_iter().map(|c| c.short_code).collect()
        } else {
            let page: IncomingPage = self.get_json(credentials, &path, &query).await?;
            page.incoming_phone_numbers
                .into_iter()
                .map(|n| n.phone_number)
                .collect()
        };
        Ok(if listed.iter().flatten().any(|n| n == number.as_str()) {
            Listing::Listed
        } else {
            Listing::NotListed
        })
    }
}
