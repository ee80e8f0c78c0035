//! `GET /media/{conversation}/{seq}/{index}`: inbound media files, for signed-in users who may see
//! the conversation (admins and supervisors: all; agents: their own). The file path comes from the
//! stored record, never from the request.

use crate::app::Desk;
use crate::domain::ConversationId;
use crate::domain::media_type::MediaType;
use crate::store::records::MediaState;
use crate::web::session::SignedIn;
use crate::web::ui::PageError;
use actix_web::{HttpResponse, web};

/// Customer files are not kept by browsers or proxies.
const NO_STORE: &str = "private, no-store";

pub async fn serve(
    user: SignedIn,
    path: web::Path<(u64, u64, usize)>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    let (conversation, seq, index) = path.into_inner();
    let id = ConversationId::new(conversation);
    let conv = desk
        .store()
        .conversation(id)
        .await?
        .ok_or(PageError::NotFound)?;
    if !crate::web::agent::access::can_open(&desk, &user, &conv).await {
        return Err(PageError::NotFound);
    }
    let message = desk
        .store()
        .message(id, seq)
        .await?
        .ok_or(PageError::NotFound)?;
    let item = message.media.get(index).ok_or(PageError::NotFound)?;
    let MediaState::Stored { file, .. } = &item.state else {
        return Err(PageError::NotFound);
    };
    let bytes = tokio::fs::read(desk.store().dir().join("media").join(file))
        .await
        .map_err(|_| PageError::NotFound)?;
    // Records stored before content types were checked may hold one that is not a header value.
    let content_type = MediaType::parse(&item.content_type).map_or_else(
        |_| "application/octet-stream".to_owned(),
        MediaType::into_string,
    );
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("Content-Disposition", "inline"))
        .insert_header(("Content-Security-Policy", "default-src 'none'; sandbox"))
        .insert_header(("Cache-Control", NO_STORE))
        .body(bytes))
}

#[derive(serde::Deserialize)]
pub struct Signed {
    expires: i64,
    sig: String,
}

/// `GET /media/out/{file}?expires&sig`: an outbound attachment, for the provider to fetch. No
/// session: the signature and its expiry are the authorization.
pub async fn serve_outbound(
    file: web::Path<String>,
    q: web::Query<Signed>,
    desk: web::Data<Desk>,
) -> Result<HttpResponse, PageError> {
    use crate::media::signed;
    let key = desk.store().master_key().derive(signed::KEY_PURPOSE);
    if !signed::safe_name(&file) || !signed::verify(&key, &file, q.expires, &q.sig, desk.now()) {
        return Err(PageError::NotFound);
    }
    let bytes = tokio::fs::read(desk.store().dir().join("media").join(file.as_str()))
        .await
        .map_err(|_| PageError::NotFound)?;
    let ext = file.rsplit_once('.').map_or("", |(_, e)| e);
    Ok(HttpResponse::Ok()
        .content_type(crate::domain::attachment::content_type(ext))
        .insert_header(("Content-Security-Policy", "default-src 'none'; sandbox"))
        .insert_header(("Cache-Control", NO_STORE))
        .body(bytes))
}
