//! Chaos: 100 seeded schedules per provider, each mixing random faults of every kind with
//! mailbox changes between and during calls and with a host that crashes before committing
//! pages; after the faults stop, the host's copy must equal the mailbox, with no false
//! re-authorization, no lost token, no trap and no call past its memory limit (see
//! `email_harness::chaos`). A failing schedule prints its seed; replay it with
//! `./build.sh chaos --provider P --seed N --schedules 1`.

mod common;

use email_harness::chaos::{self, Broken, Plan, Report};
use email_harness::types::Provider;

/// Schedules per provider.
const SCHEDULES: usize = 100;

/// Schedules run at once: most of a schedule's time is spent waiting for timeouts.
const JOBS: usize = 3;

fn run(kind: Provider) {
    let print = |report: &Report| {
        for violation in &report.violations {
            eprintln!(
                "chaos {kind:?}: seed {} FAILED ({}): {}",
                report.seed,
                violation.kind.name(),
                violation.detail
            );
        }
    };
    let plan = Plan {
        first_seed: 1,
        schedules: SCHEDULES,
        jobs: JOBS,
        trace: false,
    };
    let summary = chaos::run(common::runtime(), kind, plan, &print).expect("the schedules run");
    eprintln!("{}", summary.markdown(&format!("{kind:?}"), 1));
    assert_eq!(summary.schedules, SCHEDULES);
    let seeds: Vec<u64> = summary.failures.iter().map(|(seed, _)| *seed).collect();
    assert!(seeds.is_empty(), "{kind:?}: failing seeds {seeds:?}");
    // The schedules did what they are for: faults of many kinds, crashes, changes.
    assert!(summary.faults.len() >= 8, "{:?}", summary.faults);
    assert!(summary.crashes > 0 && summary.changes > 0 && summary.errors > 0);
    for kind in Broken::ALL {
        assert_eq!(summary.count(kind), 0, "{}", kind.name());
    }
}

#[test]
fn gmail_converges_under_chaos() {
    run(Provider::Google);
}

#[test]
fn outlook_converges_under_chaos() {
    run(Provider::Microsoft);
}
