//! Graph limits and states: the size Exchange reports for a file attachment
//! (shared/specs: samples/graph/me.message.attachment.get.fileAttachment.json), the 4 MB request
//! limit of `POST …/attachments`, and a mailbox not enabled for REST.

use serde_json::{Value, json};

use super::graph_support::*;
use super::support::*;
use crate::Provider;

#[test]
fn attachment_sizes_are_the_attachment_items() {
    let (sandbox, token) = seeded(Provider::Microsoft, 3, 2);
    let attachments = draft_attachments(&sandbox, &token);
    // The real sample: an 11-byte test.txt reports 169; one a byte longer, 170.
    for (content, size) in [(&b"Hello World"[..], 169), (b"Hello World!", 170)] {
        let body = file_attachment("test.txt", "text/plain", content);
        let posted = post_text(&sandbox, &token, &attachments, &body);
        assert_eq!(posted.status, 201, "{}", posted.text);
        assert_eq!(posted.json()["size"], size);
    }
    let listed = get_ok(&sandbox, &token, &attachments, &[]);
    let sizes: Vec<&Value> = listed["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["size"])
        .collect();
    assert_eq!(sizes, [&json!(169), &json!(170)]);
}

#[test]
fn attachment_posts_are_limited_by_their_request_body() {
    let (sandbox, token) = seeded(Provider::Microsoft, 3, 2);
    let attachments = draft_attachments(&sandbox, &token);
    let too_large = |answer: &Answer| {
        assert_eq!(answer.status, 413, "{}", answer.text);
        let error = &answer.json()["error"];
        assert_eq!(error["code"], "BadRequest");
        assert_eq!(error["message"], "Maximum request length exceeded.");
    };

    // Under 4,000,000 bytes of request, a file of almost 3 MB goes; 3,000,000 bytes do not.
    let fits = file_attachment("a.bin", "application/octet-stream", &vec![7u8; 2_990_000]);
    assert!(fits.len() < 4_000_000);
    assert_eq!(post_text(&sandbox, &token, &attachments, &fits).status, 201);
    let over = file_attachment("b.bin", "application/octet-stream", &vec![7u8; 3_000_000]);
    assert!(over.len() > 4_000_000 && over.len() < 4 * 1024 * 1024);
    too_large(&post_text(&sandbox, &token, &attachments, &over));

    // It is the request that counts, not the file: a small file in a padded body is refused.
    let small = file_attachment("c.txt", "text/plain", b"tiny");
    let padded = format!("{}{small}", " ".repeat(4_000_000));
    too_large(&post_text(&sandbox, &token, &attachments, &padded));
    let listed = get_ok(&sandbox, &token, &attachments, &[]);
    assert_eq!(listed["value"].as_array().unwrap().len(), 1);
}

#[test]
fn a_mailbox_not_enabled_for_rest_answers_404() {
    let (sandbox, token) = seeded(Provider::Microsoft, 10, 2);
    let id = sandbox.message_ids(Provider::Microsoft)[0].clone();
    sandbox.set_rest_enabled(false);
    let not_enabled = |answer: &Answer| {
        assert_eq!(refusal(answer, 404), "MailboxNotEnabledForRESTAPI");
        assert_eq!(
            answer.json()["error"]["message"],
            "The mailbox is either inactive, soft-deleted, or is hosted on-premise."
        );
    };
    for target in [
        "/v1.0/me/messages".to_owned(),
        format!("/v1.0/me/messages/{id}"),
        format!("/v1.0/me/messages/{id}/attachments"),
        "/v1.0/me/mailFolders".to_owned(),
        "/v1.0/me/mailFolders/delta".to_owned(),
        "/v1.0/me/mailFolders/inbox/messages/delta".to_owned(),
    ] {
        not_enabled(&request(
            &sandbox,
            &token,
            "GET",
            &target,
            &[],
            &Value::Null,
        ));
    }
    not_enabled(&request(
        &sandbox,
        &token,
        "POST",
        "/v1.0/me/messages",
        &[],
        &json!({"subject": "x"}),
    ));
    let batched = answered(
        &sandbox,
        &token,
        "POST",
        "/v1.0/$batch",
        &[],
        &json!({"requests": [{"id": "1", "method": "GET", "url": "/me/mailFolders"}]}),
        200,
    );
    assert_eq!(batched["responses"][0]["status"], 404);
    assert_eq!(
        batched["responses"][0]["body"]["error"]["code"],
        "MailboxNotEnabledForRESTAPI"
    );

    // The token is still checked first; the profile is not mail; the controls still work.
    let anonymous = get(&sandbox, GRAPH, "/v1.0/me/messages", None);
    assert_eq!(anonymous.status, 401);
    get_ok(&sandbox, &token, "/v1.0/me", &[]);
    assert!(sandbox.state_of(Provider::Microsoft, &id).is_some());

    sandbox.set_rest_enabled(true);
    get_ok(&sandbox, &token, &format!("/v1.0/me/messages/{id}"), &[]);
}

/// `DELETE /me/messages/{id}/attachments/{id}` removes one file of a draft; a second delete of
/// it is Graph's 404 (https://learn.microsoft.com/en-us/graph/api/attachment-delete).
#[test]
fn a_draft_file_can_be_deleted_once() {
    let (sandbox, token) = seeded(Provider::Microsoft, 3, 2);
    let attachments = draft_attachments(&sandbox, &token);
    let mut ids = Vec::new();
    for name in ["a.txt", "b.txt"] {
        let body = file_attachment(name, "text/plain", b"x");
        let posted = post_text(&sandbox, &token, &attachments, &body);
        assert_eq!(posted.status, 201, "{}", posted.text);
        ids.push(posted.json()["id"].as_str().unwrap().to_owned());
    }
    let one = format!("{attachments}/{}", ids[0]);
    let deleted = request(&sandbox, &token, "DELETE", &one, &[], &Value::Null);
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    let again = request(&sandbox, &token, "DELETE", &one, &[], &Value::Null);
    assert_eq!(refusal(&again, 404), "ErrorItemNotFound");
    let listed = get_ok(&sandbox, &token, &attachments, &[]);
    let names: Vec<&str> = listed["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["b.txt"]);
}
