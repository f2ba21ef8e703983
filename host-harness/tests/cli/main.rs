//! The `email-harness` command line against a sandbox process driven over its control API
//! ([`remote`]): configure, connect (the
//! sandbox consents), refresh and a refused refresh, for both providers, with nothing secret in
//! anything it prints; sync, send and manage; several accounts side by side ([`accounts`]);
//! `--json` on every command ([`json`]); and a sandbox process of its own driven through its
//! HTTP control API ([`process`]).

mod accounts;
mod json;
mod process;
mod remote;

use email_harness::store::{AccountKey, Key, Store};
use email_harness::types::Provider;
use remote::Remote;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh store folder for one test.
fn store(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("email-harness-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Runs the CLI with the store and sandbox set; returns its output.
fn run(store: &PathBuf, sandbox: &Remote, args: &[&str], secret: Option<&str>) -> Output {
    run_at(store, &sandbox.base_url(), args, secret)
}

/// Runs the CLI with the store set and the sandbox at `base_url`; returns its output.
fn run_at(store: &PathBuf, base_url: &str, args: &[&str], secret: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_email-harness"));
    command
        .arg("--store")
        .arg(store)
        .arg("--sandbox-url")
        .arg(base_url)
        .args(args)
        .env_remove("EMAIL_HARNESS_CLIENT_SECRET");
    if let Some(secret) = secret {
        command.env("EMAIL_HARNESS_CLIENT_SECRET", secret);
    }
    command.output().expect("the CLI runs")
}

/// The CLI's store in `dir`, opened with its key file.
fn open_store(dir: &Path) -> Store {
    let key = Key::from_env_or_file(&dir.join("key")).expect("the key file");
    Store::open(&dir.join("store.db"), &key).expect("the store opens")
}

/// The key of the only account of `kind` in `db`.
fn only(db: &Store, kind: Provider) -> AccountKey {
    let keys = db.accounts(Some(kind)).unwrap();
    assert_eq!(keys.len(), 1, "one account of the kind");
    keys[0].clone()
}

/// Configures the sandbox app of `name` and connects its user (the sandbox consents).
fn connected(dir: &PathBuf, sandbox: &Remote, name: &str) {
    let app = sandbox.app(name);
    let configure = run(
        dir,
        sandbox,
        &[
            "configure",
            "--provider",
            name,
            "--client-id",
            &app.client_id,
            "--redirect-uri",
            &app.redirect_uri,
        ],
        Some(&app.client_secret),
    );
    assert!(configure.status.success(), "{}", text(&configure));
    let connect = run(
        dir,
        sandbox,
        &["connect", "--provider", name, "--consent"],
        None,
    );
    assert!(connect.status.success(), "{}", text(&connect));
}

/// Both providers: the CLI's (and the control API's) name and the WIT's.
const BOTH: [(&str, Provider); 2] = [
    ("google", Provider::Google),
    ("microsoft", Provider::Microsoft),
];

/// A sandbox process whose Gmail mailbox holds `messages` generated from `seed` (the Outlook
/// one is empty), and a store folder `name` where the CLI has configured and connected it.
fn google_mailbox(messages: usize, seed: u64, name: &str) -> (Remote, PathBuf) {
    let (messages, seed) = (messages.to_string(), seed.to_string());
    let sandbox = Remote::start(&[
        "--messages",
        "0",
        "--google-messages",
        &messages,
        "--google-seed",
        &seed,
    ]);
    let dir = store(name);
    connected(&dir, &sandbox, "google");
    (sandbox, dir)
}

/// A generated mailbox (50 messages from seed 1) for provider `name`, connected and synced
/// through the CLI.
fn synced(dir: &PathBuf, sandbox: &Remote, name: &str) {
    sandbox.seed_mailbox(name, 50, 1);
    connected(dir, sandbox, name);
    let synced = run(dir, sandbox, &["sync", "--provider", name], None);
    assert!(synced.status.success(), "{}", text(&synced));
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn configure_connect_refresh_for_both_providers() {
    let sandbox = Remote::start(&["--messages", "0"]);
    let dir = store("flow");
    let mut printed = String::new();
    for (name, _) in BOTH {
        let app = sandbox.app(name);
        let configure = run(
            &dir,
            &sandbox,
            &[
                "configure",
                "--provider",
                name,
                "--client-id",
                &app.client_id,
                "--redirect-uri",
                &app.redirect_uri,
            ],
            Some(&app.client_secret),
        );
        assert!(configure.status.success(), "{}", text(&configure));
        assert!(
            String::from_utf8_lossy(&configure.stdout)
                .starts_with(&format!("configured {name} client {}", app.client_id))
        );

        let connect = run(
            &dir,
            &sandbox,
            &["connect", "--provider", name, "--consent"],
            None,
        );
        assert!(connect.status.success(), "{}", text(&connect));
        let user = sandbox.user(name);
        assert!(
            text(&connect).contains(&format!("connected {name} {user}")),
            "{}",
            text(&connect)
        );

        let refresh = run(&dir, &sandbox, &["refresh", "--provider", name], None);
        assert!(refresh.status.success(), "{}", text(&refresh));

        sandbox.revoke(name);
        let refused = run(&dir, &sandbox, &["refresh", "--provider", name], None);
        assert_eq!(refused.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        assert!(stderr.contains("re-authorize the account"), "{stderr}");

        for output in [configure, connect, refresh, refused] {
            printed.push_str(&text(&output));
        }
    }

    // The store holds the secrets, sealed; nothing printed holds them, nor the database file.
    let db = open_store(&dir);
    let mut secrets: Vec<String> = Vec::new();
    for kind in [Provider::Google, Provider::Microsoft] {
        let account = db.account(&only(&db, kind)).unwrap().unwrap();
        secrets.push(account.access_token);
        secrets.extend(account.refresh_token);
    }
    secrets.extend([
        sandbox.app("google").client_secret,
        sandbox.app("microsoft").client_secret,
    ]);
    assert_eq!(secrets.len(), 6);
    let file = String::from_utf8_lossy(&std::fs::read(dir.join("store.db")).unwrap()).into_owned();
    for secret in &secrets {
        assert!(!printed.contains(secret.as_str()), "a secret was printed");
        assert!(
            !file.contains(secret.as_str()),
            "a secret is in the clear in the database"
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("store.db"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the store is readable by its owner only");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_field_is_one_clear_line() {
    let sandbox = Remote::start(&["--messages", "0"]);
    let dir = store("bad-field");
    let output = run(
        &dir,
        &sandbox,
        &[
            "configure",
            "--provider",
            "microsoft",
            "--client-id",
            "x",
            "--redirect-uri",
            "http://app.example.com/cb",
        ],
        Some("some-secret-value"),
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("email-harness: fix the field redirect-uri: "),
        "{stderr}"
    );
    assert!(!text(&output).contains("some-secret-value"));
    assert!(!dir.join("store.json").exists(), "nothing stored");
}

#[test]
fn wit_prints_the_exports_and_the_http_import() {
    let output = Command::new(env!("CARGO_BIN_EXE_email-harness"))
        .arg("wit")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    let wit = String::from_utf8_lossy(&output.stdout);
    assert!(wit.contains("import wasi:http/outgoing-handler@0.2"));
    assert!(wit.contains("export email:manager/auth@0.2.0"));
    assert!(wit.contains("export email:manager/mailbox@0.2.0"));
    assert!(wit.contains("complete-auth: func("));
}

#[test]
fn sync_stores_every_message_with_its_cursor() {
    let (sandbox, dir) = google_mailbox(120, 5, "sync");
    let sync = run(
        &dir,
        &sandbox,
        &["sync", "--provider", "google", "--page-size", "25"],
        None,
    );
    assert!(sync.status.success(), "{}", text(&sync));
    let in_scope = sandbox.message_ids("google").len();
    let stdout = String::from_utf8_lossy(&sync.stdout);
    assert!(stdout.contains(&format!("{in_scope} stored")), "{stdout}");

    let db = open_store(&dir);
    let ann = only(&db, Provider::Google);
    assert_eq!(db.messages(&ann).unwrap().len(), in_scope);
    assert!(db.cursor(&ann).unwrap().unwrap().starts_with("em1."));

    // New mail: the next run brings just that.
    sandbox.deliver("google", 2);
    let again = run(&dir, &sandbox, &["sync", "--provider", "google"], None);
    assert!(
        String::from_utf8_lossy(&again.stdout).contains(&format!(
            "2 messages, 0 deleted, 0 changed; {} stored",
            in_scope + 2
        )),
        "{}",
        text(&again)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn send_reply_and_forward_from_the_command_line() {
    let sandbox = Remote::start(&["--messages", "0"]);
    let dir = store("send");
    for (name, kind) in BOTH {
        synced(&dir, &sandbox, name);

        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("notes ✓.txt");
        std::fs::write(&file, "ligne 1\n").unwrap();
        let send = run(
            &dir,
            &sandbox,
            &[
                "send",
                "--provider",
                name,
                "--to",
                "Zoë Ågren <zoe@example.com>",
                "--subject",
                "Compte rendu",
                "--text",
                "Voilà.",
                "--attach",
                file.to_str().unwrap(),
            ],
            None,
        );
        assert!(send.status.success(), "{}", text(&send));
        let sent = sandbox.sent(name).pop().unwrap();
        assert!(
            String::from_utf8_lossy(&send.stdout)
                .starts_with(&format!("sent {} in thread ", sent["id"].as_str().unwrap()))
        );
        assert_eq!(sent["to"][0]["name"], "Zoë Ågren");
        assert_eq!(sent["attachments"][0]["filename"], "notes ✓.txt");
        assert_eq!(
            sent["attachments"][0]["sha256"],
            remote::sha256(b"ligne 1\n")
        );

        // Reply to a synced message: its id from the stored mailbox.
        let db = open_store(&dir);
        let stored = db.messages(&only(&db, kind)).unwrap();
        let original = stored
            .iter()
            .find(|m| m.message_id.is_some() && !m.draft)
            .unwrap();
        let id = original.id.as_str();
        let reply = run(
            &dir,
            &sandbox,
            &[
                "reply",
                "--provider",
                name,
                "--message",
                id,
                "--all",
                "--text",
                "D'accord.",
            ],
            None,
        );
        assert!(reply.status.success(), "{}", text(&reply));
        let answer = sandbox.sent(name).pop().unwrap();
        assert_eq!(
            answer["in_reply_to"].as_str(),
            original.message_id.as_deref()
        );

        let forward = run(
            &dir,
            &sandbox,
            &[
                "forward",
                "--provider",
                name,
                "--message",
                id,
                "--to",
                "frank@example.com",
            ],
            None,
        );
        assert!(forward.status.success(), "{}", text(&forward));
        assert_eq!(
            sandbox.sent(name).pop().unwrap()["to"][0]["address"],
            "frank@example.com"
        );

        // A header injection is one clear line, and nothing goes out.
        let count = sandbox.sent(name).len();
        let evil = run(
            &dir,
            &sandbox,
            &[
                "send",
                "--provider",
                name,
                "--to",
                "a@example.com",
                "--subject",
                "x\r\nBcc: eve@evil.example",
                "--text",
                "hi",
            ],
            None,
        );
        assert!(!evil.status.success());
        let stderr = String::from_utf8_lossy(&evil.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("subject"), "{stderr}");
        assert_eq!(sandbox.sent(name).len(), count);
    }
    let aliases = run(&dir, &sandbox, &["send-as", "--provider", "google"], None);
    assert!(
        String::from_utf8_lossy(&aliases.stdout).contains("(primary, default)"),
        "{}",
        text(&aliases)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn folders_show_attachment_modify_and_drafts_from_the_command_line() {
    let sandbox = Remote::start(&["--messages", "0"]);
    let dir = store("manage");
    for (name, kind) in BOTH {
        synced(&dir, &sandbox, name);

        let folders = run(&dir, &sandbox, &["folders", "--provider", name], None);
        assert!(folders.status.success(), "{}", text(&folders));
        assert!(
            String::from_utf8_lossy(&folders.stdout).contains("Inbox"),
            "{}",
            text(&folders)
        );
        let db = open_store(&dir);
        assert!(
            !db.folders(&only(&db, kind)).unwrap().is_empty(),
            "folders are stored"
        );

        let db = open_store(&dir);
        let stored = db.messages(&only(&db, kind)).unwrap();
        let with_file = stored.iter().find(|m| !m.attachments.is_empty()).unwrap();
        let id = with_file.id.as_str();
        let show = run(
            &dir,
            &sandbox,
            &["show", "--provider", name, "--message", id],
            None,
        );
        assert!(show.status.success(), "{}", text(&show));
        let subject = with_file.subject.as_deref().unwrap_or_default();
        assert!(
            String::from_utf8_lossy(&show.stdout).contains(subject),
            "{}",
            text(&show)
        );

        let attachment = with_file.attachments[0].id.as_str();
        let output = dir.join("file.bin");
        let too_big = run(
            &dir,
            &sandbox,
            &[
                "attachment",
                "--provider",
                name,
                "--message",
                id,
                "--attachment",
                attachment,
                "--output",
                output.to_str().unwrap(),
                "--max-bytes",
                "1",
            ],
            None,
        );
        assert!(!too_big.status.success());
        let stderr = String::from_utf8_lossy(&too_big.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("max-bytes") && !output.exists(), "{stderr}");

        let modify = run(
            &dir,
            &sandbox,
            &[
                "modify",
                "--provider",
                name,
                "read",
                "--message",
                id,
                "--message",
                "nonexistent-id",
            ],
            None,
        );
        assert!(!modify.status.success(), "one id failed: {}", text(&modify));
        let stdout = String::from_utf8_lossy(&modify.stdout);
        assert!(stdout.contains(&format!("{id}: done")), "{stdout}");
        assert!(stdout.contains("nonexistent-id: "), "{stdout}");
        assert_eq!(
            sandbox
                .state_of(name, id)
                .map(|s| s["unread"].as_bool().unwrap()),
            Some(false)
        );

        let save = run(
            &dir,
            &sandbox,
            &[
                "draft",
                "--provider",
                name,
                "save",
                "--to",
                "bob@example.com",
                "--subject",
                "Brouillon",
                "--text",
                "à suivre",
            ],
            None,
        );
        assert!(save.status.success(), "{}", text(&save));
        let saved = String::from_utf8_lossy(&save.stdout);
        let draft_id = saved.split_whitespace().nth(2).unwrap().to_owned();
        let send = run(
            &dir,
            &sandbox,
            &["draft", "--provider", name, "send", "--id", &draft_id],
            None,
        );
        assert!(send.status.success(), "{}", text(&send));
        assert_eq!(
            sandbox.sent(name).pop().unwrap()["subject"].as_str(),
            Some("Brouillon")
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_demo_walks_the_whole_path_and_sums_it_up() {
    let output = Command::new(env!("CARGO_BIN_EXE_email-harness"))
        .arg("demo")
        .output()
        .expect("the demo runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", text(&output));
    let summary = stdout.split("summary:").nth(1).expect("a summary");
    for name in ["google", "microsoft"] {
        let line = summary
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{name}:")))
            .unwrap_or_else(|| panic!("no {name} line in {summary}"));
        for expected in [
            "connected",
            "first sync ",
            "reply in the original's thread",
            "forward stored",
            "3/3 marked read",
            "2/2 new arrived",
        ] {
            assert!(
                line.contains(expected),
                "{name}: {expected:?} not in {line}"
            );
        }
    }
    assert!(
        summary.contains("routed to the sandbox, 0 denied"),
        "{summary}"
    );
    assert!(stdout.contains("incremental sync: "), "{stdout}");
}

#[test]
fn a_sync_killed_between_pages_loses_and_repeats_nothing() {
    let (sandbox, dir) = google_mailbox(400, 9, "kill");
    sandbox.set_latency(std::time::Duration::from_millis(40));

    let mut child = Command::new(env!("CARGO_BIN_EXE_email-harness"))
        .arg("--store")
        .arg(&dir)
        .arg("--sandbox-url")
        .arg(sandbox.base_url())
        .args(["sync", "--provider", "google", "--page-size", "25"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the CLI starts");
    // Wait for the first committed page, then kill the harness in the middle of the next ones.
    let watcher = rusqlite::Connection::open(dir.join("store.db")).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let committed: i64 = watcher
            .query_row("SELECT COUNT(*) FROM messages", [], |r| r.get(0))
            .unwrap_or(0);
        if committed >= 50 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no page was committed"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sync ended before it was killed"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    sandbox.set_latency(std::time::Duration::ZERO);

    // The store is intact: a whole number of pages, with the cursor that goes with them.
    let check: String = watcher
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let db = open_store(&dir);
    let ann = only(&db, Provider::Google);
    let before = db.messages(&ann).unwrap().len();
    let in_scope = sandbox.message_ids("google");
    assert!(
        before >= 50 && before < in_scope.len(),
        "{before} stored before the kill"
    );
    assert_eq!(before % 25, 0, "only whole pages are committed: {before}");
    assert!(db.cursor(&ann).unwrap().is_some());

    // The next sync completes: every message once, none fetched twice.
    let resumed = run(
        &dir,
        &sandbox,
        &[
            "--json",
            "sync",
            "--provider",
            "google",
            "--page-size",
            "25",
        ],
        None,
    );
    assert!(resumed.status.success(), "{}", text(&resumed));
    let report: serde_json::Value = serde_json::from_slice(&resumed.stdout).unwrap();
    assert_eq!(
        report["messages"].as_u64().unwrap() as usize + before,
        in_scope.len(),
        "{report}"
    );
    let mut stored: Vec<String> = open_store(&dir)
        .messages(&ann)
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    stored.sort();
    let mut expected = in_scope.clone();
    expected.sort();
    assert_eq!(stored, expected);
    let _ = std::fs::remove_dir_all(&dir);
}
