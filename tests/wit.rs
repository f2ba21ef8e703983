//! The built artifact is a component whose WIT lists the exported functions and the
//! `wasi:http` import.

use email_harness::Runtime;

#[test]
fn the_component_exports_the_api_and_imports_wasi_http() {
    let path = Runtime::locate().expect("the component is built");
    let bytes = std::fs::read(&path).unwrap();
    let wit = email_harness::inspect::wit(&bytes).unwrap();
    assert!(
        wit.contains("import wasi:http/outgoing-handler@0.2"),
        "{wit}"
    );
    assert!(wit.contains("export email:manager/api@0.1.3"), "{wit}");
    for function in [
        "configure-provider: func(config: provider-config) -> result<provider, error>",
        "begin-auth: func(provider: provider, options: auth-options) -> result<pending-auth, error>",
        "complete-auth: func(provider: provider, pending: pending-auth, callback-url: string) -> result<account, error>",
        "refresh: func(provider: provider, account: account) -> result<account, error>",
        "sync: func(provider: provider, account: account, request: sync-request) -> result<sync-page, failure>",
        "send: func(provider: provider, account: account, message: outgoing) -> result<sent, failure>",
        "list-send-as: func(provider: provider, account: account) -> result<send-as-list, failure>",
        "list-folders: func(provider: provider, account: account) -> result<folder-list, failure>",
        "get-message: func(provider: provider, account: account, id: string) -> result<fetched-message, failure>",
        "get-thread: func(provider: provider, account: account, thread-id: string) -> result<thread, failure>",
        "get-attachment: func(provider: provider, account: account, message-id: string, attachment-id: string, max-bytes: u64) -> result<attachment-data, failure>",
        "modify: func(provider: provider, account: account, request: modify-request) -> result<modify-result, failure>",
        "save-draft: func(provider: provider, account: account, draft-id: option<string>, message: outgoing) -> result<saved-draft, failure>",
        "delete-draft: func(provider: provider, account: account, draft-id: string) -> result<done, failure>",
        "send-draft: func(provider: provider, account: account, draft-id: string) -> result<sent, failure>",
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
