//! The rotation engine's invariants, tested against the library directly (the `pwchange`
//! command's tests test them again through the binary): a password is journaled before it is
//! sent, an unsettled password is settled by a login, one process per journal, a torn tail is
//! cut off, a cancelled run says so, and the journal holds no password in clear text.

#![allow(clippy::unwrap_used)] // test code

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pwchange::{Client, ErrorKind, Settings};
use pwchange_rotate::journal::{self, UserState};
use pwchange_rotate::protection::{ExposeSecret as _, SecretString};
use pwchange_rotate::{
    Event, Identity, Input, Journal, JournalKey, Mode, Plan, Protection, Rotation, Unlock,
    UserOutcome,
};
use pwchange_sim::{Latency, SimUser, Simulator, Vendor};

mod store;

const OLD: &str = "Initial-Passw0rd!";

/// The first vendor whose simulator takes an administrative set and proves it by a login
/// (found by trying: the tests name no vendor, which keeps each vendor in its own home).
static VENDOR: std::sync::LazyLock<Vendor> = std::sync::LazyLock::new(|| {
    std::thread::spawn(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            for vendor in Vendor::ALL {
                let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
                let mut settings = Settings::new(vendor);
                for (key, value) in
                    pwchange_sim::client_settings(vendor, sim.base_url(), sim.token())
                {
                    settings.set(key, value, key);
                }
                let client = Client::from_settings(settings).unwrap();
                let change = pwchange::PasswordChange::admin_set(
                    pwchange_sim::demo_user(vendor).id,
                    "N3w-Passw0rd!x",
                );
                let verified = client
                    .change_password(&change)
                    .await
                    .is_ok_and(|changed| changed.verification == pwchange::Verification::Verified);
                if verified {
                    return vendor;
                }
            }
            panic!("no vendor takes administrative sets and proves them by a login")
        })
    })
    .join()
    .unwrap()
});

/// A simulator with `n` users (all with [`OLD`]), a client for it, the users' ids and an input
/// of them (administrative set).
async fn setup(n: u64) -> (Simulator, Client, Vec<String>, Vec<u8>) {
    let sim = Simulator::start(*VENDOR).await.unwrap();
    let mut ids = Vec::new();
    let mut csv = String::from("user_id\n");
    for i in 1..=n {
        let id = pwchange_sim::numbered_user_id(*VENDOR, i);
        sim.add_user(SimUser::new(id.clone(), OLD));
        csv.push_str(&format!("{id}\n"));
        ids.push(id);
    }
    let mut settings = Settings::new(*VENDOR);
    for (key, value) in pwchange_sim::client_settings(*VENDOR, sim.base_url(), sim.token()) {
        settings.set(key, value, "test");
    }
    (
        sim,
        Client::from_settings(settings).unwrap(),
        ids,
        csv.into_bytes(),
    )
}

async fn plan(client: Client, input: &[u8]) -> Plan {
    Rotation::new(
        client,
        Input::from_bytes(input.to_vec(), pwchange_rotate::input::Format::Csv, "users"),
    )
    .mode(Mode::AdminSet {
        require_change: false,
    })
    .plan()
    .await
    .unwrap()
}

/// A private directory, a journal key in it, the journal's path, an identity and its
/// protection.
struct Files {
    dir: tempfile::TempDir,
    journal: PathBuf,
}

impl Files {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("rotation.jsonl");
        Self { dir, journal }
    }

    fn key(&self) -> JournalKey {
        JournalKey::load(&self.dir.path().join("journal.key"), true).unwrap()
    }
}

fn recipients() -> (Identity, Protection) {
    let (identity, _, recipient) = Identity::generate();
    (
        identity,
        Protection::Recipients(vec![recipient.parse().unwrap()]),
    )
}

/// The identity of `identity`'s secret, again (an `Identity` is not `Clone`).
fn identity_file(dir: &Path) -> (PathBuf, Protection) {
    let (_, secret, recipient) = Identity::generate();
    let path = dir.join("identity.txt");
    std::fs::write(&path, format!("{}\n", secret.expose_secret())).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    (
        path,
        Protection::Recipients(vec![recipient.parse().unwrap()]),
    )
}

/// Panics unless, for every user the journal records as applied, the simulator holds the
/// journaled password; returns how many are applied.
fn assert_journal_is_the_vendor(
    sim: &Simulator,
    path: &Path,
    key: &JournalKey,
    unlock: Unlock,
) -> usize {
    let contents = journal::read(path, Some(key)).unwrap();
    let applied = contents.applied_passwords(Some(unlock)).unwrap();
    for user in &applied {
        assert_eq!(
            sim.password(&user.user_id).as_deref(),
            Some(user.password.as_str()),
            "{}",
            user.user_id
        );
    }
    applied.len()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_password_is_journaled_before_it_is_sent_and_never_in_clear_text() {
    let (sim, client, ids, input) = setup(12).await;
    let sim = Arc::new(sim);
    let files = Files::new();
    let (identity, protection) = recipients();
    let journal_path = files.journal.clone();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let problems = Arc::new(Mutex::new(Vec::<String>::new()));
    let summary = {
        let (sim_view, seen, problems) = (sim.clone(), seen.clone(), problems.clone());
        plan(client, &input)
            .await
            .create_journal(&files.journal, files.key(), protection)
            .unwrap()
            .on_event(move |event| match event {
                Event::Journaled { user_id, count } => {
                    seen.lock().unwrap().push(*count);
                    // Journaled and synced, not sent yet: the vendor still has the old one,
                    // and the journal already names the user as unsettled.
                    if sim_view.password(user_id).as_deref() != Some(OLD) {
                        problems
                            .lock()
                            .unwrap()
                            .push(format!("{user_id}: sent before journaled"));
                    }
                    let contents = journal::read(&journal_path, None).unwrap();
                    let unsettled = contents.users.iter().any(|(id, state)| {
                        id == user_id && matches!(state, UserState::Unsettled { .. })
                    });
                    if !unsettled {
                        problems
                            .lock()
                            .unwrap()
                            .push(format!("{user_id}: not in the journal"));
                    }
                }
                Event::Finished { result, .. }
                    if result.outcome != UserOutcome::Changed || !result.verified =>
                {
                    problems.lock().unwrap().push(format!("{result:?}"));
                }
                _ => {}
            })
            .execute()
            .await
            .unwrap()
    };
    assert!(
        problems.lock().unwrap().is_empty(),
        "{:?}",
        problems.lock().unwrap()
    );
    assert_eq!((summary.changed, summary.verified), (12, 12));
    let mut counts = seen.lock().unwrap().clone();
    counts.sort_unstable();
    assert_eq!(counts, (1..=12).collect::<Vec<_>>());
    // No password the vendor holds is anywhere in the file.
    let bytes = std::fs::read_to_string(&files.journal).unwrap();
    for id in &ids {
        let password = sim.password(id).unwrap();
        assert_ne!(password, OLD);
        assert!(
            !bytes.contains(&password),
            "{id}'s password is in clear text"
        );
    }
    assert_eq!(
        assert_journal_is_the_vendor(
            &sim,
            &files.journal,
            &files.key(),
            Unlock::Identity(identity)
        ),
        12
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_resume_settles_a_journaled_password_by_logging_in_with_it() {
    let (sim, client, ids, input) = setup(3).await;
    let files = Files::new();
    let (identity_path, protection) = identity_file(files.dir.path());
    // A crash between journal and send, for the first user (never sent), and one after the
    // send, for the second (applied, unrecorded): both pending.
    let planned = plan(client.clone(), &input).await;
    {
        let journal = Journal::create(
            &files.journal,
            planned.header(&files.key()),
            files.key(),
            &protection,
        )
        .unwrap();
        journal
            .write_pending(&ids[0], "Journaled-Passw0rd-1!", None)
            .await
            .unwrap();
        journal
            .write_pending(&ids[1], "Journaled-Passw0rd-2!", None)
            .await
            .unwrap();
    }
    sim.add_user(SimUser::new(ids[1].clone(), "Journaled-Passw0rd-2!"));
    let identity = Identity::from_file(&identity_path).unwrap();
    let ready = planned
        .resume_journal(
            &files.journal,
            files.key(),
            Some(Unlock::Identity(identity)),
        )
        .unwrap();
    assert_eq!((ready.users_left(), ready.users_unsettled()), (3, 2));
    let results = Arc::new(Mutex::new(Vec::new()));
    let summary = {
        let results = results.clone();
        ready
            .on_event(move |event| {
                if let Event::Finished { result, .. } = event {
                    results.lock().unwrap().push(result.clone());
                }
            })
            .execute()
            .await
            .unwrap()
    };
    assert_eq!((summary.changed, summary.verified), (3, 3), "{summary:?}");
    // The journaled passwords were kept, not replaced, and a login proved each.
    assert_eq!(
        sim.password(&ids[0]).as_deref(),
        Some("Journaled-Passw0rd-1!")
    );
    assert_eq!(
        sim.password(&ids[1]).as_deref(),
        Some("Journaled-Passw0rd-2!")
    );
    assert!(sim.logins(&ids[0]) >= 1 && sim.logins(&ids[1]) >= 1);
    // (Results come as changes finish, not in input order.)
    for result in results
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.user_id == ids[0] || r.user_id == ids[1])
    {
        assert_eq!(
            result.message.as_deref(),
            Some("the journaled password is set (verified by logging in)"),
            "{result:?}"
        );
    }
    let identity = Identity::from_file(&identity_path).unwrap();
    assert_eq!(
        assert_journal_is_the_vendor(
            &sim,
            &files.journal,
            &files.key(),
            Unlock::Identity(identity)
        ),
        3
    );
    // Nothing is left: a second resume skips everyone.
    let identity = Identity::from_file(&identity_path).unwrap();
    let again = plan(client, &input)
        .await
        .resume_journal(
            &files.journal,
            files.key(),
            Some(Unlock::Identity(identity)),
        )
        .unwrap();
    assert_eq!(again.users_left(), 0);
    assert_eq!(again.execute().await.unwrap().already_done, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn one_process_per_journal_and_a_torn_tail_is_cut_off() {
    let (sim, client, _ids, input) = setup(2).await;
    let files = Files::new();
    let journal_path = files.journal.clone();
    let summary = plan(client.clone(), &input)
        .await
        .create_journal(&files.journal, files.key(), Protection::Plaintext)
        .unwrap()
        .execute()
        .await
        .unwrap();
    assert_eq!(summary.changed, 2);
    // A crash mid-write leaves a line without its end.
    let mut bytes = std::fs::read(&journal_path).unwrap();
    bytes.extend_from_slice(br#"{"mac":"00","event":"pen"#);
    std::fs::write(&journal_path, &bytes).unwrap();
    assert!(journal::read(&journal_path, None).unwrap().torn_tail);
    let first = plan(client.clone(), &input)
        .await
        .resume_journal(&journal_path, files.key(), None)
        .unwrap();
    assert!(
        !journal::read(&journal_path, None).unwrap().torn_tail,
        "cut off on resume"
    );
    // While the first holds it, a second is refused.
    let second = plan(client, &input)
        .await
        .resume_journal(&journal_path, files.key(), None)
        .unwrap_err();
    assert_eq!(second.kind(), ErrorKind::InvalidInput);
    assert!(
        second
            .message()
            .contains("in use by another pwchange process"),
        "{second}"
    );
    assert_eq!(first.execute().await.unwrap().already_done, 2);
    sim.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_rotation_stops_launching_and_its_journal_still_holds_the_truth() {
    let (sim, client, ids, input) = setup(40).await;
    sim.set_latency(Some(Latency::fixed(Duration::from_millis(30))));
    let files = Files::new();
    let (identity_path, protection) = identity_file(files.dir.path());
    let ready = Rotation::new(
        client,
        Input::from_bytes(input, pwchange_rotate::input::Format::Csv, "users"),
    )
    .mode(Mode::AdminSet {
        require_change: false,
    })
    .pacing(pwchange_rotate::PacingConfig::new(
        pwchange_rotate::Cap::At(2),
        pwchange_rotate::Cap::Auto,
    ))
    .grace(Duration::from_secs(5))
    .plan()
    .await
    .unwrap()
    .create_journal(&files.journal, files.key(), protection)
    .unwrap();
    let control = ready.control();
    let summary = ready
        .on_event(move |event| {
            if let Event::Finished { progress, .. } = event
                && progress.finished == 5
            {
                control.cancel();
            }
        })
        .execute()
        .await
        .unwrap();
    assert!(summary.interrupted, "{summary:?}");
    assert!(summary.not_attempted > 0, "{summary:?}");
    assert_eq!(
        summary.changed + summary.not_attempted + summary.failed + summary.outcome_unknown,
        40,
        "{summary:?}"
    );
    let identity = Identity::from_file(&identity_path).unwrap();
    let applied = assert_journal_is_the_vendor(
        &sim,
        &files.journal,
        &files.key(),
        Unlock::Identity(identity),
    );
    assert_eq!(applied, summary.changed);
    // Every user the run did not apply still has the password it had.
    let changed = ids
        .iter()
        .filter(|id| sim.password(id).as_deref() != Some(OLD))
        .count();
    assert_eq!(changed, summary.changed);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_passphrase_journal_resumes_with_its_passphrase_only() {
    let (sim, client, ids, input) = setup(2).await;
    let files = Files::new();
    let passphrase = || SecretString::from("correct horse battery staple".to_owned());
    let planned = plan(client.clone(), &input).await;
    {
        let journal = Journal::create(
            &files.journal,
            planned.header(&files.key()),
            files.key(),
            &Protection::Passphrase(passphrase()),
        )
        .unwrap();
        journal
            .write_pending(&ids[0], "Journaled-Passw0rd-1!", None)
            .await
            .unwrap();
    }
    let header = journal::read_header(&files.journal, Some(&files.key())).unwrap();
    assert!(matches!(
        header.sealing,
        pwchange_rotate::protection::Sealing::AgePassphrase { .. }
    ));
    let wrong = plan(client.clone(), &input)
        .await
        .resume_journal(
            &files.journal,
            files.key(),
            Some(Unlock::Passphrase(SecretString::from("wrong".to_owned()))),
        )
        .unwrap_err();
    assert!(
        wrong.message().contains("the passphrase does not open it"),
        "{wrong}"
    );
    let none = plan(client.clone(), &input)
        .await
        .resume_journal(&files.journal, files.key(), None)
        .unwrap_err();
    assert!(none.message().contains("give its passphrase"), "{none}");
    let summary = plan(client, &input)
        .await
        .resume_journal(
            &files.journal,
            files.key(),
            Some(Unlock::Passphrase(passphrase())),
        )
        .unwrap()
        .execute()
        .await
        .unwrap();
    assert_eq!(summary.changed, 2);
    assert_eq!(
        sim.password(&ids[0]).as_deref(),
        Some("Journaled-Passw0rd-1!")
    );
    assert_eq!(
        assert_journal_is_the_vendor(
            &sim,
            &files.journal,
            &files.key(),
            Unlock::Passphrase(passphrase())
        ),
        2
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_journal_that_exists_is_never_overwritten_and_a_plan_sends_nothing() {
    let (sim, client, ids, input) = setup(2).await;
    let files = Files::new();
    std::fs::write(&files.journal, b"something\n").unwrap();
    let planned = plan(client, &input).await;
    assert_eq!(planned.users(), 2);
    for id in &ids {
        assert_eq!(
            sim.password(id).as_deref(),
            Some(OLD),
            "a plan changed {id}"
        );
    }
    let error = planned
        .create_journal(&files.journal, files.key(), Protection::Plaintext)
        .unwrap_err();
    assert!(error.message().contains("never overwritten"), "{error}");
    assert_eq!(std::fs::read(&files.journal).unwrap(), b"something\n");
}

/// The mode reaches the vendor and the journal: self-service sends each user's current
/// password (from the input); an administrative set does not, and may require a change at the
/// next login. The header says which.
#[tokio::test(flavor = "multi_thread")]
async fn the_mode_is_what_is_sent_and_what_the_header_says() {
    let (sim, client, ids, _) = setup(2).await;
    let files = Files::new();
    let mut csv = String::from("user_id,current_password\n");
    for id in &ids {
        csv.push_str(&format!("{id},{OLD}\n"));
    }
    let summary = Rotation::new(
        client.clone(),
        Input::from_bytes(
            csv.into_bytes(),
            pwchange_rotate::input::Format::Csv,
            "users",
        ),
    )
    .plan()
    .await
    .unwrap()
    .create_journal(&files.journal, files.key(), Protection::Plaintext)
    .unwrap()
    .execute()
    .await
    .unwrap();
    assert_eq!(summary.changed, 2, "{summary:?}");
    let header = journal::read_header(&files.journal, Some(&files.key())).unwrap();
    assert_eq!(
        (header.mode.as_str(), header.require_change),
        ("self_service", false)
    );

    // An administrative set's input has no current password; one that has them is refused.
    let with_current = format!("user_id,current_password\n{},{OLD}\n", ids[0]).into_bytes();
    let refused = Rotation::new(
        client.clone(),
        Input::from_bytes(with_current, pwchange_rotate::input::Format::Csv, "users"),
    )
    .mode(Mode::AdminSet {
        require_change: true,
    })
    .plan()
    .await
    .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::InvalidInput);
    let other = Files::new();
    let planned = Rotation::new(
        client,
        Input::from_bytes(
            format!("user_id\n{}\n", ids[0]).into_bytes(),
            pwchange_rotate::input::Format::Csv,
            "users",
        ),
    )
    .mode(Mode::AdminSet {
        require_change: true,
    })
    .verify(false)
    .plan()
    .await
    .unwrap();
    assert_eq!(
        planned.mode(),
        Mode::AdminSet {
            require_change: true
        }
    );
    assert!(!planned.verifies());
    let header = planned.header(&other.key());
    assert_eq!(
        (header.mode.as_str(), header.require_change),
        ("admin_set", true)
    );
    let summary = planned
        .create_journal(&other.journal, other.key(), Protection::Plaintext)
        .unwrap()
        .execute()
        .await
        .unwrap();
    assert_eq!((summary.changed, summary.verified), (1, 0), "{summary:?}");
    assert_ne!(sim.password(&ids[0]).as_deref(), Some(OLD));
}

/// What a plan tells its caller before anything is sent: the users, the input's sha256, the
/// policy and where it came from.
#[tokio::test(flavor = "multi_thread")]
async fn a_plan_says_what_it_will_do() {
    let (sim, client, ids, input) = setup(7).await;
    let bytes = Input::from_bytes(input.clone(), pwchange_rotate::input::Format::Csv, "users");
    let planned = plan(client.clone(), &input).await;
    assert_eq!(planned.users(), 7);
    assert_eq!(planned.first_users(), &ids[..planned.first_users().len()]);
    assert!(!planned.first_users().is_empty());
    assert_eq!(planned.input_sha256(), bytes.sha256());
    assert_eq!(
        planned.header(&Files::new().key()).input_sha256,
        bytes.sha256()
    );
    assert!(planned.verifies());
    assert_eq!(planned.policy_fallback(), None);
    assert!(planned.generation().length >= planned.policy().min_length);
    // The policy cannot be read (a 503): the documented rules, and the plan says why.
    // The vendor cannot be reached (nothing listens there): the documented rules, and the
    // plan says why.
    let mut settings = Settings::new(*VENDOR);
    for (key, value) in pwchange_sim::client_settings(*VENDOR, "http://127.0.0.1:9", sim.token()) {
        settings.set(key, value, "test");
    }
    drop(client);
    let unreachable = Client::from_settings(settings).unwrap();
    let fallback = plan(unreachable, &input).await;
    assert_eq!(fallback.policy_fallback(), Some(ErrorKind::Transport));
    let ready = fallback
        .create_journal(
            &Files::new().journal,
            Files::new().key(),
            Protection::Plaintext,
        )
        .unwrap();
    let debug = format!("{ready:?}");
    assert!(debug.contains("users_left: 7"), "{debug}");
}

/// `cancel` lets the changes in flight finish; `abandon` gives up on them at once, their
/// passwords pending in the journal, and their outcome unknown.
#[tokio::test(flavor = "multi_thread")]
async fn abandon_gives_up_on_the_changes_in_flight_at_once() {
    let (sim, client, ids, input) = setup(3).await;
    sim.set_latency(Some(Latency::fixed(Duration::from_secs(3))));
    let files = Files::new();
    let ready = Rotation::new(
        client,
        Input::from_bytes(input, pwchange_rotate::input::Format::Csv, "users"),
    )
    .mode(Mode::AdminSet {
        require_change: false,
    })
    .grace(Duration::from_secs(60))
    .plan()
    .await
    .unwrap()
    .create_journal(&files.journal, files.key(), Protection::Plaintext)
    .unwrap();
    let control = ready.control();
    assert!(!control.is_cancelled());
    let stopper = control.clone();
    let finished = Arc::new(Mutex::new(Vec::new()));
    let seen = finished.clone();
    let ready = ready.on_event(move |event| match event {
        Event::Journaled { count: 3, .. } => {
            stopper.cancel();
            assert!(stopper.is_cancelled());
            stopper.abandon();
        }
        Event::Finished { result, progress } => {
            seen.lock().unwrap().push((result.clone(), *progress));
        }
        _ => {}
    });
    let started = std::time::Instant::now();
    let summary = ready.execute().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(control.is_cancelled());
    assert!(summary.interrupted);
    assert_eq!(summary.outcome_unknown, 3, "{summary:?}");
    assert_eq!(summary.total, 3, "{summary:?}");
    let finished = finished.lock().unwrap();
    for (result, _) in finished.iter() {
        assert_eq!(result.outcome, UserOutcome::OutcomeUnknown, "{result:?}");
        assert_eq!(result.kind, Some(ErrorKind::OutcomeUnknown), "{result:?}");
        assert!(
            result
                .message
                .as_deref()
                .unwrap()
                .contains("abandoned in flight"),
            "{result:?}"
        );
    }
    let (_, last) = finished.last().unwrap();
    assert_eq!(
        (last.finished, last.outcome_unknown, last.failed),
        (3, 3, 0)
    );
    let contents = journal::read(&files.journal, Some(&files.key())).unwrap();
    for (user, state) in &contents.users {
        assert!(matches!(state, UserState::Unsettled { .. }), "{user}");
    }
    assert_eq!(contents.users.len(), ids.len());
}

/// A user the vendor does not know fails (nothing applied) and is counted so, in the summary
/// and in the progress a service watches; a journal that cannot be made after the plan was
/// confirmed ends the run with the summary of nothing attempted.
#[tokio::test(flavor = "multi_thread")]
async fn failures_are_counted_where_a_service_sees_them() {
    let (_sim, client, ids, _) = setup(2).await;
    let stranger = pwchange_sim::numbered_user_id(*VENDOR, 99);
    let input = format!("user_id\n{}\n{stranger}\n{}\n", ids[0], ids[1]).into_bytes();
    let files = Files::new();
    let last = Arc::new(Mutex::new(None));
    let seen = last.clone();
    let summary = plan(client.clone(), &input)
        .await
        .create_journal(&files.journal, files.key(), Protection::Plaintext)
        .unwrap()
        .on_event(move |event| {
            if let Event::Finished { progress, .. } = event {
                *seen.lock().unwrap() = Some(*progress);
            }
        })
        .execute()
        .await
        .unwrap();
    assert_eq!((summary.total, summary.changed, summary.failed), (3, 2, 1));
    assert_eq!(
        summary.failures_by_kind.get("user_not_found"),
        Some(&1),
        "{summary:?}"
    );
    let last = last.lock().unwrap().unwrap();
    assert_eq!(
        (last.finished, last.failed, last.outcome_unknown),
        (3, 1, 0)
    );

    // Something took the journal's place between the plan and the run.
    let raced = Files::new();
    let ready = plan(client, &input)
        .await
        .create_journal(&raced.journal, raced.key(), Protection::Plaintext)
        .unwrap();
    std::fs::write(&raced.journal, b"not a journal\n").unwrap();
    let stopped = ready.execute().await.unwrap_err();
    assert_eq!(stopped.error.kind(), ErrorKind::InvalidInput, "{stopped}");
    assert_eq!(
        (
            stopped.summary.total,
            stopped.summary.not_attempted,
            stopped.summary.changed
        ),
        (3, 3, 0)
    );
    assert_eq!(std::fs::read(&raced.journal).unwrap(), b"not a journal\n");
}
