//! `/admin/automated-messages`: the text of each automated message per channel and locale, as a
//! channel default or for one workstream. Shows what would be sent, to whom, whether it is on and
//! where it comes from; saving stores an override, "reset to default" removes it (see
//! `domain::automated::resolve`), "turn on/off" switches the trigger there. Also the keywords that
//! opt a WhatsApp customer out.

mod edit;
mod list;

use crate::app::Desk;
use crate::domain::automated::{
    Locale, OverrideKey, Resolved, Source, SwitchKey, Trigger, WorkstreamScope, is_on, resolve,
};
use crate::domain::{Channel, WorkstreamId};
use crate::store::automated::{AutomatedOverride, default_locale};
use crate::store::records::Workstream;
use crate::web::session::SignedIn;
use crate::web::ui::{Nav, Page, PageError};
use actix_web::web;
use std::collections::HashMap;

const BASE: &str = "/admin/automated-messages";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/automated-messages", web::get().to(list::list))
        .route(
            "/automated-messages/locale",
            web::post().to(list::pick_locale),
        )
        .route(
            "/automated-messages/whatsapp-keywords",
            web::post().to(list::save_keywords),
        )
        .route(
            "/automated-messages/switch/{trigger}/{channel}/{workstream}/{on}",
            web::post().to(list::switch),
        )
        .route(
            "/automated-messages/{trigger}/{channel}/{workstream}/{locale}",
            web::get().to(edit::edit),
        )
        .route(
            "/automated-messages/{trigger}/{channel}/{workstream}/{locale}",
            web::post().to(edit::save),
        )
        .route(
            "/automated-messages/{trigger}/{channel}/{workstream}/{locale}/reset",
            web::post().to(edit::reset),
        );
}

fn page(admin: &SignedIn, title: &str) -> Page {
    Page::new(title, Some(Nav::for_user(admin, "automated")))
}

/// Which texts a page shows: a channel, its default or one workstream, and a locale.
struct Scope {
    channel: Channel,
    workstream: Option<Workstream>,
    locale: Locale,
}

impl Scope {
    fn ws_id(&self) -> Option<WorkstreamId> {
        self.workstream.as_ref().map(|w| w.id)
    }

    fn key(&self, trigger: Trigger) -> OverrideKey {
        OverrideKey {
            trigger,
            channel: self.channel,
            workstream: self.ws_id(),
            locale: self.locale.clone(),
        }
    }

    fn switch_key(&self, trigger: Trigger) -> SwitchKey {
        SwitchKey {
            trigger,
            channel: self.channel,
            workstream: self.ws_id(),
        }
    }

    /// Whether `trigger` is on here, given every stored switch.
    fn is_on(&self, trigger: Trigger, switches: &HashMap<String, bool>) -> bool {
        is_on(trigger, self.channel, self.ws_id(), |k| {
            switches.get(&k.storage_key()).copied()
        })
    }

    /// The switch's action; it carries the locale shown, so the page comes back in it.
    fn switch_path(&self, trigger: Trigger, on: bool) -> String {
        let ws = self.ws_id().map_or(0, WorkstreamId::get);
        let to = if on { "on" } else { "off" };
        format!(
            "{BASE}/switch/{}/{}/{ws}/{to}?locale={}",
            trigger.key(),
            self.channel.as_str(),
            self.locale
        )
    }

    fn applies_to(&self) -> String {
        match &self.workstream {
            Some(w) => format!("Workstream {}", w.name),
            None => format!("{} channel default", self.channel),
        }
    }

    fn query(&self) -> String {
        let ws = self.ws_id().map_or(0, WorkstreamId::get);
        format!(
            "channel={}&workstream={ws}&locale={}",
            self.channel.as_str(),
            self.locale
        )
    }

    fn edit_path(&self, trigger: Trigger) -> String {
        let ws = self.ws_id().map_or(0, WorkstreamId::get);
        format!(
            "{BASE}/{}/{}/{ws}/{}",
            trigger.key(),
            self.channel.as_str(),
            self.locale
        )
    }

    /// What would be sent for `trigger` to a customer writing in this locale.
    fn resolve(&self, trigger: Trigger, overrides: &HashMap<String, String>) -> Resolved {
        let default_locale = self.workstream.as_ref().and_then(default_locale);
        let ws = self.workstream.as_ref().map(|w| WorkstreamScope {
            id: w.id,
            default_locale: default_locale.as_ref(),
        });
        resolve(trigger, self.channel, ws, &self.locale, |k| {
            overrides.get(&k.storage_key()).cloned()
        })
    }
}

/// Builds a scope from URL parts; anything unknown (or a workstream of another channel) is 404.
async fn scope(
    desk: &Desk,
    channel: &str,
    workstream: &str,
    locale: &str,
) -> Result<Scope, PageError> {
    let channel = Channel::parse(channel).map_err(|_| PageError::NotFound)?;
    let locale = Locale::parse(locale).map_err(|_| PageError::NotFound)?;
    let id: u64 = workstream.parse().map_err(|_| PageError::NotFound)?;
    let workstream = match id {
        0 => None,
        id => {
            let all = desk.store().workstreams().await?;
            let ws = all
                .into_iter()
                .find(|w| w.id.get() == id && w.channel == channel);
            Some(ws.ok_or(PageError::NotFound)?)
        }
    };
    Ok(Scope {
        channel,
        workstream,
        locale,
    })
}

fn source_text(source: &Source, scope: &Scope) -> String {
    match source {
        Source::BuiltIn(l) => format!("Built-in ({l})"),
        Source::Override(k) if k.workstream.is_some() => format!("This workstream ({})", k.locale),
        Source::Override(k) if scope.workstream.is_some() => {
            format!("Channel default ({})", k.locale)
        }
        Source::Override(k) => format!("Set here ({})", k.locale),
    }
}

fn override_map(all: &[AutomatedOverride]) -> HashMap<String, String> {
    all.iter()
        .map(|o| (o.key.storage_key(), o.text.as_str().to_owned()))
        .collect()
}
