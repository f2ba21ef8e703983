//! Managing mail over loopback: Gmail label changes, trash, deletion, threads and drafts, each
//! reported once by `history.list`; Graph flags, read state, moves and deletions, each reported
//! once by folder delta, folder counts, JSON batching, the conversation filter, internet message
//! headers and raw attachment bytes.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use super::support::*;
use crate::{Fault, Provider, Sandbox, SendRoute};

const GMAIL: &str = "gmail.googleapis.com";
const USER: &str = "/gmail/v1/users/me";
const GRAPH: &str = "graph.microsoft.com";
const ROOT: &str = "https://graph.microsoft.com";
/// The full-access Gmail scope, the only one that deletes for good.
const FULL_ACCESS: &str = "https://mail.google.com/";
/// A well-formed Gmail id that names no message.
const NO_SUCH_ID: &str = "0000000000000001";
/// A well-formed Graph message id of no mailbox of the sandbox.
const NO_SUCH_GRAPH_ID: &str = "AAMkAGI2THVSAAA=";

/// A Gmail request for `{USER}{target}`.
fn gmail(sandbox: &Sandbox, token: &str, method: &str, target: &str, body: &Value) -> Answer {
    let target = format!("{USER}{target}");
    authorized(sandbox, token, method, GMAIL, &target, &[], body)
}

/// A Gmail request answered 200, as JSON.
fn gmail_ok(sandbox: &Sandbox, token: &str, method: &str, target: &str, body: &Value) -> Value {
    let answer = gmail(sandbox, token, method, target, body);
    assert_eq!(answer.status, 200, "{method} {target}: {}", answer.text);
    answer.json()
}

/// The `reason` and `message` of a Google error answered `status`.
fn google_refusal(answer: &Answer, status: u16) -> (String, String) {
    assert_eq!(answer.status, status, "{}", answer.text);
    let error = &answer.json()["error"];
    (
        error["errors"][0]["reason"].as_str().unwrap().to_owned(),
        error["message"].as_str().unwrap().to_owned(),
    )
}

/// The mailbox's current history ID.
fn history_id(sandbox: &Sandbox, token: &str) -> String {
    let profile = gmail_ok(sandbox, token, "GET", "/profile", &Value::Null);
    profile["historyId"].as_str().unwrap().to_owned()
}

/// Every history record after `start`.
fn history(sandbox: &Sandbox, token: &str, start: &str) -> Vec<Value> {
    let target = format!("/history?startHistoryId={start}");
    let page = gmail_ok(sandbox, token, "GET", &target, &Value::Null);
    page["history"].as_array().cloned().unwrap_or_default()
}

/// What one history record says: the kind of each change and the message it concerns, and the
/// label ids added and removed.
fn summary(record: &Value) -> (Vec<(&str, &str)>, Vec<&str>, Vec<&str>) {
    let mut kinds = Vec::new();
    for kind in [
        "messagesAdded",
        "messagesDeleted",
        "labelsAdded",
        "labelsRemoved",
    ] {
        for change in record[kind].as_array().into_iter().flatten() {
            kinds.push((kind, change["message"]["id"].as_str().unwrap()));
        }
    }
    let labels = |kind: &str| -> Vec<&str> {
        record[kind]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|c| c["labelIds"].as_array().unwrap())
            .map(|l| l.as_str().unwrap())
            .collect()
    };
    (kinds, labels("labelsAdded"), labels("labelsRemoved"))
}

#[test]
fn gmail_modify_and_batch_modify_are_reported_once() {
    let (sandbox, token) = seeded(Provider::Google, 20, 21);
    let ids = sandbox.message_ids(Provider::Google);
    // Known starting states, so every change below changes something.
    sandbox.set_unread(Provider::Google, &ids[0], true);
    sandbox.set_starred(Provider::Google, &ids[0], false);
    sandbox.remove_label(&ids[0], "Label_1");
    for id in &ids[1..3] {
        sandbox.add_label(id, "INBOX");
        sandbox.remove_label(id, "Label_2");
    }
    sandbox.remove_label(&ids[3], "Label_3");
    let start = history_id(&sandbox, &token);

    let target = format!("/messages/{}/modify", ids[0]);
    let change = json!({"addLabelIds": ["STARRED", "Label_1"], "removeLabelIds": ["UNREAD"]});
    let modified = gmail_ok(&sandbox, &token, "POST", &target, &change);
    assert_eq!(keys(&modified), ["id", "labelIds", "threadId"]);
    assert_eq!(modified["id"], ids[0].as_str());
    let state = sandbox.state_of(Provider::Google, &ids[0]).unwrap();
    assert_eq!(modified["labelIds"], json!(state.labels));
    assert!(state.starred && !state.unread);
    assert!(state.labels.contains(&"Label_1".to_owned()));

    let body =
        json!({"ids": [ids[1], ids[2]], "addLabelIds": ["Label_2"], "removeLabelIds": ["INBOX"]});
    let batch = gmail(&sandbox, &token, "POST", "/messages/batchModify", &body);
    assert_eq!(batch.status, 204, "{}", batch.text);
    assert!(batch.bytes.is_empty());
    for id in &ids[1..3] {
        let labels = sandbox.state_of(Provider::Google, id).unwrap().labels;
        assert!(labels.contains(&"Label_2".to_owned()) && !labels.contains(&"INBOX".to_owned()));
    }

    // One id that names no message, or is no id at all, refuses the whole batch.
    let before = sandbox.state_of(Provider::Google, &ids[3]);
    for (other, status) in [(NO_SUCH_ID, 404), ("not-an-id", 400)] {
        let body = json!({"ids": [ids[3], other], "addLabelIds": ["Label_3"]});
        let refused = gmail(&sandbox, &token, "POST", "/messages/batchModify", &body);
        assert_eq!(refused.status, status, "{}", refused.text);
        assert_eq!(sandbox.state_of(Provider::Google, &ids[3]), before);
    }
    let too_many: Vec<&str> = std::iter::repeat_n(ids[3].as_str(), 1001).collect();
    let body = json!({"ids": too_many, "addLabelIds": ["Label_3"]});
    let refused = gmail(&sandbox, &token, "POST", "/messages/batchModify", &body);
    assert_eq!(refused.status, 400);
    assert_eq!(sandbox.state_of(Provider::Google, &ids[3]), before);

    // Gmail's refusals of label changes.
    let refusals = [
        (json!({"addLabelIds": ["Label_99"]}), "labelId not found"),
        (json!({"addLabelIds": ["SENT"]}), "Invalid label: SENT"),
        (json!({"removeLabelIds": ["DRAFT"]}), "Invalid label: DRAFT"),
        (json!({}), "No label add or removes specified"),
    ];
    for (body, message) in refusals {
        let refused = gmail(&sandbox, &token, "POST", &target, &body);
        let refusal = google_refusal(&refused, 400);
        assert_eq!(refusal, ("invalidArgument".to_owned(), message.to_owned()));
    }
    let starred = json!({"addLabelIds": ["STARRED"]});
    let unknown = gmail(
        &sandbox,
        &token,
        "POST",
        &format!("/messages/{NO_SUCH_ID}/modify"),
        &starred,
    );
    assert_eq!(unknown.status, 404);
    let malformed = gmail(&sandbox, &token, "POST", "/messages/xyz/modify", &starred);
    assert_eq!(malformed.status, 400);
    let readonly = access_token(
        &sandbox,
        Provider::Google,
        Some("https://www.googleapis.com/auth/gmail.readonly"),
    );
    let forbidden = gmail(&sandbox, &readonly, "POST", &target, &starred);
    assert_eq!(google_refusal(&forbidden, 403).0, "insufficientPermissions");

    // One record per message changed, each with all of that message's label changes.
    let records = history(&sandbox, &token, &start);
    let summaries: Vec<_> = records.iter().map(summary).collect();
    assert_eq!(
        summaries,
        [
            (
                vec![
                    ("labelsAdded", ids[0].as_str()),
                    ("labelsRemoved", ids[0].as_str())
                ],
                vec!["Label_1", "STARRED"],
                vec!["UNREAD"]
            ),
            (
                vec![
                    ("labelsAdded", ids[1].as_str()),
                    ("labelsRemoved", ids[1].as_str())
                ],
                vec!["Label_2"],
                vec!["INBOX"]
            ),
            (
                vec![
                    ("labelsAdded", ids[2].as_str()),
                    ("labelsRemoved", ids[2].as_str())
                ],
                vec!["Label_2"],
                vec!["INBOX"]
            ),
        ]
    );
    let changed = &records[0]["labelsAdded"][0]["message"]["labelIds"];
    assert_eq!(changed, &modified["labelIds"]);
}

#[test]
fn gmail_trash_untrash_and_delete_for_good() {
    let (sandbox, token) = seeded(Provider::Google, 10, 21);
    let ids = sandbox.message_ids(Provider::Google);
    sandbox.add_label(&ids[0], "INBOX");
    let start = history_id(&sandbox, &token);

    let trashed = gmail_ok(
        &sandbox,
        &token,
        "POST",
        &format!("/messages/{}/trash", ids[0]),
        &Value::Null,
    );
    let labels: Vec<&str> = trashed["labelIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(
        labels.contains(&"TRASH") && labels.contains(&"INBOX"),
        "{labels:?}"
    );
    assert!(!sandbox.message_ids(Provider::Google).contains(&ids[0]));
    let in_trash = gmail_ok(
        &sandbox,
        &token,
        "GET",
        "/messages?q=in:trash&includeSpamTrash=true",
        &Value::Null,
    );
    assert!(
        in_trash["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == ids[0].as_str())
    );
    let untrashed = gmail_ok(
        &sandbox,
        &token,
        "POST",
        &format!("/messages/{}/untrash", ids[0]),
        &Value::Null,
    );
    let labels = untrashed["labelIds"].as_array().unwrap();
    assert!(!labels.contains(&json!("TRASH")) && labels.contains(&json!("INBOX")));

    // Deleting for good needs the full-access scope.
    let target = format!("/messages/{}", ids[0]);
    for (method, target, body) in [
        ("DELETE", target.as_str(), Value::Null),
        ("POST", "/messages/batchDelete", json!({"ids": [ids[1]]})),
    ] {
        let refused = gmail(&sandbox, &token, method, target, &body);
        let (reason, message) = google_refusal(&refused, 403);
        assert_eq!(reason, "insufficientPermissions");
        assert_eq!(message, "Request had insufficient authentication scopes.");
    }
    assert!(sandbox.state_of(Provider::Google, &ids[1]).is_some());
    let full = access_token(&sandbox, Provider::Google, Some(FULL_ACCESS));
    let deleted = gmail(&sandbox, &full, "DELETE", &target, &Value::Null);
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    assert!(deleted.bytes.is_empty());
    assert_eq!(
        gmail(&sandbox, &full, "GET", &target, &Value::Null).status,
        404
    );
    assert_eq!(
        gmail(&sandbox, &full, "DELETE", &target, &Value::Null).status,
        404
    );
    // batchDelete passes over ids of no message, and refuses what is no id.
    let body = json!({"ids": [ids[1], NO_SUCH_ID]});
    let batch = gmail(&sandbox, &full, "POST", "/messages/batchDelete", &body);
    assert_eq!(batch.status, 204, "{}", batch.text);
    assert!(sandbox.state_of(Provider::Google, &ids[1]).is_none());
    let body = json!({"ids": ["zz"]});
    assert_eq!(
        gmail(&sandbox, &full, "POST", "/messages/batchDelete", &body).status,
        400
    );

    let records = history(&sandbox, &token, &start);
    let summaries: Vec<_> = records.iter().map(summary).collect();
    assert_eq!(
        summaries,
        [
            (
                vec![("labelsAdded", ids[0].as_str())],
                vec!["TRASH"],
                vec![]
            ),
            (
                vec![("labelsRemoved", ids[0].as_str())],
                vec![],
                vec!["TRASH"]
            ),
            (vec![("messagesDeleted", ids[0].as_str())], vec![], vec![]),
            (vec![("messagesDeleted", ids[1].as_str())], vec![], vec![]),
        ]
    );
}

#[test]
fn gmail_threads_oldest_first_in_each_format() {
    let (sandbox, token) = seeded(Provider::Google, 40, 21);
    let listed = gmail_ok(
        &sandbox,
        &token,
        "GET",
        "/messages?maxResults=500",
        &Value::Null,
    );
    let mut threads: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for message in listed["messages"].as_array().unwrap() {
        let thread = message["threadId"].as_str().unwrap();
        threads
            .entry(thread)
            .or_default()
            .push(message["id"].as_str().unwrap());
    }
    let (thread, members) = threads
        .iter()
        .max_by_key(|(_, members)| members.len())
        .unwrap();
    assert!(members.len() >= 2, "no thread of two in {threads:?}");

    for format in ["full", "metadata", "minimal"] {
        let got = gmail_ok(
            &sandbox,
            &token,
            "GET",
            &format!("/threads/{thread}?format={format}"),
            &Value::Null,
        );
        assert_eq!(keys(&got), ["historyId", "id", "messages"]);
        assert_eq!(got["id"], *thread);
        let messages = got["messages"].as_array().unwrap();
        let dates: Vec<u64> = messages
            .iter()
            .map(|m| m["internalDate"].as_str().unwrap().parse().unwrap())
            .collect();
        assert!(
            dates.windows(2).all(|w| w[0] <= w[1]),
            "oldest first: {dates:?}"
        );
        let ids: BTreeSet<&str> = messages.iter().map(|m| m["id"].as_str().unwrap()).collect();
        assert!(members.iter().all(|m| ids.contains(m)));
        let newest = messages
            .iter()
            .map(|m| m["historyId"].as_str().unwrap().parse::<u64>().unwrap())
            .max()
            .unwrap();
        assert_eq!(got["historyId"], newest.to_string());
        for message in messages {
            let alone = gmail_ok(
                &sandbox,
                &token,
                "GET",
                &format!(
                    "/messages/{}?format={format}",
                    message["id"].as_str().unwrap()
                ),
                &Value::Null,
            );
            assert_eq!(message, &alone);
        }
    }
    let raw = gmail(
        &sandbox,
        &token,
        "GET",
        &format!("/threads/{thread}?format=raw"),
        &Value::Null,
    );
    assert_eq!(raw.status, 400);
    assert_eq!(
        gmail(
            &sandbox,
            &token,
            "GET",
            &format!("/threads/{NO_SUCH_ID}"),
            &Value::Null
        )
        .status,
        404
    );
    assert_eq!(
        gmail(&sandbox, &token, "GET", "/threads/zz", &Value::Null).status,
        400
    );
}

/// `{"message": {"raw", "threadId"}}` of `raw` in `thread`.
fn draft_body(raw: &str, thread: Option<&str>) -> Value {
    let mut message = json!({"raw": URL_SAFE_NO_PAD.encode(raw)});
    if let Some(thread) = thread {
        message["threadId"] = json!(thread);
    }
    json!({"message": message})
}

#[test]
fn gmail_drafts_from_creation_to_sending() {
    let (sandbox, token) = seeded(Provider::Google, 12, 21);
    let inbox = gmail_ok(
        &sandbox,
        &token,
        "GET",
        "/messages?labelIds=INBOX&maxResults=1",
        &Value::Null,
    );
    let parent = &inbox["messages"][0];
    let thread = parent["threadId"].as_str().unwrap();
    let metadata = gmail_ok(
        &sandbox,
        &token,
        "GET",
        &format!(
            "/messages/{}?format=metadata&metadataHeaders=Message-ID&metadataHeaders=Subject",
            parent["id"].as_str().unwrap()
        ),
        &Value::Null,
    );
    let header = |name: &str| {
        metadata["payload"]["headers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["name"].as_str().unwrap().eq_ignore_ascii_case(name))
            .unwrap()["value"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (parent_id, subject) = (header("Message-ID"), header("Subject"));
    let reply = |words: &str| {
        format!(
            "To: Bob <bob@example.org>\r\nSubject: Re: {subject}\r\nIn-Reply-To: {parent_id}\r\n\
             References: {parent_id}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{words}\r\n"
        )
    };
    let start = history_id(&sandbox, &token);

    let created = gmail_ok(
        &sandbox,
        &token,
        "POST",
        "/drafts",
        &draft_body(&reply("First words."), Some(thread)),
    );
    assert_eq!(keys(&created), ["id", "message"]);
    let draft = created["id"].as_str().unwrap().to_owned();
    assert!(
        draft.starts_with('r') && draft[1..].parse::<i64>().is_ok(),
        "{draft}"
    );
    let first = created["message"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["message"]["labelIds"], json!(["DRAFT"]));
    assert_eq!(created["message"]["threadId"], thread);
    let state = sandbox.state_of(Provider::Google, &first).unwrap();
    assert!(state.draft && state.labels == ["DRAFT"]);

    let listed = gmail_ok(&sandbox, &token, "GET", "/drafts", &Value::Null);
    let entry = listed["drafts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == draft.as_str())
        .unwrap();
    assert_eq!(
        entry,
        &json!({"id": draft, "message": {"id": first, "threadId": thread}})
    );
    assert!(listed["resultSizeEstimate"].as_u64().unwrap() >= 1);
    let raw = gmail_ok(
        &sandbox,
        &token,
        "GET",
        &format!("/drafts/{draft}?format=raw"),
        &Value::Null,
    );
    assert_eq!(raw["id"], draft.as_str());
    assert_eq!(raw["message"]["id"], first.as_str());
    let bytes = URL_SAFE
        .decode(raw["message"]["raw"].as_str().unwrap())
        .unwrap();
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.contains("First words.") && text.contains("Message-ID: <"),
        "{text}"
    );
    let full = gmail_ok(
        &sandbox,
        &token,
        "GET",
        &format!("/drafts/{draft}"),
        &Value::Null,
    );
    assert_eq!(full["message"]["labelIds"], json!(["DRAFT"]));
    assert!(full["message"]["payload"]["headers"].is_array());

    // Saving again keeps the draft's id and replaces its message.
    let updated = gmail_ok(
        &sandbox,
        &token,
        "PUT",
        &format!("/drafts/{draft}"),
        &draft_body(&reply("Second words."), Some(thread)),
    );
    assert_eq!(updated["id"], draft.as_str());
    let second = updated["message"]["id"].as_str().unwrap().to_owned();
    assert_ne!(second, first);
    assert_eq!(updated["message"]["threadId"], thread);
    assert_eq!(
        gmail(
            &sandbox,
            &token,
            "GET",
            &format!("/messages/{first}"),
            &Value::Null
        )
        .status,
        404
    );
    assert!(sandbox.state_of(Provider::Google, &first).is_none());
    let snippet = gmail_ok(
        &sandbox,
        &token,
        "GET",
        &format!("/drafts/{draft}"),
        &Value::Null,
    );
    assert_eq!(snippet["message"]["snippet"], "Second words.");

    // A draft needs no recipient; sending one without is refused, and it stays.
    let note = "Subject: Note to self\r\n\r\nNothing yet.\r\n";
    let kept = gmail_ok(&sandbox, &token, "POST", "/drafts", &draft_body(note, None));
    let kept_id = kept["id"].as_str().unwrap().to_owned();
    let kept_message = kept["message"]["id"].as_str().unwrap().to_owned();
    let refused = gmail(
        &sandbox,
        &token,
        "POST",
        "/drafts/send",
        &json!({"id": kept_id}),
    );
    assert_eq!(
        google_refusal(&refused, 400).1,
        "Recipient address required"
    );
    gmail_ok(
        &sandbox,
        &token,
        "GET",
        &format!("/drafts/{kept_id}"),
        &Value::Null,
    );

    let sent = gmail_ok(
        &sandbox,
        &token,
        "POST",
        "/drafts/send",
        &json!({"id": draft}),
    );
    assert_eq!(keys(&sent), ["id", "labelIds", "threadId"]);
    assert_eq!(sent["labelIds"], json!(["SENT"]));
    assert_eq!(sent["threadId"], thread);
    let sent_id = sent["id"].as_str().unwrap().to_owned();
    assert_ne!(sent_id, second);
    assert_eq!(
        gmail(
            &sandbox,
            &token,
            "GET",
            &format!("/drafts/{draft}"),
            &Value::Null
        )
        .status,
        404
    );
    assert_eq!(
        gmail(
            &sandbox,
            &token,
            "GET",
            &format!("/messages/{second}"),
            &Value::Null
        )
        .status,
        404
    );
    let out = sandbox.sent(Provider::Google);
    let out = out.last().unwrap();
    assert_eq!(
        (out.id.as_str(), out.route),
        (sent_id.as_str(), SendRoute::GmailDraft)
    );
    assert_eq!(out.thread_id, thread);
    assert_eq!(
        out.text_body.as_deref().map(str::trim_end),
        Some("Second words.")
    );
    assert_eq!(
        out.in_reply_to.as_deref(),
        Some(parent_id.trim_matches(['<', '>']))
    );

    let deleted = gmail(
        &sandbox,
        &token,
        "DELETE",
        &format!("/drafts/{kept_id}"),
        &Value::Null,
    );
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    assert_eq!(
        gmail(
            &sandbox,
            &token,
            "GET",
            &format!("/drafts/{kept_id}"),
            &Value::Null
        )
        .status,
        404
    );
    assert_eq!(
        gmail(&sandbox, &token, "GET", "/drafts/r123", &Value::Null).status,
        404
    );
    assert_eq!(
        gmail(&sandbox, &token, "GET", "/drafts/nope", &Value::Null).status,
        400
    );
    assert_eq!(
        gmail(&sandbox, &token, "POST", "/drafts", &json!({})).status,
        400
    );

    let records = history(&sandbox, &token, &start);
    let summaries: Vec<Vec<(&str, &str)>> = records.iter().map(|r| summary(r).0).collect();
    let expected: Vec<Vec<(&str, &str)>> = vec![
        vec![("messagesAdded", first.as_str())],
        vec![("messagesDeleted", first.as_str())],
        vec![("messagesAdded", second.as_str())],
        vec![("messagesAdded", kept_message.as_str())],
        vec![("messagesDeleted", second.as_str())],
        vec![("messagesAdded", sent_id.as_str())],
        vec![("messagesDeleted", kept_message.as_str())],
    ];
    assert_eq!(summaries, expected);
}

/// A Graph request for `target` (a path, or a Graph URL).
fn graph(
    sandbox: &Sandbox,
    token: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &Value,
) -> Answer {
    let target = target.strip_prefix(ROOT).unwrap_or(target);
    authorized(sandbox, token, method, GRAPH, target, headers, body)
}

/// A Graph request answered `status`, as JSON.
fn graph_ok(
    sandbox: &Sandbox,
    token: &str,
    method: &str,
    target: &str,
    body: &Value,
    status: u16,
) -> Value {
    let answer = graph(sandbox, token, method, target, &[], body);
    assert_eq!(answer.status, status, "{method} {target}: {}", answer.text);
    answer.json()
}

/// The code of a Graph error answered `status`.
fn graph_refusal(answer: &Answer, status: u16) -> String {
    assert_eq!(answer.status, status, "{}", answer.text);
    answer.json()["error"]["code"].as_str().unwrap().to_owned()
}

/// A delta round from `link`: the messages present (id → entry), the ids removed, and the next
/// delta link.
fn delta(
    sandbox: &Sandbox,
    token: &str,
    link: &str,
) -> (BTreeMap<String, Value>, Vec<String>, String) {
    let (mut present, mut removed) = (BTreeMap::new(), Vec::new());
    let mut next = link.to_owned();
    loop {
        let page = graph_ok(sandbox, token, "GET", &next, &Value::Null, 200);
        for entry in page["value"].as_array().unwrap() {
            let id = entry["id"].as_str().unwrap().to_owned();
            match entry.get("@removed") {
                Some(_) => removed.push(id),
                None => assert!(
                    present.insert(id, entry.clone()).is_none(),
                    "twice in a round"
                ),
            }
        }
        match (
            page["@odata.nextLink"].as_str(),
            page["@odata.deltaLink"].as_str(),
        ) {
            (Some(link), _) => next = link.to_owned(),
            (None, Some(link)) => return (present, removed, link.to_owned()),
            _ => panic!("no link"),
        }
    }
}

/// The total and unread counts of folder `folder`.
fn counts(sandbox: &Sandbox, token: &str, folder: &str) -> (u64, u64) {
    let folder = graph_ok(
        sandbox,
        token,
        "GET",
        &format!("/v1.0/me/mailFolders/{folder}"),
        &Value::Null,
        200,
    );
    (
        folder["totalItemCount"].as_u64().unwrap(),
        folder["unreadItemCount"].as_u64().unwrap(),
    )
}

#[test]
fn graph_flags_moves_and_deletions_in_delta_and_counts() {
    let (sandbox, token) = seeded(Provider::Microsoft, 40, 21);
    let (inbox, _, _) = delta(
        &sandbox,
        &token,
        "/v1.0/me/mailFolders/inbox/messages/delta",
    );
    let ids: Vec<String> = inbox.keys().take(6).cloned().collect();
    let [a, b, c, d, e, f] = &ids[..] else {
        panic!("too few messages in the inbox: {}", inbox.len());
    };
    sandbox.set_starred(Provider::Microsoft, a, false);
    sandbox.set_unread(Provider::Microsoft, a, true);
    sandbox.set_unread(Provider::Microsoft, c, false);
    let links: Vec<String> = ["inbox", "archive", "deleteditems"]
        .iter()
        .map(|folder| {
            delta(
                &sandbox,
                &token,
                &format!("/v1.0/me/mailFolders/{folder}/messages/delta"),
            )
            .2
        })
        .collect();
    let before: Vec<(u64, u64)> = ["inbox", "archive", "deleteditems"]
        .iter()
        .map(|folder| counts(&sandbox, &token, folder))
        .collect();

    let flagged = graph_ok(
        &sandbox,
        &token,
        "PATCH",
        &format!("/v1.0/me/messages/{a}"),
        &json!({"flag": {"flagStatus": "flagged"}, "isRead": true}),
        200,
    );
    assert_eq!(flagged["flag"], json!({"flagStatus": "flagged"}));
    assert_eq!(flagged["isRead"], true);
    let complete = graph_ok(
        &sandbox,
        &token,
        "PATCH",
        &format!("/v1.0/me/messages/{b}"),
        &json!({"flag": {"flagStatus": "complete", "completedDateTime": {"dateTime": "2026-05-04T09:00:00", "timeZone": "UTC"}}}),
        200,
    );
    assert_eq!(complete["flag"], json!({"flagStatus": "complete"}));
    let unread = graph_ok(
        &sandbox,
        &token,
        "PATCH",
        &format!("/v1.0/me/messages/{c}"),
        &json!({"isRead": false}),
        200,
    );
    assert_eq!(unread["isRead"], false);

    let archive_id = sandbox.folder_id("archive");
    let moved = graph_ok(
        &sandbox,
        &token,
        "POST",
        &format!("/v1.0/me/messages/{d}/move"),
        &json!({"destinationId": "archive"}),
        201,
    );
    // The default id changes with the move; the old one names nothing any more.
    let moved_d = moved["id"].as_str().unwrap().to_owned();
    assert_ne!(moved_d, d.as_str());
    assert_eq!(moved["parentFolderId"], archive_id);
    let stale = graph(
        &sandbox,
        &token,
        "GET",
        &format!("/v1.0/me/messages/{d}"),
        &[],
        &Value::Null,
    );
    assert_eq!(graph_refusal(&stale, 404), "ErrorItemNotFound");
    let deleted_items = sandbox.folder_id("deletedItems");
    let immutable = graph(
        &sandbox,
        &token,
        "POST",
        &format!("/v1.0/me/messages/{e}/move"),
        &[("prefer", "IdType=\"ImmutableId\"")],
        &json!({"DestinationId": deleted_items}),
    );
    assert_eq!(immutable.status, 201, "{}", immutable.text);
    let immutable_e = immutable.json()["id"].as_str().unwrap().to_owned();
    assert_ne!(immutable_e, e.as_str(), "an immutable id, asked for");
    assert_eq!(immutable.json()["parentFolderId"], deleted_items);
    assert_eq!(
        sandbox
            .state_of(Provider::Microsoft, &immutable_e)
            .unwrap()
            .labels,
        std::slice::from_ref(&deleted_items)
    );
    let gone = graph(
        &sandbox,
        &token,
        "DELETE",
        &format!("/v1.0/me/messages/{f}"),
        &[],
        &Value::Null,
    );
    assert_eq!(gone.status, 204, "{}", gone.text);
    assert!(gone.bytes.is_empty());

    // What Graph refuses.
    let target = format!("/v1.0/me/messages/{a}");
    let refusals = [
        (
            "GET",
            format!("/v1.0/me/messages/{f}"),
            Value::Null,
            404,
            "ErrorItemNotFound",
        ),
        (
            "DELETE",
            format!("/v1.0/me/messages/{f}"),
            Value::Null,
            404,
            "ErrorItemNotFound",
        ),
        (
            "POST",
            format!("{target}/move"),
            json!({"destinationId": "nowhere"}),
            400,
            "ErrorInvalidIdMalformed",
        ),
        (
            "POST",
            format!("/v1.0/me/messages/{NO_SUCH_GRAPH_ID}/move"),
            json!({"destinationId": "archive"}),
            404,
            "ErrorItemNotFound",
        ),
        (
            "POST",
            format!("{target}/move"),
            json!({}),
            400,
            "RequestBodyRead",
        ),
        (
            "PATCH",
            target.clone(),
            json!({"flag": {"flagStatus": "urgent"}}),
            400,
            "RequestBodyRead",
        ),
    ];
    for (method, target, body, status, code) in refusals {
        let answer = graph(&sandbox, &token, method, &target, &[], &body);
        assert_eq!(graph_refusal(&answer, status), code, "{method} {target}");
    }

    // Each change once: updated messages in the inbox, the others removed from it and, when
    // moved, present where they went.
    let (present, removed, _) = delta(&sandbox, &token, &links[0]);
    assert_eq!(present.keys().collect::<Vec<_>>(), {
        let mut changed = vec![a, b, c];
        changed.sort();
        changed
    });
    assert_eq!(present[a]["flag"], json!({"flagStatus": "flagged"}));
    assert_eq!(present[b]["flag"], json!({"flagStatus": "complete"}));
    assert_eq!(present[c]["isRead"], false);
    assert_eq!(
        removed.iter().collect::<BTreeSet<_>>(),
        BTreeSet::from([d, e, f])
    );
    assert_eq!(removed.len(), 3);
    let (archived, removed, _) = delta(&sandbox, &token, &links[1]);
    assert_eq!(archived.keys().collect::<Vec<_>>(), [&moved_d]);
    assert!(removed.is_empty());
    let (binned, removed, _) = delta(&sandbox, &token, &links[2]);
    assert_eq!(binned.len(), 1, "DELETE does not go to Deleted Items");
    assert_eq!(
        sandbox.default_id(&immutable_e).as_deref(),
        binned.keys().next().map(String::as_str)
    );
    assert!(removed.is_empty());

    // Folder counts follow.
    let after: Vec<(u64, u64)> = ["inbox", "archive", "deleteditems"]
        .iter()
        .map(|folder| counts(&sandbox, &token, folder))
        .collect();
    assert_eq!(after[0].0, before[0].0 - 3);
    assert_eq!(after[1].0, before[1].0 + 1);
    assert_eq!(after[2].0, before[2].0 + 1);
    let listed = graph_ok(
        &sandbox,
        &token,
        "GET",
        "/v1.0/me/mailFolders/inbox/messages?$select=isRead&$top=1000",
        &Value::Null,
        200,
    );
    let listed = listed["value"].as_array().unwrap();
    assert_eq!(listed.len() as u64, after[0].0);
    let unread = listed.iter().filter(|m| m["isRead"] == false).count() as u64;
    assert_eq!(after[0].1, unread);

    let state = sandbox.state_of(Provider::Microsoft, a).unwrap();
    assert_eq!(state.labels, [sandbox.folder_id("inbox")]);
    assert!(state.starred && !state.unread && !state.draft);
    assert_eq!(
        sandbox
            .state_of(Provider::Microsoft, &moved_d)
            .unwrap()
            .labels,
        [archive_id]
    );
    assert!(
        sandbox.state_of(Provider::Microsoft, d).is_none(),
        "a stale id"
    );
    assert!(sandbox.state_of(Provider::Microsoft, f).is_none());
}

/// A `$batch` of `requests` with bearer `token`.
fn batch(sandbox: &Sandbox, token: &str, requests: &Value) -> Answer {
    graph(
        sandbox,
        token,
        "POST",
        "/v1.0/$batch",
        &[],
        &json!({"requests": requests}),
    )
}

#[test]
fn graph_json_batches() {
    let (sandbox, token) = seeded(Provider::Microsoft, 10, 21);
    let ids = sandbox.message_ids(Provider::Microsoft);
    sandbox.set_starred(Provider::Microsoft, &ids[1], false);
    let conversation = graph_ok(
        &sandbox,
        &token,
        "GET",
        &format!("/v1.0/me/messages/{}?$select=conversationId", ids[0]),
        &Value::Null,
        200,
    )["conversationId"]
        .as_str()
        .unwrap()
        .to_owned();
    let logged = sandbox.received().len();
    let requests = json!([
        {"id": "1", "method": "GET", "url": format!("/me/messages/{}?$select=subject", ids[0])},
        {"id": "2", "method": "PATCH", "url": format!("/me/messages/{}", ids[1]),
         "headers": {"Content-Type": "application/json"}, "body": {"flag": {"flagStatus": "flagged"}}},
        {"id": "3", "method": "GET", "url": format!("/me/messages/{NO_SUCH_GRAPH_ID}")},
        {"id": "4", "method": "DELETE", "url": format!("me/messages/{}", ids[2])},
        {"id": "5", "method": "GET", "url": format!("/me/messages?$filter=conversationId eq '{conversation}'&$select=id"),
         "headers": {"Prefer": "IdType=\"ImmutableId\""}},
    ]);
    let answer = batch(&sandbox, &token, &requests);
    assert_eq!(answer.status, 200, "{}", answer.text);
    let responses = answer.json()["responses"].as_array().unwrap().clone();
    let statuses: Vec<(&str, u64)> = responses
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r["status"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        [("1", 200), ("2", 200), ("3", 404), ("4", 204), ("5", 200)]
    );
    assert!(
        responses[0]["headers"]["Content-Type"]
            .as_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(
        keys(&responses[0]["body"]),
        ["@odata.context", "@odata.etag", "id", "subject"]
    );
    assert_eq!(
        responses[1]["body"]["flag"],
        json!({"flagStatus": "flagged"})
    );
    assert_eq!(responses[2]["body"]["error"]["code"], "ErrorItemNotFound");
    assert!(responses[3].get("body").is_none());
    // Each request's own `Prefer` decides its ids: default ids for the first, immutable ones
    // for the one that asks.
    assert_eq!(
        responses[0]["body"]["id"],
        sandbox.default_id(&ids[0]).unwrap().as_str()
    );
    let members = responses[4]["body"]["value"].as_array().unwrap();
    assert!(members.iter().any(|m| m["id"] == ids[0].as_str()));
    assert!(
        sandbox
            .state_of(Provider::Microsoft, &ids[1])
            .unwrap()
            .starred
    );
    assert!(sandbox.state_of(Provider::Microsoft, &ids[2]).is_none());

    // The batch, then each request it carried, in the log.
    let received = sandbox.received();
    let received = &received[logged..];
    assert_eq!(received.len(), 6);
    assert_eq!(
        (received[0].path.as_str(), received[0].batched),
        ("/v1.0/$batch", false)
    );
    assert!(
        received[1..]
            .iter()
            .all(|r| r.batched && r.has_bearer && r.host == GRAPH)
    );
    assert_eq!(received[1].path, format!("/v1.0/me/messages/{}", ids[0]));
    assert_eq!(
        (received[4].method.as_str(), received[4].path.as_str()),
        ("DELETE", format!("/v1.0/me/messages/{}", ids[2]).as_str())
    );

    // A fault meant for one request answers that request only.
    sandbox.fail_next(Fault::status(Provider::Microsoft, &ids[0], 429).retry_after(3));
    let requests = json!([
        {"id": "a", "method": "GET", "url": format!("/me/messages/{}", ids[0])},
        {"id": "b", "method": "GET", "url": format!("/me/messages/{}", ids[1])},
    ]);
    let throttled = batch(&sandbox, &token, &requests);
    assert_eq!(throttled.status, 200, "{}", throttled.text);
    let responses = throttled.json()["responses"].clone();
    assert_eq!(responses[0]["status"], 429);
    assert_eq!(responses[0]["headers"]["Retry-After"], "3");
    assert_eq!(responses[1]["status"], 200);

    // Refusals of the whole batch: nothing in it runs.
    let logged = sandbox.received().len();
    let many: Vec<Value> = (0..21)
        .map(|n| json!({"id": n.to_string(), "method": "GET", "url": format!("/me/messages/{}", ids[0])}))
        .collect();
    let too_many = batch(&sandbox, &token, &json!(many));
    assert_eq!(graph_refusal(&too_many, 400), "BadRequest");
    assert_eq!(
        too_many.json()["error"]["message"],
        "Number of requests inside batch exceeds the limit."
    );
    let bare_write = json!([{"id": "w", "method": "PATCH", "url": format!("/me/messages/{}", ids[0]), "body": {"isRead": true}}]);
    let refused = batch(&sandbox, &token, &bare_write);
    assert_eq!(graph_refusal(&refused, 400), "BadRequest");
    assert_eq!(
        refused.json()["error"]["message"],
        "Write request id : w does not contain Content-Type header or body."
    );
    let twice = json!([
        {"id": "1", "method": "GET", "url": "/me/mailFolders"},
        {"id": "1", "method": "GET", "url": "/me/mailFolders"},
    ]);
    assert_eq!(
        graph_refusal(&batch(&sandbox, &token, &twice), 400),
        "BadRequest"
    );
    assert_eq!(
        sandbox.received().len(),
        logged + 3,
        "only the batches themselves"
    );
    let anonymous = call(
        &sandbox,
        "POST",
        GRAPH,
        "/v1.0/$batch",
        &[("content-type", "application/json")],
        r#"{"requests":[]}"#,
    );
    assert_eq!(anonymous.status, 401);
}

#[test]
fn graph_conversations_headers_and_raw_attachments() {
    let (sandbox, token) = seeded(Provider::Microsoft, 60, 21);
    let all = graph_ok(
        &sandbox,
        &token,
        "GET",
        "/v1.0/me/messages?$select=conversationId&$top=1000",
        &Value::Null,
        200,
    );
    let mut conversations: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for message in all["value"].as_array().unwrap() {
        conversations
            .entry(message["conversationId"].as_str().unwrap())
            .or_default()
            .insert(message["id"].as_str().unwrap());
    }
    let (conversation, members) = conversations.iter().max_by_key(|(_, m)| m.len()).unwrap();
    assert!(members.len() >= 2);

    // The filter, one message a page.
    let filter = format!("conversationId eq '{conversation}'");
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("$filter", &filter)
        .append_pair("$select", "subject,conversationId")
        .append_pair("$top", "1")
        .finish();
    let mut next = Some(format!("/v1.0/me/messages?{query}"));
    let mut found = BTreeSet::new();
    while let Some(link) = next {
        let page = graph_ok(&sandbox, &token, "GET", &link, &Value::Null, 200);
        let value = page["value"].as_array().unwrap();
        assert_eq!(value.len(), 1);
        assert_eq!(
            keys(&value[0]),
            ["@odata.etag", "conversationId", "id", "subject"]
        );
        assert_eq!(value[0]["conversationId"], *conversation);
        found.insert(value[0]["id"].as_str().unwrap().to_owned());
        next = page["@odata.nextLink"].as_str().map(str::to_owned);
    }
    assert_eq!(
        found.iter().map(String::as_str).collect::<BTreeSet<_>>(),
        *members
    );
    let ordered = graph(
        &sandbox,
        &token,
        "GET",
        &format!("/v1.0/me/messages?{query}&$orderby=receivedDateTime%20desc"),
        &[],
        &Value::Null,
    );
    assert_eq!(graph_refusal(&ordered, 400), "InefficientFilter");
    let other = graph(
        &sandbox,
        &token,
        "GET",
        "/v1.0/me/messages?$filter=isRead%20eq%20false",
        &[],
        &Value::Null,
    );
    assert_eq!(graph_refusal(&other, 400), "ErrorInvalidUrlQueryFilter");

    // Replies show the headers that tie them to the conversation.
    let names: BTreeSet<String> = members
        .iter()
        .flat_map(|id| {
            let message = graph_ok(
                &sandbox,
                &token,
                "GET",
                &format!("/v1.0/me/messages/{id}?$select=internetMessageHeaders"),
                &Value::Null,
                200,
            );
            assert_eq!(
                keys(&message),
                [
                    "@odata.context",
                    "@odata.etag",
                    "id",
                    "internetMessageHeaders"
                ]
            );
            message["internetMessageHeaders"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| {
                    assert_eq!(keys(h), ["name", "value"]);
                    h["name"].as_str().unwrap().to_ascii_lowercase()
                })
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        names.contains("in-reply-to") && names.contains("references"),
        "{names:?}"
    );

    // A file's metadata without its bytes, then its bytes raw.
    let (message, attachment) = sandbox
        .message_ids(Provider::Microsoft)
        .into_iter()
        .find_map(|id| {
            let list = graph_ok(
                &sandbox,
                &token,
                "GET",
                &format!("/v1.0/me/messages/{id}/attachments"),
                &Value::Null,
                200,
            );
            let files = list["value"].as_array().unwrap();
            assert!(
                files
                    .iter()
                    .all(|f| f.get("contentId").is_some() && f.get("contentBytes").is_none())
            );
            files
                .iter()
                .find(|f| f["isInline"] == false)
                .cloned()
                .map(|f| (id, f))
        })
        .expect("a message with an attached file");
    let base = format!(
        "/v1.0/me/messages/{message}/attachments/{}",
        attachment["id"].as_str().unwrap()
    );
    let logged = sandbox.received().len();
    let described = graph_ok(
        &sandbox,
        &token,
        "GET",
        &format!("{base}?$select=id,name,contentType,size,isInline"),
        &Value::Null,
        200,
    );
    assert!(described.get("contentBytes").is_none());
    assert_eq!(described["size"], attachment["size"]);
    assert!(
        sandbox.received()[logged..]
            .iter()
            .all(|r| !r.path.ends_with("/$value"))
    );
    let raw = graph(
        &sandbox,
        &token,
        "GET",
        &format!("{base}/$value"),
        &[],
        &Value::Null,
    );
    assert_eq!(raw.status, 200);
    assert_eq!(
        raw.header("content-type"),
        attachment["contentType"].as_str().unwrap()
    );
    let whole = graph_ok(&sandbox, &token, "GET", &base, &Value::Null, 200);
    assert_eq!(
        raw.bytes,
        STANDARD
            .decode(whole["contentBytes"].as_str().unwrap())
            .unwrap()
    );
    // `size` is the attachment item's, larger than the file.
    assert!((raw.bytes.len() as u64) < attachment["size"].as_u64().unwrap());
    let missing = graph(
        &sandbox,
        &token,
        "GET",
        &format!("/v1.0/me/messages/{message}/attachments/AAkSAA==/$value"),
        &[],
        &Value::Null,
    );
    assert_eq!(graph_refusal(&missing, 404), "ErrorItemNotFound");
}
