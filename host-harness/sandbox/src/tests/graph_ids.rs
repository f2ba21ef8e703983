//! Graph's two forms of ids (https://learn.microsoft.com/en-us/graph/outlook-immutable-id):
//! answers give immutable ids only to a request that carries `Prefer: IdType="ImmutableId"`;
//! otherwise default ids, which change when the message moves (the old one then answers 404).
//! Both name the message in paths; attachment ids follow their message's.

use serde_json::{Value, json};

use super::graph_support::*;
use super::support::*;
use crate::Provider;

#[test]
fn answers_follow_the_header_of_their_request() {
    let (sandbox, token) = seeded(Provider::Microsoft, 30, 5);
    let immutable = message_in(&sandbox, "inbox");
    let default = sandbox.default_id(&immutable).unwrap();
    assert_ne!(default, immutable);
    assert!(is_immutable(&sandbox, &immutable) && !is_immutable(&sandbox, &default));

    // Either form names the message; the answer's id is the form the request asks for.
    for id in [&immutable, &default] {
        let target = format!("/v1.0/me/messages/{id}?$select=subject");
        assert_eq!(
            get_ok(&sandbox, &token, &target, &[])["id"],
            default.as_str()
        );
        assert_eq!(
            get_ok(&sandbox, &token, &target, &[IMMUTABLE])["id"],
            immutable.as_str()
        );
    }
    let ids_listed = |headers: &[(&str, &str)]| -> Vec<String> {
        let page = get_ok(
            &sandbox,
            &token,
            "/v1.0/me/mailFolders/inbox/messages?$select=id&$top=1000",
            headers,
        );
        page["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(ids_listed(&[]).contains(&default));
    assert!(ids_listed(&[IMMUTABLE]).contains(&immutable));

    // A move without the header answers the new default id; the old one names nothing now.
    let moved = answered(
        &sandbox,
        &token,
        "POST",
        &format!("/v1.0/me/messages/{default}/move"),
        &[],
        &json!({"destinationId": "archive"}),
        201,
    );
    let moved_default = moved["id"].as_str().unwrap();
    assert_ne!(moved_default, default);
    assert_eq!(
        sandbox.default_id(&immutable).as_deref(),
        Some(moved_default)
    );
    let stale = request(
        &sandbox,
        &token,
        "GET",
        &format!("/v1.0/me/messages/{default}"),
        &[],
        &Value::Null,
    );
    assert_eq!(refusal(&stale, 404), "ErrorItemNotFound");
    assert!(sandbox.state_of(Provider::Microsoft, &default).is_none());
    let by_immutable = get_ok(
        &sandbox,
        &token,
        &format!("/v1.0/me/messages/{immutable}"),
        &[IMMUTABLE],
    );
    assert_eq!(by_immutable["parentFolderId"], sandbox.folder_id("archive"));

    // The controls take either form, and a move by control changes the default id too.
    sandbox.set_unread(Provider::Microsoft, moved_default, true);
    sandbox.move_to(moved_default, "inbox");
    let back = sandbox.default_id(&immutable).unwrap();
    assert_ne!(back, moved_default);
    assert_ne!(back, default, "back where it was, under a third id");
    assert!(sandbox.state_of(Provider::Microsoft, &back).unwrap().unread);
    assert!(
        sandbox
            .state_of(Provider::Microsoft, moved_default)
            .is_none()
    );
}

#[test]
fn delta_reports_a_moved_message_by_the_id_the_client_knew() {
    let (sandbox, token) = seeded(Provider::Microsoft, 30, 5);
    let delta = "/v1.0/me/mailFolders/inbox/messages/delta?$select=subject";
    let plain = round(&sandbox, &token, delta, &[]);
    let immutable = round(&sandbox, &token, delta, &[IMMUTABLE]);
    let known = plain.ids()[0].clone();
    assert!(!is_immutable(&sandbox, &known));
    let same = sandbox
        .message_ids(Provider::Microsoft)
        .into_iter()
        .find(|id| sandbox.default_id(id).as_deref() == Some(known.as_str()))
        .unwrap();
    assert!(immutable.ids().contains(&same));

    // Out to the archive and back in: a new default id, the same immutable one.
    sandbox.move_to(&known, "archive");
    sandbox.move_to(&same, "inbox");
    let now = sandbox.default_id(&same).unwrap();

    let after = round(&sandbox, &token, &plain.link, &[]);
    assert_eq!(
        after.removed,
        std::slice::from_ref(&known),
        "the id the client knew"
    );
    assert_eq!(after.ids(), [now]);
    let after = round(&sandbox, &token, &immutable.link, &[IMMUTABLE]);
    assert!(after.removed.is_empty(), "the immutable id never left");
    assert_eq!(after.ids(), std::slice::from_ref(&same));

    // The header of each request counts, not the first one's: that sync read on without it.
    let mixed = round(&sandbox, &token, &after.link, &[]);
    assert!(mixed.present.is_empty() && mixed.removed.is_empty());
    sandbox.set_unread(Provider::Microsoft, &same, true);
    let mixed = round(&sandbox, &token, &mixed.link, &[]);
    assert_eq!(mixed.ids(), [sandbox.default_id(&same).unwrap()]);
}

#[test]
fn drafts_attachments_and_upload_sessions_follow_the_header() {
    let (sandbox, token) = seeded(Provider::Microsoft, 10, 5);
    let draft = |headers: &[(&str, &str)]| -> String {
        let made = answered(
            &sandbox,
            &token,
            "POST",
            "/v1.0/me/messages",
            headers,
            &json!({"subject": "Ids"}),
            201,
        );
        made["id"].as_str().unwrap().to_owned()
    };
    let (plain, asked) = (draft(&[]), draft(&[IMMUTABLE]));
    assert!(!is_immutable(&sandbox, &plain) && is_immutable(&sandbox, &asked));
    let original = message_in(&sandbox, "inbox");
    for action in ["createReply", "createReplyAll", "createForward"] {
        let target = format!("/v1.0/me/messages/{original}/{action}");
        let reply = answered(&sandbox, &token, "POST", &target, &[], &json!({}), 201);
        assert!(!is_immutable(&sandbox, reply["id"].as_str().unwrap()));
        let reply = answered(
            &sandbox,
            &token,
            "POST",
            &target,
            &[IMMUTABLE],
            &json!({}),
            201,
        );
        assert!(is_immutable(&sandbox, reply["id"].as_str().unwrap()));
    }

    // An attachment's id follows its message's form, and names it while that id does.
    let attachments = format!("/v1.0/me/messages/{plain}/attachments");
    let file = json!({
        "@odata.type": "#microsoft.graph.fileAttachment",
        "name": "a.txt", "contentType": "text/plain", "contentBytes": "SGVsbG8=",
    });
    let posted = answered(&sandbox, &token, "POST", &attachments, &[], &file, 201);
    let default_attachment = posted["id"].as_str().unwrap().to_owned();
    let listed = get_ok(&sandbox, &token, &attachments, &[IMMUTABLE]);
    let immutable_attachment = listed["value"][0]["id"].as_str().unwrap().to_owned();
    assert_ne!(immutable_attachment, default_attachment);
    for id in [&default_attachment, &immutable_attachment] {
        get_ok(&sandbox, &token, &format!("{attachments}/{id}"), &[]);
    }
    let immutable_draft = sandbox
        .message_ids(Provider::Microsoft)
        .into_iter()
        .find(|id| sandbox.default_id(id).as_deref() == Some(plain.as_str()))
        .unwrap();
    sandbox.move_to(&plain, "archive");
    let stale = request(
        &sandbox,
        &token,
        "GET",
        &format!("/v1.0/me/messages/{immutable_draft}/attachments/{default_attachment}"),
        &[],
        &Value::Null,
    );
    assert_eq!(refusal(&stale, 404), "ErrorItemNotFound");
    get_ok(
        &sandbox,
        &token,
        &format!("/v1.0/me/messages/{immutable_draft}/attachments/{immutable_attachment}"),
        &[],
    );

    // An upload session names the draft, and then the attachment, in its request's form.
    let session = answered(
        &sandbox,
        &token,
        "POST",
        &format!("/v1.0/me/messages/{asked}/attachments/createUploadSession"),
        &[],
        &json!({"AttachmentItem": {"attachmentType": "file", "name": "b.bin", "size": 4}}),
        201,
    );
    let url = session["uploadUrl"].as_str().unwrap();
    let default_asked = sandbox.default_id(&asked).unwrap();
    assert!(
        url.contains(&format!("/Messages('{default_asked}')")),
        "{url}"
    );
    let target = url.strip_prefix("https://outlook.office.com").unwrap();
    let put = call(
        &sandbox,
        "PUT",
        "outlook.office.com",
        target,
        &[("content-range", "bytes 0-3/4")],
        [1u8, 2, 3, 4],
    );
    assert_eq!(put.status, 201, "{}", put.text);
    let location = put.header("location");
    let uploaded = location
        .rsplit("Attachments('")
        .next()
        .unwrap()
        .trim_end_matches("')");
    let by_default = get_ok(
        &sandbox,
        &token,
        &format!("/v1.0/me/messages/{asked}/attachments/{uploaded}?$select=name"),
        &[],
    );
    assert_eq!(by_default["id"], uploaded, "a default-form attachment id");
}

#[test]
fn batched_requests_follow_their_own_header() {
    let (sandbox, token) = seeded(Provider::Microsoft, 10, 5);
    let immutable = message_in(&sandbox, "inbox");
    let url = format!("/me/messages/{immutable}?$select=subject");
    let requests = json!([
        {"id": "plain", "method": "GET", "url": url},
        {"id": "asked", "method": "GET", "url": url, "headers": {"Prefer": "IdType=\"ImmutableId\""}},
    ]);
    // The batch's own Prefer header is not its requests' header.
    let answer = answered(
        &sandbox,
        &token,
        "POST",
        "/v1.0/$batch",
        &[IMMUTABLE],
        &json!({"requests": requests}),
        200,
    );
    let responses = answer["responses"].as_array().unwrap();
    assert_eq!(
        responses[0]["body"]["id"],
        sandbox.default_id(&immutable).unwrap().as_str()
    );
    assert_eq!(responses[1]["body"]["id"], immutable.as_str());
}
