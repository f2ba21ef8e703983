//! Sending over loopback: Gmail `messages.send` (JSON and uploads), threading, `From` and
//! send-as aliases; Graph drafts, replies and forwards, attachments and upload sessions, and
//! `send`, each read back as the sandbox sent it.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use super::support::*;
use crate::{Provider, Sandbox, SendRoute, SentAddress};

const GMAIL: &str = "gmail.googleapis.com";
const GRAPH: &str = "graph.microsoft.com";
const OUTLOOK: &str = "outlook.office.com";
/// The Microsoft user of the default configuration.
const OWNER: &str = "AdeleV@contoso.onmicrosoft.com";

/// `len` bytes that are not all alike, so a mangled byte shows.
fn noise(len: usize) -> Vec<u8> {
    let mut state: u32 = 0x1234_5678;
    (0..len)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 24) as u8
        })
        .collect()
}

/// An RFC 5322 message: `headers` (CRLF-separated lines), then `multipart/mixed` of a text and
/// HTML alternative and, when given, a PDF attachment.
fn message(headers: &str, attachment: Option<&[u8]>) -> String {
    let mut raw = format!(
        "{headers}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n\
         --outer\r\nContent-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n\
         --inner\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
         Gr=C3=BC=C3=9Fe, see the figures.\r\n\
         --inner\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Gr&uuml;&szlig;e, see the figures.</p>\r\n\
         --inner--\r\n"
    );
    if let Some(bytes) = attachment {
        raw.push_str(
            "--outer\r\nContent-Type: application/pdf; name=\"report.pdf\"\r\n\
             Content-Disposition: attachment; filename=\"report.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n",
        );
        let encoded = STANDARD.encode(bytes);
        for line in encoded.as_bytes().chunks(76) {
            raw.push_str(std::str::from_utf8(line).unwrap());
            raw.push_str("\r\n");
        }
    }
    raw.push_str("--outer--\r\n");
    raw
}

/// The headers of a message from Ann to Bob, copying Carol, about `subject`.
fn ann_to_bob(subject: &str, message_id: &str) -> String {
    format!(
        "From: Ann Example <ann@example.com>\r\nTo: Bob <bob@example.org>\r\nCc: carol@example.org\r\n\
         Subject: {subject}\r\nDate: Mon, 4 May 2026 09:23:14 +0000\r\nMessage-ID: <{message_id}>"
    )
}

/// A POST of `body` to `target` on `host` with bearer `token`.
fn post(
    sandbox: &Sandbox,
    host: &str,
    target: &str,
    token: &str,
    body: &[u8],
    kind: &str,
) -> Answer {
    let bearer = format!("Bearer {token}");
    let headers = [("authorization", bearer.as_str()), ("content-type", kind)];
    call(sandbox, "POST", host, target, &headers, body)
}

/// `messages.send` with the JSON `body`.
fn send_json(sandbox: &Sandbox, token: &str, body: &Value) -> Answer {
    let body = serde_json::to_vec(body).unwrap();
    let target = "/gmail/v1/users/me/messages/send";
    post(sandbox, GMAIL, target, token, &body, "application/json")
}

/// `GET /gmail/v1/users/me{target}`, answered 200, as JSON.
fn gmail(sandbox: &Sandbox, token: &str, target: &str) -> Value {
    let answer = get(
        sandbox,
        GMAIL,
        &format!("/gmail/v1/users/me{target}"),
        Some(token),
    );
    assert_eq!(answer.status, 200, "{target}: {}", answer.text);
    answer.json()
}

#[test]
fn gmail_json_send_round_trip() {
    let (sandbox, token) = seeded(Provider::Google, 10, 11);
    let before = gmail(&sandbox, &token, "/profile")["historyId"]
        .as_str()
        .unwrap()
        .to_owned();
    let file = noise(20_000);
    let subject = format!("=?utf-8?B?{}?=", STANDARD.encode("Grüße zum Quartal"));
    let raw = message(&ann_to_bob(&subject, "q1@example.com"), Some(&file));
    let answer = send_json(
        &sandbox,
        &token,
        &json!({"raw": URL_SAFE_NO_PAD.encode(&raw)}),
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    let sent = answer.json();
    assert_eq!(keys(&sent), ["id", "labelIds", "threadId"]);
    assert_eq!(sent["labelIds"], json!(["SENT"]));
    assert_eq!(sent["id"], sent["threadId"], "a new thread of its own");
    let id = sent["id"].as_str().unwrap();

    let all = sandbox.sent(Provider::Google);
    assert_eq!(all.len(), 1);
    let out = &all[0];
    assert_eq!((out.id.as_str(), out.route), (id, SendRoute::GmailJson));
    assert_eq!(out.raw, raw.as_bytes(), "kept as received");
    assert_eq!(
        out.from,
        Some(SentAddress {
            name: Some("Ann Example".into()),
            address: "ann@example.com".into()
        })
    );
    assert_eq!(out.to[0].address, "bob@example.org");
    assert_eq!(out.cc[0].address, "carol@example.org");
    assert_eq!(out.subject.as_deref(), Some("Grüße zum Quartal"));
    assert_eq!(out.message_id.as_deref(), Some("q1@example.com"));
    assert_eq!(out.text_body.as_deref(), Some("Grüße, see the figures."));
    assert!(
        out.html_body
            .as_deref()
            .unwrap()
            .contains("Gr&uuml;&szlig;e")
    );
    assert_eq!(
        out.structure,
        [
            "multipart/mixed",
            "multipart/alternative",
            "text/plain",
            "text/html",
            "application/pdf"
        ]
    );
    assert_eq!(out.attachments.len(), 1);
    assert_eq!(out.attachments[0].filename.as_deref(), Some("report.pdf"));
    assert_eq!(out.attachments[0].content, file);
    assert!(!out.attachments[0].inline && out.attachments[0].chunks.is_empty());

    // The mailbox serves it like any other message, and history reports it.
    let stored = gmail(&sandbox, &token, &format!("/messages/{id}?format=raw"));
    assert_eq!(stored["labelIds"], json!(["SENT"]));
    let bytes = URL_SAFE.decode(stored["raw"].as_str().unwrap()).unwrap();
    assert_eq!(bytes, raw.as_bytes());
    let listed = gmail(&sandbox, &token, "/messages?labelIds=SENT&maxResults=1");
    assert_eq!(listed["messages"][0]["id"], id);
    let history = gmail(
        &sandbox,
        &token,
        &format!("/history?startHistoryId={before}"),
    );
    let added = &history["history"][0]["messagesAdded"][0]["message"];
    assert_eq!(added["id"], id);
    assert_eq!(added["labelIds"], json!(["SENT"]));

    // Padded base64url is taken too.
    let padded = send_json(&sandbox, &token, &json!({"raw": URL_SAFE.encode(&raw)}));
    assert_eq!(padded.status, 200, "{}", padded.text);
    assert_eq!(sandbox.sent(Provider::Google).len(), 2);
}

#[test]
fn gmail_uploads_take_large_messages_json_does_not() {
    let (sandbox, token) = seeded(Provider::Google, 3, 11);
    let file = noise(7_500_000);
    let raw = message(&ann_to_bob("Big file", "big@example.com"), Some(&file));
    assert!(raw.len() > 10_000_000);

    let visible = sandbox.message_ids(Provider::Google);
    let too_big = send_json(
        &sandbox,
        &token,
        &json!({"raw": URL_SAFE_NO_PAD.encode(&raw)}),
    );
    assert_eq!(too_big.status, 413, "{}", too_big.text);
    assert_eq!(
        too_big.json()["error"]["errors"][0]["reason"],
        "uploadTooLarge"
    );
    assert!(sandbox.sent(Provider::Google).is_empty());
    assert_eq!(
        sandbox.message_ids(Provider::Google),
        visible,
        "nothing stored"
    );

    let upload = "/upload/gmail/v1/users/me/messages/send";
    let media = post(
        &sandbox,
        GMAIL,
        &format!("{upload}?uploadType=media"),
        &token,
        raw.as_bytes(),
        "message/rfc822",
    );
    assert_eq!(media.status, 200, "{}", media.text);
    assert_eq!(media.json()["labelIds"], json!(["SENT"]));

    let mut related = b"--part\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{}\r\n\
                        --part\r\nContent-Type: message/rfc822\r\n\r\n"
        .to_vec();
    related.extend_from_slice(raw.as_bytes());
    related.extend_from_slice(b"\r\n--part--\r\n");
    let multipart = post(
        &sandbox,
        GMAIL,
        &format!("{upload}?uploadType=multipart"),
        &token,
        &related,
        "multipart/related; boundary=part",
    );
    assert_eq!(multipart.status, 200, "{}", multipart.text);

    let sent = sandbox.sent(Provider::Google);
    let routes: Vec<SendRoute> = sent.iter().map(|m| m.route).collect();
    assert_eq!(
        routes,
        [SendRoute::GmailMediaUpload, SendRoute::GmailMultipartUpload]
    );
    for out in &sent {
        assert_eq!(out.raw, raw.as_bytes());
        assert_eq!(out.attachments[0].content, file);
    }

    // The upload URL needs a known uploadType and a message.
    let missing = post(
        &sandbox,
        GMAIL,
        upload,
        &token,
        raw.as_bytes(),
        "message/rfc822",
    );
    assert_eq!(missing.status, 400);
    assert_eq!(
        missing.json()["error"]["errors"][0]["reason"],
        "wrongUrlForUpload"
    );
    let text = post(
        &sandbox,
        GMAIL,
        &format!("{upload}?uploadType=media"),
        &token,
        b"hello",
        "text/plain",
    );
    assert_eq!(text.status, 400);
    assert_eq!(sandbox.sent(Provider::Google).len(), 2);
}

#[test]
fn gmail_threads_replies_only_when_headers_and_subject_match() {
    let (sandbox, token) = seeded(Provider::Google, 12, 11);
    let inbox = gmail(&sandbox, &token, "/messages?labelIds=INBOX&maxResults=1");
    let parent = &inbox["messages"][0];
    let thread = parent["threadId"].as_str().unwrap();
    let metadata = gmail(
        &sandbox,
        &token,
        &format!(
            "/messages/{}?format=metadata&metadataHeaders=Message-ID&metadataHeaders=Subject",
            parent["id"].as_str().unwrap()
        ),
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
    let reply = |subject: &str, in_reply_to: Option<&str>| {
        let mut headers = format!(
            "From: ann@example.com\r\nTo: someone@example.org\r\nSubject: {subject}\r\nMessage-ID: <r{}@example.com>",
            subject.len()
        );
        if let Some(parent) = in_reply_to {
            headers.push_str(&format!(
                "\r\nIn-Reply-To: {parent}\r\nReferences: {parent}"
            ));
        }
        let raw = message(&headers, None);
        let body = json!({"raw": URL_SAFE_NO_PAD.encode(raw), "threadId": thread});
        let answer = send_json(&sandbox, &token, &body);
        assert_eq!(answer.status, 200, "{}", answer.text);
        answer.json()
    };
    let joined = reply(&format!("Re: RE:  {subject}"), Some(&parent_id));
    assert_eq!(joined["threadId"], thread);
    let listed = gmail(
        &sandbox,
        &token,
        &format!(
            "/messages/{}?format=minimal",
            joined["id"].as_str().unwrap()
        ),
    );
    assert_eq!(listed["threadId"], thread);

    let unlinked = reply(&format!("Re: {subject}"), None);
    assert_eq!(unlinked["threadId"], unlinked["id"]);
    let renamed = reply("Something else entirely", Some(&parent_id));
    assert_eq!(renamed["threadId"], renamed["id"]);
    let sent = sandbox.sent(Provider::Google);
    assert_eq!(sent[0].thread_id, thread);
    assert_eq!(
        sent[0].in_reply_to.as_deref(),
        Some(parent_id.trim_matches(['<', '>']))
    );
}

#[test]
fn gmail_from_is_the_account_unless_an_alias() {
    let (sandbox, token) = seeded(Provider::Google, 2, 11);
    let from = |address: &str| {
        let headers = format!(
            "From: Someone <{address}>\r\nTo: bob@example.org\r\nSubject: Hello\r\nMessage-ID: <{address}>"
        );
        let raw = message(&headers, None);
        let answer = send_json(
            &sandbox,
            &token,
            &json!({"raw": URL_SAFE_NO_PAD.encode(raw)}),
        );
        assert_eq!(answer.status, 200, "{}", answer.text);
        sandbox.sent(Provider::Google).pop().unwrap()
    };
    let rewritten = from("mallory@evil.example");
    assert_eq!(
        rewritten.from,
        Some(SentAddress {
            name: Some("Ann Example".into()),
            address: "ann@example.com".into()
        })
    );
    let stored = gmail(
        &sandbox,
        &token,
        &format!(
            "/messages/{}?format=metadata&metadataHeaders=From",
            rewritten.id
        ),
    );
    assert_eq!(
        stored["payload"]["headers"][0]["value"],
        "Ann Example <ann@example.com>"
    );

    sandbox.add_send_as("ann.sales@example.com", Some("Ann (Sales)"));
    let kept = from("Ann.Sales@example.com");
    assert_eq!(kept.from.unwrap().address, "Ann.Sales@example.com");

    let list = gmail(&sandbox, &token, "/settings/sendAs");
    assert_eq!(
        list,
        json!({"sendAs": [
            {"sendAsEmail": "ann@example.com", "displayName": "Ann Example", "isPrimary": true, "isDefault": true},
            {"sendAsEmail": "ann.sales@example.com", "displayName": "Ann (Sales)", "isPrimary": false,
             "isDefault": false, "treatAsAlias": true, "verificationStatus": "accepted"}
        ]})
    );
}

#[test]
fn gmail_refuses_messages_it_cannot_send() {
    let (sandbox, token) = seeded(Provider::Google, 2, 11);
    let refused = |headers: &str, reason: &str, text: &str| {
        let raw = message(headers, None);
        let answer = send_json(
            &sandbox,
            &token,
            &json!({"raw": URL_SAFE_NO_PAD.encode(raw)}),
        );
        assert_eq!(answer.status, 400, "{}", answer.text);
        let error = &answer.json()["error"];
        assert_eq!(error["message"], text);
        assert_eq!(error["errors"][0]["reason"], reason);
    };
    refused(
        "From: ann@example.com\r\nSubject: nobody",
        "invalidArgument",
        "Recipient address required",
    );
    refused(
        "To: human@f\r\nSubject: bad",
        "invalidArgument",
        "Invalid To header",
    );
    let no_raw = send_json(&sandbox, &token, &json!({"threadId": "abc"}));
    assert_eq!(no_raw.status, 400);
    let unknown = send_json(&sandbox, &token, &json!({"rawMessage": "abc"}));
    assert_eq!(unknown.status, 400);
    assert!(sandbox.sent(Provider::Google).is_empty());
    let read_only = access_token(
        &sandbox,
        Provider::Google,
        Some("openid https://www.googleapis.com/auth/gmail.readonly"),
    );
    let raw = message("To: bob@example.org\r\nSubject: hi", None);
    let forbidden = send_json(
        &sandbox,
        &read_only,
        &json!({"raw": URL_SAFE_NO_PAD.encode(raw)}),
    );
    assert_eq!(forbidden.status, 403);
}

/// A Graph request with a JSON body (`Value::Null` for none), asking for immutable ids.
fn graph(sandbox: &Sandbox, token: &str, method: &str, target: &str, body: &Value) -> Answer {
    let prefer = [("prefer", "IdType=\"ImmutableId\"")];
    authorized(sandbox, token, method, GRAPH, target, &prefer, body)
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
    let answer = graph(sandbox, token, method, target, body);
    assert_eq!(answer.status, status, "{method} {target}: {}", answer.text);
    answer.json()
}

/// `[{"emailAddress": {"address"}}]` of `addresses`.
fn recipients(addresses: &[&str]) -> Value {
    addresses
        .iter()
        .map(|a| json!({"emailAddress": {"name": a, "address": a}}))
        .collect()
}

/// The addresses of a recipient list.
fn addresses(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["emailAddress"]["address"]
                .as_str()
                .unwrap()
                .to_lowercase()
        })
        .collect()
}

/// The ids a delta round of `folder` reports, split into present and removed.
fn delta_ids(sandbox: &Sandbox, token: &str, link: &str) -> (Vec<String>, Vec<String>, String) {
    let (mut present, mut removed) = (Vec::new(), Vec::new());
    let mut next = link.to_owned();
    loop {
        let target = next.trim_start_matches("https://graph.microsoft.com");
        let page = graph_ok(sandbox, token, "GET", target, &Value::Null, 200);
        for entry in page["value"].as_array().unwrap() {
            let id = entry["id"].as_str().unwrap().to_owned();
            match entry.get("@removed") {
                Some(_) => removed.push(id),
                None => present.push(id),
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

#[test]
fn graph_reply_all_patch_send() {
    let (sandbox, token) = seeded(Provider::Microsoft, 10, 11);
    let (_, _, drafts_link) = delta_ids(
        &sandbox,
        &token,
        "/v1.0/me/mailFolders/drafts/messages/delta",
    );
    let (_, _, sent_link) = delta_ids(
        &sandbox,
        &token,
        "/v1.0/me/mailFolders/sentitems/messages/delta",
    );

    // A message from the owner to herself and others, sent, to reply to.
    let original = graph_ok(
        &sandbox,
        &token,
        "POST",
        "/v1.0/me/messages",
        &json!({
            "subject": "Quarterly numbers",
            "body": {"contentType": "HTML", "content": "<html><body><p>The numbers are in.</p></body></html>"},
            "toRecipients": recipients(&["adelev@CONTOSO.onmicrosoft.com", "carol@example.org"]),
            "ccRecipients": recipients(&["Carol@Example.org", "dave@example.org"]),
            "replyTo": recipients(&["team@example.org"]),
        }),
        201,
    );
    assert_eq!(original["isDraft"], true);
    assert!(original.get("from").is_none() && original.get("sender").is_none());
    let drafts = graph_ok(
        &sandbox,
        &token,
        "GET",
        "/v1.0/me/mailFolders/drafts",
        &Value::Null,
        200,
    );
    assert_eq!(original["parentFolderId"], drafts["id"]);
    let original_id = original["id"].as_str().unwrap();
    let sent = graph(
        &sandbox,
        &token,
        "POST",
        &format!("/v1.0/me/messages/{original_id}/send"),
        &Value::Null,
    );
    assert_eq!(sent.status, 202, "{}", sent.text);
    assert!(sent.text.is_empty());
    let first = sandbox.sent(Provider::Microsoft).pop().unwrap();
    assert_eq!(first.from.as_ref().unwrap().address, OWNER);
    assert_eq!(
        first.from.as_ref().unwrap().name.as_deref(),
        Some("Adele Vance")
    );

    let reply = graph_ok(
        &sandbox,
        &token,
        "POST",
        &format!("/v1.0/me/messages/{original_id}/createReplyAll"),
        &json!({"comment": "Looks good to me."}),
        201,
    );
    let mut shape = vec![
        "@odata.context",
        "@odata.etag",
        "id",
        "createdDateTime",
        "lastModifiedDateTime",
        "changeKey",
        "categories",
        "receivedDateTime",
        "sentDateTime",
        "hasAttachments",
        "internetMessageId",
        "subject",
        "bodyPreview",
        "importance",
        "parentFolderId",
        "conversationId",
        "conversationIndex",
        "isDeliveryReceiptRequested",
        "isReadReceiptRequested",
        "isRead",
        "isDraft",
        "webLink",
        "inferenceClassification",
        "body",
        "sender",
        "from",
        "toRecipients",
        "ccRecipients",
        "bccRecipients",
        "replyTo",
        "flag",
    ];
    shape.sort_unstable();
    assert_eq!(keys(&reply), shape);
    assert!(
        reply["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/messages/$entity")
    );
    assert_eq!(reply["subject"], "RE: Quarterly numbers");
    assert_eq!(reply["isDraft"], true);
    assert_eq!(reply["conversationId"], original["conversationId"]);
    assert_eq!(reply["from"]["emailAddress"]["address"], OWNER);
    assert_eq!(
        addresses(&reply["toRecipients"]),
        ["team@example.org", "carol@example.org"]
    );
    assert_eq!(addresses(&reply["ccRecipients"]), ["dave@example.org"]);
    let body = reply["body"]["content"].as_str().unwrap();
    assert_eq!(reply["body"]["contentType"], "html");
    let (lead, quoted) = body.split_once("<hr").unwrap();
    assert!(lead.contains("Looks good to me."), "{body}");
    assert!(
        quoted.contains("<div id=\"divRplyFwdMsg\" dir=\"ltr\">"),
        "{body}"
    );
    assert!(
        quoted.contains("<b>Subject:</b> Quarterly numbers"),
        "{body}"
    );
    assert!(quoted.contains("<p>The numbers are in.</p>"), "{body}");

    let reply_id = reply["id"].as_str().unwrap();
    let patched = graph_ok(
        &sandbox,
        &token,
        "PATCH",
        &format!("/v1.0/me/messages/{reply_id}"),
        &json!({"subject": "RE: Quarterly numbers (final)", "bccRecipients": recipients(&["audit@example.org"])}),
        200,
    );
    assert_eq!(patched["subject"], "RE: Quarterly numbers (final)");
    assert_eq!(addresses(&patched["bccRecipients"]), ["audit@example.org"]);
    assert_eq!(patched["body"], reply["body"]);

    let (present, _, _) = delta_ids(&sandbox, &token, &drafts_link);
    assert!(
        present.contains(&reply_id.to_owned()),
        "the draft shows in the drafts delta"
    );
    let sent = graph(
        &sandbox,
        &token,
        "POST",
        &format!("/v1.0/me/messages/{reply_id}/send"),
        &Value::Null,
    );
    assert_eq!(sent.status, 202, "{}", sent.text);

    let out = sandbox.sent(Provider::Microsoft).pop().unwrap();
    assert_eq!(
        (out.id.as_str(), out.route),
        (reply_id, SendRoute::GraphDraft)
    );
    assert_eq!(out.thread_id, original["conversationId"].as_str().unwrap());
    assert_eq!(out.in_reply_to, first.message_id);
    assert_eq!(out.references.last(), first.message_id.as_ref());
    assert_eq!(
        out.subject.as_deref(),
        Some("RE: Quarterly numbers (final)")
    );
    assert_eq!(out.bcc[0].address, "audit@example.org");
    assert_eq!(out.from.as_ref().unwrap().address, OWNER);
    assert!(
        out.text_body
            .as_deref()
            .unwrap()
            .contains("Looks good to me.")
    );
    assert_eq!(
        out.structure,
        ["multipart/alternative", "text/plain", "text/html"]
    );
    assert!(out.date.is_some() && out.message_id.is_some());
    assert_eq!(
        out.message_id.as_deref(),
        reply["internetMessageId"]
            .as_str()
            .map(|i| i.trim_matches(['<', '>']))
    );

    // Same id, now in Sent Items; gone from Drafts.
    let after = graph_ok(
        &sandbox,
        &token,
        "GET",
        &format!("/v1.0/me/messages/{reply_id}"),
        &Value::Null,
        200,
    );
    let sent_items = graph_ok(
        &sandbox,
        &token,
        "GET",
        "/v1.0/me/mailFolders/sentitems",
        &Value::Null,
        200,
    );
    assert_eq!(after["parentFolderId"], sent_items["id"]);
    assert_eq!(
        (after["isDraft"].clone(), after["isRead"].clone()),
        (json!(false), json!(true))
    );
    let (_, removed, _) = delta_ids(&sandbox, &token, &drafts_link);
    assert!(removed.contains(&reply_id.to_owned()));
    let (present, _, _) = delta_ids(&sandbox, &token, &sent_link);
    assert!(present.contains(&reply_id.to_owned()) && present.contains(&original_id.to_owned()));
}

#[test]
fn graph_reply_and_forward_drafts() {
    let (sandbox, token) = seeded(Provider::Microsoft, 40, 11);
    let ids = sandbox.message_ids(Provider::Microsoft);
    let inbox = graph_ok(
        &sandbox,
        &token,
        "GET",
        "/v1.0/me/mailFolders/inbox",
        &Value::Null,
        200,
    );
    let select = "$select=subject,from,hasAttachments,parentFolderId,conversationId";
    let messages: Vec<Value> = ids
        .iter()
        .map(|id| {
            graph_ok(
                &sandbox,
                &token,
                "GET",
                &format!("/v1.0/me/messages/{id}?{select}"),
                &Value::Null,
                200,
            )
        })
        .collect();
    let received = messages
        .iter()
        .find(|m| m["parentFolderId"] == inbox["id"])
        .unwrap();
    let reply = graph_ok(
        &sandbox,
        &token,
        "POST",
        &format!(
            "/v1.0/me/messages/{}/createReply",
            received["id"].as_str().unwrap()
        ),
        &Value::Null,
        201,
    );
    let subject = received["subject"].as_str().unwrap();
    let expected = match subject.to_lowercase().starts_with("re:") {
        true => subject.to_owned(),
        false => format!("RE: {subject}"),
    };
    assert_eq!(reply["subject"], expected.as_str());
    assert_eq!(
        reply["toRecipients"][0]["emailAddress"]["address"],
        received["from"]["emailAddress"]["address"]
    );
    assert_eq!(reply["conversationId"], received["conversationId"]);

    // A forward carries the files; a comment and a body, or two recipient lists, are refused.
    let with_files = messages
        .iter()
        .find(|m| m["hasAttachments"] == true)
        .unwrap();
    let with_files = with_files["id"].as_str().unwrap();
    let forward_target = format!("/v1.0/me/messages/{with_files}/createForward");
    let both = graph(
        &sandbox,
        &token,
        "POST",
        &forward_target,
        &json!({
            "comment": "FYI", "message": {"body": {"contentType": "text", "content": "FYI"}}
        }),
    );
    assert_eq!(both.status, 400, "{}", both.text);
    let twice = graph(
        &sandbox,
        &token,
        "POST",
        &forward_target,
        &json!({
            "toRecipients": recipients(&["erin@example.org"]),
            "message": {"toRecipients": recipients(&["frank@example.org"])}
        }),
    );
    assert_eq!(twice.status, 400, "{}", twice.text);
    let forward = graph_ok(
        &sandbox,
        &token,
        "POST",
        &forward_target,
        &json!({"comment": "FYI", "toRecipients": recipients(&["erin@example.org"])}),
        201,
    );
    assert!(forward["subject"].as_str().unwrap().starts_with("FW: "));
    assert_eq!(addresses(&forward["toRecipients"]), ["erin@example.org"]);
    let files = |id: &str| -> Vec<Vec<u8>> {
        let list = graph_ok(
            &sandbox,
            &token,
            "GET",
            &format!("/v1.0/me/messages/{id}/attachments"),
            &Value::Null,
            200,
        );
        list["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                let one = graph_ok(
                    &sandbox,
                    &token,
                    "GET",
                    &format!(
                        "/v1.0/me/messages/{id}/attachments/{}",
                        a["id"].as_str().unwrap()
                    ),
                    &Value::Null,
                    200,
                );
                STANDARD
                    .decode(one["contentBytes"].as_str().unwrap())
                    .unwrap()
            })
            .collect()
    };
    let sorted = |mut files: Vec<Vec<u8>>| {
        files.sort();
        files
    };
    let original_files = sorted(files(with_files));
    let forward_id = forward["id"].as_str().unwrap();
    assert_eq!(sorted(files(forward_id)), original_files);
    let sent = graph(
        &sandbox,
        &token,
        "POST",
        &format!("/v1.0/me/messages/{forward_id}/send"),
        &Value::Null,
    );
    assert_eq!(sent.status, 202, "{}", sent.text);
    let out = sandbox.sent(Provider::Microsoft).pop().unwrap();
    let contents: Vec<Vec<u8>> = out.attachments.iter().map(|a| a.content.clone()).collect();
    assert_eq!(sorted(contents), original_files);
    assert!(out.in_reply_to.is_some() && !out.references.is_empty());
    assert!(out.html_body.unwrap().contains("FYI"));
}

#[test]
fn graph_attachments_and_upload_sessions() {
    let (sandbox, token) = seeded(Provider::Microsoft, 3, 11);
    let draft = graph_ok(
        &sandbox,
        &token,
        "POST",
        "/v1.0/me/messages",
        &json!({
            "subject": "Überweisung",
            "body": {"contentType": "html", "content": "<p>Logo: <img src=\"cid:logo\"></p>"},
            "toRecipients": recipients(&["bob@example.org"]),
        }),
        201,
    );
    let id = draft["id"].as_str().unwrap();
    let attachments = format!("/v1.0/me/messages/{id}/attachments");
    let logo = noise(2_000);
    let posted = graph_ok(
        &sandbox,
        &token,
        "POST",
        &attachments,
        &json!({
            "@odata.type": "#microsoft.graph.fileAttachment",
            "name": "logo.png", "contentType": "image/png", "isInline": true, "contentId": "logo",
            "contentBytes": STANDARD.encode(&logo),
        }),
        201,
    );
    assert_eq!(posted["@odata.type"], "#microsoft.graph.fileAttachment");
    assert_eq!(posted["isInline"], true);
    // The attachment item's size: the 2,000 bytes and what Exchange stores with them.
    assert!(posted["size"].as_u64().unwrap() > 2000);
    assert_eq!(
        STANDARD
            .decode(posted["contentBytes"].as_str().unwrap())
            .unwrap(),
        logo
    );
    let too_big = graph(
        &sandbox,
        &token,
        "POST",
        &attachments,
        &json!({
            "@odata.type": "#microsoft.graph.fileAttachment", "name": "big.bin",
            "contentBytes": STANDARD.encode(vec![0u8; 3 * 1024 * 1024]),
        }),
    );
    assert_eq!(too_big.status, 413, "{}", too_big.text);

    let huge = graph(
        &sandbox,
        &token,
        "POST",
        &format!("{attachments}/createUploadSession"),
        &json!({"attachmentItem": {"attachmentType": "file", "name": "huge.iso", "size": 157_286_401u64}}),
    );
    assert_eq!(huge.status, 413, "{}", huge.text);
    let file = noise(10 * 1024 * 1024 + 123);
    let session = graph_ok(
        &sandbox,
        &token,
        "POST",
        &format!("{attachments}/createUploadSession"),
        &json!({"AttachmentItem": {
            "attachmentType": "file", "name": "Überweisung März.pdf", "size": file.len(), "contentType": "application/pdf"
        }}),
        201,
    );
    assert_eq!(session["nextExpectedRanges"], json!(["0"]));
    let url = session["uploadUrl"].as_str().unwrap();
    let me = graph_ok(&sandbox, &token, "GET", "/v1.0/me", &Value::Null, 200);
    let prefix = format!(
        "https://outlook.office.com/api/v2.0/Users('{}@",
        me["id"].as_str().unwrap()
    );
    assert!(url.starts_with(&prefix), "{url}");
    assert!(
        url.contains(&format!("')/Messages('{id}')/AttachmentSessions('")),
        "{url}"
    );
    assert!(url.contains("')?authtoken="), "{url}");
    let target = url.strip_prefix("https://outlook.office.com").unwrap();
    let put = |range: &str, body: &[u8], bearer: bool| {
        let authorization = format!("Bearer {token}");
        let mut headers = vec![
            ("content-range", range),
            ("content-type", "application/octet-stream"),
        ];
        if bearer {
            headers.push(("authorization", authorization.as_str()));
        }
        call(&sandbox, "PUT", OUTLOOK, target, &headers, body)
    };
    let total = file.len();
    const CHUNK: usize = 4 * 1024 * 1024;
    let with_bearer = put(
        &format!("bytes 0-{}/{total}", CHUNK - 1),
        &file[..CHUNK],
        true,
    );
    assert_eq!(with_bearer.status, 401, "{}", with_bearer.text);
    let oversized = put(&format!("bytes 0-{CHUNK}/{total}"), &file[..=CHUNK], false);
    assert_eq!(oversized.status, 413, "{}", oversized.text);
    let skipping = put(
        &format!("bytes 100-{}/{total}", CHUNK + 99),
        &file[100..CHUNK + 100],
        false,
    );
    assert_eq!(skipping.status, 416, "{}", skipping.text);
    assert_eq!(skipping.json()["error"]["code"], "invalidRange");
    let mut start = 0;
    let mut location = String::new();
    while start < total {
        let end = (start + CHUNK).min(total);
        let answer = put(
            &format!("bytes {start}-{}/{total}", end - 1),
            &file[start..end],
            false,
        );
        if end < total {
            assert_eq!(answer.status, 200, "{}", answer.text);
            assert_eq!(
                answer.json()["nextExpectedRanges"],
                json!([end.to_string()])
            );
        } else {
            assert_eq!(answer.status, 201, "{}", answer.text);
            assert!(answer.text.is_empty());
            location = answer.header("location").to_owned();
        }
        start = end;
    }
    let overlap = put(
        &format!("bytes 0-{}/{total}", CHUNK - 1),
        &file[..CHUNK],
        false,
    );
    assert_eq!(
        overlap.status, 404,
        "a finished session is gone: {}",
        overlap.text
    );
    assert!(
        location.starts_with(&prefix) && location.contains("/Attachments('"),
        "{location}"
    );
    let attachment_id = location
        .rsplit("Attachments('")
        .next()
        .unwrap()
        .trim_end_matches("')");
    let uploaded = graph_ok(
        &sandbox,
        &token,
        "GET",
        &format!("{attachments}/{attachment_id}?$select=name,size"),
        &Value::Null,
        200,
    );
    assert_eq!(uploaded["name"], "Überweisung März.pdf");
    assert!(uploaded["size"].as_u64().unwrap() > total as u64);

    let sent = graph(
        &sandbox,
        &token,
        "POST",
        &format!("/v1.0/me/messages/{id}/send"),
        &Value::Null,
    );
    assert_eq!(sent.status, 202, "{}", sent.text);
    let out = sandbox.sent(Provider::Microsoft).pop().unwrap();
    assert_eq!(out.subject.as_deref(), Some("Überweisung"));
    assert_eq!(
        out.structure,
        [
            "multipart/mixed",
            "multipart/related",
            "multipart/alternative",
            "text/plain",
            "text/html",
            "image/png",
            "application/pdf"
        ]
    );
    let (inline, pdf) = (&out.attachments[0], &out.attachments[1]);
    assert!(
        inline.inline && inline.content_id.as_deref() == Some("logo") && inline.content == logo
    );
    assert!(inline.chunks.is_empty());
    assert_eq!(pdf.filename.as_deref(), Some("Überweisung März.pdf"));
    assert!(!pdf.inline);
    assert!(pdf.content == file, "the uploaded bytes arrive intact");
    assert_eq!(
        pdf.chunks,
        [CHUNK as u64, CHUNK as u64, (total - 2 * CHUNK) as u64]
    );

    // Only the refused PUT carried a bearer.
    let puts: Vec<bool> = sandbox
        .received()
        .into_iter()
        .filter(|r| r.host == OUTLOOK)
        .map(|r| r.has_bearer)
        .collect();
    assert_eq!(puts.len(), 7);
    assert_eq!(puts.iter().filter(|b| **b).count(), 1);

    // A session can be cancelled; its URL then names nothing.
    let draft = graph_ok(
        &sandbox,
        &token,
        "POST",
        "/v1.0/me/messages",
        &json!({}),
        201,
    );
    let session = graph_ok(
        &sandbox,
        &token,
        "POST",
        &format!(
            "/v1.0/me/messages/{}/attachments/createUploadSession",
            draft["id"].as_str().unwrap()
        ),
        &json!({"AttachmentItem": {"attachmentType": "file", "name": "a.bin", "size": 10}}),
        201,
    );
    let target = session["uploadUrl"]
        .as_str()
        .unwrap()
        .strip_prefix("https://outlook.office.com")
        .unwrap();
    let cancelled = call(&sandbox, "DELETE", OUTLOOK, target, &[], "");
    assert_eq!(cancelled.status, 204);
    let gone = call(
        &sandbox,
        "PUT",
        OUTLOOK,
        target,
        &[("content-range", "bytes 0-9/10")],
        [0u8; 10],
    );
    assert_eq!(gone.status, 404);
    assert_eq!(gone.json()["error"]["code"], "ErrorItemNotFound");
}

#[test]
fn graph_refuses_what_it_cannot_send_or_change() {
    let (sandbox, token) = seeded(Provider::Microsoft, 5, 11);
    let draft = graph_ok(
        &sandbox,
        &token,
        "POST",
        "/v1.0/me/messages",
        &json!({"subject": "Nobody"}),
        201,
    );
    let id = draft["id"].as_str().unwrap();
    let refused = graph(
        &sandbox,
        &token,
        "POST",
        &format!("/v1.0/me/messages/{id}/send"),
        &Value::Null,
    );
    assert_eq!(refused.status, 400);
    assert_eq!(refused.json()["error"]["code"], "ErrorInvalidRecipients");
    assert!(sandbox.sent(Provider::Microsoft).is_empty());

    let received = sandbox
        .message_ids(Provider::Microsoft)
        .into_iter()
        .find(|m| {
            let message = graph_ok(
                &sandbox,
                &token,
                "GET",
                &format!("/v1.0/me/messages/{m}?$select=isDraft"),
                &Value::Null,
                200,
            );
            message["isDraft"] == false
        })
        .unwrap();
    let target = format!("/v1.0/me/messages/{received}");
    let not_draft = graph(
        &sandbox,
        &token,
        "PATCH",
        &target,
        &json!({"subject": "Renamed"}),
    );
    assert_eq!(not_draft.status, 400);
    assert_eq!(not_draft.json()["error"]["code"], "ErrorInvalidPropertySet");
    let read = graph_ok(
        &sandbox,
        &token,
        "PATCH",
        &target,
        &json!({"isRead": false}),
        200,
    );
    assert_eq!(read["isRead"], false);
    let unknown = graph(
        &sandbox,
        &token,
        "PATCH",
        &target,
        &json!({"subjet": "typo"}),
    );
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.json()["error"]["code"], "RequestBodyRead");

    let read_only = access_token(&sandbox, Provider::Microsoft, Some("openid Mail.Read"));
    let forbidden = graph(
        &sandbox,
        &read_only,
        "POST",
        "/v1.0/me/messages",
        &json!({}),
    );
    assert_eq!(forbidden.status, 403);
    let no_send = access_token(&sandbox, Provider::Microsoft, Some("openid Mail.ReadWrite"));
    let cannot = graph(
        &sandbox,
        &no_send,
        "POST",
        &format!("/v1.0/me/messages/{id}/send"),
        &Value::Null,
    );
    assert_eq!(cannot.status, 403);
}
