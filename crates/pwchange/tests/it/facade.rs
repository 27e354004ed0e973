//! The facade's behaviour that is the same for every vendor of the registry, against the
//! simulators and against servers that misbehave: transport outcomes, timeouts, `from_env`,
//! `Send` futures, and the canary checks on every error. Each vendor's own cases (exact
//! requests, error tables, logins, length rules) live in its module: `src/vendors/<vendor>/`.

use std::time::Duration;

use httpmock::MockServer;
use pwchange::{Client, Error, ErrorKind, PasswordChange, Settings, Vendor};
use pwchange_core::canary;
use pwchange_sim::{Simulator, demo_user};

/// A client for `vendor` at `base_url` with `token`, for the demo user; `extra` settings on top.
fn client(vendor: Vendor, base_url: &str, token: &str, extra: &[(&str, &str)]) -> Client {
    let mut settings = Settings::new(vendor);
    for (key, value) in pwchange_sim::client_settings(vendor, base_url, token) {
        settings.set(key, value, key);
    }
    for (key, value) in extra {
        settings.set(key, *value, *key);
    }
    Client::from_settings(settings).unwrap()
}

/// The demo user's change from its password to a new one every default policy accepts.
fn demo_change(vendor: Vendor) -> PasswordChange {
    let user = demo_user(vendor);
    // Where the proof is a login before the change, the administrative set is the change
    // whose first request is the change itself (what the answers below are meant for).
    // A vendor without a self-service change gets an administrative set too.
    if pwchange_sim::logins_before_a_self_service_change(vendor) > 0
        || !pwchange_sim::offers_self_service(vendor)
    {
        return PasswordChange::admin_set(user.id, "N3w-Passw0rd!x");
    }
    PasswordChange::self_service(user.id, user.password, "N3w-Passw0rd!x")
}

fn assert_no_secret(error: &Error) {
    canary::assert_absent_from_error("error", error);
}

#[tokio::test]
async fn every_vendor_changes_the_demo_user_on_its_simulator() {
    for vendor in Vendor::ALL {
        let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
        let changed = client(vendor, sim.base_url(), sim.token(), &[])
            .change_password(&demo_change(vendor))
            .await
            .unwrap();
        assert_eq!(changed.vendor, vendor);
        assert_eq!(changed.user_id, demo_user(vendor).id);
        let details = serde_json::to_value(&changed.details).unwrap();
        assert_eq!(details["vendor"], vendor.name());
        assert_eq!(
            sim.password(&changed.user_id).as_deref(),
            Some("N3w-Passw0rd!x")
        );
        sim.assert_no_violations();
    }
}

/// Issue #12: a mode a vendor does not offer is refused before any request, naming the
/// vendor's modes; every offered mode gets past the local checks.
#[tokio::test]
async fn modes_a_vendor_lacks_are_refused_before_sending() {
    for vendor in Vendor::ALL {
        let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
        let client = client(vendor, sim.base_url(), sim.token(), &[]);
        let user = demo_user(vendor);
        let capabilities = pwchange::capabilities(vendor).unwrap();
        for mode in pwchange::ModeKind::ALL {
            let change = match mode {
                pwchange::ModeKind::SelfService => PasswordChange::self_service(
                    user.id.clone(),
                    user.password.clone(),
                    "N3w-Passw0rd!x",
                ),
                pwchange::ModeKind::AdminSet => {
                    PasswordChange::admin_set(user.id.clone(), "N3w-Passw0rd!x")
                }
                pwchange::ModeKind::ResetWithCode => {
                    PasswordChange::reset_with_code(user.id.clone(), "CODE1234", "N3w-Passw0rd!x")
                }
            };
            let checked = client.check_change(&change);
            if capabilities.modes.contains(&mode) {
                checked.unwrap_or_else(|e| panic!("{vendor} {mode}: {e}"));
            } else {
                let err = checked.unwrap_err();
                assert_eq!(err.kind(), ErrorKind::Unsupported, "{vendor} {mode}");
                let err = client.change_password(&change).await.unwrap_err();
                assert_eq!(err.kind(), ErrorKind::Unsupported, "{vendor} {mode}");
            }
        }
        assert_eq!(sim.requests(), 0, "{vendor}: nothing was sent");
    }
}

/// Issue #12: every vendor with an administrative set sets the demo user's password on its
/// simulator, and verifies it as that user (not as the administrator) where it can log in.
#[tokio::test]
async fn every_admin_set_works_against_the_simulators() {
    for vendor in Vendor::ALL {
        let capabilities = pwchange::capabilities(vendor).unwrap();
        if !capabilities.modes.contains(&pwchange::ModeKind::AdminSet) {
            continue;
        }
        let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
        let user = demo_user(vendor);
        let change = PasswordChange::admin_set(user.id.clone(), "Adm1n-Set-Passw0rd!");
        let changed = client(vendor, sim.base_url(), sim.token(), &[])
            .change_password(&change)
            .await
            .unwrap_or_else(|e| panic!("{vendor}: {e}"));
        assert_eq!(
            sim.password(&user.id).as_deref(),
            Some("Adm1n-Set-Passw0rd!"),
            "{vendor}"
        );
        let verification = serde_json::to_value(&changed.verification).unwrap();
        assert!(
            ["verified", "not_verifiable"].contains(&verification["result"].as_str().unwrap()),
            "{vendor}: {verification}"
        );
        if verification["result"] == "verified" {
            assert_eq!(sim.logins(&user.id), 1, "{vendor}: one login, as the user");
        }
        sim.assert_no_violations();
    }
}

/// Issue #12: every vendor's policy through the facade against its simulator: read where the
/// vendor has an API, else the documented one.
#[tokio::test]
async fn every_vendor_has_a_policy_and_the_demo_change_satisfies_it() {
    for vendor in Vendor::ALL {
        let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
        let client = client(vendor, sim.base_url(), sim.token(), &[]);
        let policy = client.password_policy().await.unwrap();
        policy
            .check(demo_change(vendor).new_password())
            .unwrap_or_else(|e| panic!("{vendor}: {e}"));
        let documented = pwchange::documented_policy(vendor).unwrap();
        match &policy.source {
            pwchange::PolicySource::Vendor { .. } => {
                // The simulator serves the vendor's default: the documented one.
                assert_eq!(policy.min_length, documented.min_length, "{vendor}");
                assert_eq!(policy.required_classes(), documented.required_classes());
            }
            _ => assert_eq!(policy, documented, "{vendor}"),
        }
        sim.assert_no_violations();
    }
}

#[tokio::test]
async fn a_refused_connection_is_transport_and_temporary() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    for vendor in Vendor::ALL {
        let base = format!("http://127.0.0.1:{port}");
        let error = client(vendor, &base, canary::TOKEN, &[])
            .change_password(&demo_change(vendor))
            .await
            .unwrap_err();
        assert_no_secret(&error);
        assert_eq!(error.kind(), ErrorKind::Transport, "{vendor}: {error}");
        assert!(error.is_temporary());
        assert!(!error.may_have_applied());
    }
}

#[tokio::test]
async fn a_timeout_after_sending_is_outcome_unknown() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|_, then| {
            then.status(200).delay(Duration::from_secs(3)).body("{}");
        })
        .await;
    for vendor in Vendor::ALL {
        // A 1-second timeout, the shortest the settings allow.
        let slow = client(
            vendor,
            &server.base_url(),
            canary::TOKEN,
            &[("timeout_secs", "1")],
        );
        let error = slow
            .change_password(&demo_change(vendor))
            .await
            .unwrap_err();
        assert_no_secret(&error);
        assert_eq!(error.kind(), ErrorKind::OutcomeUnknown, "{vendor}: {error}");
        assert!(error.may_have_applied());
        assert!(
            !error.is_temporary(),
            "a change that may have applied must not be retried blindly"
        );
    }
}

#[test]
fn from_env_reports_the_missing_variable() {
    // The variables are not set in the test environment.
    for vendor in Vendor::ALL {
        let error = Client::from_env(vendor).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        let expected = format!(
            "base_url is not set: it must hold the vendor's base URL ({}",
            Settings::env_name(vendor, "base_url")
        );
        assert!(error.to_string().contains(&expected), "{error}");
    }
}

/// A `Client` is cloned into tasks: the clones are one client (one pool, one token cache),
/// and each change through any of them is the vendor's.
#[tokio::test(flavor = "multi_thread")]
async fn clones_of_a_client_work_from_spawned_tasks() {
    fn assert_shareable<T: Clone + Send + Sync + 'static>(_: &T) {}
    for vendor in Vendor::ALL {
        let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
        let original = client(vendor, sim.base_url(), sim.token(), &[]);
        assert_shareable(&original);
        let clone = original.clone();
        assert_eq!(
            (clone.vendor(), clone.base_url()),
            (original.vendor(), original.base_url())
        );
        let changed =
            tokio::spawn(async move { clone.change_password(&demo_change(vendor)).await })
                .await
                .unwrap()
                .unwrap();
        assert_eq!(changed.vendor, vendor);
        assert_eq!(
            sim.password(&demo_user(vendor).id).as_deref(),
            Some("N3w-Passw0rd!x")
        );
        sim.assert_no_violations();
    }
}

/// A change can be spawned on a multi-threaded runtime: its future is `Send`, for every vendor.
#[test]
fn the_change_future_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    for vendor in Vendor::ALL {
        let client = client(vendor, "https://idp.example.com", canary::TOKEN, &[]);
        let change = demo_change(vendor);
        let future = client.change_password(&change);
        assert_send(&future);
    }
}

#[test]
fn every_enabled_vendor_documents_its_keys_and_canonical_ids() {
    for vendor in Vendor::ALL {
        assert!(pwchange::is_enabled(vendor));
        let keys = pwchange::keys(vendor).unwrap();
        for key in keys {
            assert!(!key.help.is_empty(), "{vendor} {}", key.name);
            assert!(
                !pwchange::COMMON_KEYS.iter().any(|c| c.name == key.name),
                "{vendor} redefines the common key {}",
                key.name
            );
        }
        let id = demo_user(vendor).id;
        assert_eq!(
            pwchange::canonical_user_id(vendor, &id).unwrap(),
            id,
            "{vendor}"
        );
        assert_eq!(
            pwchange::canonical_user_id(vendor, &format!(" {id} ")).unwrap(),
            id,
            "{vendor}: surrounding blanks"
        );
    }
}

#[tokio::test]
async fn check_change_runs_every_check_that_needs_no_request() {
    // Nothing listens: a check that sent anything would fail with a transport error instead.
    for vendor in Vendor::ALL {
        let client = client(vendor, "http://127.0.0.1:9", canary::TOKEN, &[]);
        client.check_change(&demo_change(vendor)).unwrap();
        let user = demo_user(vendor);
        let empty = PasswordChange::self_service(&user.id, user.password.as_str(), "");
        let error = client.check_change(&empty).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{vendor}: {error}");
        assert_eq!(error.vendor(), Some(vendor));
    }
}
