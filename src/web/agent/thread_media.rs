//! Files in the thread: how each is shown (inline photo, player, or a named download), named by
//! what it is with its size, since customers' files carry no name.

use crate::store::records::{MediaState, Message};

/// How a file is shown in the thread.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    Image,
    Audio,
    Video,
    File,
}

impl MediaKind {
    pub fn of_type(content_type: &str) -> Self {
        let main = content_type.split('/').next().unwrap_or_default();
        match main.trim().to_ascii_lowercase().as_str() {
            // SVG can carry scripts: a link, never inline.
            "image" if !content_type.to_ascii_lowercase().contains("svg") => MediaKind::Image,
            "audio" => MediaKind::Audio,
            "video" => MediaKind::Video,
            _ => MediaKind::File,
        }
    }

    pub fn is_image(&self) -> bool {
        *self == MediaKind::Image
    }

    pub fn is_audio(&self) -> bool {
        *self == MediaKind::Audio
    }

    pub fn is_video(&self) -> bool {
        *self == MediaKind::Video
    }

    /// Neither shown nor played in the page: its link downloads it under a name.
    pub fn is_file(&self) -> bool {
        *self == MediaKind::File
    }
}

pub struct MediaItem {
    pub kind: MediaKind,
    /// What the file is, with its size once stored: "PDF document (34 KB)".
    pub label: String,
    /// The name a document downloads under: `pdf-document-7-1.pdf`.
    pub download: String,
    /// Set once the file is stored.
    pub href: Option<String>,
    pub problem: Option<String>,
}

pub(super) fn media_item(
    m: &Message,
    index: usize,
    content_type: &str,
    state: &MediaState,
) -> MediaItem {
    let (name, ext) = crate::domain::attachment::describe(content_type);
    let number = if m.media.len() > 1 {
        format!(" {}", index + 1)
    } else {
        String::new()
    };
    let label = match state {
        MediaState::Stored { bytes, .. } => format!(
            "{name}{number} ({})",
            crate::domain::attachment::size_text(*bytes)
        ),
        _ => format!("{name}{number}"),
    };
    let download = format!(
        "{}-{}-{}.{ext}",
        name.to_ascii_lowercase().replace(' ', "-"),
        m.seq,
        index + 1
    );
    let kind = MediaKind::of_type(content_type);
    match state {
        MediaState::Stored { .. } => MediaItem {
            kind,
            label,
            download,
            href: Some(format!(
                "/media/{}/{}/{index}",
                m.conversation_id.get(),
                m.seq
            )),
            problem: None,
        },
        MediaState::Pending => MediaItem {
            kind,
            label,
            download,
            href: None,
            problem: Some("Still being fetched.".into()),
        },
        MediaState::Failed { reason } => MediaItem {
            kind,
            label,
            download,
            href: None,
            problem: Some(format!("Could not be fetched: {reason}")),
        },
    }
}
