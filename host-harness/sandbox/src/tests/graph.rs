//! The Graph mail API over loopback: folders, message delta, messages and attachments.

use std::collections::BTreeSet;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::support::*;
use crate::{MailboxSpec, Provider, Sandbox};

const GRAPH: &str = "graph.microsoft.com";
const ROOT: &str = "https://graph.microsoft.com";
/// The preference that asks for immutable ids.
const IMMUTABLE: &str = "IdType=\"ImmutableId\"";

/// A sandbox with a seeded Microsoft mailbox, and a token for it.
fn seeded(messages: usize) -> (Sandbox, String) {
    let sandbox = sandbox();
    let spec = MailboxSpec {
        messages,
        seed: 9,
        start: 1_700_000_000,
    };
    sandbox.seed_mailbox(Provider::Microsoft, &spec);
    let token = access_token(&sandbox, Provider::Microsoft, None);
    (sandbox, token)
}

/// A GET of `target` (a path, or a Graph URL) with `headers`.
fn fetch(sandbox: &Sandbox, token: &str, target: &str, headers: &[(&str, &str)]) -> Answer {
    let target = target.strip_prefix(ROOT).unwrap_or(target);
    get_with(sandbox, GRAPH, target, token, headers)
}

/// A GET answered 200, as JSON.
fn graph(sandbox: &Sandbox, token: &str, target: &str) -> Value {
    let answer = fetch(sandbox, token, target, &[]);
    assert_eq!(answer.status, 200, "{target}: {}", answer.text);
    answer.json()
}

/// Every page of a delta round from `target`: the entries and the `@odata.deltaLink`.
fn delta_round(
    sandbox: &Sandbox,
    token: &str,
    target: &str,
    headers: &[(&str, &str)],
) -> (Vec<Value>, String) {
    let mut entries = Vec::new();
    let mut next = target.to_owned();
    loop {
        let answer = fetch(sandbox, token, &next, headers);
        assert_eq!(answer.status, 200, "{next}: {}", answer.text);
        let page = answer.json();
        assert_eq!(
            page["@odata.context"],
            "https://graph.microsoft.com/v1.0/$metadata#Collection(message)"
        );
        entries.extend(page["value"].as_array().unwrap().iter().cloned());
        match (
            page["@odata.nextLink"].as_str(),
            page["@odata.deltaLink"].as_str(),
        ) {
            (Some(link), None) => next = link.to_owned(),
            (None, Some(link)) => return (entries, link.to_owned()),
            other => panic!("a page needs exactly one link: {other:?}"),
        }
    }
}

/// The `id`s of `entries`.
fn ids(entries: &[Value]) -> Vec<String> {
    entries
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn folder_tree() {
    let (sandbox, token) = seeded(60);
    let list = graph(&sandbox, &token, "/v1.0/me/mailFolders");
    assert_eq!(
        list["@odata.context"],
        "https://graph.microsoft.com/v1.0/$metadata#users('AdeleV%40contoso.onmicrosoft.com')/mailFolders"
    );
    let folders = list["value"].as_array().unwrap();
    let names: Vec<&str> = folders
        .iter()
        .map(|f| f["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Archive",
            "Conversation History",
            "Deleted Items",
            "Drafts",
            "Inbox",
            "Junk Email",
            "Outbox",
            "Projects",
            "Sent Items"
        ]
    );
    assert!(list.get("@odata.nextLink").is_none());
    let inbox = folders
        .iter()
        .find(|f| f["displayName"] == "Inbox")
        .unwrap();
    assert_eq!(
        keys(inbox),
        [
            "childFolderCount",
            "displayName",
            "id",
            "isHidden",
            "parentFolderId",
            "sizeInBytes",
            "totalItemCount",
            "unreadItemCount"
        ]
    );
    assert_eq!(inbox["childFolderCount"], 1);
    let parents: BTreeSet<&str> = folders
        .iter()
        .map(|f| f["parentFolderId"].as_str().unwrap())
        .collect();
    assert_eq!(parents.len(), 1);
    assert!(!parents.contains(inbox["id"].as_str().unwrap()));

    // Well-known names and ids name the same folder.
    let by_name = graph(&sandbox, &token, "/v1.0/me/mailFolders/Inbox");
    let by_id = graph(
        &sandbox,
        &token,
        &format!("/v1.0/me/mailFolders/{}", inbox["id"].as_str().unwrap()),
    );
    assert_eq!(by_name, by_id);
    assert_eq!(by_name["id"], inbox["id"]);
    assert!(
        by_name["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/mailFolders/$entity")
    );
    let quoted = graph(&sandbox, &token, "/v1.0/me/mailFolders('inbox')");
    assert_eq!(quoted["id"], inbox["id"]);

    let children = graph(&sandbox, &token, "/v1.0/me/mailFolders/inbox/childFolders");
    assert_eq!(children["value"][0]["displayName"], "Receipts");
    assert_eq!(children["value"][0]["parentFolderId"], inbox["id"]);
    let projects = folders
        .iter()
        .find(|f| f["displayName"] == "Projects")
        .unwrap();
    let alpha = graph(
        &sandbox,
        &token,
        &format!(
            "/v1.0/me/mailFolders/{}/childFolders",
            projects["id"].as_str().unwrap()
        ),
    );
    assert_eq!(alpha["value"][0]["displayName"], "Alpha");

    let hidden = graph(
        &sandbox,
        &token,
        "/v1.0/me/mailFolders?includeHiddenFolders=true",
    );
    let hidden = hidden["value"].as_array().unwrap();
    assert_eq!(hidden.len(), 10);
    assert!(
        hidden
            .iter()
            .any(|f| f["displayName"] == "Sync Issues" && f["isHidden"] == true)
    );

    // $top / $skip paging with @odata.nextLink.
    let first = graph(&sandbox, &token, "/v1.0/me/mailFolders?$top=4");
    assert_eq!(first["value"].as_array().unwrap().len(), 4);
    let next = first["@odata.nextLink"].as_str().unwrap();
    assert_eq!(
        next,
        "https://graph.microsoft.com/v1.0/me/mailFolders?%24top=4&%24skip=4"
    );
    let mut paged: Vec<Value> = first["value"].as_array().unwrap().clone();
    let mut link = Some(next.to_owned());
    while let Some(next) = link {
        let page = graph(&sandbox, &token, &next);
        paged.extend(page["value"].as_array().unwrap().iter().cloned());
        link = page["@odata.nextLink"].as_str().map(str::to_owned);
    }
    assert_eq!(&paged, folders);

    // Every message is in exactly one folder.
    let mut total = 0;
    for folder in hidden
        .iter()
        .chain(children["value"].as_array().unwrap())
        .chain(alpha["value"].as_array().unwrap())
    {
        total += folder["totalItemCount"].as_u64().unwrap();
    }
    assert_eq!(total, 60);
    let missing = fetch(&sandbox, &token, "/v1.0/me/mailFolders/nowhere", &[]);
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["error"]["code"], "ErrorItemNotFound");
}

#[test]
fn delta_pages_the_folder_then_hands_a_delta_link() {
    let (sandbox, token) = seeded(80);
    let inbox = graph(&sandbox, &token, "/v1.0/me/mailFolders/inbox");
    let count = inbox["totalItemCount"].as_u64().unwrap() as usize;
    assert!(count > 25, "{count}");

    let first = fetch(
        &sandbox,
        &token,
        "/v1.0/me/mailFolders/inbox/messages/delta",
        &[("prefer", "odata.maxpagesize=7")],
    );
    assert_eq!(first.header("preference-applied"), "odata.maxpagesize=7");
    let page = first.json();
    assert_eq!(page["value"].as_array().unwrap().len(), 7);
    let next = page["@odata.nextLink"].as_str().unwrap();
    assert!(
        next.starts_with(
            "https://graph.microsoft.com/v1.0/me/mailFolders/inbox/messages/delta?$skiptoken="
        ),
        "{next}"
    );

    let (entries, delta_link) = delta_round(
        &sandbox,
        &token,
        "/v1.0/me/mailFolders/inbox/messages/delta()",
        &[("prefer", "odata.maxpagesize=7")],
    );
    assert!(
        delta_link.starts_with(
            "https://graph.microsoft.com/v1.0/me/mailFolders/inbox/messages/delta()?$deltatoken="
        ),
        "{delta_link}"
    );
    assert_eq!(entries.len(), count);
    assert_eq!(entries[..7], page["value"].as_array().unwrap()[..]);
    let unique: BTreeSet<String> = ids(&entries).into_iter().collect();
    assert_eq!(unique.len(), count);
    let received: Vec<&str> = entries
        .iter()
        .map(|e| e["receivedDateTime"].as_str().unwrap())
        .collect();
    // Without `$orderby` the order is not guaranteed, and not newest first (see graph_delta).
    assert!(
        !received.windows(2).all(|w| w[0] >= w[1]),
        "drawn, not by date"
    );
    let first_entry = &entries[0];
    assert_eq!(first_entry["@odata.type"], "#microsoft.graph.message");
    assert_eq!(first_entry["parentFolderId"], inbox["id"]);
    assert!(
        first_entry["@odata.etag"]
            .as_str()
            .unwrap()
            .starts_with("W/\"")
    );

    // Without a preference, pages hold 10.
    let default = graph(
        &sandbox,
        &token,
        "/v1.0/me/mailFolders/inbox/messages/delta",
    );
    assert_eq!(default["value"].as_array().unwrap().len(), 10);

    // Nothing changed: the delta link gives an empty page and a new delta link.
    let (nothing, _) = delta_round(&sandbox, &token, &delta_link, &[]);
    assert!(nothing.is_empty());
}

#[test]
fn delta_reports_creations_updates_and_removals() {
    // With immutable ids a message keeps its id when it moves (see ids.rs for default ids).
    let (sandbox, token) = seeded(50);
    let immutable = [("prefer", IMMUTABLE)];
    let (inbox_entries, inbox_link) = delta_round(
        &sandbox,
        &token,
        "/v1.0/me/mailFolders/inbox/messages/delta",
        &immutable,
    );
    let (_, archive_link) = delta_round(
        &sandbox,
        &token,
        "/v1.0/me/mailFolders/archive/messages/delta",
        &immutable,
    );
    let (_, created_link) = delta_round(
        &sandbox,
        &token,
        "/v1.0/me/mailFolders/inbox/messages/delta?changeType=created",
        &immutable,
    );
    let inbox_ids = ids(&inbox_entries);
    let (read, flagged, deleted, moved) =
        (&inbox_ids[0], &inbox_ids[1], &inbox_ids[2], &inbox_ids[3]);

    let delivered = sandbox.deliver(Provider::Microsoft, 2);
    sandbox.set_unread(Provider::Microsoft, read, false);
    sandbox.set_unread(Provider::Microsoft, read, true);
    sandbox.set_starred(Provider::Microsoft, flagged, true);
    sandbox.delete(Provider::Microsoft, deleted);
    sandbox.move_to(moved, "archive");

    let (changes, next_link) = delta_round(&sandbox, &token, &inbox_link, &immutable);
    let removed: Vec<&Value> = changes
        .iter()
        .filter(|e| e.get("@removed").is_some())
        .collect();
    let present: Vec<String> = ids(&changes
        .iter()
        .filter(|e| e.get("@removed").is_none())
        .cloned()
        .collect::<Vec<_>>());
    let expected_present: BTreeSet<String> = [read, flagged]
        .into_iter()
        .cloned()
        .chain(delivered.iter().cloned())
        .collect();
    assert_eq!(
        present.iter().cloned().collect::<BTreeSet<_>>(),
        expected_present
    );
    assert_eq!(present.len(), 4, "each message once");
    let removed_ids: BTreeSet<&str> = removed.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(
        removed_ids,
        BTreeSet::from([deleted.as_str(), moved.as_str()])
    );
    for entry in &removed {
        assert_eq!(keys(entry), ["@odata.type", "@removed", "id"]);
        assert_eq!(entry["@removed"], json!({"reason": "deleted"}));
    }
    let flagged_entry = changes
        .iter()
        .find(|e| e["id"] == flagged.as_str())
        .unwrap();
    assert_eq!(flagged_entry["flag"], json!({"flagStatus": "flagged"}));
    let read_entry = changes.iter().find(|e| e["id"] == read.as_str()).unwrap();
    assert_eq!(read_entry["isRead"], false);

    // The moved message keeps its id and shows up in the archive's delta.
    let (archived, _) = delta_round(&sandbox, &token, &archive_link, &immutable);
    assert_eq!(&ids(&archived), std::slice::from_ref(moved));
    let archive = graph(&sandbox, &token, "/v1.0/me/mailFolders/archive");
    assert_eq!(archived[0]["parentFolderId"], archive["id"]);
    let moved_now = fetch(
        &sandbox,
        &token,
        &format!("/v1.0/me/messages/{moved}"),
        &immutable,
    );
    assert_eq!(moved_now.json()["parentFolderId"], archive["id"]);
    assert_eq!(moved_now.json()["id"], moved.as_str());

    // changeType=created (kept from the first request) reports only the new mail.
    let (created, _) = delta_round(&sandbox, &token, &created_link, &immutable);
    assert_eq!(
        ids(&created).into_iter().collect::<BTreeSet<_>>(),
        delivered.iter().cloned().collect()
    );

    // And after that round, nothing more.
    let (nothing, _) = delta_round(&sandbox, &token, &next_link, &immutable);
    assert!(nothing.is_empty());
}

#[test]
fn expired_or_unknown_delta_tokens_are_gone() {
    let (sandbox, token) = seeded(30);
    let first = graph(
        &sandbox,
        &token,
        "/v1.0/me/mailFolders/inbox/messages/delta",
    );
    let skip = first["@odata.nextLink"].as_str().unwrap().to_owned();
    let (_, delta_link) = delta_round(
        &sandbox,
        &token,
        "/v1.0/me/mailFolders/inbox/messages/delta",
        &[],
    );
    sandbox.expire_delta();
    for link in [&skip, &delta_link] {
        let gone = fetch(&sandbox, &token, link, &[]);
        assert_eq!(gone.status, 410, "{}", gone.text);
        let error = &gone.json()["error"];
        assert_eq!(error["code"], "SyncStateNotFound");
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .starts_with("The sync state generation is not found")
        );
    }
    let garbage = fetch(
        &sandbox,
        &token,
        "/v1.0/me/mailFolders/inbox/messages/delta?$deltatoken=bm9wZQ",
        &[],
    );
    assert_eq!(garbage.status, 410);
    // A token of another folder is not this folder's.
    let (_, fresh) = delta_round(
        &sandbox,
        &token,
        "/v1.0/me/mailFolders/inbox/messages/delta",
        &[],
    );
    let token_part = fresh.split("$deltatoken=").nth(1).unwrap();
    let elsewhere = fetch(
        &sandbox,
        &token,
        &format!("/v1.0/me/mailFolders/archive/messages/delta?$deltatoken={token_part}"),
        &[],
    );
    assert_eq!(elsewhere.status, 410);
}

#[test]
fn select_and_body_preference() {
    let (sandbox, token) = seeded(20);
    let id = &sandbox.message_ids(Provider::Microsoft)[0];
    let full = graph(&sandbox, &token, &format!("/v1.0/me/messages/{id}"));
    assert_eq!(
        keys(&full),
        [
            "@odata.context",
            "@odata.etag",
            "bccRecipients",
            "body",
            "bodyPreview",
            "categories",
            "ccRecipients",
            "changeKey",
            "conversationId",
            "conversationIndex",
            "createdDateTime",
            "flag",
            "from",
            "hasAttachments",
            "id",
            "importance",
            "inferenceClassification",
            "internetMessageId",
            "isDeliveryReceiptRequested",
            "isDraft",
            "isRead",
            "isReadReceiptRequested",
            "lastModifiedDateTime",
            "parentFolderId",
            "receivedDateTime",
            "replyTo",
            "sender",
            "sentDateTime",
            "subject",
            "toRecipients",
            "webLink"
        ]
    );
    // Asked without `Prefer: IdType="ImmutableId"`, the answer gives the default id.
    assert_eq!(full["id"], sandbox.default_id(id).unwrap().as_str());
    assert_ne!(full["id"], id.as_str());
    assert_eq!(keys(&full["from"]["emailAddress"]), ["address", "name"]);
    assert_eq!(
        full["@odata.etag"],
        format!("W/\"{}\"", full["changeKey"].as_str().unwrap())
    );
    assert!(full["receivedDateTime"].as_str().unwrap().ends_with('Z'));
    assert!(!full["subject"].as_str().unwrap().contains("=?"));

    let selected = graph(
        &sandbox,
        &token,
        &format!("/v1.0/me/messages/{id}?$select=subject,isRead,internetMessageHeaders"),
    );
    assert_eq!(
        keys(&selected),
        [
            "@odata.context",
            "@odata.etag",
            "id",
            "internetMessageHeaders",
            "isRead",
            "subject"
        ]
    );
    assert!(
        selected["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/messages(subject,isRead,internetMessageHeaders)/$entity")
    );
    let headers = selected["internetMessageHeaders"].as_array().unwrap();
    assert!(headers.iter().any(|h| h["name"] == "Message-ID"));
    let unknown = fetch(
        &sandbox,
        &token,
        &format!("/v1.0/me/messages/{id}?$select=subject,nickname"),
        &[],
    );
    assert_eq!(unknown.status, 400);

    // Delta keeps the first request's $select on every page.
    let (entries, _) = delta_round(
        &sandbox,
        &token,
        "/v1.0/me/mailFolders/sentitems/messages/delta?$select=subject",
        &[("prefer", "odata.maxpagesize=1")],
    );
    assert!(!entries.is_empty());
    for entry in &entries {
        assert_eq!(keys(entry), ["@odata.etag", "@odata.type", "id", "subject"]);
    }

    let text = fetch(
        &sandbox,
        &token,
        &format!("/v1.0/me/messages/{id}?$select=body,uniqueBody"),
        &[("prefer", "outlook.body-content-type=\"text\"")],
    );
    assert_eq!(
        text.header("preference-applied"),
        "outlook.body-content-type=\"text\""
    );
    let text = text.json();
    assert_eq!(text["body"]["contentType"], "text");
    assert_eq!(text["uniqueBody"], text["body"]);
    assert!(!text["body"]["content"].as_str().unwrap().contains("<html"));
    let html = graph(
        &sandbox,
        &token,
        &format!("/v1.0/me/messages/{id}?$select=body"),
    );
    assert_eq!(html["body"]["contentType"], "html");
    assert!(html["body"]["content"].as_str().unwrap().contains("<html"));

    let missing = fetch(&sandbox, &token, "/v1.0/me/messages/AAMkAGI2THVSAAA=", &[]);
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["error"]["code"], "ErrorItemNotFound");
}

#[test]
fn attachments_list_and_get() {
    let (sandbox, token) = seeded(40);
    let (mut files, mut inline) = (0, 0);
    for id in sandbox.message_ids(Provider::Microsoft) {
        let list = graph(
            &sandbox,
            &token,
            &format!("/v1.0/me/messages/{id}/attachments"),
        );
        let message = graph(
            &sandbox,
            &token,
            &format!("/v1.0/me/messages/{id}?$select=hasAttachments"),
        );
        let attachments = list["value"].as_array().unwrap();
        let attached = attachments.iter().any(|a| a["isInline"] == false);
        assert_eq!(message["hasAttachments"], attached);
        for attachment in attachments {
            assert_eq!(attachment["@odata.type"], "#microsoft.graph.fileAttachment");
            assert!(attachment.get("contentBytes").is_none());
            let one = graph(
                &sandbox,
                &token,
                &format!(
                    "/v1.0/me/messages/{id}/attachments/{}",
                    attachment["id"].as_str().unwrap()
                ),
            );
            let bytes = STANDARD
                .decode(one["contentBytes"].as_str().unwrap())
                .unwrap();
            // The size of the attachment item, not of the file.
            assert!(one["size"].as_u64().unwrap() > bytes.len() as u64);
            assert_eq!(one["name"], attachment["name"]);
            assert!(
                one["@odata.context"]
                    .as_str()
                    .unwrap()
                    .ends_with("/attachments/$entity")
            );
            if attachment["isInline"] == true {
                inline += 1;
                assert!(attachment["contentId"].as_str().is_some());
                assert!(bytes.starts_with(b"\x89PNG"));
            } else {
                files += 1;
            }
        }
    }
    assert!(files > 5 && inline > 5, "{files} {inline}");

    let id = &sandbox.message_ids(Provider::Microsoft)[0];
    let selected = graph(
        &sandbox,
        &token,
        &format!("/v1.0/me/messages/{id}/attachments?$select=name,size"),
    );
    assert!(
        selected["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/attachments(name,size)")
    );
    let missing = fetch(
        &sandbox,
        &token,
        &format!("/v1.0/me/messages/{id}/attachments/AAkSAA=="),
        &[],
    );
    assert_eq!(missing.status, 404);
}

#[test]
fn foreign_next_link_once() {
    let (sandbox, token) = seeded(30);
    sandbox.foreign_next_link("attacker.example");
    let first = fetch(
        &sandbox,
        &token,
        "/v1.0/me/mailFolders/inbox/messages/delta",
        &[("prefer", "odata.maxpagesize=2")],
    )
    .json();
    let next = first["@odata.nextLink"].as_str().unwrap();
    assert!(
        next.starts_with(
            "https://attacker.example/v1.0/me/mailFolders/inbox/messages/delta?$skiptoken="
        ),
        "{next}"
    );
    let again = fetch(
        &sandbox,
        &token,
        "/v1.0/me/mailFolders/inbox/messages/delta",
        &[("prefer", "odata.maxpagesize=2")],
    )
    .json();
    assert!(again["@odata.nextLink"].as_str().unwrap().starts_with(ROOT));
    sandbox.foreign_next_link("other.example");
    let folders = graph(&sandbox, &token, "/v1.0/me/mailFolders?$top=2");
    assert!(
        folders["@odata.nextLink"]
            .as_str()
            .unwrap()
            .starts_with("https://other.example/v1.0/me/mailFolders?")
    );
}

#[test]
fn permissions_and_methods() {
    let (sandbox, _) = seeded(3);
    let empty = get(&sandbox, GRAPH, "/v1.0/me/mailFolders", None);
    assert_eq!(empty.status, 401);
    assert_eq!(empty.json()["error"]["code"], "InvalidAuthenticationToken");
    let scope = "offline_access openid User.Read";
    let no_mail = access_token(&sandbox, Provider::Microsoft, Some(scope));
    let forbidden = fetch(&sandbox, &no_mail, "/v1.0/me/mailFolders", &[]);
    assert_eq!(forbidden.status, 403);
    assert_eq!(forbidden.json()["error"]["code"], "ErrorAccessDenied");
    let read_only = access_token(&sandbox, Provider::Microsoft, Some("openid Mail.Read"));
    graph(
        &sandbox,
        &read_only,
        "/v1.0/me/mailFolders/inbox/messages/delta",
    );
    let put = call(&sandbox, "PUT", GRAPH, "/v1.0/me/mailFolders", &[], "");
    assert_eq!(put.status, 405);
    let unknown = fetch(&sandbox, &read_only, "/v1.0/me/calendars", &[]);
    assert_eq!(unknown.status, 400);
}
