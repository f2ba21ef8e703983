//! Several accounts in one store: two Gmail accounts and an Outlook one, connected, synced,
//! listed and sent from side by side, each seeing only its own mail. The sandbox signs in one
//! user per provider, so the second Gmail user is the user of a second sandbox (the CLI picks
//! the sandbox per run with `--sandbox-url`).

use super::remote::Remote;
use super::{connected, open_store, run, store, text};
use email_harness::store::AccountKey;
use email_harness::types::Provider;

/// The ids a `list --json` printed.
fn listed(output: &std::process::Output) -> Vec<String> {
    let list: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let mut ids: Vec<String> = list
        .as_array()
        .expect("an array")
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

/// `args`, then the flags that choose the account.
fn with<'a>(choose: &[&'a str], args: &[&'a str]) -> Vec<&'a str> {
    [args, choose].concat()
}

#[test]
fn two_gmail_accounts_and_an_outlook_one_side_by_side() {
    // Ann (Gmail, 40 messages) and Adele (Outlook, 30) at one sandbox, Bob (Gmail, 25) at
    // another.
    let ann_at = Remote::start(&[
        "--google-messages",
        "40",
        "--google-seed",
        "1",
        "--microsoft-messages",
        "30",
        "--microsoft-seed",
        "3",
    ]);
    let bob_at = Remote::start(&[
        "--google-messages",
        "25",
        "--google-seed",
        "2",
        "--microsoft-messages",
        "0",
        "--google-user",
        "bob@example.org",
        "--google-name",
        "Bob Example",
    ]);
    let dir = store("accounts");
    let (ann, adele) = (ann_at.user("google"), ann_at.user("microsoft"));
    let (ann, adele) = (ann.as_str(), adele.as_str());
    let bob = "bob@example.org";

    // Ann and Adele, configured and connected; then Bob, with the Google app already there.
    connected(&dir, &ann_at, "google");
    connected(&dir, &ann_at, "microsoft");
    let connect = run(
        &dir,
        &bob_at,
        &["connect", "--provider", "google", "--consent"],
        None,
    );
    assert!(connect.status.success(), "{}", text(&connect));
    assert!(text(&connect).contains(&format!("connected google {bob}")));
    let db = open_store(&dir);
    let key = |kind, email: &str| AccountKey {
        provider: kind,
        email: email.to_owned(),
    };
    assert_eq!(
        db.accounts(None).unwrap(),
        [
            key(Provider::Google, ann),
            key(Provider::Google, bob),
            key(Provider::Microsoft, adele),
        ]
    );

    // Two Gmail accounts and none named: one clear line naming both.
    let ambiguous = run(&dir, &ann_at, &["list", "--provider", "google"], None);
    assert_eq!(ambiguous.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&ambiguous.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("--account") && stderr.contains(ann) && stderr.contains(bob),
        "{stderr}"
    );
    let unknown = run(
        &dir,
        &ann_at,
        &[
            "list",
            "--provider",
            "google",
            "--account",
            "eve@example.com",
        ],
        None,
    );
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no google account eve@example.com"));

    // Each synced, listed and sent from: the Outlook account needs no --account.
    let sides: [(&Remote, &str, &[&str]); 3] = [
        (&ann_at, "google", &["--account", ann]),
        (&bob_at, "google", &["--account", "BOB@example.org"]),
        (&ann_at, "microsoft", &[]),
    ];
    let mut synced = Vec::new();
    for (sandbox, name, choose) in sides {
        let own = sandbox.message_ids(name);
        synced.push(own.len());
        let sync = run(
            &dir,
            sandbox,
            &with(choose, &["sync", "--provider", name]),
            None,
        );
        assert!(sync.status.success(), "{}", text(&sync));
        assert!(
            String::from_utf8_lossy(&sync.stdout).contains(&format!("; {} stored", own.len())),
            "{}",
            text(&sync)
        );
        let list = run(
            &dir,
            sandbox,
            &with(
                choose,
                &["--json", "list", "--provider", name, "--limit", "1000"],
            ),
            None,
        );
        assert!(list.status.success(), "{}", text(&list));
        let mut expected = own.clone();
        expected.sort();
        assert_eq!(
            listed(&list),
            expected,
            "{name} {choose:?} lists its own mail"
        );

        let subject = format!("from {name} {choose:?}");
        let send = run(
            &dir,
            sandbox,
            &with(
                choose,
                &[
                    "send",
                    "--provider",
                    name,
                    "--to",
                    "zoe@example.com",
                    "--subject",
                    &subject,
                    "--text",
                    "hello",
                ],
            ),
            None,
        );
        assert!(send.status.success(), "{}", text(&send));
        let sent = sandbox.sent(name).pop().unwrap();
        assert_eq!(sent["subject"], subject.as_str());
    }
    // Each Gmail sandbox saw only its own user's message.
    assert_eq!(ann_at.sent("google").len(), 1);
    assert_eq!(bob_at.sent("google").len(), 1);

    // The store keeps each account's mail apart.
    let db = open_store(&dir);
    let accounts = [
        key(Provider::Google, ann),
        key(Provider::Google, bob),
        key(Provider::Microsoft, adele),
    ];
    for (account, count) in accounts.iter().zip(synced) {
        assert_eq!(db.count(account).unwrap(), count, "{account:?}");
    }
    assert_ne!(
        db.messages(&accounts[0]).unwrap(),
        db.messages(&accounts[1]).unwrap()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
