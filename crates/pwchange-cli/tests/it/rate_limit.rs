//! `rotate` against a vendor that limits its rate: 429s (and 503s) are retried with the same
//! journaled password, the pace adapts, and every user ends rotated with the journal holding
//! exactly what the vendor holds. Nothing here is timed.

use crate::common::*;
use pwchange_core::canary;
use pwchange_sim::{FaultMix, RateLimit, SimUser, Simulator};

const STORM_USERS: u64 = 40;

/// A simulator of [`VENDOR`] with [`STORM_USERS`] users, and the input that names them.
async fn storm_sim(dir: &std::path::Path) -> (Simulator, Vec<String>, std::path::PathBuf) {
    let sim = Simulator::start(*VENDOR).await.unwrap();
    let users: Vec<String> = (0..STORM_USERS)
        .map(|n| pwchange_sim::numbered_user_id(*VENDOR, n))
        .collect();
    for user in &users {
        sim.add_user(SimUser::new(user.clone(), canary::PASSWORD));
    }
    let input = write_csv(dir, &users.iter().map(String::as_str).collect::<Vec<_>>());
    (sim, users, input)
}

/// `pwchange rotate --admin --yes --json` with the default pace (`auto`).
fn admin_rotate(
    sim: &Simulator,
    input: &std::path::Path,
    journal: &std::path::Path,
) -> assert_cmd::Command {
    let mut cmd = self_service_cmd(sim, input, journal);
    cmd.arg("--admin");
    cmd
}

/// The storm: the vendor's own rate limit (its 429s), spent when the rotation starts, and on top
/// of it a share of every request (changes and verification logins alike) answered 503.
#[tokio::test(flavor = "multi_thread")]
async fn a_429_storm_ends_with_every_user_rotated_and_the_journal_equal_to_the_vendor() {
    let dir = tempfile::tempdir().unwrap();
    let (sim, users, input) = storm_sim(dir.path()).await;
    let journal = dir.path().join("journal.jsonl");
    sim.set_rate_limit(Some(RateLimit::new(40.0).burst(2).spent()));
    sim.inject_random(Some(FaultMix {
        unavailable: 0.1,
        seed: 14,
        ..Default::default()
    }));
    let output = run(admin_rotate(&sim, &input, &journal)).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let summary = summary(&output);
    eprintln!("{summary}");
    assert_eq!(summary["changed"], STORM_USERS, "{summary}");
    assert_eq!(summary["verified"], STORM_USERS, "{summary}");
    assert_eq!(summary["failed"], 0, "{summary}");
    assert_eq!(summary["outcome_unknown"], 0, "{summary}");
    assert!(summary["retries"].as_u64().unwrap() > 0, "{summary}");
    assert!(summary["overloads"].as_u64().unwrap() > 0, "{summary}");
    assert!(sim.rate_limited() > 0, "the vendor's limit refused some");
    let held = journal_held(&journal);
    for user in &users {
        let journaled = held[user.as_str()].clone().expect("a journaled password");
        assert_eq!(
            sim.password(user).as_deref(),
            Some(journaled.as_str()),
            "{user}: the vendor holds what the journal says"
        );
    }
    // One password per user: a retry sends the same journaled password, never a new one.
    let pendings = journal_entries(&journal)
        .into_iter()
        .filter(|e| e["event"] == "pending")
        .count();
    assert_eq!(pendings as u64, STORM_USERS);
    sim.assert_no_violations();
    assert_no_canary(&output);
}

/// Every vendor with administrative sets, at its own simulated rate limit (its own `429`: its
/// body, and `Retry-After`, a reset moment, or no wait at all): the rotation ends with every
/// user rotated, verified where the vendor verifies, none failed, and the journal equal to the
/// vendor.
#[tokio::test(flavor = "multi_thread")]
async fn every_vendor_rotates_at_its_own_rate_limit_without_failures() {
    const USERS: u64 = 10;
    for vendor in pwchange_sim::Vendor::ALL {
        let modes = pwchange::capabilities(vendor).unwrap().modes;
        if !modes.contains(&pwchange::ModeKind::AdminSet) {
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        let sim = Simulator::start(vendor).await.unwrap();
        let users: Vec<String> = (0..USERS)
            .map(|n| pwchange_sim::numbered_user_id(vendor, n))
            .collect();
        // Users as the demo user is made (an organization, a login of their own).
        for n in 0..USERS {
            sim.add_user(pwchange_sim::numbered_user(vendor, n, canary::PASSWORD));
        }
        let input = write_csv(
            dir.path(),
            &users.iter().map(String::as_str).collect::<Vec<_>>(),
        );
        let journal = dir.path().join("journal.jsonl");
        sim.set_rate_limit(Some(RateLimit::new(20.0).burst(2).spent()));
        let output = run(admin_rotate(&sim, &input, &journal)).await;
        assert_eq!(output.status.code(), Some(0), "{vendor}: {}", text(&output));
        let summary = summary(&output);
        assert_eq!(summary["changed"], USERS, "{vendor}: {summary}");
        assert_eq!(summary["failed"], 0, "{vendor}: {summary}");
        assert_eq!(summary["outcome_unknown"], 0, "{vendor}: {summary}");
        assert!(
            sim.rate_limited() > 0,
            "{vendor}: the vendor's limit refused some"
        );
        let held = journal_held(&journal);
        for user in &users {
            let journaled = held[user.as_str()].clone().expect("a journaled password");
            assert_eq!(
                sim.password(user).as_deref(),
                Some(journaled.as_str()),
                "{vendor} {user}"
            );
        }
        sim.assert_no_violations();
        assert_no_canary(&output);
    }
}

/// A vendor that answers every change 429: each user is tried a bounded number of times, then
/// journaled as not applied (its password was never taken), and a later run gives it a fresh
/// one.
#[tokio::test(flavor = "multi_thread")]
async fn a_vendor_that_never_lets_through_fails_each_user_after_bounded_attempts() {
    let dir = tempfile::tempdir().unwrap();
    let (sim, users, _) = storm_sim(dir.path()).await;
    let input = write_csv(dir.path(), &[users[0].as_str()]);
    let journal = dir.path().join("journal.jsonl");
    // No token comes back for an hour: the wait asked for is too long to wait for.
    sim.set_rate_limit(Some(RateLimit::new(1.0 / 3600.0).burst(1).spent()));
    let mut cmd = admin_rotate(&sim, &input, &journal);
    cmd.arg("--no-verify");
    let output = run(cmd).await;
    assert_eq!(output.status.code(), Some(20), "{}", text(&output));
    let result = result_of(&output, &users[0]);
    assert_eq!(result["outcome"], "failed", "{result}");
    assert_eq!(result["kind"], "rate_limited", "{result}");
    assert_eq!(sim.password(&users[0]).as_deref(), Some(canary::PASSWORD));
    let last = journal_entries(&journal).pop().unwrap();
    assert_eq!(last["outcome"], "not_applied", "{last}");
    assert_eq!(journal_held(&journal)[users[0].as_str()], None);
    assert_no_canary(&output);
}
