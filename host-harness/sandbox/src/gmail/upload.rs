//! The media upload protocols of `messages.send`, `messages.insert`, `messages.import`,
//! `drafts.create` and `drafts.update` (`/upload/gmail/v1/…`): the message as the whole body
//! (`uploadType=media`), or as the second part of a `multipart/related` body whose first part
//! is the JSON metadata, the resource the method takes (`uploadType=multipart`).

use crate::api;
use crate::sent::SendRoute;
use crate::wire::{Refusal, Request};

/// The largest message the upload URLs of `messages.send`, `drafts.create` and `drafts.update`
/// take: their `mediaUpload.maxSize` (36,700,160 bytes: shared/specs
/// gmail/gmail-v1-discovery.json).
pub(super) const SEND_MAX_SIZE: usize = 36_700_160;
/// The largest message the upload URLs of `messages.insert` and `messages.import` take: their
/// `mediaUpload.maxSize` (52,428,800 bytes: shared/specs gmail/gmail-v1-discovery.json).
pub(super) const INSERT_MAX_SIZE: usize = 52_428_800;

/// What an upload request carries.
pub(super) struct Upload {
    /// The JSON metadata (empty for a media upload).
    pub metadata: Vec<u8>,
    /// The message.
    pub media: Vec<u8>,
    /// Which protocol brought it.
    pub route: SendRoute,
}

/// Reads the upload in `request`; Google's 400 for a missing or unknown `uploadType`, a
/// multipart body without two parts, or media that is not a message, and its 413 for a message
/// over `max_size` (the method's `mediaUpload.maxSize`).
pub(super) fn read(request: &Request, max_size: usize) -> Result<Upload, Refusal> {
    let upload = match request.query_param("uploadType") {
        Some("media") => {
            accept(&request.media_type())?;
            Upload {
                metadata: Vec::new(),
                media: request.body.to_vec(),
                route: SendRoute::GmailMediaUpload,
            }
        }
        Some("multipart") => multipart(request)?,
        _ => {
            let message = "Upload requests must include an uploadType URL parameter and a URL path beginning with /upload/";
            return Err(Box::new(api::google_rejected("wrongUrlForUpload", message)));
        }
    };
    if upload.media.len() > max_size {
        return Err(Box::new(api::google_too_large(&format!(
            "Media is too large. Limit: {max_size} bytes."
        ))));
    }
    Ok(upload)
}

/// The metadata and media parts of a `multipart/related` body.
fn multipart(request: &Request) -> Result<Upload, Refusal> {
    let content_type = request.header("content-type").unwrap_or_default();
    let mut whole = format!("Content-Type: {content_type}\r\n\r\n").into_bytes();
    whole.extend_from_slice(&request.body);
    let parts = match mailparse::parse_mail(&whole) {
        Ok(mail) if mail.ctype.mimetype.starts_with("multipart/") => mail.subparts,
        _ => Vec::new(),
    };
    let [metadata, media, ..] = parts.as_slice() else {
        return Err(Box::new(api::google_rejected(
            "badRequest",
            &format!("Invalid multipart request with {} mime parts.", parts.len()),
        )));
    };
    accept(&media.ctype.mimetype)?;
    let body = |part: &mailparse::ParsedMail| part.get_body_raw().unwrap_or_default();
    Ok(Upload {
        metadata: body(metadata),
        media: body(media),
        route: SendRoute::GmailMultipartUpload,
    })
}

/// Google's 400 unless `media_type` is one the methods accept (`mediaUpload.accept`:
/// `message/*`).
fn accept(media_type: &str) -> Result<(), Refusal> {
    match media_type.starts_with("message/") {
        true => Ok(()),
        false => Err(Box::new(api::google_rejected(
            "badContent",
            &format!("Media type '{media_type}' is not supported. Valid media types: [message/*]"),
        ))),
    }
}
