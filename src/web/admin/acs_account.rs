//! The Azure Communication Services parts of the account pages: the account details of the
//! wizard ("ACS resource name", "ACS connection string", "Event grid app ID", "Event grid app
//! tenant ID", the one-omnidesk confirmation) with field-level errors, and the callback
//! information (the "WhatsApp inbound URL" and where it goes in Azure). The connection string is
//! a password field: never put back into a page.

use crate::app::Desk;
use crate::app::acs::connection_endpoint;
use crate::domain::acs::{AcsResourceName, EntraApp, parse_tenant};
use crate::domain::public_url::Reach;
use crate::secrets::SecretString;
use crate::store::records::{Account, AcsSettings};
use crate::web::csrf::FormData;
use crate::web::ui::{Field, FieldErrors, FieldKind, FormModel, InfoRow, Section};

/// The wizard's ACS fields, added to `form`.
pub fn details_fields(form: FormModel) -> FormModel {
    form.field(
        Field::text("acs_resource", "ACS resource name")
            .required()
            .help("The Name of the Communication Services resource in the Azure portal."),
    )
    .field(
        Field::new(
            "acs_connection_string",
            "ACS connection string",
            FieldKind::Password,
        )
        .required()
        .help(
            "From the resource's Keys page: endpoint=https://….communication.azure.com/;\
             accesskey=…. Stored encrypted; never shown again.",
        ),
    )
    .field(
        Field::text("event_grid_app_id", "Event grid app ID")
            .required()
            .help(
                "The Microsoft Entra application that Event Grid gets its delivery tokens for: \
                 its Application (client) ID or its Application ID URI (api://…). It is the \
                 \"Microsoft Entra Application ID or URI\" of the event subscription's webhook.",
            ),
    )
    .field(
        Field::text("event_grid_tenant_id", "Event grid app tenant ID")
            .required()
            .help(
                "The Directory (tenant) ID of that application, a GUID: the \"Microsoft Entra \
                 tenant ID\" of the event subscription's webhook.",
            ),
    )
    .field(Field::checkbox(
        "acs_exclusive",
        "This Azure Communication Services resource is connected to this omnidesk only",
        false,
    ))
}

/// Reads the wizard's ACS fields; each problem is recorded beside its field, and nothing of the
/// connection string is repeated in any message.
pub fn parse_details(
    f: &FormData,
    errors: &mut FieldErrors,
) -> Option<(AcsSettings, SecretString)> {
    let resource = AcsResourceName::parse(f.get("acs_resource"))
        .map_err(|e| errors.add("acs_resource", e.to_string()))
        .ok();
    let raw = f.get("acs_connection_string");
    let endpoint = connection_endpoint(raw, resource.as_ref())
        .map_err(|e| errors.add("acs_connection_string", e))
        .ok();
    let app = EntraApp::parse(f.get("event_grid_app_id"))
        .map_err(|e| errors.add("event_grid_app_id", e.to_string()))
        .ok();
    let tenant = parse_tenant(f.get("event_grid_tenant_id"))
        .map_err(|e| errors.add("event_grid_tenant_id", e))
        .ok();
    if !f.checked("acs_exclusive") {
        errors.add(
            "acs_exclusive",
            "Confirm that the resource is connected to this omnidesk only: another system taking \
             its events would take customers' messages from omnidesk.",
        );
    }
    let (resource, endpoint, app, tenant) = (resource?, endpoint?, app?, tenant?);
    if !errors.is_empty() {
        return None;
    }
    let settings = AcsSettings {
        resource,
        endpoint,
        event_grid_app: app,
        event_grid_tenant: tenant,
    };
    Some((settings, SecretString::new(raw.trim().to_owned())))
}

/// The account page's field to replace a stored connection string.
pub fn replace_field() -> Field {
    Field::new(
        "acs_connection_string",
        "Replace ACS connection string",
        FieldKind::Password,
    )
    .help("Leave empty to keep the stored one. A new one must be for the same endpoint (a rotated key).")
}

/// A replacement connection string from the account page, if one was typed: checked, and for
/// the account's endpoint.
pub fn replacement(
    f: &FormData,
    account: &Account,
    errors: &mut FieldErrors,
) -> Option<SecretString> {
    let raw = f.get("acs_connection_string").trim();
    let acs = account.acs.as_ref()?;
    if raw.is_empty() {
        return None;
    }
    match connection_endpoint(raw, Some(&acs.resource)) {
        Ok(endpoint) if endpoint == acs.endpoint => Some(SecretString::new(raw.to_owned())),
        Ok(endpoint) => {
            errors.add(
                "acs_connection_string",
                format!(
                    "This connection string is for {endpoint}; the account's endpoint is {}.",
                    acs.endpoint
                ),
            );
            None
        }
        Err(e) => {
            errors.add("acs_connection_string", e);
            None
        }
    }
}

/// The account's "WhatsApp inbound URL" for the Event Grid subscription.
pub fn inbound_url(desk: &Desk, account: &Account) -> String {
    format!(
        "{}/webhooks/acs/{}",
        desk.settings().public_url(),
        account.webhook_key.as_str()
    )
}

/// The callback information of an ACS account: its inbound URL (copyable) and its settings.
pub fn callback_rows(desk: &Desk, account: &Account) -> Section {
    let mut rows = vec![InfoRow {
        label: "WhatsApp inbound URL".into(),
        value: inbound_url(desk, account),
        copy: true,
    }];
    if let Some(acs) = &account.acs {
        rows.push(info("ACS resource name", acs.resource.to_string()));
        rows.push(info("Endpoint", acs.endpoint.clone()));
        rows.push(info(
            "Event grid app ID (token audience)",
            acs.event_grid_app.to_string(),
        ));
        rows.push(info(
            "Event grid app tenant ID (token issuer)",
            acs.event_grid_tenant.to_string(),
        ));
    }
    Section::Info(rows)
}

/// The seed's steps: "Add the WhatsApp endpoint to Azure Communication Services resource", after
/// a problem if Event Grid cannot deliver to the public URL (it calls https:// URLs only).
pub fn callback_help(desk: &Desk) -> Vec<Section> {
    let url = desk.settings().public_url();
    let problem = match Reach::of(&url) {
        Reach::Internet { https: true } => None,
        _ => Some(Section::Problem(format!(
            "Event Grid cannot deliver to {url}: it calls public https:// URLs only. Start \
             omnidesk with --public-url set to its https address (or set OMNIDESK_PUBLIC_URL), \
             e.g. --public-url https://desk.example.com, behind a reverse proxy or a tunnel."
        ))),
    };
    problem
        .into_iter()
        .chain([
            Section::Heading(
                "Add the WhatsApp endpoint to Azure Communication Services resource".into(),
            ),
            Section::Text(
                "1. In the Azure portal, go to the Events page of the Communication Services \
             resource. 2. Select the event subscription that you created as a part of the \
             Advanced Messaging for WhatsApp setup (event types AdvancedMessageReceived and \
             AdvancedMessageDeliveryStatusUpdated). 3. In the Event Subscription page > Endpoint, \
             select Change for the endpoint (type Web Hook) and add the WhatsApp inbound URL \
             above. 4. Under Additional features, turn on Microsoft Entra authentication with \
             the Event grid app tenant ID and Event grid app ID shown above: omnidesk refuses \
             every delivery without a valid token of that tenant for that application."
                    .into(),
            ),
        ])
        .collect()
}

fn info(label: &str, value: String) -> InfoRow {
    InfoRow {
        label: label.into(),
        value,
        copy: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> FormData {
        FormData(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    const GOOD: [(&str, &str); 5] = [
        ("acs_resource", "contoso"),
        (
            "acs_connection_string",
            "endpoint=https://contoso.communication.azure.com/;accesskey=c2VjcmV0a2V5",
        ),
        ("event_grid_app_id", "api://omnidesk-events"),
        (
            "event_grid_tenant_id",
            "72f988bf-86f1-41af-91ab-2d7cd011db47",
        ),
        ("acs_exclusive", "on"),
    ];

    #[test]
    fn good_details_parse() {
        let mut errors = FieldErrors::default();
        let (settings, secret) = parse_details(&form(&GOOD), &mut errors).unwrap();
        assert!(errors.is_empty());
        assert_eq!(settings.endpoint, "https://contoso.communication.azure.com");
        assert_eq!(secret.expose(), GOOD[1].1);
    }

    #[test]
    fn each_bad_field_gets_its_own_error() {
        for (field, value, why) in [
            ("acs_resource", "-contoso", "a bad resource name"),
            (
                "acs_connection_string",
                "endpoint=https://x",
                "no access key",
            ),
            ("event_grid_app_id", "omnidesk", "neither GUID nor URI"),
            (
                "event_grid_tenant_id",
                "contoso.onmicrosoft.com",
                "a tenant that is no GUID",
            ),
        ] {
            let mut pairs = GOOD.to_vec();
            pairs.retain(|(k, _)| *k != field);
            pairs.push((field, value));
            let mut errors = FieldErrors::default();
            assert!(parse_details(&form(&pairs), &mut errors).is_none(), "{why}");
            assert!(errors.get(field).is_some(), "{why}: error on {field}");
        }
        let mut pairs = GOOD.to_vec();
        pairs.retain(|(k, _)| *k != "acs_exclusive");
        let mut errors = FieldErrors::default();
        assert!(parse_details(&form(&pairs), &mut errors).is_none());
        assert!(
            errors.get("acs_exclusive").is_some(),
            "the confirmation is required"
        );
    }
}
