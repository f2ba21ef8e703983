//! Random faults: off by default, drawn per request from a seed (the same seed and requests,
//! the same faults), inside batches call by call, after targeted faults, and counted.

use std::time::Duration;

use serde_json::{Value, json};

use super::gmail_support::{Call, batch, replies};
use super::raw::{self, End};
use super::support::*;
use crate::{Fault, FaultKind, MailboxSpec, Provider, RandomFaults, Sandbox};

const GMAIL: &str = "gmail.googleapis.com";
const GRAPH: &str = "graph.microsoft.com";
const PROFILE: &str = "/gmail/v1/users/me/profile";

/// Random faults of `kinds` with `probability`, from `seed`.
fn random(seed: u64, probability: f64, kinds: &[FaultKind]) -> Option<RandomFaults> {
    Some(RandomFaults {
        seed,
        probability,
        kinds: kinds.to_vec(),
    })
}

/// A status fault without `Retry-After`.
fn status(status: u16) -> FaultKind {
    FaultKind::Status {
        status,
        retry_after: None,
    }
}

/// What `count` Gmail profile requests got, one word each: the status, `closed` for a
/// connection closed unanswered, `invalid` for a body that is not JSON.
fn outcomes(sandbox: &Sandbox, token: &str, count: usize) -> Vec<String> {
    (0..count)
        .map(|_| {
            let request = http::Request::get(PROFILE)
                .header("host", GMAIL)
                .header("authorization", format!("Bearer {token}"))
                .body(Default::default())
                .unwrap();
            match sandbox.exchange(request) {
                Err(_) => "closed".to_owned(),
                Ok(reply) if serde_json::from_slice::<Value>(&reply.body).is_err() => {
                    "invalid".to_owned()
                }
                Ok(reply) => reply.status.as_u16().to_string(),
            }
        })
        .collect()
}

/// The outcomes of `count` requests on a fresh sandbox whose Google requests draw random
/// faults from `seed`.
fn run(seed: u64, count: usize) -> Vec<String> {
    let sandbox = sandbox();
    let token = access_token(&sandbox, Provider::Google, None);
    let kinds = [
        status(503),
        status(500),
        FaultKind::ClosedBeforeApplied,
        FaultKind::InvalidJson,
    ];
    sandbox.set_random_faults(Provider::Google, random(seed, 0.5, &kinds));
    let seen = outcomes(&sandbox, &token, count);
    let faulted = seen.iter().filter(|o| *o != "200").count();
    let counted: usize = sandbox.faults_injected(Provider::Google).values().sum();
    assert_eq!(counted, faulted, "{seen:?}");
    seen
}

#[test]
fn random_faults_are_off_by_default_and_at_probability_zero() {
    let sandbox = sandbox();
    let token = access_token(&sandbox, Provider::Google, None);
    let all_fine = |seen: Vec<String>| seen.iter().all(|o| o == "200");
    assert!(all_fine(outcomes(&sandbox, &token, 40)));
    sandbox.set_random_faults(Provider::Google, random(1, 0.0, &[status(503)]));
    assert!(all_fine(outcomes(&sandbox, &token, 40)));
    sandbox.set_random_faults(Provider::Google, random(1, 1.0, &[]));
    assert!(
        all_fine(outcomes(&sandbox, &token, 10)),
        "no kinds, no faults"
    );
    sandbox.set_random_faults(Provider::Google, random(1, 1.0, &[status(503)]));
    assert!(outcomes(&sandbox, &token, 10).iter().all(|o| o == "503"));
    sandbox.set_random_faults(Provider::Google, None);
    assert!(all_fine(outcomes(&sandbox, &token, 10)));
    assert_eq!(sandbox.faults_injected(Provider::Google)["status_503"], 10);
}

#[test]
fn the_same_seed_gives_the_same_faults() {
    let first = run(7, 60);
    assert_eq!(run(7, 60), first);
    assert_ne!(run(8, 60), first, "another seed, other faults");
    for word in ["200", "503", "500", "closed", "invalid"] {
        assert!(first.iter().any(|o| o == word), "{word}: {first:?}");
    }
    // Setting them again starts the seed's sequence afresh.
    let sandbox = sandbox();
    let token = access_token(&sandbox, Provider::Google, None);
    let faults = random(7, 0.5, &[status(503), status(500)]);
    sandbox.set_random_faults(Provider::Google, faults.clone());
    let once = outcomes(&sandbox, &token, 30);
    sandbox.set_random_faults(Provider::Google, faults);
    assert_eq!(outcomes(&sandbox, &token, 30), once);
}

#[test]
fn the_probability_is_the_share_of_requests_that_fault() {
    let sandbox = sandbox();
    let token = access_token(&sandbox, Provider::Google, None);
    sandbox.set_random_faults(Provider::Google, random(3, 0.25, &[status(503)]));
    let seen = outcomes(&sandbox, &token, 400);
    let faulted = seen.iter().filter(|o| *o == "503").count();
    // 100 expected; the binomial's standard deviation is under 9.
    assert!((65..=135).contains(&faulted), "{faulted} of 400");
    assert_eq!(
        sandbox.faults_injected(Provider::Google)["status_503"],
        faulted
    );
}

/// Each provider draws on its own: Google's random faults leave Graph alone.
#[test]
fn random_faults_are_per_provider() {
    let sandbox = sandbox();
    let google = access_token(&sandbox, Provider::Google, None);
    let microsoft = access_token(&sandbox, Provider::Microsoft, None);
    sandbox.set_random_faults(Provider::Google, random(5, 1.0, &[status(500)]));
    assert_eq!(get(&sandbox, GMAIL, PROFILE, Some(&google)).status, 500);
    assert_eq!(
        get(&sandbox, GRAPH, "/v1.0/me", Some(&microsoft)).status,
        200
    );
    assert!(sandbox.faults_injected(Provider::Microsoft).is_empty());
}

/// A targeted fault comes first; the request it takes draws nothing.
#[test]
fn targeted_faults_come_before_random_ones() {
    let sandbox = sandbox();
    let token = access_token(&sandbox, Provider::Google, None);
    sandbox.set_random_faults(Provider::Google, random(5, 1.0, &[status(500)]));
    sandbox.fail_next(Fault::status(Provider::Google, PROFILE, 429));
    assert_eq!(outcomes(&sandbox, &token, 2), ["429", "500"]);
    let counted = sandbox.faults_injected(Provider::Google);
    assert_eq!((counted["status_429"], counted["status_500"]), (1, 1));
}

/// In a Gmail batch each call draws (the batch itself does not): a status answers the call in
/// its own part, and the batch is answered 200.
#[test]
fn in_a_batch_each_call_draws_its_own_status() {
    let (sandbox, token) = seeded(Provider::Google, 5, 2);
    sandbox.set_random_faults(Provider::Google, random(9, 1.0, &[status(503)]));
    let calls = [
        Call::new("a", "GET", "/profile"),
        Call::new("b", "GET", "/labels/INBOX"),
        Call::new("c", "GET", "/profile"),
    ];
    let parts = replies(&batch(&sandbox, Some(&token), &calls));
    for part in &parts {
        assert_eq!(part.reason(503), "backendError");
    }
    assert_eq!(sandbox.faults_injected(Provider::Google)["status_503"], 3);
}

/// A kind a request inside a batch cannot take on its own falls on the whole batch: every
/// request of a Graph batch closed before it was applied leaves the mailbox as it was and the
/// batch unanswered.
#[test]
fn in_a_batch_other_kinds_fall_on_the_whole_batch() {
    let sandbox = sandbox();
    sandbox.seed_mailbox(Provider::Microsoft, &MailboxSpec::default());
    let token = access_token(&sandbox, Provider::Microsoft, None);
    let ids = sandbox.message_ids(Provider::Microsoft);
    for id in &ids[..3] {
        sandbox.set_starred(Provider::Microsoft, id, false);
    }
    let flag = |id: &str, n: usize| {
        json!({"id": n.to_string(), "method": "PATCH", "url": format!("/me/messages/{id}"),
               "headers": {"Content-Type": "application/json"},
               "body": {"flag": {"flagStatus": "flagged"}}})
    };
    let requests: Vec<Value> = ids[..3]
        .iter()
        .enumerate()
        .map(|(n, id)| flag(id, n))
        .collect();
    let faults = random(11, 1.0, &[FaultKind::ClosedBeforeApplied]);
    sandbox.set_random_faults(Provider::Microsoft, faults);
    let body = json!({ "requests": requests });
    let quiet = Duration::from_secs(5);
    let wire = raw::exchange(
        &sandbox,
        "POST",
        GRAPH,
        "/v1.0/$batch",
        &token,
        &body,
        quiet,
    );
    assert_eq!((wire.bytes.len(), wire.end), (0, End::Closed));
    for id in &ids[..3] {
        assert!(!sandbox.state_of(Provider::Microsoft, id).unwrap().starred);
    }
    let counted = sandbox.faults_injected(Provider::Microsoft);
    assert_eq!(counted["closed_before_applied"], 3, "{counted:?}");
}
