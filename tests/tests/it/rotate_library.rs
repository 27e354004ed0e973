//! A downstream crate rotates through the library, as a service would: 100 users on each
//! simulated vendor that offers an administrative set, rate-limited, progress from the events,
//! the new passwords in an encrypted journal, and afterwards exactly what the vendor holds,
//! read back from the journal with the identity. No password of the rotation is in the journal
//! file in clear text.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use pwchange::{Client, ModeKind, Settings};
use pwchange_rotate::protection::ExposeSecret as _;
use pwchange_rotate::{Event, Identity, Input, JournalKey, Mode, Protection, Rotation, Unlock};
use pwchange_sim::{RateLimit, SimUser, Simulator, Vendor};

#[tokio::test(flavor = "multi_thread")]
async fn a_service_rotates_a_hundred_users_through_the_library() {
    let vendors: Vec<Vendor> = Vendor::ALL
        .into_iter()
        .filter(|vendor| {
            pwchange::capabilities(*vendor).is_some_and(|c| c.modes.contains(&ModeKind::AdminSet))
        })
        .collect();
    assert!(!vendors.is_empty());
    for vendor in vendors {
        rotate_a_hundred(vendor).await;
    }
}

async fn rotate_a_hundred(vendor: Vendor) {
    let sim = Simulator::start(vendor).await.unwrap();
    let mut users = String::from("user_id\n");
    let ids: Vec<String> = (1..=100)
        .map(|n| pwchange_sim::numbered_user_id(vendor, n))
        .collect();
    for id in &ids {
        sim.add_user(SimUser::new(id.clone(), "Before-Passw0rd!"));
        users.push_str(&format!("{id}\n"));
    }
    // The vendor allows 400 requests a second (a change and its login are two): the pace
    // must find it.
    sim.set_rate_limit(Some(RateLimit::new(400.0)));
    let mut settings = Settings::new(vendor);
    for (key, value) in pwchange_sim::client_settings(vendor, sim.base_url(), sim.token()) {
        settings.set(key, value, "the service's settings");
    }
    let client = Client::from_settings(settings).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("rotation.jsonl");
    let (_, secret, recipient) = Identity::generate();
    let key = JournalKey::load(&dir.path().join("journal.key"), true).unwrap();
    let finished = Arc::new(AtomicUsize::new(0));
    let summary = {
        let finished = finished.clone();
        Rotation::new(
            client,
            Input::from_bytes(
                users.into_bytes(),
                pwchange_rotate::input::Format::Csv,
                "request",
            ),
        )
        .mode(Mode::AdminSet {
            require_change: false,
        })
        // Some vendors prove an administrative set only with a login name the input would
        // give; the simulator's passwords are the proof here.
        .verify(false)
        .plan()
        .await
        .unwrap()
        .create_journal(
            &journal,
            key,
            Protection::Recipients(vec![recipient.parse().unwrap()]),
        )
        .unwrap()
        .on_event(move |event| {
            if let Event::Finished { progress, .. } = event {
                finished.store(progress.finished, Ordering::SeqCst);
            }
        })
        .execute()
        .await
        .unwrap()
    };
    assert_eq!(summary.changed, 100, "{vendor}: {summary:?}");
    assert_eq!(finished.load(Ordering::SeqCst), 100);

    let file = std::fs::read_to_string(&journal).unwrap();
    for id in &ids {
        let accepted = sim.password(id).unwrap();
        assert_ne!(accepted, "Before-Passw0rd!", "{vendor} {id}");
        assert!(
            !file.contains(&accepted),
            "{id}'s new password is in clear text"
        );
    }
    let identity = Identity::from_bytes(secret.expose_secret().as_bytes()).unwrap();
    let key = JournalKey::load(&dir.path().join("journal.key"), false).unwrap();
    let applied = pwchange_rotate::journal::read(&journal, Some(&key))
        .unwrap()
        .applied_passwords(Some(Unlock::Identity(identity)))
        .unwrap();
    assert_eq!(applied.len(), 100);
    for user in applied {
        assert_eq!(
            sim.password(&user.user_id).as_deref(),
            Some(user.password.as_str())
        );
    }
    sim.assert_no_violations();
}
