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

/// What a file of media type `media_type` (parameters ignored) is called in the thread, and the
/// extension its download gets: "PDF document" and `pdf`. Customers' files carry no name, so the
/// thread names them by what they are.
pub fn describe(media_type: &str) -> (&'static str, &'static str) {
    let base = media_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let ext = match base.as_str() {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "audio/mpeg" => "mp3",
        "audio/ogg" => "ogg",
        "audio/amr" => "amr",
        "video/mp4" => "mp4",
        "application/pdf" => "pdf",
        "text/csv" => "csv",
        "text/vcard" | "text/x-vcard" => "vcf",
        _ => "bin",
    };
    let name = match (base.split('/').next().unwrap_or(""), ext) {
        (_, "pdf") => "PDF document",
        (_, "csv") => "CSV file",
        (_, "vcf") => "Contact card",
        ("image", _) => "Photo",
        ("audio", _) => "Voice or audio message",
        ("video", _) => "Video",
        _ => "File",
    };
    (name, ext)
}

/// A file size as people read it: "820 bytes", "34 KB", "1.2 MB".
pub fn size_text(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * KB;
    if bytes < KB {
        format!("{bytes} bytes")
    } else if bytes < MB {
        format!("{} KB", bytes.div_ceil(KB))
    } else {
        let tenths = (bytes * 10).div_ceil(MB);
        format!("{}.{} MB", tenths / 10, tenths % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_named_by_what_they_are_and_sized_as_people_read_it() {
        assert_eq!(describe("application/pdf"), ("PDF document", "pdf"));
        assert_eq!(describe("TEXT/CSV; charset=utf-8"), ("CSV file", "csv"));
        assert_eq!(describe("image/jpeg"), ("Photo", "jpg"));
        assert_eq!(
            describe("audio/ogg; codecs=opus"),
            ("Voice or audio message", "ogg")
        );
        assert_eq!(describe("video/mp4"), ("Video", "mp4"));
        assert_eq!(describe("text/vcard"), ("Contact card", "vcf"));
        assert_eq!(describe("application/zip"), ("File", "bin"));
        assert_eq!(describe(""), ("File", "bin"));
        assert_eq!(size_text(820), "820 bytes");
        assert_eq!(size_text(34 * 1024 - 10), "34 KB");
        assert_eq!(size_text(1024 * 1024), "1.0 MB");
        assert_eq!(size_text(5 * 1024 * 1024 - 1), "5.0 MB");
        assert_eq!(size_text(1_300_000), "1.3 MB");
    }

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
