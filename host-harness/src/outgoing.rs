//! Outgoing messages from command-line input: `Name <address>` arguments and files to attach.

use crate::types::{Attachment, MailboxAddress};
use anyhow::Context;
use std::path::Path;

/// Reads `Name <address>`, `"Name" <address>` or a bare address.
pub fn mailbox(text: &str) -> MailboxAddress {
    let text = text.trim();
    if let Some((name, rest)) = text.rsplit_once('<')
        && let Some(address) = rest.strip_suffix('>')
    {
        let name = name.trim().trim_matches('"').trim();
        return MailboxAddress {
            name: (!name.is_empty()).then(|| name.to_owned()),
            address: address.trim().to_owned(),
        };
    }
    MailboxAddress {
        name: None,
        address: text.to_owned(),
    }
}

/// The file at `path` as an attachment named after it, its MIME type guessed from the
/// extension; with `content_id`, an inline image for the HTML body (`cid:` reference).
pub fn attachment(path: &Path, content_id: Option<&str>) -> anyhow::Result<Attachment> {
    let content = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let filename = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .with_context(|| format!("{} names no file", path.display()))?;
    Ok(Attachment {
        mime_type: mime_guess::from_path(path)
            .first_or_octet_stream()
            .essence_str()
            .to_owned(),
        filename,
        content,
        content_id: content_id.map(str::to_owned),
    })
}

/// An `--inline CID=PATH` argument as an inline attachment.
pub fn inline(argument: &str) -> anyhow::Result<Attachment> {
    let (cid, path) = argument
        .split_once('=')
        .with_context(|| format!("--inline takes CID=PATH, not {argument:?}"))?;
    attachment(Path::new(path), Some(cid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailboxes_read_names_and_bare_addresses() {
        assert_eq!(
            mailbox(" \"Zoë Ågren\" <zoe@example.com> "),
            MailboxAddress {
                name: Some("Zoë Ågren".into()),
                address: "zoe@example.com".into()
            }
        );
        assert_eq!(mailbox("bob@example.com").name, None);
        assert_eq!(mailbox("<bob@example.com>").address, "bob@example.com");
    }

    #[test]
    fn attachments_guess_their_type() {
        let dir =
            std::env::temp_dir().join(format!("email-harness-outgoing-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("Résumé.pdf");
        std::fs::write(&path, b"%PDF-1.7").unwrap();
        let file = attachment(&path, None).unwrap();
        assert_eq!(
            (file.filename.as_str(), file.mime_type.as_str()),
            ("Résumé.pdf", "application/pdf")
        );
        let logo = inline(&format!("logo@x={}", dir.join("Résumé.pdf").display())).unwrap();
        assert_eq!(logo.content_id.as_deref(), Some("logo@x"));
        assert!(inline("no-equals-sign").is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
