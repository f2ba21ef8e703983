//! `email-harness sandbox` as a process of its own, driven as a host in another language would
//! drive it: its apps read from the document it writes, its mailboxes and faults changed and
//! its sent mail read back through the HTTP control API, the CLI pointed at its base URL.

use super::remote::{Remote, sha256};
use super::{only, open_store, run_at, store, text};
use email_harness::types::Provider;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// The folder of the project's hard mail corpus.
fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus")
}

#[test]
fn a_sandbox_process_driven_over_http_serves_the_command_line() {
    let dir = store("process");
    let served = Remote::start(&["--messages", "6", "--seed", "3"]);
    let base = served.base_url();
    let at_start = served.json("GET", "google/messages", Value::Null, 200);
    let at_start = at_start["ids"].as_array().unwrap().len();
    assert_eq!(
        served.provider("google")["messages"],
        at_start,
        "{}",
        served.info()
    );
    assert!(at_start > 0);

    // The CLI connects both providers with the apps the sandbox printed.
    for name in ["google", "microsoft"] {
        let app = &served.provider(name)["apps"][0];
        let configure = run_at(
            &dir,
            &base,
            &[
                "configure",
                "--provider",
                name,
                "--client-id",
                app["client_id"].as_str().unwrap(),
                "--redirect-uri",
                app["redirect_uris"][0].as_str().unwrap(),
            ],
            app["client_secret"].as_str(),
        );
        assert!(configure.status.success(), "{}", text(&configure));
        let connect = run_at(
            &dir,
            &base,
            &["connect", "--provider", name, "--consent"],
            None,
        );
        assert!(connect.status.success(), "{}", text(&connect));
    }

    // Mail arrives through the control API: generated, and a real .eml as it is.
    let eml = std::fs::read(corpus().join("cid-images.eml")).unwrap();
    for (name, kind) in [
        ("google", Provider::Google),
        ("microsoft", Provider::Microsoft),
    ] {
        let delivered = served.json(
            "POST",
            &format!("{name}/deliver"),
            json!({ "count": 2 }),
            201,
        );
        assert_eq!(delivered["ids"].as_array().unwrap().len(), 2);
        let (status, filed) =
            served.control("POST", &format!("{name}/messages"), "message/rfc822", &eml);
        assert_eq!(status, 201, "{filed}");
        let filed = filed["id"].as_str().unwrap().to_owned();
        let state = served.json("GET", &format!("{name}/messages/{filed}"), Value::Null, 200);
        assert_eq!(state["unread"], true, "filed as delivered mail");

        let sync = run_at(&dir, &base, &["sync", "--provider", name], None);
        assert!(sync.status.success(), "{}", text(&sync));
        let in_scope = served.json("GET", &format!("{name}/messages"), Value::Null, 200);
        let db = open_store(&dir);
        let stored = db.messages(&only(&db, kind)).unwrap();
        assert_eq!(
            stored.len(),
            in_scope["ids"].as_array().unwrap().len(),
            "{name}"
        );
        assert!(
            stored
                .iter()
                .any(|m| m.subject.as_deref() == Some("Two pictures in the text")),
            "{name}: the .eml was synced"
        );
    }

    // A send, read back through the control API with its attachment's hash.
    let file = dir.join("report.txt");
    std::fs::write(&file, b"quarterly figures\n").unwrap();
    for name in ["google", "microsoft"] {
        let send = run_at(
            &dir,
            &base,
            &[
                "send",
                "--provider",
                name,
                "--to",
                "zoe@example.com",
                "--subject",
                "From the process test",
                "--text",
                "See attached.",
                "--attach",
                file.to_str().unwrap(),
            ],
            None,
        );
        assert!(send.status.success(), "{}", text(&send));
        let sent = served.json("GET", &format!("{name}/sent"), Value::Null, 200);
        let last = sent["sent"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["subject"], "From the process test");
        assert_eq!(last["to"][0]["address"], "zoe@example.com");
        let attachment = &last["attachments"][0];
        assert_eq!(attachment["filename"], "report.txt");
        assert_eq!(attachment["sha256"], sha256(b"quarterly figures\n"));
    }

    // A fault queued over HTTP is what the next CLI call reports.
    let fault = json!({ "kind": "status", "status": 400, "path_contains": "/gmail/v1/" });
    served.json("POST", "google/faults", fault, 201);
    let failed = run_at(&dir, &base, &["sync", "--provider", "google"], None);
    assert!(!failed.status.success(), "{}", text(&failed));
    assert!(text(&failed).contains("400"), "{}", text(&failed));
    let counted = served.json("GET", "google/faults", Value::Null, 200);
    assert_eq!(counted["injected"]["status_400"], 1);
    let again = run_at(&dir, &base, &["sync", "--provider", "google"], None);
    assert!(
        again.status.success(),
        "the fault was for one request: {}",
        text(&again)
    );

    // The request log shows the CLI's traffic without secrets, and a reset empties it.
    let log = served.json("GET", "requests", Value::Null, 200);
    let log = log["requests"].as_array().unwrap();
    assert!(log.iter().any(|r| r["host"] == "graph.microsoft.com"));
    let secret = served.provider("google")["apps"][0]["client_secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!serde_json::to_string(log).unwrap().contains(&secret));
    served.json("POST", "reset", Value::Null, 204);
    assert!(
        served.json("GET", "requests", Value::Null, 200)["requests"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let after = served.json("GET", "google/messages", Value::Null, 200);
    assert_eq!(
        after["ids"].as_array().unwrap().len(),
        at_start,
        "back to the mailbox it started with"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
