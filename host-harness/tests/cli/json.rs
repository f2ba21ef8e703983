//! `--json` on every command: each one run with it prints one JSON document on standard output
//! (checked here field by field), whatever it prints as text without it.

use super::remote::Remote;
use super::{run, store, text};
use serde_json::Value;
use std::io::BufRead;
use std::process::{Command, Output, Stdio};

/// Standard output of a successful run, parsed as JSON.
fn json(output: &Output) -> Value {
    assert!(output.status.success(), "{}", text(output));
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(output)))
}

/// The CLI with `--json` and `args`, away from any store or sandbox.
fn alone(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_email-harness"))
        .arg("--json")
        .args(args)
        .output()
        .expect("the CLI runs")
}

#[test]
fn every_command_prints_json_with_the_flag() {
    let sandbox = Remote::start(&["--google-messages", "50", "--microsoft-messages", "0"]);
    let dir = store("json");
    let app = sandbox.app("google");
    let ann = sandbox.user("google");
    let ann = ann.as_str();
    let cli = |args: &[&str]| json(&run(&dir, &sandbox, &[&["--json"], args].concat(), None));

    let configured = json(&run(
        &dir,
        &sandbox,
        &[
            "--json",
            "configure",
            "--provider",
            "google",
            "--client-id",
            &app.client_id,
            "--redirect-uri",
            &app.redirect_uri,
        ],
        Some(&app.client_secret),
    ));
    assert_eq!(configured["client_id"], app.client_id.as_str());
    assert!(configured.get("client_secret").is_none());
    let connect = cli(&["connect", "--provider", "google", "--consent"]);
    assert_eq!(connect["email"], ann);
    assert!(connect.get("access_token").is_none());
    assert_eq!(cli(&["refresh", "--provider", "google"])["email"], ann);

    let synced = cli(&["sync", "--provider", "google"]);
    let in_scope = sandbox.message_ids("google").len() as u64;
    assert_eq!(synced["stored"], in_scope);
    assert_eq!(synced["account"], ann);
    let list = cli(&["list", "--provider", "google", "--limit", "1000"]);
    let messages = list.as_array().unwrap();
    assert_eq!(messages.len() as u64, in_scope);
    let with_file = messages
        .iter()
        .find(|m| !m["attachments"].as_array().unwrap().is_empty() && m["message_id"].is_string())
        .expect("a message with a file");
    let id = with_file["id"].as_str().unwrap();
    let thread = with_file["thread_id"].as_str().unwrap();
    assert_eq!(
        cli(&["show", "--provider", "google", "--message", id])["id"],
        id
    );
    let found = cli(&["thread", "--provider", "google", "--thread", thread]);
    assert!(found.as_array().unwrap().iter().any(|m| m["id"] == id));
    let output = dir.join("file.bin");
    let saved = cli(&[
        "attachment",
        "--provider",
        "google",
        "--message",
        id,
        "--attachment",
        with_file["attachments"][0]["id"].as_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
    ]);
    assert_eq!(saved["bytes"], std::fs::metadata(&output).unwrap().len());
    let folders = cli(&["folders", "--provider", "google"]);
    assert!(
        folders
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == "INBOX")
    );
    let modified = cli(&["modify", "--provider", "google", "read", "--message", id]);
    assert_eq!(modified[0]["id"], id);

    let to = ["--to", "zoe@example.com", "--text", "hi"];
    let sent = cli(&[&["send", "--provider", "google", "--subject", "s"][..], &to].concat());
    assert!(sent["id"].is_string());
    let reply = cli(&[&["reply", "--provider", "google", "--message", id][..], &to].concat());
    assert_eq!(reply["thread_id"], thread);
    let forward = cli(&[
        &["forward", "--provider", "google", "--message", id][..],
        &to,
    ]
    .concat());
    assert!(forward["id"].is_string());
    let aliases = cli(&["send-as", "--provider", "google"]);
    assert!(
        aliases
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["address"] == ann)
    );
    let draft = cli(&[&["draft", "--provider", "google", "save"][..], &to].concat());
    let draft_id = draft["id"].as_str().unwrap();
    assert!(draft["message_id"].is_string());
    assert_eq!(
        cli(&["draft", "--provider", "google", "delete", "--id", draft_id])["deleted"],
        draft_id
    );
    let draft = cli(&[&["draft", "--provider", "google", "save"][..], &to].concat());
    let draft_id = draft["id"].as_str().unwrap();
    assert!(cli(&["draft", "--provider", "google", "send", "--id", draft_id])["id"].is_string());

    // The commands that need no account.
    let wit = json(&alone(&["wit"]));
    assert!(
        wit["wit"]
            .as_str()
            .unwrap()
            .contains("export email:manager/sync@")
    );
    let reference = json(&alone(&["wit", "--reference"]));
    assert!(reference["reference"].is_string());
    let bench = json(&alone(&[
        "bench-sync",
        "--only",
        "speed",
        "--messages",
        "20",
        "--latency-ms",
        "0",
        "--page-size",
        "10",
    ]));
    assert_eq!(bench["speed"][0]["messages"], 20);
    assert!(bench["quota"].as_array().unwrap().is_empty());
    let chaos = json(&alone(&[
        "chaos",
        "--provider",
        "google",
        "--schedules",
        "1",
        "--jobs",
        "1",
    ]));
    assert_eq!(chaos[0]["schedules"], 1);
    let demo = json(&alone(&["demo"]));
    assert_eq!(demo["denied"], 0);
    assert_eq!(demo["providers"].as_array().unwrap().len(), 2);

    // `sandbox` serves until interrupted: its first document says where.
    let eml = dir.join("eml");
    std::fs::create_dir_all(&eml).unwrap();
    for n in 1..=2 {
        std::fs::write(
            eml.join(format!("{n}.eml")),
            format!(
                "From: Someone <someone@example.org>\r\nTo: ann@example.com\r\n\
                 Subject: Loaded {n}\r\nMessage-ID: <loaded-{n}@example.org>\r\n\
                 Date: Mon, 30 Nov 2026 06:00:00 +0000\r\n\r\nHello {n}.\r\n"
            ),
        )
        .unwrap();
    }
    std::fs::write(eml.join("notes.txt"), "not a message").unwrap();
    let info = dir.join("sandbox.json");
    let mut serving = Command::new(env!("CARGO_BIN_EXE_email-harness"))
        .args([
            "--json",
            "sandbox",
            "--messages",
            "3",
            "--seed",
            "7",
            "--eml",
        ])
        .arg(&eml)
        .arg("--info")
        .arg(&info)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut document = String::new();
    let mut lines = std::io::BufReader::new(serving.stdout.take().unwrap()).lines();
    let served: Value = loop {
        document.push_str(&lines.next().expect("a line").unwrap());
        if let Ok(value) = serde_json::from_str(&document) {
            break value;
        }
    };
    serving.kill().unwrap();
    serving.wait().unwrap();
    assert!(served["base_url"].as_str().unwrap().starts_with("http://"));
    // It says which apps it accepts and who signs in, and writes the same to --info.
    let written: Value = serde_json::from_slice(&std::fs::read(&info).unwrap()).unwrap();
    assert_eq!(written, served);
    let providers = served["providers"].as_array().unwrap();
    assert_eq!(providers.len(), 2);
    // The same generated mailbox in another sandbox process, to count what the served one
    // should hold.
    let same = Remote::start(&["--messages", "3", "--seed", "7"]);
    for (served, name, user) in [
        (&providers[0], "google", "ann@example.com"),
        (&providers[1], "microsoft", "AdeleV@contoso.onmicrosoft.com"),
    ] {
        assert_eq!(served["provider"], name);
        assert_eq!(served["user"], user);
        // The generated messages and the 2 .eml files; the .txt file is not mail.
        let generated = same.message_ids(name).len();
        assert_eq!(served["messages"], generated + 2, "{served}");
        let app = &served["apps"][0];
        assert!(app["client_id"].as_str().unwrap().starts_with("sandbox-"));
        assert!(!app["client_secret"].as_str().unwrap().is_empty());
        assert!(
            app["redirect_uris"][0]
                .as_str()
                .unwrap()
                .starts_with("http://127.0.0.1:")
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
