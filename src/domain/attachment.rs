//! Attachments an agent may send (PRODUCT.md §6): at most 5 MB; WhatsApp takes images, audio,
//! video and PDF, SMS (MMS) also GIF and CSV. The type is decided by the file's extension.

use super::Channel;

pub const MAX_BYTES: u64 = 5 * 1024 * 1024;

const WHATSAPP: &[&str] = &[
    "jpg", "jpeg", "png", "mp3", "oga", "ogg", "amr", "mp4", "pdf",
];
const SMS: &[&str] = &[
    "jpg", "jpeg", "gif", "png", "mp3", "oga", "ogg", "amr", "mp4", "pdf", "csv",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttachmentError {
    #[error("Choose a file to attach.")]
    Empty,
    #[error("The file is larger than 5 MB.")]
    TooLarge,
    #[error("{channel} accepts only {allowed} files.")]
    Type { channel: Channel, allowed: String },
}

/// The extension and media type of an attachment named `file_name` on `channel`.
pub fn check(
    channel: Channel,
    file_name: &str,
    bytes: u64,
) -> Result<(&'static str, &'static str), AttachmentError> {
    if bytes == 0 {
        return Err(AttachmentError::Empty);
    }
    if bytes > MAX_BYTES {
        return Err(AttachmentError::TooLarge);
    }
    let allowed = match channel {
        Channel::WhatsApp => WHATSAPP,
        Channel::Sms => SMS,
    };
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let Some(ext) = allowed.iter().find(|a| **a == ext) else {
        return Err(AttachmentError::Type {
            channel,
            allowed: allowed
                .iter()
                .map(|e| format!(".{e}"))
                .collect::<Vec<_>>()
                .join(" "),
        });
    };
    Ok((ext, content_type(ext)))
}

/// The file picker's `accept` list for `channel`: `.jpg,.jpeg,…`.
pub fn accept_list(channel: Channel) -> String {
    let allowed = match channel {
        Channel::WhatsApp => WHATSAPP,
        Channel::Sms => SMS,
    };
    allowed
        .iter()
        .map(|e| format!(".{e}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Whether a customer's file of media type `content_type` (parameters ignored) is one `channel`
/// accepts (PRODUCT.md §6).
pub fn accepts_media_type(channel: Channel, media_type: &str) -> bool {
    let base = media_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let allowed = match channel {
        Channel::WhatsApp => WHATSAPP,
        Channel::Sms => SMS,
    };
    allowed.iter().any(|ext| content_type(ext) == base)
}

pub fn content_type(ext: &str) -> &'static str {
    match ext {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "mp3" => "audio/mpeg",
        "oga" | "ogg" => "audio/ogg",
        "amr" => "audio/amr",
        "mp4" => "video/mp4",
        "pdf" => "application/pdf",
        "csv" => "text/csv",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_picker_offers_what_the_channel_takes() {
        assert_eq!(
            accept_list(Channel::WhatsApp),
            ".jpg,.jpeg,.png,.mp3,.oga,.ogg,.amr,.mp4,.pdf"
        );
        assert!(accept_list(Channel::Sms).ends_with(".pdf,.csv"));
    }

    #[test]
    fn customer_media_types_follow_the_channel() {
        assert!(accepts_media_type(Channel::WhatsApp, "image/jpeg"));
        assert!(accepts_media_type(
            Channel::WhatsApp,
            "audio/ogg; codecs=opus"
        ));
        assert!(!accepts_media_type(Channel::WhatsApp, "image/gif"));
        assert!(accepts_media_type(Channel::Sms, "image/gif"));
        assert!(!accepts_media_type(Channel::Sms, "application/zip"));
    }

    #[test]
    fn types_and_sizes_follow_the_channel() {
        assert_eq!(
            check(Channel::WhatsApp, "photo.JPG", 10),
            Ok(("jpg", "image/jpeg"))
        );
        assert_eq!(check(Channel::Sms, "data.csv", 10), Ok(("csv", "text/csv")));
        let refused = [
            (Channel::WhatsApp, "data.csv", 10, "CSV is SMS only"),
            (Channel::WhatsApp, "anim.gif", 10, "GIF is SMS only"),
            (Channel::Sms, "run.exe", 10, "executables never"),
            (Channel::Sms, "noextension", 10, "no extension"),
            (Channel::WhatsApp, "big.pdf", MAX_BYTES + 1, "over 5 MB"),
            (Channel::WhatsApp, "empty.pdf", 0, "empty file"),
        ];
        for (channel, name, size, why) in refused {
            assert!(check(channel, name, size).is_err(), "{why}");
        }
        assert!(
            check(Channel::WhatsApp, "x.csv", 1)
                .unwrap_err()
                .to_string()
                .contains(".pdf")
        );
    }
}
