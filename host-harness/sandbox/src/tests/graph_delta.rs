//! Message delta's order, `$orderby`, `$filter` and page sizes, as
//! https://learn.microsoft.com/en-us/graph/delta-query-messages documents them: no order
//! guaranteed without `$orderby`; `receivedDateTime desc` the only order and `receivedDateTime
//! ge|gt` the only filter taken; a filtered round "only up to 5,000 messages".

use std::collections::BTreeSet;

use serde_json::Value;

use super::graph_support::*;
use super::support::*;
use crate::Provider;

const INBOX_DELTA: &str = "/v1.0/me/mailFolders/inbox/messages/delta";

/// The `receivedDateTime`s of `entries`.
fn received(entries: &[Value]) -> Vec<String> {
    entries
        .iter()
        .map(|e| e["receivedDateTime"].as_str().unwrap().to_owned())
        .collect()
}

/// Marks message `id` read if unread and unread if read: a change whatever it was.
fn flip_read(sandbox: &crate::Sandbox, id: &str) {
    let unread = sandbox.state_of(Provider::Microsoft, id).unwrap().unread;
    sandbox.set_unread(Provider::Microsoft, id, !unread);
}

/// A `$filter` (or `$orderby`) query for the inbox delta.
fn inbox_delta(option: &str, value: &str) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair(option, value)
        .finish();
    format!("{INBOX_DELTA}?{query}")
}

#[test]
fn first_rounds_come_in_a_drawn_order_unless_newest_first_is_asked() {
    let (sandbox, token) = seeded(Provider::Microsoft, 80, 3);
    let pages = [("prefer", "odata.maxpagesize=7")];
    let count = get_ok(&sandbox, &token, "/v1.0/me/mailFolders/inbox", &[])["totalItemCount"]
        .as_u64()
        .unwrap() as usize;
    assert!(count > 30, "{count}");

    // Each message once, not by date; the same order for another round from the same state.
    let first = round(&sandbox, &token, INBOX_DELTA, &pages);
    assert_eq!(
        first.ids().into_iter().collect::<BTreeSet<_>>().len(),
        count
    );
    assert_eq!(first.present.len(), count);
    let dates = received(&first.present);
    assert!(!dates.windows(2).all(|w| w[0] >= w[1]), "not newest first");
    assert!(!dates.windows(2).all(|w| w[0] <= w[1]), "not oldest first");

    // A round resumed after the folder changed goes on in its order; a round started after
    // the change is drawn again.
    let page = get_ok(&sandbox, &token, INBOX_DELTA, &pages);
    let next = page["@odata.nextLink"].as_str().unwrap().to_owned();
    let mut resumed: Vec<String> = page["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect();
    let delivered: Vec<String> = sandbox
        .deliver(Provider::Microsoft, 3)
        .iter()
        .map(|id| sandbox.default_id(id).unwrap())
        .collect();
    resumed.extend(round(&sandbox, &token, &next, &pages).ids());
    assert_eq!(resumed.len(), resumed.iter().collect::<BTreeSet<_>>().len());
    let old: Vec<&String> = resumed
        .iter()
        .filter(|id| !delivered.contains(id))
        .collect();
    assert_eq!(old, first.ids().iter().collect::<Vec<_>>());
    let redrawn = round(&sandbox, &token, INBOX_DELTA, &pages).ids();
    let redrawn_old: Vec<&String> = redrawn
        .iter()
        .filter(|id| !delivered.contains(id))
        .collect();
    assert_ne!(redrawn_old, old);

    // Newest first when asked, in any case of the property name.
    for orderby in ["receivedDateTime desc", "ReceivedDateTime desc"] {
        let newest = round(&sandbox, &token, &inbox_delta("$orderby", orderby), &pages);
        assert_eq!(newest.present.len(), count + 3);
        let dates = received(&newest.present);
        assert!(dates.windows(2).all(|w| w[0] >= w[1]), "{orderby}");
    }
    let plus = round(
        &sandbox,
        &token,
        &format!("{INBOX_DELTA}?$orderby=receivedDateTime+desc"),
        &[],
    );
    assert!(received(&plus.present).windows(2).all(|w| w[0] >= w[1]));

    // No other order.
    for orderby in ["receivedDateTime", "receivedDateTime asc", "subject desc"] {
        let refused = request(
            &sandbox,
            &token,
            "GET",
            &inbox_delta("$orderby", orderby),
            &[],
            &Value::Null,
        );
        assert_eq!(refusal(&refused, 400), "ErrorInvalidUrlQuery", "{orderby}");
    }
}

#[test]
fn filtered_rounds_admit_recent_mail_only_and_stop_at_the_cap() {
    let (sandbox, token) = seeded(Provider::Microsoft, 80, 3);
    let newest = round(
        &sandbox,
        &token,
        &inbox_delta("$orderby", "receivedDateTime desc"),
        &[],
    );
    let dates = received(&newest.present);
    let cutoff = dates[10].clone();
    let since = |operator: &str| format!("receivedDateTime {operator} {cutoff}");

    let at_or_after = round(&sandbox, &token, &inbox_delta("$filter", &since("ge")), &[]);
    let expected: BTreeSet<String> = newest.ids()[..=10].iter().cloned().collect();
    assert_eq!(
        at_or_after.ids().into_iter().collect::<BTreeSet<_>>(),
        expected
    );
    let after = round(&sandbox, &token, &inbox_delta("$filter", &since("gt")), &[]);
    assert_eq!(after.present.len(), 10);
    assert!(received(&after.present).iter().all(|d| *d > cutoff));

    // No other filter; a date Graph cannot read is a bad filter.
    for (filter, code) in [
        ("isRead eq false", "ErrorInvalidUrlQuery"),
        (
            &*format!("receivedDateTime lt {cutoff}"),
            "ErrorInvalidUrlQuery",
        ),
        (
            "receivedDateTime ge yesterday",
            "ErrorInvalidUrlQueryFilter",
        ),
    ] {
        let refused = request(
            &sandbox,
            &token,
            "GET",
            &inbox_delta("$filter", filter),
            &[],
            &Value::Null,
        );
        assert_eq!(refusal(&refused, 400), code, "{filter}");
    }

    // The cap ends a filtered round early, silently; an unfiltered round has none.
    sandbox.set_filtered_delta_cap(5);
    let pages = [("prefer", "odata.maxpagesize=2")];
    let capped = round(
        &sandbox,
        &token,
        &inbox_delta("$filter", &since("ge")),
        &pages,
    );
    assert_eq!(capped.pages, [2, 2, 1]);
    assert!(capped.link.contains("$deltatoken="));
    assert_eq!(
        round(&sandbox, &token, INBOX_DELTA, &[]).present.len(),
        newest.present.len()
    );

    // Later rounds report only what the filter admits.
    let old = newest.ids().last().unwrap().clone();
    let recent = newest.ids()[0].clone();
    flip_read(&sandbox, &old);
    flip_read(&sandbox, &recent);
    let moved_old = newest.ids()[newest.present.len() - 2].clone();
    sandbox.move_to(&moved_old, "archive");
    let delivered = sandbox.deliver(Provider::Microsoft, 2);
    let later = round(&sandbox, &token, &capped.link, &[]);
    let mut expected: Vec<String> = delivered
        .iter()
        .map(|id| sandbox.default_id(id).unwrap())
        .collect();
    expected.push(recent);
    assert_eq!(
        later.ids().into_iter().collect::<BTreeSet<_>>(),
        expected.into_iter().collect::<BTreeSet<_>>()
    );
    assert!(
        later.removed.is_empty(),
        "the moved message was never admitted"
    );
}

#[test]
fn pages_count_every_row() {
    let (sandbox, token) = seeded(Provider::Microsoft, 40, 3);
    let pages = [("prefer", "odata.maxpagesize=2")];
    let first = round(&sandbox, &token, INBOX_DELTA, &pages);
    let ids = first.ids();
    for id in &ids[..3] {
        sandbox.delete(Provider::Microsoft, id);
    }
    flip_read(&sandbox, &ids[3]);
    let changes = round(&sandbox, &token, &first.link, &pages);
    assert_eq!(changes.pages, [2, 2]);
    assert_eq!(changes.removed, ids[..3]);
    assert_ne!(changes.present[0]["isRead"], first.present[3]["isRead"]);
}
