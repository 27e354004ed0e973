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
        // Every change of these tests is proven by a login, and the secret says so.
        assert!(
            current.secret.as_ref().is_some_and(|s| s.verified),
            "{when}: {id}"
        );
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
    assert_eq!(
        (stopped.summary.total, stopped.summary.not_attempted),
        (3, 3)
    );
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
    let first_results = Arc::new(Mutex::new(Vec::new()));
    let seen_first = first_results.clone();
    let summary = plan
        .create_journal(&files.journal, files.key(), protection)
        .unwrap()
        .on_event(move |event| {
            if let Event::Finished { result, .. } = event {
                seen_first.lock().unwrap().push(result.clone());
                let mut count = finished.lock().unwrap();
                *count += 1;
                if *count == 10 {
                    killer.lock().unwrap().kill();
                }
            }
        })
        .execute()
        .await
        .unwrap();
    // The store's failure is the summary's: the run stopped launching, and says why.
    let failure = summary.store_failure.as_ref().unwrap();
    assert!(
        matches!(failure.kind, ErrorKind::Transport | ErrorKind::Unavailable),
        "{failure:?}"
    );
    assert!(failure.message.contains("store"), "{failure:?}");
    // The first failure takes the store for down: only the changes in flight then (two at
    // most) met the dead store; every later user was not attempted, without a store read.
    let read_failures = first_results
        .lock()
        .unwrap()
        .iter()
        .filter(|r| {
            r.message
                .as_deref()
                .is_some_and(|m| m.contains("the store could not be read"))
        })
        .count();
    assert!(
        read_failures <= 2,
        "{read_failures} users met the dead store"
    );
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

/// The drift check on its own (no store needed): the vendor's password is in sync, another is
/// out of sync, none is not verifiable, and a login refused for now (`429`) is tried again.
#[tokio::test(flavor = "multi_thread")]
async fn the_drift_check_says_in_sync_out_of_sync_or_not_verifiable() {
    use pwchange_rotate::drift::{self, DriftState, DriftUser};
    let (sim, client, ids, _) = setup(4).await;
    let user = |i: usize, password: Option<&str>| DriftUser {
        user_id: ids[i].clone(),
        login_name: None,
        password: password.map(|p| Zeroizing::new(p.to_owned())),
        source: format!("test {i}"),
    };
    // The first login is refused for now, then answered.
    sim.inject(pwchange_sim::Fault::RateLimited {
        retry_after_secs: 0,
    });
    let results = Arc::new(Mutex::new(Vec::new()));
    let seen = results.clone();
    let summary = drift::check(
        &client,
        vec![
            user(0, Some(crate::OLD)),
            user(1, Some("Not-The-Passw0rd!")),
            user(2, None),
            user(3, Some(crate::OLD)),
        ],
        pwchange_rotate::PacingConfig::new(pwchange_rotate::Cap::At(1), pwchange_rotate::Cap::Auto),
        move |result| seen.lock().unwrap().push(result.clone()),
    )
    .await;
    assert_eq!(
        (
            summary.total,
            summary.in_sync,
            summary.out_of_sync,
            summary.not_verifiable
        ),
        (4, 2, 1, 1),
        "{summary:?}"
    );
    let mut results = results.lock().unwrap().clone();
    results.sort_by(|a, b| a.user_id.cmp(&b.user_id));
    let states: Vec<_> = results.iter().map(|r| r.state).collect();
    assert_eq!(
        states,
        [
            DriftState::InSync,
            DriftState::OutOfSync,
            DriftState::NotVerifiable,
            DriftState::InSync
        ]
    );
    assert_eq!(results[1].kind, Some(ErrorKind::VerificationFailed));
    assert_eq!(results[2].source, "test 2");
    assert!(
        results[2]
            .message
            .as_deref()
            .unwrap()
            .contains("no password to check")
    );
    assert_eq!(results[0].kind, None);
    for result in &results {
        let line = serde_json::to_string(result).unwrap();
        assert!(
            !line.contains("Not-The-Passw0rd!") && !line.contains(crate::OLD),
            "{line}"
        );
    }
    // Nothing changed.
    for id in &ids {
        assert_eq!(sim.password(id).as_deref(), Some(crate::OLD));
    }
    assert_eq!(DriftState::OutOfSync.name(), "out_of_sync");
    assert_eq!(DriftState::InSync.name(), "in_sync");
    assert_eq!(DriftState::NotVerifiable.name(), "not_verifiable");
}

/// A loopback proxy in front of `upstream` (an OpenBao): each request is forwarded; a write
/// (`POST …/data/…`) that `lose_writes` says to lose is forwarded and then answered with a
/// gateway's `502`, as a load balancer does when the server answered late. Answers one request
/// per connection. It also drops before forwarding the writes `drop_writes` says to
/// (answering `502` all the same), and counts in `forwarded` the writes it forwards.
fn gateway_with(
    upstream: u16,
    lose_writes: Arc<std::sync::atomic::AtomicUsize>,
    drop_writes: Arc<std::sync::atomic::AtomicUsize>,
    forwarded: Arc<std::sync::atomic::AtomicUsize>,
) -> u16 {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut client) = stream else { continue };
            let lose_writes = lose_writes.clone();
            let drop_writes = drop_writes.clone();
            let forwarded = forwarded.clone();
            std::thread::spawn(move || {
                let mut request = Vec::new();
                let mut buffer = [0u8; 4096];
                let (head_end, length) = loop {
                    let Ok(n) = client.read(&mut buffer) else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buffer[..n]);
                    if let Some(at) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&request[..at]).to_lowercase();
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        break (at + 4, length);
                    }
                };
                while request.len() < head_end + length {
                    let Ok(n) = client.read(&mut buffer) else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buffer[..n]);
                }
                let head = String::from_utf8_lossy(&request[..head_end]).into_owned();
                let write = head.starts_with("POST ") && head.contains("/data/");
                let take = |counter: &std::sync::atomic::AtomicUsize| {
                    counter
                        .fetch_update(
                            std::sync::atomic::Ordering::SeqCst,
                            std::sync::atomic::Ordering::SeqCst,
                            |n| n.checked_sub(1),
                        )
                        .is_ok()
                };
                let page = "<html>502 Bad Gateway</html>";
                let bad_gateway = format!(
                    "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
                    page.len()
                );
                if write && take(&drop_writes) {
                    let _ = client.write_all(bad_gateway.as_bytes());
                    return;
                }
                if write {
                    forwarded.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
                // Forwarded as HTTP/1.0 without keep-alive: the answer ends with the connection.
                let forwarded = head
                    .replacen("HTTP/1.1", "HTTP/1.0", 1)
                    .replace("connection: keep-alive", "connection: close");
                let mut server = std::net::TcpStream::connect(("127.0.0.1", upstream)).unwrap();
                server.write_all(forwarded.as_bytes()).unwrap();
                server.write_all(&request[head_end..]).unwrap();
                let mut answer = Vec::new();
                let _ = server.read_to_end(&mut answer);
                if write && take(&lose_writes) {
                    let _ = client.write_all(bad_gateway.as_bytes());
                } else {
                    let _ = client.write_all(&answer);
                }
            });
        }
    });
    port
}

/// A gateway's `502` after the write landed: the write is read back and found to be the
/// rotation's own (stored, not a conflict, not written twice). A store that never answers is
/// down after its attempts, and says so.
#[tokio::test(flavor = "multi_thread")]
async fn a_write_whose_answer_was_lost_is_read_back_and_a_silent_store_is_down() {
    let dir = tempfile::tempdir().unwrap();
    let Some(bao) = OpenBao::dev(dir.path()) else {
        return;
    };
    let upstream: u16 = bao.address().rsplit(':').next().unwrap().parse().unwrap();
    let lose = Arc::new(std::sync::atomic::AtomicUsize::new(1));
    let dropped = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let forwarded = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let port = gateway_with(upstream, lose.clone(), dropped.clone(), forwarded.clone());
    let writes = || forwarded.load(std::sync::atomic::Ordering::SeqCst);
    let store = Store::new(
        "vault://secret/gw/{user_id}",
        VaultConfig::new(
            &format!("http://127.0.0.1:{port}"),
            VaultAuth::Token(bao.token().to_owned().into()),
        ),
    )
    .unwrap();
    let path = store.target().path_for("v", "carol").unwrap();
    let ours = secret("carol", "Carol-Passw0rd!1");
    assert_eq!(
        store.put(&path, 0, &ours).await.unwrap(),
        Put::AlreadyStored { version: 1 }
    );
    assert_eq!(
        lose.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the 502 was served"
    );
    let (_, metadata) = bao.get("secret/metadata/gw/carol");
    assert_eq!(metadata["data"]["current_version"], 1, "written once");
    // A lost answer to someone else's write (the version moved, not ours): a conflict.
    lose.store(1, std::sync::atomic::Ordering::SeqCst);
    let (status, _) = bao.post(
        "secret/data/gw/carol",
        r#"{"data":{"password":"x","user_id":"carol"}}"#,
    );
    assert_eq!(status, 200);
    let before = writes();
    assert_eq!(
        store
            .put(&path, 1, &secret("carol", "Carol-Passw0rd!2"))
            .await
            .unwrap(),
        Put::Conflict { version: 2 }
    );
    assert_eq!(writes() - before, 1, "the version moved: not written again");
    // A write the gateway dropped before the server saw it: nothing moved, so it is sent
    // again, and lands.
    dropped.store(1, std::sync::atomic::Ordering::SeqCst);
    let before = writes();
    assert_eq!(
        store
            .put(&path, 2, &secret("carol", "Carol-Passw0rd!3"))
            .await
            .unwrap(),
        Put::Stored { version: 3 }
    );
    assert_eq!(writes() - before, 1);

    // A server that takes connections and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", silent.local_addr().unwrap());
    let held = std::thread::spawn(move || {
        silent
            .incoming()
            .take(5)
            .filter_map(Result::ok)
            .collect::<Vec<_>>()
    });
    let store = Store::new(
        "vault://secret/{user_id}",
        VaultConfig::new(&address, VaultAuth::Token("t".to_owned().into()))
            .timeout(std::time::Duration::from_millis(100)),
    )
    .unwrap();
    let error = store
        .current(&store.target().path_for("v", "a").unwrap())
        .await
        .err()
        .unwrap();
    assert_eq!(error.kind(), ErrorKind::Unavailable, "{}", error.message());
    assert!(error.message().contains("store"), "{}", error.message());
    drop(held);
}

/// A refusal of one user's path (its policy denies it) leaves that user unchanged and the run
/// goes on: only a store that is down, or refuses before any success or three times in a row,
/// stops it.
#[tokio::test(flavor = "multi_thread")]
async fn one_users_refused_path_does_not_stop_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let Some(bao) = OpenBao::dev(dir.path()) else {
        return;
    };
    let (sim, client, ids, input) = setup(6).await;
    let denied = format!("secret/data/pwchange/{}/{}", VENDOR.name(), ids[2]);
    let policy = serde_json::json!({
        "policy": format!(
            "path \"secret/data/pwchange/*\" {{ capabilities = [\"create\", \"read\", \"update\"] }}\npath \"{denied}\" {{ capabilities = [\"deny\"] }}"
        )
    });
    let (status, answer) = bao.request(
        bao.token(),
        "PUT",
        "sys/policies/acl/all-but-one",
        Some(&policy.to_string()),
    );
    assert_eq!(status, 204, "{answer}");
    let (_, token) = bao.post("auth/token/create", r#"{"policies":["all-but-one"]}"#);
    let config = VaultConfig::new(
        &bao.address(),
        VaultAuth::Token(
            token["auth"]["client_token"]
                .as_str()
                .unwrap()
                .to_owned()
                .into(),
        ),
    );
    let store = Store::new(SPEC, config).unwrap();
    let files = Files::new();
    let (_, protection) = recipients();
    // One change at a time: the refused user comes after a success (a refusal before any
    // success is taken for the credentials' and stops the run).
    let summary = Rotation::new(
        client,
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
        pwchange_rotate::Cap::At(1),
        pwchange_rotate::Cap::Auto,
    ))
    .store(store.clone())
    .plan()
    .await
    .unwrap()
    .create_journal(&files.journal, files.key(), protection)
    .unwrap()
    .execute()
    .await
    .unwrap();
    assert!(summary.store_failure.is_none(), "{summary:?}");
    assert_eq!(
        (summary.changed, summary.stored, summary.not_attempted),
        (5, 5, 1),
        "{summary:?}"
    );
    assert_eq!(sim.password(&ids[2]).as_deref(), Some(crate::OLD));
    let others: Vec<String> = ids.iter().filter(|id| **id != ids[2]).cloned().collect();
    let root = Store::new(SPEC, root_config(&bao)).unwrap();
    assert_store_equals_sim(&root, &sim, &others, "all but the refused").await;
}

/// A loopback server that answers every request with `status` (and `{"errors":[]}`), counting
/// the requests; its address.
fn answering(status: u16) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = Vec::new();
            let mut buffer = [0u8; 4096];
            // The head, then the body its Content-Length gives.
            while let Ok(n) = stream.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&buffer[..n]);
                if let Some(at) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&request[..at]).to_lowercase();
                    let length = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    if request.len() >= at + 4 + length {
                        break;
                    }
                }
            }
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let body = r#"{"errors":[]}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (address, count)
}

/// A write refused for now (a sealed server's `503`) is tried again, five times in all, then
/// fails; a refusal for good (`403`) is not tried again.
#[tokio::test(flavor = "multi_thread")]
async fn a_write_refused_for_now_is_tried_five_times_and_a_refusal_once() {
    for (status, kind, tries) in [
        (503, ErrorKind::Unavailable, 5),
        (403, ErrorKind::PermissionDenied, 1),
    ] {
        let (address, count) = answering(status);
        let store = Store::new(
            "vault://secret/{user_id}",
            VaultConfig::new(&address, VaultAuth::Token("t".to_owned().into())),
        )
        .unwrap();
        let path = store.target().path_for("v", "dave").unwrap();
        let error = store
            .put(&path, 0, &secret("dave", "Dave-Passw0rd!1"))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), kind, "{status}: {}", error.message());
        assert_eq!(
            count.load(std::sync::atomic::Ordering::SeqCst),
            tries,
            "{status}"
        );
        // A read likewise.
        let error = store.current(&path).await.err().unwrap();
        assert_eq!(error.kind(), kind, "{status}: {}", error.message());
        assert_eq!(
            count.load(std::sync::atomic::Ordering::SeqCst),
            2 * tries,
            "{status}"
        );
    }
}

/// A journal without the store's versions (a rotation made without one): written where the
/// secret is absent, found where it holds this password for this user, a conflict where it
/// holds anyone else's (another password, or another user's), written over only when asked.
#[tokio::test(flavor = "multi_thread")]
async fn an_applied_password_without_a_base_writes_over_no_one_elses() {
    use pwchange_rotate::store::Applied;
    let dir = tempfile::tempdir().unwrap();
    let Some(bao) = OpenBao::dev(dir.path()) else {
        return;
    };
    let store = Store::new("vault://secret/e/{user_id}", root_config(&bao)).unwrap();
    let applied = |user_id, password, overwrite| Applied {
        user_id,
        password,
        base: None,
        verified: true,
        login_name: None,
        overwrite,
    };
    let put = |a| store.put_applied("v", "http://127.0.0.1:1", a);
    let (written, path) = put(applied("erin", "Erin-Passw0rd!1", false))
        .await
        .unwrap();
    assert_eq!(
        (written, path.as_str()),
        (Put::Stored { version: 1 }, "e/erin")
    );
    assert_eq!(
        put(applied("erin", "Erin-Passw0rd!1", false))
            .await
            .unwrap()
            .0,
        Put::AlreadyStored { version: 1 }
    );
    assert_eq!(
        put(applied("erin", "Erin-Passw0rd!2", false))
            .await
            .unwrap()
            .0,
        Put::Conflict { version: 1 }
    );
    // Another user's secret at the path (the same password): not this user's.
    let (status, _) = bao.post(
        "secret/data/e/frank",
        r#"{"data":{"password":"Frank-Passw0rd!1","user_id":"someone-else"}}"#,
    );
    assert_eq!(status, 200);
    assert_eq!(
        put(applied("frank", "Frank-Passw0rd!1", false))
            .await
            .unwrap()
            .0,
        Put::Conflict { version: 1 }
    );
    assert_eq!(
        put(applied("erin", "Erin-Passw0rd!2", true))
            .await
            .unwrap()
            .0,
        Put::Replaced {
            version: 2,
            replaced: 1
        }
    );
    let current = store.current(&path).await.unwrap();
    assert_eq!(current.secret.unwrap().password.as_str(), "Erin-Passw0rd!2");
    // With the journal's base: written on it; a moved version is a conflict, written over
    // only when asked.
    let based = |password, base, overwrite| Applied {
        base: Some(base),
        ..applied("erin", password, overwrite)
    };
    assert_eq!(
        put(based("Erin-Passw0rd!3", 2, false)).await.unwrap().0,
        Put::Stored { version: 3 }
    );
    assert_eq!(
        put(based("Erin-Passw0rd!4", 2, false)).await.unwrap().0,
        Put::Conflict { version: 3 }
    );
    assert_eq!(
        put(based("Erin-Passw0rd!4", 2, true)).await.unwrap().0,
        Put::Replaced {
            version: 4,
            replaced: 3
        }
    );
}

/// How a store shows itself: its URL and server, never its token; a journal's store is
/// refused with another server or namespace.
#[test]
fn a_store_names_its_target_and_refuses_another_server() {
    let config = || {
        VaultConfig::new(
            "http://127.0.0.1:8200",
            VaultAuth::Token("s.not-to-be-shown".to_owned().into()),
        )
    };
    let store = Store::new(SPEC, config()).unwrap();
    assert_eq!(
        store.target().to_string(),
        "vault://secret/pwchange/{vendor}/{user_id} at http://127.0.0.1:8200"
    );
    let debug = format!("{store:?}");
    assert!(debug.contains("pwchange/{vendor}/{user_id}"), "{debug}");
    assert!(!debug.contains("not-to-be-shown"), "{debug}");
    let mut elsewhere = store.target().clone();
    elsewhere.address = "http://127.0.0.1:8201".to_owned();
    assert!(Store::at(elsewhere, config()).is_err());
    let mut namespaced = store.target().clone();
    namespaced.namespace = Some("team".to_owned());
    assert_eq!(
        namespaced.to_string(),
        "vault://secret/pwchange/{vendor}/{user_id} at http://127.0.0.1:8200 (namespace team)"
    );
    assert!(Store::at(namespaced.clone(), config()).is_err());
    assert!(Store::at(namespaced, config().with_namespace(Some("team"))).is_ok());
    let mut other_kind = store.target().clone();
    other_kind.kind = "other".to_owned();
    assert!(Store::at(other_kind, config()).is_err());
}

/// A vendor that keeps refusing the drift check's logins for now: tried a bounded number of
/// times, then not verifiable (and the login count says how many).
#[tokio::test(flavor = "multi_thread")]
async fn a_drift_login_refused_for_now_for_good_is_not_verifiable_after_its_attempts() {
    use pwchange_rotate::drift::{self, DriftState, DriftUser};
    let (sim, client, ids, _) = setup(1).await;
    for _ in 0..20 {
        sim.inject(pwchange_sim::Fault::RateLimited {
            retry_after_secs: 0,
        });
    }
    let results = Arc::new(Mutex::new(Vec::new()));
    let seen = results.clone();
    let summary = drift::check(
        &client,
        vec![DriftUser {
            user_id: ids[0].clone(),
            login_name: None,
            password: Some(Zeroizing::new(crate::OLD.to_owned())),
            source: "test".to_owned(),
        }],
        pwchange_rotate::PacingConfig::default(),
        move |result| seen.lock().unwrap().push(result.clone()),
    )
    .await;
    assert_eq!(summary.not_verifiable, 1, "{summary:?}");
    let result = results.lock().unwrap()[0].clone();
    assert_eq!(result.state, DriftState::NotVerifiable);
    assert_eq!(result.kind, Some(ErrorKind::RateLimited));
    assert_eq!(
        sim.requests(),
        u64::from(pwchange_rotate::pacing::MAX_ATTEMPTS),
        "one login per attempt"
    );
}

/// Users' paths refused three times in a row (after a success): the store is taken for down,
/// and the run stops launching; the users after them are not attempted.
#[tokio::test(flavor = "multi_thread")]
async fn three_refusals_in_a_row_stop_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let Some(bao) = OpenBao::dev(dir.path()) else {
        return;
    };
    let (sim, client, ids, input) = setup(7).await;
    let mut rules = String::from(
        "path \"secret/data/pwchange/*\" { capabilities = [\"create\", \"read\", \"update\"] }\n",
    );
    // Every later user refused: the first user's store write runs beside the next users'
    // reads and may land after any of the first refusals, and a success starts the count
    // again; with six refused, three in a row follow it wherever it lands (with four, it could
    // leave two and two, and the run went on).
    for id in &ids[1..] {
        rules.push_str(&format!(
            "path \"secret/data/pwchange/{}/{id}\" {{ capabilities = [\"deny\"] }}\n",
            VENDOR.name()
        ));
    }
    let body = serde_json::json!({ "policy": rules });
    let (status, answer) = bao.request(
        bao.token(),
        "PUT",
        "sys/policies/acl/three-denied",
        Some(&body.to_string()),
    );
    assert_eq!(status, 204, "{answer}");
    let (_, token) = bao.post("auth/token/create", r#"{"policies":["three-denied"]}"#);
    let config = VaultConfig::new(
        &bao.address(),
        VaultAuth::Token(
            token["auth"]["client_token"]
                .as_str()
                .unwrap()
                .to_owned()
                .into(),
        ),
    );
    let files = Files::new();
    let (_, protection) = recipients();
    let summary = Rotation::new(
        client,
        pwchange_rotate::Input::from_bytes(input, pwchange_rotate::input::Format::Csv, "users"),
    )
    .mode(pwchange_rotate::Mode::AdminSet {
        require_change: false,
    })
    .pacing(pwchange_rotate::PacingConfig::new(
        pwchange_rotate::Cap::At(1),
        pwchange_rotate::Cap::Auto,
    ))
    .store(Store::new(SPEC, config).unwrap())
    .plan()
    .await
    .unwrap()
    .create_journal(&files.journal, files.key(), protection)
    .unwrap()
    .execute()
    .await
    .unwrap();
    let failure = summary.store_failure.as_ref().unwrap();
    assert_eq!(failure.kind, ErrorKind::PermissionDenied, "{failure:?}");
    assert_eq!(
        (summary.changed, summary.stored, summary.not_attempted),
        (1, 1, 6),
        "{summary:?}"
    );
    for id in &ids[1..] {
        assert_eq!(sim.password(id).as_deref(), Some(crate::OLD), "{id}");
    }
}
