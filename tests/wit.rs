//! The built artifact is a component whose WIT lists the exported interfaces, their functions
//! and the `wasi:http` import.

use email_harness::Runtime;

#[test]
fn the_component_exports_four_interfaces_and_imports_wasi_http() {
    let path = Runtime::locate().expect("the component is built");
    let bytes = std::fs::read(&path).unwrap();
    let wit = email_harness::inspect::wit(&bytes).unwrap();
    assert!(
        wit.contains("import wasi:http/outgoing-handler@0.2"),
        "{wit}"
    );
    for interface in ["auth", "sync", "send", "mailbox"] {
        let export = format!("export email:manager/{interface}@0.2.0");
        assert!(wit.contains(&export), "missing {export} in\n{wit}");
    }
    assert!(!wit.contains("email:manager/api"), "{wit}");
    for function in [
        "configure-app: func(config: app-config) -> result<app, error>",
        "begin-auth: func(app: app, options: auth-options) -> result<pending-auth, error>",
        "complete-auth: func(app: app, pending: pending-auth, callback-url: string) -> result<account, error>",
        "refresh: func(app: app, account: account) -> result<account, error>",
        "sync: func(app: app, account: account, request: sync-request) -> result<sync-page, failure>",
        "send: func(app: app, account: account, message: outgoing) -> result<sent, failure>",
        "list-send-as: func(app: app, account: account) -> result<send-as-list, failure>",
        "list-folders: func(app: app, account: account) -> result<folder-list, failure>",
        "get-message: func(app: app, account: account, id: string) -> result<fetched-message, failure>",
        "get-thread: func(app: app, account: account, thread-id: string) -> result<thread, failure>",
        "get-attachment: func(app: app, account: account, request: attachment-request) -> result<attachment-data, failure>",
        "modify: func(app: app, account: account, request: modify-request) -> result<modify-result, failure>",
        "save-draft: func(app: app, account: account, draft-id: option<string>, message: outgoing) -> result<saved-draft, failure>",
        "delete-draft: func(app: app, account: account, draft-id: string) -> result<done, failure>",
        "send-draft: func(app: app, account: account, draft-id: string) -> result<sent, failure>",
        // Times are Unix seconds; per-id outcomes are results; every error case has a record.
        "date: option<s64>",
        "outcome: result<_, error>",
        "transport(transport-failure)",
        "unsupported(unsupported-feature)",
    ] {
        assert!(wit.contains(function), "missing {function} in\n{wit}");
    }
}

#[test]
fn the_readme_wit_reference_is_written_from_the_wit() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let generated = email_harness::reference::markdown(&root.join("wit")).unwrap();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(
        readme.contains(&format!(
            "{}\n{generated}{}",
            email_harness::reference::START,
            email_harness::reference::END
        )),
        "README.md's WIT reference is stale: run ./build.sh wit --reference"
    );
}
