//! The secret store against a real OpenBao server (`pwchange_sim::openbao`): check-and-set
//! writes, a write recognised as the rotation's own, conflicts never overwritten, tokens and
//! AppRole, and a rotation whose store goes down mid-run and is completed by a resume.

use std::sync::{Arc, Mutex};

use pwchange::ErrorKind;
use pwchange_rotate::store::{Put, Secret, Store, VaultAuth, VaultConfig};
use pwchange_rotate::{Event, Rotation, StoreResult};
use pwchange_sim::Simulator;
use pwchange_sim::openbao::OpenBao;
use zeroize::Zeroizing;

use crate::{Files, VENDOR, recipients, setup};

const SPEC: &str = "vault://secret/pwchange/{vendor}/{user_id}";

fn root_config(bao: &OpenBao) -> VaultConfig {
    VaultConfig::new(
        &bao.address(),
        VaultAuth::Token(bao.token().to_owned().into()),
    )
}

fn secret(user: &str, password: &str) -> Secret {
    Secret {
        password: Zeroizing::new(password.to_owned()),
        user_id: user.to_owned(),
        vendor: "v".to_owned(),
        base_url: "http://127.0.0.1:1".to_owned(),
        login_name: None,
        rotated_at: pwchange_rotate::store::now_rfc3339(),
        verified: true,
    }
}

/// Panics unless the store's latest version of each of `ids` holds the password `sim` holds.
async fn assert_store_equals_sim(store: &Store, sim: &Simulator, ids: &[String], when: &str) {
    for id in ids {
        let path = store.target().path_for(VENDOR.name(), id).unwrap();
        let current = store.current(&path).await.unwrap();
        let held = current.secret.map(|s| s.password.to_string());
        assert_eq!(held, sim.password(id), "{when}: {id}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn writes_are_check_and_set_and_a_write_of_its_own_is_recognised() {
    let dir = tempfile::tempdir().unwrap();
    let Some(bao) = OpenBao::dev(dir.path()) else {
        return;
    };
    let store = Store::new("vault://secret/t/{user_id}", root_config(&bao)).unwrap();
    let path = store.target().path_for("v", "alice@example.com").unwrap();
    let current = store.current(&path).await.unwrap();
    assert_eq!((current.version, current.secret.is_none()), (0, true));

    let ours = secret("alice@example.com", "First-Passw0rd!");
    assert_eq!(
        store.put(&path, 0, &ours).await.unwrap(),
        Put::Stored { version: 1 }
    );
    // The same write again (its answer lost, a crash before the journal said so): ours.
    assert_eq!(
        store.put(&path, 0, &ours).await.unwrap(),
        Put::AlreadyStored { version: 1 }
    );
    // Someone else's password on the same base: refused, and the store keeps ours.
    let theirs = secret("alice@example.com", "Other-Passw0rd!");
    assert_eq!(
        store.put(&path, 0, &theirs).await.unwrap(),
        Put::Conflict { version: 1 }
    );
    let current = store.current(&path).await.unwrap();
    assert!(current.secret.unwrap().is(&ours));
    assert_eq!(
        store.put(&path, 1, &theirs).await.unwrap(),
        Put::Stored { version: 2 }
    );

    // A deleted latest version still counts: the next write names it.
    let (status, _) = bao.request(
        bao.token(),
        "DELETE",
        "secret/data/t/alice@example.com",
        None,
    );
    assert_eq!(status, 204);
    let current = store.current(&path).await.unwrap();
    assert_eq!((current.version, current.secret.is_none()), (2, true));
    assert_eq!(
        store.put(&path, 2, &ours).await.unwrap(),
        Put::Stored { version: 3 }
    );

    // What the secret holds, and its metadata holds no password.
    let (_, read) = bao.get("secret/data/t/alice@example.com");
    let data = &read["data"]["data"];
    assert_eq!(data["user_id"], "alice@example.com");
    assert_eq!(data["password"], "First-Passw0rd!");
    assert_eq!(data["verified"], true);
    assert!(data["rotated_at"].as_str().unwrap().ends_with('Z'));
    let (_, metadata) = bao.get("secret/metadata/t/alice@example.com");
    assert!(!metadata.to_string().contains("Passw0rd"), "{metadata}");

    // A mount that is not there is said to be one, not taken for a missing secret.
    let nowhere = Store::new("vault://nosuch/{user_id}", root_config(&bao)).unwrap();
    let error = nowhere
        .current(&nowhere.target().path_for("v", "a").unwrap())
        .await
        .err()
        .unwrap();
    assert!(
        error.message().contains("KV version 2"),
        "{}",
        error.message()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_are_checked_before_anything_changes_and_approle_logs_in() {
    let dir = tempfile::tempdir().unwrap();
    let Some(bao) = OpenBao::dev(dir.path()) else {
        return;
    };
    let policy = |name: &str, caps: &str| {
        let body = serde_json::json!({
            "policy": format!("path \"secret/data/pwchange/*\" {{ capabilities = [{caps}] }}")
        });
        let (status, answer) = bao.request(
            bao.token(),
            "PUT",
            &format!("sys/policies/acl/{name}"),
            Some(&body.to_string()),
        );
        assert_eq!(status, 204, "{answer}");
    };
    policy("read-only", r#""read""#);
    policy("writer", r#""create", "read", "update""#);
    let token = |policy: &str| {
        let (_, answer) = bao.post(
            "auth/token/create",
            &format!(r#"{{"policies":["{policy}"]}}"#),
        );
        answer["auth"]["client_token"].as_str().unwrap().to_owned()
    };

    // A read-only token: the rotation is refused before its first change, and no journal is
    // written.
    let (sim, client, ids, input) = setup(3).await;
    let read_only = VaultConfig::new(&bao.address(), VaultAuth::Token(token("read-only").into()));
    let files = Files::new();
    let plan = Rotation::new(
        client.clone(),
        pwchange_rotate::Input::from_bytes(
            input.clone(),
            pwchange_rotate::input::Format::Csv,
            "users",
        ),
    )
    .mode(pwchange_rotate::Mode::AdminSet {
        require_change: false,
    })
    .store(Store::new(SPEC, read_only).unwrap())
    .plan()
    .await
    .unwrap();
    let (_, protection) = recipients();
    let stopped = plan
        .create_journal(&files.journal, files.key(), protection)
        .unwrap()
        .execute()
        .await
        .unwrap_err();
    assert_eq!(
        stopped.error.kind(),
        ErrorKind::PermissionDenied,
        "{}",
        stopped.error
    );
    assert!(
        stopped.error.message().contains("create"),
        "{}",
        stopped.error
    );
    assert!(!files.journal.exists());
    for id in &ids {
        assert_eq!(sim.password(id).as_deref(), Some(crate::OLD), "{id}");
    }

    // A token that is no token.
    let bad = Store::new(
        SPEC,
        VaultConfig::new(&bao.address(), VaultAuth::Token("s.nope".to_owned().into())),
    )
    .unwrap();
    let error = bad
        .current(&bad.target().path_for("v", "a").unwrap())
        .await
        .err()
        .unwrap();
    assert_eq!(error.kind(), ErrorKind::PermissionDenied);
    assert!(!format!("{error:?}").contains("s.nope"));

    // AppRole: the role's secret id from a private file, a login, a write.
    let (status, _) = bao.post("sys/auth/approle", r#"{"type":"approle"}"#);
    assert_eq!(status, 204);
    let (status, answer) = bao.post(
        "auth/approle/role/pwchange",
        r#"{"token_policies":["writer"],"token_ttl":"1h"}"#,
    );
    assert_eq!(status, 204, "{answer}");
    let (_, role) = bao.get("auth/approle/role/pwchange/role-id");
    let (_, secret_id) = bao.post("auth/approle/role/pwchange/secret-id", "{}");
    let secret_file = dir.path().join("secret-id");
    std::fs::write(
        &secret_file,
        secret_id["data"]["secret_id"].as_str().unwrap(),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&secret_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let address = bao.address();
    let role_id = role["data"]["role_id"].as_str().unwrap().to_owned();
    let secret_path = secret_file.to_str().unwrap().to_owned();
    let env = move |name: &str| match name {
        "BAO_ADDR" => Some(address.clone()),
        "PWCHANGE_STORE_ROLE_ID" => Some(role_id.clone()),
        "PWCHANGE_STORE_SECRET_ID_FILE" => Some(secret_path.clone()),
        _ => None,
    };
    let store = Store::new(SPEC, VaultConfig::from_lookup(&env).unwrap()).unwrap();
    let path = store.target().path_for("v", "bob").unwrap();
    store.check_access(&path).await.unwrap();
    assert_eq!(
        store
            .put(&path, 0, &secret("bob", "Bob-Passw0rd!1"))
            .await
            .unwrap(),
        Put::Stored { version: 1 }
    );
    // A wrong secret id is a refused login.
    std::fs::write(&secret_file, "not-the-secret-id").unwrap();
    let refused = Store::new(SPEC, VaultConfig::from_lookup(&env).unwrap()).unwrap();
    let error = refused.current(&path).await.err().unwrap();
    assert_eq!(
        error.kind(),
        ErrorKind::Unauthenticated,
        "{}",
        error.message()
    );
}

/// The store goes down mid-run: the run stops launching and says which users are not stored,
/// the journal keeps their passwords, and a resume after the restart writes them; the store
/// then equals the simulator for every user.
#[tokio::test(flavor = "multi_thread")]
async fn a_store_that_goes_down_mid_run_loses_nothing_and_a_resume_completes_it() {
    let dir = tempfile::tempdir().unwrap();
    let Some(bao) = OpenBao::persistent(dir.path()) else {
        return;
    };
    let (sim, client, ids, input) = setup(40).await;
    let config = root_config(&bao);
    let bao = Arc::new(Mutex::new(bao));
    let files = Files::new();
    let (identity, protection) = recipients();
    let plan = Rotation::new(
        client.clone(),
        pwchange_rotate::Input::from_bytes(
            input.clone(),
            pwchange_rotate::input::Format::Csv,
            "users",
        ),
    )
    .mode(pwchange_rotate::Mode::AdminSet {
        require_change: false,
    })
    .pacing(pwchange_rotate::PacingConfig::new(
        pwchange_rotate::Cap::At(2),
        pwchange_rotate::Cap::Auto,
    ))
    .store(Store::new(SPEC, config.clone()).unwrap())
    .plan()
    .await
    .unwrap();
    let killer = bao.clone();
    let finished = Arc::new(Mutex::new(0usize));
    let stopped = plan
        .create_journal(&files.journal, files.key(), protection)
        .unwrap()
        .on_event(move |event| {
            if let Event::Finished { .. } = event {
                let mut count = finished.lock().unwrap();
                *count += 1;
                if *count == 10 {
                    killer.lock().unwrap().kill();
                }
            }
        })
        .execute()
        .await
        .unwrap_err();
    assert!(
        matches!(
            stopped.error.kind(),
            ErrorKind::Transport | ErrorKind::Unavailable
        ),
        "{}",
        stopped.error
    );
    let summary = &stopped.summary;
    assert!(summary.not_attempted > 0, "{summary:?}");
    assert_eq!(
        summary.stored + summary.not_stored,
        summary.changed,
        "{summary:?}"
    );
    let contents = pwchange_rotate::journal::read(&files.journal, Some(&files.key())).unwrap();
    assert_eq!(contents.not_stored().len(), summary.not_stored);

    bao.lock().unwrap().restart();
    let store = Store::new(SPEC, config.clone()).unwrap();
    let resumed = plan_with_store(client, &input, store.clone()).await;
    let ready = resumed
        .resume_journal(
            &files.journal,
            files.key(),
            Some(pwchange_rotate::Unlock::Identity(identity)),
        )
        .unwrap();
    assert_eq!(ready.users_not_stored(), summary.not_stored);
    let results = Arc::new(Mutex::new(Vec::new()));
    let seen = results.clone();
    let summary = ready
        .on_event(move |event| {
            if let Event::Finished { result, .. } = event {
                seen.lock().unwrap().push(result.clone());
            }
        })
        .execute()
        .await
        .unwrap();
    assert_eq!(
        summary.not_stored + summary.store_conflicts,
        0,
        "{summary:?}"
    );
    for result in results.lock().unwrap().iter() {
        // Stored now, or skipped: applied and stored by the first run.
        assert!(
            matches!(result.store, Some(StoreResult::Stored { .. }))
                || (result.outcome == pwchange_rotate::UserOutcome::AlreadyDone
                    && result.store.is_none()),
            "{result:?}"
        );
    }
    assert_store_equals_sim(&store, &sim, &ids, "after the resume").await;
    let contents = pwchange_rotate::journal::read(&files.journal, Some(&files.key())).unwrap();
    assert!(contents.not_stored().is_empty());
    assert!(contents.users.iter().all(|(_, state)| matches!(
        state,
        pwchange_rotate::journal::UserState::Applied {
            stored: Some(_),
            ..
        }
    )));
    assert_eq!(contents.users.len(), ids.len());
    assert_eq!(
        contents
            .header
            .store
            .as_ref()
            .map(|target| target.spec())
            .as_deref(),
        Some(SPEC)
    );
}

async fn plan_with_store(
    client: pwchange::Client,
    input: &[u8],
    store: Store,
) -> pwchange_rotate::Plan {
    Rotation::new(
        client,
        pwchange_rotate::Input::from_bytes(
            input.to_vec(),
            pwchange_rotate::input::Format::Csv,
            "users",
        ),
    )
    .mode(pwchange_rotate::Mode::AdminSet {
        require_change: false,
    })
    .store(store)
    .plan()
    .await
    .unwrap()
}

/// Every user of a rotation with a store ends stored, and the store equals the simulator.
#[tokio::test(flavor = "multi_thread")]
async fn every_applied_password_is_in_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let Some(bao) = OpenBao::dev(dir.path()) else {
        return;
    };
    let (sim, client, ids, input) = setup(30).await;
    let store = Store::new(SPEC, root_config(&bao)).unwrap();
    let files = Files::new();
    let (_, protection) = recipients();
    let summary = plan_with_store(client, &input, store.clone())
        .await
        .create_journal(&files.journal, files.key(), protection)
        .unwrap()
        .execute()
        .await
        .unwrap();
    assert_eq!((summary.changed, summary.stored), (30, 30), "{summary:?}");
    assert_store_equals_sim(&store, &sim, &ids, "after the run").await;
}
