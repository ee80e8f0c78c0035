//! The two reads of the Messages data plane: a channel's WhatsApp templates (paged through
//! `nextLink`, which proves the connection string for "Validate") and an inbound media's bytes
//! (`GET /messages/streams/{id}`, refused past a size limit without reading further).

use super::client::{API_VERSION, AcsClient, AcsError, acs_error};
use super::connection::ConnectionString;
use super::ids::{ChannelId, MediaId};
use crate::domain::language::LanguageCode;
use crate::domain::template_name::TemplateName;
use serde::Deserialize;

/// Most pages followed, so a `nextLink` loop cannot keep us fetching.
pub const MAX_TEMPLATE_PAGES: usize = 100;
/// Templates asked for per page.
const PAGE_SIZE: u32 = 100;

/// Why a read did not succeed, in words an admin can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// 401 / 403: the access key (or the resource) is wrong.
    #[error("ACS refused the connection string's access key ({0}).")]
    Unauthorized(AcsError),
    /// 404: no such channel or media on this resource.
    #[error("ACS does not know it ({0}).")]
    NotFound(AcsError),
    /// Any other refusal, with ACS's code and message.
    #[error("ACS answered {status}: {err}", status = .0.status, err = .0)]
    Refused(AcsError),
    /// No answer (connection, timeout) or an unreadable one.
    #[error("Could not check with ACS: {0}")]
    Unreachable(String),
    /// The media is larger than allowed.
    #[error("The media is larger than {0} bytes.")]
    TooLarge(u64),
    /// A `nextLink` pointing away from the resource, or more pages than we follow.
    #[error("ACS's list of templates could not be followed: {0}")]
    BadPaging(String),
}

fn unreachable(e: reqwest::Error) -> FetchError {
    FetchError::Unreachable(if e.is_timeout() {
        "ACS did not answer in time.".into()
    } else {
        "ACS could not be reached.".into()
    })
}

async fn refusal(resp: reqwest::Response) -> FetchError {
    let err = acs_error(resp).await;
    match err.status {
        401 | 403 => FetchError::Unauthorized(err),
        404 => FetchError::NotFound(err),
        _ => FetchError::Refused(err),
    }
}

/// A template's review status at WhatsApp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TemplateStatus {
    /// Approved by WhatsApp: usable.
    Approved,
    /// Rejected by WhatsApp.
    Rejected,
    /// Under review.
    Pending,
    /// Paused by WhatsApp (e.g. poor quality).
    Paused,
    /// A status this version does not know.
    #[serde(other)]
    Other,
}

/// One template of a channel, as ACS lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateInfo {
    /// The name WhatsApp registered.
    pub name: TemplateName,
    /// The template's language.
    pub language: LanguageCode,
    /// Its review status.
    pub status: TemplateStatus,
    /// WhatsApp's own description of the template (components, texts), kept as given.
    pub content: serde_json::Value,
}

/// A channel's templates.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TemplateList {
    /// The readable templates, in ACS's order.
    pub templates: Vec<TemplateInfo>,
    /// Items whose name or language did not parse (listed by ACS, unusable here).
    pub unreadable: usize,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page {
    value: Vec<serde_json::Value>,
    next_link: Option<String>,
}

#[derive(Deserialize)]
struct Item {
    name: String,
    language: String,
    status: TemplateStatus,
    #[serde(default)]
    content: serde_json::Value,
}

/// An inbound media as downloaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    /// The media's bytes.
    pub bytes: Vec<u8>,
    /// The answer's `Content-Type`, when it gave one (the event's `mimeType` is authoritative).
    pub content_type: Option<String>,
}

impl AcsClient {
    /// A signed `GET` of `path_and_query`, answered 2xx.
    async fn get(
        &self,
        cs: &ConnectionString,
        path_and_query: &str,
    ) -> Result<reqwest::Response, FetchError> {
        let resp = self
            .signed(cs, reqwest::Method::GET, path_and_query, Vec::new())
            .send()
            .await
            .map_err(unreachable)?;
        if resp.status().is_success() {
            Ok(resp)
        } else {
            Err(refusal(resp).await)
        }
    }

    /// The path and query of `next_link`, when it points at this client's endpoint for `cs`.
    fn follow(&self, cs: &ConnectionString, next_link: &str) -> Result<String, FetchError> {
        let endpoint = self.endpoint(cs);
        let base = url::Url::parse(&format!("{}/", endpoint.as_str()))
            .map_err(|e| FetchError::BadPaging(e.to_string()))?;
        let url = base
            .join(next_link)
            .map_err(|_| FetchError::BadPaging("nextLink is not a URL".into()))?;
        let same = url.scheme() == base.scheme()
            && url.host_str() == base.host_str()
            && url.port_or_known_default() == base.port_or_known_default();
        if !same {
            return Err(FetchError::BadPaging(
                "nextLink points away from the resource".into(),
            ));
        }
        let mut path = url.path().to_owned();
        let query = url.query().unwrap_or_default();
        let has_version = url.query_pairs().any(|(k, _)| k == "api-version");
        match (query.is_empty(), has_version) {
            (true, _) => path.push_str(&format!("?api-version={API_VERSION}")),
            (false, true) => path.push_str(&format!("?{query}")),
            (false, false) => path.push_str(&format!("?{query}&api-version={API_VERSION}")),
        }
        Ok(path)
    }

    /// `GET /messages/channels/{channelId}/templates`, every page. Succeeding proves the
    /// connection string and the channel ID: what "Validate" asks.
    pub async fn list_templates(
        &self,
        cs: &ConnectionString,
        channel: &ChannelId,
    ) -> Result<TemplateList, FetchError> {
        let mut path = format!(
            "/messages/channels/{channel}/templates?api-version={API_VERSION}&maxpagesize={PAGE_SIZE}"
        );
        let mut out = TemplateList::default();
        for _ in 0..MAX_TEMPLATE_PAGES {
            let resp = self.get(cs, &path).await?;
            let page: Page = resp.json().await.map_err(|_| {
                FetchError::Unreachable("ACS's list of templates could not be read.".into())
            })?;
            for raw in page.value {
                let item: Option<Item> = serde_json::from_value(raw).ok();
                let parsed = item.and_then(|i| {
                    Some(TemplateInfo {
                        name: TemplateName::parse(&i.name).ok()?,
                        language: LanguageCode::parse(&i.language).ok()?,
                        status: i.status,
                        content: i.content,
                    })
                });
                match parsed {
                    Some(t) => out.templates.push(t),
                    None => out.unreadable += 1,
                }
            }
            match page.next_link.filter(|l| !l.trim().is_empty()) {
                Some(link) => path = self.follow(cs, &link)?,
                None => return Ok(out),
            }
        }
        Err(FetchError::BadPaging(format!(
            "more than {MAX_TEMPLATE_PAGES} pages"
        )))
    }

    /// `GET /messages/streams/{id}`: the media's bytes, refused with `TooLarge` as soon as more
    /// than `max_bytes` are announced or arrive (the rest is not read).
    pub async fn download_media(
        &self,
        cs: &ConnectionString,
        id: &MediaId,
        max_bytes: u64,
    ) -> Result<Media, FetchError> {
        let path = format!("/messages/streams/{id}?api-version={API_VERSION}");
        let mut resp = self.get(cs, &path).await?;
        if resp.content_length().is_some_and(|n| n > max_bytes) {
            return Err(FetchError::TooLarge(max_bytes));
        }
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(unreachable)? {
            if bytes.len() as u64 + chunk.len() as u64 > max_bytes {
                return Err(FetchError::TooLarge(max_bytes));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Media {
            bytes,
            content_type,
        })
    }
}
