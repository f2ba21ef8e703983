//! Changing Graph's folder tree over HTTP and by control, the folder delta
//! (https://learn.microsoft.com/en-us/graph/api/mailfolder-delta), and what a deleted folder
//! leaves behind.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::graph_support::*;
use super::support::*;
use crate::{Provider, Sandbox};

const FOLDER_DELTA: &str = "/v1.0/me/mailFolders/delta";

/// Creates folder `name` with a `POST` to `target`; the new folder.
fn create(sandbox: &Sandbox, token: &str, target: &str, name: &str) -> Value {
    let body = json!({"displayName": name});
    answered(sandbox, token, "POST", target, &[], &body, 201)
}

/// A request to `target` answered with a Graph error; its code.
fn refused(sandbox: &Sandbox, token: &str, method: &str, target: &str, body: &Value) -> String {
    let answer = request(sandbox, token, method, target, &[], body);
    assert!(answer.status.is_client_error(), "{}", answer.text);
    answer.json()["error"]["code"].as_str().unwrap().to_owned()
}

/// The ids of the messages a sync sees, as a set.
fn synced(sandbox: &Sandbox) -> BTreeSet<String> {
    sandbox
        .message_ids(Provider::Microsoft)
        .into_iter()
        .collect()
}

#[test]
fn folders_are_created_renamed_moved_and_deleted_over_http() {
    let (sandbox, token) = seeded(Provider::Microsoft, 40, 8);
    let root = sandbox.folder_id("msgfolderroot");
    let clients = create(&sandbox, &token, "/v1.0/me/mailFolders", "Clients");
    assert!(
        clients["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/mailFolders/$entity")
    );
    assert_eq!(clients["parentFolderId"], root.as_str());
    assert_eq!(
        (
            clients["childFolderCount"].clone(),
            clients["totalItemCount"].clone()
        ),
        (json!(0), json!(0))
    );
    let clients_id = clients["id"].as_str().unwrap().to_owned();
    assert_eq!(sandbox.folder_id(&clients_id), clients_id);

    // One name once under one parent, in any case; the same name elsewhere is fine.
    let twice = refused(
        &sandbox,
        &token,
        "POST",
        "/v1.0/me/mailFolders",
        &json!({"displayName": "CLIENTS"}),
    );
    assert_eq!(twice, "ErrorFolderExists");
    let children = format!("/v1.0/me/mailFolders/{clients_id}/childFolders");
    let acme = create(&sandbox, &token, &children, "Acme");
    assert!(acme["@odata.context"].as_str().unwrap().ends_with(&format!(
        "/mailFolders('{clients_id}')/childFolders/$entity"
    )));
    assert_eq!(acme["parentFolderId"], clients_id.as_str());
    let in_inbox = create(
        &sandbox,
        &token,
        "/v1.0/me/mailFolders/inbox/childFolders",
        "Clients",
    );
    let listed = get_ok(&sandbox, &token, &children, &[]);
    assert_eq!(listed["value"][0]["displayName"], "Acme");
    let top: Vec<Value> = get_ok(&sandbox, &token, "/v1.0/me/mailFolders?$top=100", &[])["value"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        top.iter()
            .any(|f| f["id"] == clients_id.as_str() && f["childFolderCount"] == 1)
    );

    // Renames keep names apart too.
    let target = format!("/v1.0/me/mailFolders/{clients_id}");
    let renamed = answered(
        &sandbox,
        &token,
        "PATCH",
        &target,
        &[],
        &json!({"displayName": "Customers"}),
        200,
    );
    assert_eq!(renamed["displayName"], "Customers");
    let clash = refused(
        &sandbox,
        &token,
        "PATCH",
        &format!("/v1.0/me/mailFolders/{}", in_inbox["id"].as_str().unwrap()),
        &json!({"displayName": "receipts"}),
    );
    assert_eq!(clash, "ErrorFolderExists");

    // Moves: into another folder, not into itself, and never a well-known folder.
    let acme_id = acme["id"].as_str().unwrap().to_owned();
    let moved = answered(
        &sandbox,
        &token,
        "POST",
        &format!("/v1.0/me/mailFolders/{acme_id}/move"),
        &[],
        &json!({"destinationId": "inbox"}),
        201,
    );
    assert_eq!(moved["parentFolderId"], sandbox.folder_id("inbox"));
    let sub = create(&sandbox, &token, &children, "Sub");
    let sub_id = sub["id"].as_str().unwrap().to_owned();
    let into_itself = refused(
        &sandbox,
        &token,
        "POST",
        &format!("{target}/move"),
        &json!({"destinationId": sub_id}),
    );
    assert_eq!(into_itself, "ErrorMoveCopyFailed");
    let inbox_move = refused(
        &sandbox,
        &token,
        "POST",
        "/v1.0/me/mailFolders/inbox/move",
        &json!({"destinationId": "archive"}),
    );
    assert_eq!(inbox_move, "ErrorMoveDistinguishedFolder");
    let inbox_delete = refused(
        &sandbox,
        &token,
        "DELETE",
        "/v1.0/me/mailFolders/inbox",
        &Value::Null,
    );
    assert_eq!(inbox_delete, "ErrorDeleteDistinguishedFolder");

    // DELETE moves the folder, its subfolders and their mail into Deleted Items, out of sync.
    let filed = message_in(&sandbox, "inbox");
    sandbox.move_to(&filed, &sub_id);
    assert!(synced(&sandbox).contains(&filed));
    let gone = request(&sandbox, &token, "DELETE", &target, &[], &Value::Null);
    assert_eq!(gone.status, 204, "{}", gone.text);
    let deleted = get_ok(&sandbox, &token, &target, &[]);
    assert_eq!(deleted["parentFolderId"], sandbox.folder_id("deleteditems"));
    assert_eq!(
        sandbox
            .state_of(Provider::Microsoft, &filed)
            .unwrap()
            .labels,
        std::slice::from_ref(&sub_id)
    );
    assert!(!synced(&sandbox).contains(&filed));

    // Deleted again from Deleted Items, or with permanentDelete, it is gone for good.
    let again = request(&sandbox, &token, "DELETE", &target, &[], &Value::Null);
    assert_eq!(again.status, 204, "{}", again.text);
    let missing = request(&sandbox, &token, "GET", &target, &[], &Value::Null);
    assert_eq!(refusal(&missing, 404), "ErrorItemNotFound");
    assert!(sandbox.state_of(Provider::Microsoft, &filed).is_none());
    let purge = format!("/v1.0/me/mailFolders/{acme_id}/permanentDelete");
    let purged = request(&sandbox, &token, "POST", &purge, &[], &Value::Null);
    assert_eq!(purged.status, 204, "{}", purged.text);
    let missing = request(
        &sandbox,
        &token,
        "GET",
        &format!("/v1.0/me/mailFolders/{acme_id}"),
        &[],
        &Value::Null,
    );
    assert_eq!(refusal(&missing, 404), "ErrorItemNotFound");

    // What else is refused.
    let nameless = refused(&sandbox, &token, "POST", "/v1.0/me/mailFolders", &json!({}));
    assert_eq!(nameless, "ErrorInvalidRequest");
    let unknown = refused(
        &sandbox,
        &token,
        "POST",
        "/v1.0/me/mailFolders",
        &json!({"displayName": "X", "color": "red"}),
    );
    assert_eq!(unknown, "RequestBodyRead");
    let orphan = refused(
        &sandbox,
        &token,
        "POST",
        &children,
        &json!({"displayName": "X"}),
    );
    assert_eq!(orphan, "ErrorItemNotFound");
    let read_only = access_token(&sandbox, Provider::Microsoft, Some("openid Mail.Read"));
    let forbidden = request(
        &sandbox,
        &read_only,
        "POST",
        "/v1.0/me/mailFolders",
        &[],
        &json!({"displayName": "Y"}),
    );
    assert_eq!(refusal(&forbidden, 403), "ErrorAccessDenied");
}

#[test]
fn controls_change_the_tree() {
    let (sandbox, token) = seeded(Provider::Microsoft, 40, 8);
    let clients = sandbox.create_folder("Clients", None);
    let acme = sandbox.create_folder("Acme", Some(&clients));
    let receipts = sandbox.create_folder("Receipts 2024", Some("inbox"));
    let folder = |id: &str| get_ok(&sandbox, &token, &format!("/v1.0/me/mailFolders/{id}"), &[]);
    assert_eq!(folder(&acme)["parentFolderId"], clients.as_str());
    assert_eq!(
        folder(&receipts)["parentFolderId"],
        sandbox.folder_id("inbox")
    );
    assert_eq!(
        folder(&clients)["parentFolderId"],
        sandbox.folder_id("msgfolderroot")
    );

    sandbox.rename_folder(&acme, "Acme Corp");
    assert_eq!(folder(&acme)["displayName"], "Acme Corp");
    sandbox.move_folder(&acme, "archive");
    assert_eq!(
        folder(&acme)["parentFolderId"],
        sandbox.folder_id("archive")
    );

    // Mail in a folder deleted into Deleted Items leaves the sync; purged, it is gone.
    let filed = message_in(&sandbox, "inbox");
    sandbox.move_to(&filed, &receipts);
    assert!(synced(&sandbox).contains(&filed));
    sandbox.delete_folder(&receipts);
    assert_eq!(
        folder(&receipts)["parentFolderId"],
        sandbox.folder_id("deleteditems")
    );
    assert!(!synced(&sandbox).contains(&filed));
    assert!(sandbox.state_of(Provider::Microsoft, &filed).is_some());
    sandbox.purge_folder(&receipts);
    assert!(sandbox.state_of(Provider::Microsoft, &filed).is_none());
    let missing = request(
        &sandbox,
        &token,
        "GET",
        &format!("/v1.0/me/mailFolders/{receipts}"),
        &[],
        &Value::Null,
    );
    assert_eq!(refusal(&missing, 404), "ErrorItemNotFound");

    // Seeding starts the tree afresh.
    sandbox.seed_mailbox(Provider::Microsoft, &crate::MailboxSpec::default());
    let gone = request(
        &sandbox,
        &token,
        "GET",
        &format!("/v1.0/me/mailFolders/{clients}"),
        &[],
        &Value::Null,
    );
    assert_eq!(refusal(&gone, 404), "ErrorItemNotFound");
}

#[test]
#[should_panic(expected = "NameTaken")]
fn a_control_refuses_a_name_taken() {
    let (sandbox, _) = seeded(Provider::Microsoft, 5, 8);
    sandbox.create_folder("receipts", Some("inbox"));
}

#[test]
#[should_panic(expected = "DeleteDistinguished")]
fn a_control_refuses_to_delete_a_well_known_folder() {
    let (sandbox, _) = seeded(Provider::Microsoft, 5, 8);
    sandbox.delete_folder("inbox");
}

#[test]
fn folder_delta_lists_the_tree_then_its_changes() {
    let (sandbox, token) = seeded(Provider::Microsoft, 20, 8);
    let pages = [("prefer", "odata.maxpagesize=4")];
    let first = get_ok(&sandbox, &token, FOLDER_DELTA, &pages);
    assert_eq!(
        first["@odata.context"],
        "https://graph.microsoft.com/v1.0/$metadata#Collection(mailFolder)"
    );
    assert!(
        first["@odata.nextLink"]
            .as_str()
            .unwrap()
            .starts_with("https://graph.microsoft.com/v1.0/me/mailFolders/delta?$skiptoken=")
    );
    let tree = round(&sandbox, &token, FOLDER_DELTA, &pages);
    assert_eq!(tree.pages, [4, 4, 3]);
    let names: BTreeSet<&str> = tree
        .present
        .iter()
        .map(|f| f["displayName"].as_str().unwrap())
        .collect();
    let expected = [
        "Alpha",
        "Archive",
        "Conversation History",
        "Deleted Items",
        "Drafts",
        "Inbox",
        "Junk Email",
        "Outbox",
        "Projects",
        "Receipts",
        "Sent Items",
    ];
    assert_eq!(
        names,
        BTreeSet::from(expected),
        "nested ones too, not the hidden or the root"
    );
    for entry in &tree.present {
        assert_eq!(entry["@odata.type"], "#microsoft.graph.mailFolder");
        assert_eq!(
            keys(entry),
            [
                "@odata.type",
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
    }
    let selected = round(
        &sandbox,
        &token,
        &format!("{FOLDER_DELTA}?$select=displayName"),
        &pages,
    );
    assert_eq!(
        keys(&selected.present[0]),
        ["@odata.type", "displayName", "id"]
    );
    let id_of = |name: &str| {
        tree.present
            .iter()
            .find(|f| f["displayName"] == name)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };

    // Created, renamed, moved and soft-deleted folders come in full; purged ones as removed;
    // one created and purged in between not at all.
    let a = sandbox.create_folder("A", None);
    let b = sandbox.create_folder("B", Some(&a));
    sandbox.rename_folder(&id_of("Projects"), "Work");
    sandbox.move_folder(&id_of("Alpha"), "inbox");
    let c = sandbox.create_folder("C", None);
    sandbox.purge_folder(&c);
    sandbox.delete_folder(&b);
    sandbox.purge_folder(&id_of("Receipts"));
    let changes = round(&sandbox, &token, &selected.link, &[]);
    let changed: BTreeSet<&str> = changes
        .present
        .iter()
        .map(|f| f["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(changed, BTreeSet::from(["A", "Alpha", "B", "Work"]));
    assert_eq!(
        keys(&changes.present[0]),
        ["@odata.type", "displayName", "id"],
        "$select kept"
    );
    assert_eq!(changes.removed, [id_of("Receipts")]);
    let full = round(&sandbox, &token, &tree.link, &[]);
    let b_entry = full.present.iter().find(|f| f["id"] == b.as_str()).unwrap();
    assert_eq!(b_entry["parentFolderId"], sandbox.folder_id("deleteditems"));
    let alpha = full
        .present
        .iter()
        .find(|f| f["displayName"] == "Alpha")
        .unwrap();
    assert_eq!(alpha["parentFolderId"], sandbox.folder_id("inbox"));
    let removed = get_ok(&sandbox, &token, &tree.link, &[]);
    let row = removed["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f.get("@removed").is_some())
        .unwrap()
        .clone();
    assert_eq!(keys(&row), ["@odata.type", "@removed", "id"]);
    assert_eq!(row["@removed"], json!({"reason": "deleted"}));

    // Nothing more; expired tokens are gone.
    let nothing = round(&sandbox, &token, &changes.link, &[]);
    assert!(nothing.present.is_empty() && nothing.removed.is_empty());
    sandbox.expire_delta();
    let expired = request(&sandbox, &token, "GET", &nothing.link, &[], &Value::Null);
    assert_eq!(refusal(&expired, 410), "SyncStateNotFound");
}

#[test]
fn a_purged_folders_message_delta_answers_404() {
    let (sandbox, token) = seeded(Provider::Microsoft, 30, 8);
    let folder = sandbox.create_folder("Project X", None);
    let filed: Vec<String> = sandbox
        .message_ids(Provider::Microsoft)
        .into_iter()
        .filter(|id| {
            let labels = sandbox.state_of(Provider::Microsoft, id).unwrap().labels;
            labels == [sandbox.folder_id("inbox")]
        })
        .take(3)
        .collect();
    for id in &filed {
        sandbox.move_to(id, &folder);
    }
    let delta = format!("/v1.0/me/mailFolders/{folder}/messages/delta");
    let whole = round(&sandbox, &token, &delta, &[IMMUTABLE]);
    assert_eq!(
        whole.ids().into_iter().collect::<BTreeSet<_>>(),
        filed.iter().cloned().collect()
    );
    let first = get_ok(
        &sandbox,
        &token,
        &delta,
        &[("prefer", "odata.maxpagesize=1")],
    );
    let skip = first["@odata.nextLink"].as_str().unwrap().to_owned();

    // Soft-deleted, the folder and its sync live on in Deleted Items.
    sandbox.delete_folder(&folder);
    let unchanged = round(&sandbox, &token, &whole.link, &[]);
    assert!(unchanged.present.is_empty() && unchanged.removed.is_empty());

    // Purged, its links name nothing, and its mail is gone.
    sandbox.purge_folder(&folder);
    for link in [&unchanged.link, &skip] {
        let gone = request(&sandbox, &token, "GET", link, &[], &Value::Null);
        assert_eq!(refusal(&gone, 404), "ErrorItemNotFound");
        let error = &gone.json()["error"];
        assert_eq!(
            error["message"],
            "The specified object was not found in the store."
        );
        assert!(error["innerError"]["request-id"].is_string());
    }
    assert!(
        filed
            .iter()
            .all(|id| sandbox.state_of(Provider::Microsoft, id).is_none())
    );
}
