//! `POST /agent/conversations/{id}/attachments`: the assigned agent sends a file, when the
//! workstream lets agents send attachments. The upload is a multipart form (CSRF field first),
//! checked for size (5 MB) and type (by channel) before anything is stored; the file goes under
//! `<data dir>/media/` and is offered to the provider from a signed, expiring URL.

use super::access;
use crate::app::Desk;
use crate::domain::attachment::{self, AttachmentError, MAX_BYTES};
use crate::domain::user::Role;
use crate::domain::{ConversationId, Direction};
use crate::store::outbox::{OutboundContent, OutboundRequest};
use crate::web::csrf::{FIELD, tokens_match};
use crate::web::session::SignedIn;
use crate::web::ui::{Link, Nav, Page, PageError, Section, redirect};
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use futures_util::StreamExt;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/conversations/{id}/attachments", web::post().to(upload));
}

/// Caption bytes read at most (the send checks its character count).
const MAX_CAPTION_BYTES: usize = 64 * 1024;

fn refused(user: &SignedIn, id: ConversationId, reason: &str, status: StatusCode) -> HttpResponse {
    Page::new("Attachment not sent", Some(Nav::for_user(user, "")))
        .with(Section::Problem(reason.to_owned()))
        .with(Section::Links(vec![Link {
            href: format!("/agent/conversations/{}", id.get()),
            text: "Back to the conversation".into(),
        }]))
        .respond(status)
}

struct Upload {
    csrf: String,
    caption: String,
    name: String,
    data: Vec<u8>,
    too_large: bool,
}

async fn read(mut form: Multipart) -> Result<Upload, PageError> {
    let bad = || PageError::BadRequest("The upload could not be read.".into());
    let mut up = Upload {
        csrf: String::new(),
        caption: String::new(),
        name: String::new(),
        data: Vec::new(),
        too_large: false,
    };
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|_| bad())?;
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            up.name = field
                .content_disposition()
                .and_then(|d| d.get_filename())
                .unwrap_or_default()
                .to_owned();
        }
        let mut buf = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| bad())?;
            let limit = if name == "file" {
                MAX_BYTES as usize
            } else {
                MAX_CAPTION_BYTES
            };
            if buf.len() + chunk.len() > limit {
                if name == "file" {
                    up.too_large = true;
                    continue;
                }
                return Err(bad());
            }
            buf.extend_from_slice(&chunk);
        }
        let text = || String::from_utf8(buf.clone()).map_err(|_| bad());
        match name.as_str() {
            FIELD => up.csrf = text()?,
            "caption" => up.caption = text()?.replace("\r\n", "\n"),
            "file" => up.data = buf,
            _ => {}
        }
    }
    Ok(up)
}

async fn upload(
    user: SignedIn,
    path: web::Path<u64>,
    form: Multipart,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let id = ConversationId::new(*path);
    let up = read(form).await?;
    if !tokens_match(&up.csrf, &user.csrf) {
        return Err(PageError::Csrf);
    }
    let conv = access::open(&desk, &user, id).await?;
    if user.user.role == Role::Agent && conv.agent != Some(user.user.id) {
        return Err(PageError::Forbidden);
    }
    let allowed = match conv.workstream_id {
        Some(ws) => desk
            .store()
            .workstream(ws)
            .await?
            .is_some_and(|w| w.attachments.agents),
        None => false,
    };
    if !allowed {
        return Ok(refused(
            &user,
            id,
            "Agents cannot send file attachments in this workstream.",
            StatusCode::FORBIDDEN,
        ));
    }
    let size = if up.too_large {
        MAX_BYTES + 1
    } else {
        up.data.len() as u64
    };
    let (ext, content_type) = match attachment::check(conv.channel, &up.name, size) {
        Ok(t) => t,
        Err(e) => {
            let status = match e {
                AttachmentError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                AttachmentError::Type { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                AttachmentError::Empty => StatusCode::UNPROCESSABLE_ENTITY,
            };
            return Ok(refused(&user, id, &e.to_string(), status));
        }
    };
    let mut rand = [0u8; 8];
    crate::secrets::fill_random(&mut rand);
    let file = format!("out-{}-{}.{ext}", conv.id.get(), hex::encode(rand));
    let dir = desk.store().dir().join("media");
    crate::files::create_private_dir_async(&dir)
        .await
        .map_err(|_| PageError::Internal)?;
    crate::files::write_private(&dir.join(&file), &up.data)
        .await
        .map_err(|_| PageError::Internal)?;
    let req = OutboundRequest {
        conversation_id: id,
        content: OutboundContent::Attachment {
            caption: up.caption,
            file: file.clone(),
            content_type: content_type.into(),
            bytes: size,
        },
        author: Some(user.user.id),
        direction: Direction::Outbound,
    };
    match desk.send(req).await? {
        Ok(_) => Ok(redirect(&format!(
            "/agent/conversations/{}#composer",
            id.get()
        ))),
        Err(refusal) => {
            let _ = tokio::fs::remove_file(dir.join(&file)).await;
            Ok(refused(
                &user,
                id,
                &refusal.to_string(),
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
    }
}
