//! Tests for `status`, named after the rule each one checks.
#![allow(clippy::unwrap_used)]

use super::*;
use PushEvent as E;
use PushStatus as S;

/// Every event, with both values of its flag.
const EVENTS: [PushEvent; 13] = [
    E::Enqueued,
    E::Started,
    E::Resumed,
    E::Created,
    E::Failed { retryable: true },
    E::Failed { retryable: false },
    E::Retried,
    E::PartiallyFulfilled,
    E::Fulfilled,
    E::FulfillmentCancelled {
        still_fulfilled_any: true,
    },
    E::FulfillmentCancelled {
        still_fulfilled_any: false,
    },
    E::SourceCancelled,
    E::DestinationCancelled,
];

/// The legal transitions, written out from the module docs' table.
const LEGAL: [(PushStatus, PushEvent, PushStatus); 22] = [
    (S::NotPushed, E::Enqueued, S::Queued),
    (S::NotPushed, E::DestinationCancelled, S::Cancelled),
    (S::Queued, E::Started, S::Pushing),
    (S::Queued, E::DestinationCancelled, S::Cancelled),
    (S::Queued, E::Failed { retryable: false }, S::Failed),
    (S::Pushing, E::Resumed, S::Pushing),
    (S::Pushing, E::Created, S::Pushed),
    (S::Pushing, E::Failed { retryable: true }, S::Queued),
    (S::Pushing, E::Failed { retryable: false }, S::Failed),
    (S::Failed, E::Retried, S::Queued),
    (S::Failed, E::DestinationCancelled, S::Cancelled),
    (S::Pushed, E::PartiallyFulfilled, S::PartiallyFulfilled),
    (S::Pushed, E::Fulfilled, S::Fulfilled),
    (S::Pushed, E::SourceCancelled, S::Cancelled),
    (
        S::PartiallyFulfilled,
        E::PartiallyFulfilled,
        S::PartiallyFulfilled,
    ),
    (S::PartiallyFulfilled, E::Fulfilled, S::Fulfilled),
    (
        S::PartiallyFulfilled,
        E::FulfillmentCancelled {
            still_fulfilled_any: true,
        },
        S::PartiallyFulfilled,
    ),
    (
        S::PartiallyFulfilled,
        E::FulfillmentCancelled {
            still_fulfilled_any: false,
        },
        S::Pushed,
    ),
    (S::PartiallyFulfilled, E::SourceCancelled, S::Cancelled),
    (
        S::Fulfilled,
        E::FulfillmentCancelled {
            still_fulfilled_any: true,
        },
        S::PartiallyFulfilled,
    ),
    (
        S::Fulfilled,
        E::FulfillmentCancelled {
            still_fulfilled_any: false,
        },
        S::Pushed,
    ),
    (S::Fulfilled, E::SourceCancelled, S::Cancelled),
];

#[test]
fn every_state_event_pair_is_legal_only_if_listed() {
    let mut legal_seen = 0;
    for from in PushStatus::ALL {
        for event in EVENTS {
            let expected = LEGAL
                .iter()
                .find(|(f, e, _)| *f == from && *e == event)
                .map(|(_, _, to)| *to);
            match expected {
                Some(to) => {
                    legal_seen += 1;
                    assert_eq!(from.apply(&event), Ok(to), "{from} --{event:?}-->");
                }
                None => assert_eq!(
                    from.apply(&event),
                    Err(IllegalTransition { from, event }),
                    "{from} --{event:?}--> should be illegal"
                ),
            }
        }
    }
    assert_eq!(legal_seen, LEGAL.len());
    assert_eq!(PushStatus::ALL.len() * EVENTS.len(), 104);
}

#[test]
fn cancelled_is_terminal() {
    for event in EVENTS {
        assert!(S::Cancelled.apply(&event).is_err(), "{event:?}");
    }
}

#[test]
fn happy_path_and_retry_path() {
    let path = [
        E::Enqueued,
        E::Started,
        E::Created,
        E::PartiallyFulfilled,
        E::Fulfilled,
    ];
    let end = path
        .iter()
        .try_fold(S::NotPushed, |s, e| s.apply(e))
        .unwrap();
    assert_eq!(end, S::Fulfilled);
    let retry = [
        E::Enqueued,
        E::Started,
        E::Failed { retryable: true },
        E::Started,
        E::Failed { retryable: false },
        E::Retried,
        E::Started,
        E::Created,
    ];
    let end = retry
        .iter()
        .try_fold(S::NotPushed, |s, e| s.apply(e))
        .unwrap();
    assert_eq!(end, S::Pushed);
}

#[test]
fn illegal_transition_message_names_state_and_event() {
    let err = S::Cancelled.apply(&E::Enqueued).unwrap_err();
    assert_eq!(
        err.to_string(),
        "a push that is cancelled cannot be enqueued"
    );
}

#[test]
fn status_names_labels_and_serde() {
    let expected = [
        (S::NotPushed, "not_pushed", "Not pushed"),
        (S::Queued, "queued", "Queued"),
        (S::Pushing, "pushing", "Queued"),
        (S::Pushed, "pushed", "Pushed"),
        (
            S::PartiallyFulfilled,
            "partially_fulfilled",
            "Partially fulfilled",
        ),
        (S::Fulfilled, "fulfilled", "Fulfilled"),
        (S::Failed, "failed", "Failed"),
        (S::Cancelled, "cancelled", "Cancelled"),
    ];
    for (status, name, label) in expected {
        assert_eq!(status.as_str(), name);
        assert_eq!(status.label(), label);
        assert_eq!(PushStatus::parse(name), Ok(status));
        assert_eq!(
            serde_json::to_string(&status).unwrap(),
            format!("\"{name}\"")
        );
        assert_eq!(
            serde_json::from_str::<PushStatus>(&format!("\"{name}\"")).unwrap(),
            status
        );
    }
    assert_eq!(
        PushStatus::parse("Pushed"),
        Err(UnknownStatus("Pushed".to_owned()))
    );
}

#[test]
fn events_serde_round_trip() {
    for event in EVENTS {
        let json = serde_json::to_string(&event).unwrap();
        assert!(json.contains(event.as_str()), "{json}");
        assert_eq!(serde_json::from_str::<PushEvent>(&json).unwrap(), event);
    }
}

#[test]
fn order_list_status_names_and_serde() {
    let names = [
        "ineligible",
        "not_pushed",
        "queued",
        "pushed",
        "partially_fulfilled",
        "fulfilled",
        "failed",
        "cancelled",
    ];
    for (status, name) in OrderListStatus::ALL.into_iter().zip(names) {
        assert_eq!(status.as_str(), name);
        assert_eq!(OrderListStatus::parse(name), Ok(status));
        let json = serde_json::to_string(&status).unwrap();
        assert_eq!(
            serde_json::from_str::<OrderListStatus>(&json).unwrap(),
            status
        );
    }
    assert!(OrderListStatus::parse("done").is_err());
}

#[test]
fn summary_follows_the_precedence_rules() {
    use OrderListStatus as L;
    let cases: Vec<(&str, bool, Vec<PushStatus>, usize, OrderListStatus)> = vec![
        ("ineligible_without_pushes", false, vec![], 0, L::Ineligible),
        (
            "ineligible_with_only_not_pushed",
            false,
            vec![S::NotPushed],
            1,
            L::Ineligible,
        ),
        (
            "ineligible_but_already_pushed_shows_the_push",
            false,
            vec![S::Pushed],
            1,
            L::Pushed,
        ),
        (
            "ineligible_but_failed_shows_failed",
            false,
            vec![S::Failed],
            1,
            L::Failed,
        ),
        (
            "any_failed_wins_over_queued",
            true,
            vec![S::Queued, S::Failed, S::Fulfilled],
            3,
            L::Failed,
        ),
        ("any_queued", true, vec![S::Pushed, S::Queued], 2, L::Queued),
        (
            "pushing_counts_as_queued",
            true,
            vec![S::Pushing, S::NotPushed],
            2,
            L::Queued,
        ),
        (
            "queued_wins_over_a_missing_source",
            true,
            vec![S::Queued],
            2,
            L::Queued,
        ),
        ("eligible_without_pushes", true, vec![], 1, L::NotPushed),
        (
            "a_source_without_a_push",
            true,
            vec![S::Pushed],
            2,
            L::NotPushed,
        ),
        (
            "a_not_pushed_push",
            true,
            vec![S::Fulfilled, S::NotPushed],
            2,
            L::NotPushed,
        ),
        (
            "all_cancelled",
            true,
            vec![S::Cancelled, S::Cancelled],
            2,
            L::Cancelled,
        ),
        (
            "all_fulfilled",
            true,
            vec![S::Fulfilled, S::Fulfilled],
            2,
            L::Fulfilled,
        ),
        (
            "fulfilled_or_cancelled",
            true,
            vec![S::Fulfilled, S::Cancelled],
            2,
            L::Fulfilled,
        ),
        (
            "any_partially_fulfilled",
            true,
            vec![S::PartiallyFulfilled, S::Pushed],
            2,
            L::PartiallyFulfilled,
        ),
        (
            "fulfilled_mixed_with_pushed",
            true,
            vec![S::Fulfilled, S::Pushed],
            2,
            L::PartiallyFulfilled,
        ),
        ("all_pushed", true, vec![S::Pushed, S::Pushed], 2, L::Pushed),
        (
            "pushed_and_cancelled",
            true,
            vec![S::Pushed, S::Cancelled],
            2,
            L::Pushed,
        ),
        (
            "cancelled_destination_order_with_cancelled_pushes",
            false,
            vec![S::Cancelled],
            1,
            L::Cancelled,
        ),
    ];
    for (name, eligible, pushes, expected_sources, expected) in cases {
        assert_eq!(
            summarize(eligible, &pushes, expected_sources),
            expected,
            "{name}"
        );
    }
}

#[test]
fn a_push_left_pushing_can_only_be_resumed_by_the_worker_not_restarted() {
    assert_eq!(S::Pushing.apply(&E::Resumed), Ok(S::Pushing));
    assert!(S::Pushing.apply(&E::Started).is_err());
    for from in [S::NotPushed, S::Queued, S::Pushed, S::Failed, S::Cancelled] {
        assert!(from.apply(&E::Resumed).is_err(), "{from}");
    }
}
