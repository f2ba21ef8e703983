//! The Gmail API over loopback: messages, history and labels of a seeded mailbox.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE;
use serde_json::{Value, json};

use super::support::*;
use crate::{MailboxSpec, Provider, Sandbox};

const GMAIL: &str = "gmail.googleapis.com";
const USER: &str = "/gmail/v1/users/me";

/// A sandbox with a seeded Google mailbox, and a token for it.
fn seeded(messages: usize) -> (Sandbox, String) {
    let sandbox = sandbox();
    let spec = MailboxSpec {
        messages,
        seed: 5,
        start: 1_700_000_000,
    };
    sandbox.seed_mailbox(Provider::Google, &spec);
    let token = access_token(&sandbox, Provider::Google, None);
    (sandbox, token)
}

/// `GET {USER}{target}`, answered 200, as JSON.
fn gmail(sandbox: &Sandbox, token: &str, target: &str) -> Value {
    let answer = get(sandbox, GMAIL, &format!("{USER}{target}"), Some(token));
    assert_eq!(answer.status, 200, "{target}: {}", answer.text);
    answer.json()
}

/// The ids of every page of `messages?{query}`, following `nextPageToken`.
fn list_all(sandbox: &Sandbox, token: &str, query: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = gmail(
            sandbox,
            token,
            &format!("/messages?{query}&pageToken={page_token}"),
        );
        for message in page["messages"].as_array().into_iter().flatten() {
            ids.push(message["id"].as_str().unwrap().to_owned());
        }
        match page["nextPageToken"].as_str() {
            Some(next) => page_token = next.to_owned(),
            None => return ids,
        }
    }
}

/// `internalDate` and `labelIds` of message `id`.
fn minimal(sandbox: &Sandbox, token: &str, id: &str) -> (u64, Vec<String>) {
    let message = gmail(sandbox, token, &format!("/messages/{id}?format=minimal"));
    let date = message["internalDate"].as_str().unwrap().parse().unwrap();
    let labels = serde_json::from_value(message["labelIds"].clone()).unwrap();
    (date, labels)
}

#[test]
fn list_pages_newest_first_and_stay_put_when_mail_arrives() {
    let (sandbox, token) = seeded(120);
    let first = gmail(&sandbox, &token, "/messages?maxResults=50");
    let expected = sandbox.message_ids(Provider::Google);
    assert_eq!(first["resultSizeEstimate"], expected.len());
    assert_eq!(first["messages"].as_array().unwrap().len(), 50);
    assert_eq!(first["messages"][0].as_object().unwrap().len(), 2);
    let token_two = first["nextPageToken"].as_str().unwrap().to_owned();
    assert!(token_two.bytes().all(|b| b.is_ascii_digit()), "{token_two}");
    assert_eq!(list_all(&sandbox, &token, "maxResults=50"), expected);

    let dates: Vec<u64> = expected
        .iter()
        .map(|id| minimal(&sandbox, &token, id).0)
        .collect();
    assert!(dates.windows(2).all(|w| w[0] > w[1]), "newest first");

    // New mail lands before page one; page two does not move.
    let second = gmail(
        &sandbox,
        &token,
        &format!("/messages?maxResults=50&pageToken={token_two}"),
    );
    let delivered = sandbox.deliver(Provider::Google, 5);
    let again = gmail(
        &sandbox,
        &token,
        &format!("/messages?maxResults=50&pageToken={token_two}"),
    );
    assert_eq!(second["messages"], again["messages"]);
    let newest = gmail(&sandbox, &token, "/messages?maxResults=5");
    let newest: Vec<&str> = newest["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    let mut delivered_newest_first = delivered.clone();
    delivered_newest_first.reverse();
    assert_eq!(newest, delivered_newest_first);
}

#[test]
fn list_filters_by_date_labels_and_query() {
    let (sandbox, token) = seeded(120);
    let all = sandbox.message_ids(Provider::Google);
    let middle = minimal(&sandbox, &token, &all[all.len() / 2]).0 / 1000;
    let after = list_all(&sandbox, &token, &format!("q=after:{middle}"));
    assert_eq!(after, all[..=all.len() / 2]);
    let before = list_all(&sandbox, &token, &format!("q=before:{middle}"));
    assert_eq!(before, all[all.len() / 2 + 1..]);
    // A date is midnight UTC: 2023-11-14 is before the first message (start + minutes).
    assert_eq!(
        list_all(&sandbox, &token, "q=after:2023/11/14").len(),
        all.len()
    );
    assert!(list_all(&sandbox, &token, "q=before:2023/11/14").is_empty());

    let unread_inbox = list_all(&sandbox, &token, "labelIds=INBOX&labelIds=UNREAD");
    assert!(!unread_inbox.is_empty());
    for id in &unread_inbox {
        let labels = minimal(&sandbox, &token, id).1;
        assert!(
            labels.contains(&"INBOX".into()) && labels.contains(&"UNREAD".into()),
            "{labels:?}"
        );
    }
    let by_query = list_all(&sandbox, &token, "q=in:inbox%20is:unread");
    assert_eq!(by_query, unread_inbox);
    let archived = list_all(&sandbox, &token, "q=-in:inbox%20-in:sent%20-in:drafts");
    for id in &archived {
        let labels = minimal(&sandbox, &token, id).1;
        assert!(
            !labels.iter().any(|l| l == "INBOX"
                || l == "SENT"
                || l == "DRAFT"
                || l == "SPAM"
                || l == "TRASH"),
            "{labels:?}"
        );
    }
    let receipts = list_all(&sandbox, &token, "q=label:receipts");
    assert_eq!(receipts, list_all(&sandbox, &token, "labelIds=Label_1"));
    assert!(!receipts.is_empty());

    let none = get(
        &sandbox,
        GMAIL,
        &format!("{USER}/messages?q=label:nothing-like-this"),
        Some(&token),
    );
    assert_eq!(none.text, r#"{"resultSizeEstimate":0}"#);
    let bad = get(
        &sandbox,
        GMAIL,
        &format!("{USER}/messages?maxResults=many"),
        Some(&token),
    );
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["error"]["status"], "INVALID_ARGUMENT");
}

/// Spam and trash are listed only with `includeSpamTrash=true` (shared/specs
/// gmail/gmail-v1-discovery.json, `users.messages.list`), even when `labelIds` or `q` name them.
#[test]
fn spam_and_trash_only_when_asked() {
    let (sandbox, token) = seeded(150);
    let default = list_all(&sandbox, &token, "maxResults=500");
    let everything = list_all(&sandbox, &token, "maxResults=500&includeSpamTrash=true");
    let spam = list_all(&sandbox, &token, "labelIds=SPAM&includeSpamTrash=true");
    let trash = list_all(&sandbox, &token, "q=in:trash&includeSpamTrash=true");
    assert!(!spam.is_empty() && !trash.is_empty());
    assert_eq!(everything.len(), default.len() + spam.len() + trash.len());
    assert!(
        spam.iter()
            .chain(&trash)
            .all(|id| !default.contains(id) && everything.contains(id))
    );
    for asked in [
        "labelIds=SPAM",
        "labelIds=TRASH",
        "q=in:spam",
        "q=in:trash",
        "q=in:anywhere&maxResults=500",
        "labelIds=SPAM&includeSpamTrash=false",
    ] {
        let listed = list_all(&sandbox, &token, asked);
        assert!(
            listed.iter().all(|id| default.contains(id)),
            "{asked} listed spam or trash"
        );
    }
    assert!(list_all(&sandbox, &token, "labelIds=TRASH").is_empty());
}

/// Checks part `part` of raw message `mail` (as mailparse reads it) and its descendants,
/// fetching attachments; returns how many attachments it fetched.
fn check_part(
    sandbox: &Sandbox,
    token: &str,
    id: &str,
    part: &Value,
    mail: &mailparse::ParsedMail,
    part_id: &str,
) -> usize {
    assert_eq!(part["partId"], part_id);
    assert_eq!(part["mimeType"], mail.ctype.mimetype);
    let names: Vec<&str> = part["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    let raw_names: Vec<String> = mail.headers.iter().map(|h| h.get_key()).collect();
    assert_eq!(names, raw_names);
    let body = &part["body"];
    if !mail.subparts.is_empty() {
        assert_eq!(body, &json!({"size": 0}));
        let parts = part["parts"].as_array().unwrap();
        assert_eq!(parts.len(), mail.subparts.len());
        return parts
            .iter()
            .zip(&mail.subparts)
            .enumerate()
            .map(|(i, (p, m))| {
                let child = if part_id.is_empty() {
                    i.to_string()
                } else {
                    format!("{part_id}.{i}")
                };
                check_part(sandbox, token, id, p, m, &child)
            })
            .sum();
    }
    let bytes = mail.get_body_raw().unwrap();
    assert_eq!(body["size"], bytes.len());
    match body["attachmentId"].as_str() {
        Some(attachment) => {
            assert!(body.get("data").is_none());
            let fetched = gmail(
                sandbox,
                token,
                &format!("/messages/{id}/attachments/{attachment}"),
            );
            assert_eq!(fetched["size"], bytes.len());
            assert_eq!(
                URL_SAFE.decode(fetched["data"].as_str().unwrap()).unwrap(),
                bytes
            );
            1
        }
        None => {
            assert!(mail.ctype.mimetype.starts_with("text/"));
            let data = body["data"]
                .as_str()
                .map(|d| URL_SAFE.decode(d).unwrap())
                .unwrap_or_default();
            assert_eq!(data, bytes);
            0
        }
    }
}

#[test]
fn get_in_every_format() {
    let (sandbox, token) = seeded(40);
    let (mut attachments, mut encoded_subjects) = (0, 0);
    for id in sandbox.message_ids(Provider::Google) {
        let raw = gmail(&sandbox, &token, &format!("/messages/{id}?format=raw"));
        let bytes = URL_SAFE.decode(raw["raw"].as_str().unwrap()).unwrap();
        let stored = {
            let mailbox = sandbox.shared.mail.of(Provider::Google);
            crate::gmail::find(&mailbox, &id)
                .unwrap()
                .content
                .raw()
                .to_vec()
        };
        assert_eq!(bytes, stored, "raw round-trips");
        assert_eq!(raw["sizeEstimate"], bytes.len());
        assert_eq!(
            keys(&raw),
            [
                "historyId",
                "id",
                "internalDate",
                "labelIds",
                "raw",
                "sizeEstimate",
                "snippet",
                "threadId"
            ]
        );

        let full = gmail(&sandbox, &token, &format!("/messages/{id}"));
        assert_eq!(full["snippet"], raw["snippet"]);
        assert!(!full["snippet"].as_str().unwrap().is_empty());
        let mail = mailparse::parse_mail(&bytes).unwrap();
        attachments += check_part(&sandbox, &token, &id, &full["payload"], &mail, "");
        let subject = full["payload"]["headers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["name"] == "Subject")
            .unwrap()["value"]
            .as_str()
            .unwrap()
            .to_owned();
        encoded_subjects += usize::from(subject.contains("=?"));

        let metadata = gmail(
            &sandbox,
            &token,
            &format!("/messages/{id}?format=metadata&metadataHeaders=subject&metadataHeaders=From"),
        );
        assert_eq!(keys(&metadata["payload"]), ["headers", "mimeType"]);
        let names: Vec<&str> = metadata["payload"]["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Subject", "From"]);
        assert_eq!(metadata["payload"]["headers"][0]["value"], subject);

        let minimal = gmail(&sandbox, &token, &format!("/messages/{id}?format=MINIMAL"));
        assert_eq!(
            keys(&minimal),
            [
                "historyId",
                "id",
                "internalDate",
                "labelIds",
                "payload",
                "sizeEstimate",
                "threadId"
            ]
        );
        assert_eq!(minimal["payload"], json!({"partId": ""}));
    }
    assert!(
        attachments > 10 && encoded_subjects > 5,
        "{attachments} {encoded_subjects}"
    );

    let missing = get(
        &sandbox,
        GMAIL,
        &format!("{USER}/messages/0000000000000001"),
        Some(&token),
    );
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.json(),
        json!({"error": {
            "code": 404,
            "message": "Requested entity was not found.",
            "errors": [{"message": "Requested entity was not found.", "domain": "global", "reason": "notFound"}],
            "status": "NOT_FOUND"
        }})
    );
    assert_eq!(
        get(
            &sandbox,
            GMAIL,
            &format!("{USER}/messages/not-an-id"),
            Some(&token)
        )
        .status,
        400
    );
    let id = &sandbox.message_ids(Provider::Google)[0];
    let format = get(
        &sandbox,
        GMAIL,
        &format!("{USER}/messages/{id}?format=html"),
        Some(&token),
    );
    assert_eq!(format.status, 400);
}

/// The kinds of change in history record `record`.
fn kinds(record: &Value) -> Vec<&str> {
    [
        "messagesAdded",
        "messagesDeleted",
        "labelsAdded",
        "labelsRemoved",
    ]
    .into_iter()
    .filter(|k| record.get(*k).is_some())
    .collect()
}

#[test]
fn history_follows_every_change() {
    let (sandbox, token) = seeded(30);
    let profile = gmail(&sandbox, &token, "/profile");
    let start = profile["historyId"].as_str().unwrap().to_owned();
    let total = profile["messagesTotal"].as_u64().unwrap();
    assert_eq!(total, 30);
    assert!(
        gmail(
            &sandbox,
            &token,
            &format!("/history?startHistoryId={start}")
        )
        .get("history")
        .is_none()
    );

    let ids = sandbox.message_ids(Provider::Google);
    let delivered = sandbox.deliver(Provider::Google, 2);
    sandbox.delete(Provider::Google, &ids[3]);
    sandbox.add_label(&ids[4], "Travel");
    sandbox.remove_label(&ids[4], "Label_2");
    sandbox.set_unread(Provider::Google, &ids[5], true);
    sandbox.set_unread(Provider::Google, &ids[5], true); // no change, no record
    sandbox.set_starred(Provider::Google, &ids[6], true);
    sandbox.add_label(&ids[7], "TRASH");

    let history = gmail(
        &sandbox,
        &token,
        &format!("/history?startHistoryId={start}"),
    );
    let now = gmail(&sandbox, &token, "/profile");
    assert_eq!(history["historyId"], now["historyId"]);
    assert_eq!(now["messagesTotal"], total + 2 - 1);
    let records = history["history"].as_array().unwrap();
    let summary: Vec<Vec<&str>> = records.iter().map(kinds).collect();
    assert_eq!(
        summary,
        [
            vec!["messagesAdded"],
            vec!["messagesAdded"],
            vec!["messagesDeleted"],
            vec!["labelsAdded"],
            vec!["labelsRemoved"],
            vec!["labelsAdded"],
            vec!["labelsAdded"],
            vec!["labelsAdded"],
        ]
    );
    let ids_increase = records.windows(2).all(|w| {
        w[0]["id"].as_str().unwrap().parse::<u64>().unwrap()
            < w[1]["id"].as_str().unwrap().parse::<u64>().unwrap()
    });
    assert!(ids_increase);
    let added = &records[0]["messagesAdded"][0]["message"];
    assert_eq!(added["id"], delivered[0].as_str());
    assert!(
        added["labelIds"]
            .as_array()
            .unwrap()
            .contains(&json!("INBOX"))
    );
    assert_eq!(
        records[0]["messages"],
        json!([{"id": added["id"], "threadId": added["threadId"]}])
    );
    assert_eq!(
        records[2]["messagesDeleted"][0]["message"]["id"],
        ids[3].as_str()
    );
    assert_eq!(records[3]["labelsAdded"][0]["labelIds"], json!(["Label_2"]));
    assert_eq!(
        records[4]["labelsRemoved"][0]["labelIds"],
        json!(["Label_2"])
    );
    assert_eq!(records[5]["labelsAdded"][0]["labelIds"], json!(["UNREAD"]));
    assert_eq!(records[6]["labelsAdded"][0]["labelIds"], json!(["STARRED"]));
    let trashed = &records[7]["labelsAdded"][0];
    assert_eq!(trashed["labelIds"], json!(["TRASH"]));
    assert!(
        trashed["message"]["labelIds"]
            .as_array()
            .unwrap()
            .contains(&json!("TRASH"))
    );

    let only_added = gmail(
        &sandbox,
        &token,
        &format!("/history?startHistoryId={start}&historyTypes=messageAdded"),
    );
    assert_eq!(only_added["history"].as_array().unwrap().len(), 2);
    let starred = gmail(
        &sandbox,
        &token,
        &format!("/history?startHistoryId={start}&labelId=STARRED"),
    );
    let starred = starred["history"].as_array().unwrap();
    assert!(starred.contains(&records[6]) && starred.len() < records.len());
    for record in starred {
        let change = &record["labelsAdded"][0];
        let labels = [&change["labelIds"], &change["message"]["labelIds"]];
        assert!(
            labels
                .iter()
                .any(|l| l.as_array().is_some_and(|l| l.contains(&json!("STARRED"))))
        );
    }

    let mut paged = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = gmail(
            &sandbox,
            &token,
            &format!("/history?startHistoryId={start}&maxResults=3&pageToken={page_token}"),
        );
        paged.extend(page["history"].as_array().unwrap().iter().cloned());
        match page["nextPageToken"].as_str() {
            Some(next) => page_token = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(&paged, records);
}

#[test]
fn expired_history_is_not_found() {
    let (sandbox, token) = seeded(10);
    let start = gmail(&sandbox, &token, "/profile")["historyId"]
        .as_str()
        .unwrap()
        .to_owned();
    sandbox.deliver(Provider::Google, 1);
    sandbox.expire_history();
    let expired = get(
        &sandbox,
        GMAIL,
        &format!("{USER}/history?startHistoryId={start}"),
        Some(&token),
    );
    assert_eq!(expired.status, 404);
    assert_eq!(expired.json()["error"]["errors"][0]["reason"], "notFound");
    let current = gmail(&sandbox, &token, "/profile")["historyId"]
        .as_str()
        .unwrap()
        .to_owned();
    let fresh = gmail(
        &sandbox,
        &token,
        &format!("/history?startHistoryId={current}"),
    );
    assert!(fresh.get("history").is_none());
    assert_eq!(fresh["historyId"], current.as_str());
    let missing = get(&sandbox, GMAIL, &format!("{USER}/history"), Some(&token));
    assert_eq!(missing.status, 400);
}

#[test]
fn labels_with_counts() {
    let (sandbox, token) = seeded(80);
    let labels = gmail(&sandbox, &token, "/labels");
    let labels = labels["labels"].as_array().unwrap();
    let find = |id: &str| labels.iter().find(|l| l["id"] == id).unwrap().clone();
    assert_eq!(
        find("INBOX"),
        json!({"id": "INBOX", "name": "INBOX", "type": "system"})
    );
    assert_eq!(
        find("Label_1"),
        json!({"id": "Label_1", "name": "Receipts", "messageListVisibility": "show", "labelListVisibility": "labelShow", "type": "user"})
    );
    assert_eq!(find("SPAM")["messageListVisibility"], "hide");

    let inbox = gmail(&sandbox, &token, "/labels/INBOX");
    assert_eq!(
        keys(&inbox),
        [
            "id",
            "messagesTotal",
            "messagesUnread",
            "name",
            "threadsTotal",
            "threadsUnread",
            "type"
        ]
    );
    let listed = list_all(&sandbox, &token, "labelIds=INBOX");
    let unread = list_all(&sandbox, &token, "labelIds=INBOX&labelIds=UNREAD");
    assert_eq!(inbox["messagesTotal"], listed.len());
    assert_eq!(inbox["messagesUnread"], unread.len());
    let threads = inbox["threadsTotal"].as_u64().unwrap();
    assert!(threads > 0 && threads <= listed.len() as u64);
    assert_eq!(
        get(
            &sandbox,
            GMAIL,
            &format!("{USER}/labels/Label_99"),
            Some(&token)
        )
        .status,
        404
    );
}

#[test]
fn scopes_and_tokens() {
    let (sandbox, _) = seeded(5);
    assert_eq!(
        get(&sandbox, GMAIL, &format!("{USER}/messages"), None).status,
        401
    );
    let id = sandbox.message_ids(Provider::Google)[0].clone();
    let metadata = access_token(
        &sandbox,
        Provider::Google,
        Some("openid https://www.googleapis.com/auth/gmail.metadata"),
    );
    assert_eq!(
        gmail(&sandbox, &metadata, "/messages")["resultSizeEstimate"],
        5
    );
    assert_eq!(
        get(
            &sandbox,
            GMAIL,
            &format!("{USER}/messages?q=in:inbox"),
            Some(&metadata)
        )
        .status,
        403
    );
    assert_eq!(
        get(
            &sandbox,
            GMAIL,
            &format!("{USER}/messages/{id}"),
            Some(&metadata)
        )
        .status,
        403
    );
    gmail(
        &sandbox,
        &metadata,
        &format!("/messages/{id}?format=metadata"),
    );
    let email_only = access_token(&sandbox, Provider::Google, Some("openid email"));
    let refused = get(
        &sandbox,
        GMAIL,
        &format!("{USER}/history?startHistoryId=1"),
        Some(&email_only),
    );
    assert_eq!(refused.status, 403);
    assert_eq!(
        refused.json()["error"]["errors"][0]["reason"],
        "insufficientPermissions"
    );
    let readonly = access_token(
        &sandbox,
        Provider::Google,
        Some("https://www.googleapis.com/auth/gmail.readonly"),
    );
    gmail(&sandbox, &readonly, &format!("/messages/{id}"));
    let microsoft = access_token(&sandbox, Provider::Microsoft, None);
    assert_eq!(
        get(&sandbox, GMAIL, &format!("{USER}/labels"), Some(&microsoft)).status,
        401
    );
    let other_user = get(
        &sandbox,
        GMAIL,
        "/gmail/v1/users/bob@example.com/labels",
        Some(&readonly),
    );
    assert_eq!(other_user.status, 403);
}
