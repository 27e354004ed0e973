//! OpenBao (and Vault) userpass, differential: the same scenarios against the simulator and a
//! real OpenBao 2.7.2 (`pwchange_sim::openbao`: the `bao` binary in dev mode on a loopback
//! port, which `.ci/openbao.sh` installs), compared on what the facade reports (success and
//! how it was verified, or the error kind and outcome), on the raw answers of the requests each
//! scenario makes by hand (status, the server's error texts, the shape of a success body), and
//! on the resulting state (which password logs in, by a plain HTTP login).
//!
//! Both are also checked against the outcomes recorded from the real server (`expected`), so
//! that without a `bao` binary the simulator is still held to them (the test of the real server
//! then says it skipped; under `CI=true` a missing binary fails it).

use std::fmt;

use pwchange::{Client, ErrorKind, Outcome, PasswordChange, Settings, Vendor, Verification};
use pwchange_sim::openbao::OpenBao;
use pwchange_sim::{RateLimit, SimUser, Simulator};
use serde_json::{Value, json};

const VENDOR: Vendor = Vendor::Openbao;
const INITIAL: &str = "Initial-Passw0rd1";
const NEW: &str = "N3w-Passw0rd!x";
/// 72 bytes: bcrypt's whole input, which the server takes.
const BYTES_72: &str = "L0ng-password-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
/// 73 bytes: one more than bcrypt takes.
const BYTES_73: &str = "L0ng-password-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
/// The administrator a login may name (the simulator knows it; the real server gets it).
const ADMIN: (&str, &str) = ("pwchange-admin", "Admin-Passw0rd!");

/// Where the scenarios run.
enum Server {
    Sim(Simulator),
    Real(OpenBao),
}

/// What a scenario ended in.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Observed {
    /// What the facade reported: how a success was verified, or the error's kind and outcome.
    outcome: Result<&'static str, (ErrorKind, Outcome)>,
    /// The raw answers of the requests the scenario made by hand: status and shape.
    raw: Vec<(u16, Value)>,
    /// Which candidate password logs in afterwards, if any.
    holds: Option<&'static str>,
}

impl fmt::Display for Observed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?}, raw {}, holds {:?}",
            self.outcome,
            Value::Array(
                self.raw
                    .iter()
                    .map(|(s, v)| json!([s, v]))
                    .collect::<Vec<_>>()
            ),
            self.holds
        )
    }
}

fn http() -> reqwest::Client {
    pwchange_core::tls::ensure_default_provider();
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// A body's shape: the server's error texts as they are (they are its contract); any other
/// string, number or boolean by its type (tokens, ids and durations differ per run).
fn shape(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(errors)) = map.get("errors") {
                return json!({ "errors": errors });
            }
            Value::Object(map.iter().map(|(k, v)| (k.clone(), shape(v))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(shape).collect()),
        Value::String(_) => json!("string"),
        Value::Number(_) => json!("number"),
        Value::Bool(_) => json!("bool"),
        Value::Null => Value::Null,
    }
}

impl Server {
    fn base_url(&self) -> String {
        match self {
            Server::Sim(sim) => sim.base_url().to_owned(),
            Server::Real(bao) => bao.address(),
        }
    }

    /// The administrator's token: the simulator's, or the real server's root token.
    fn root_token(&self) -> String {
        match self {
            Server::Sim(sim) => sim.token().to_owned(),
            Server::Real(bao) => bao.token().to_owned(),
        }
    }

    /// The real server set up as the simulator is: userpass at `userpass`, a templated policy
    /// that lets a user set its own password, and an administrator whose policy may set any.
    fn prepare(bao: &OpenBao) {
        let (status, body) = bao.post("sys/auth/userpass", r#"{"type":"userpass"}"#);
        assert_eq!(status, 204, "enabling userpass: {body}");
        let (_, auths) = bao.get("sys/auth");
        let accessor = auths["userpass/"]["accessor"].as_str().unwrap().to_owned();
        let own = format!(
            "path \"auth/userpass/users/{{{{identity.entity.aliases.{accessor}.name}}}}/password\" {{ capabilities = [\"update\"] }}"
        );
        let admin = "path \"auth/userpass/users/+/password\" { capabilities = [\"update\"] }";
        for (name, policy) in [
            ("change-own-password", own.as_str()),
            ("set-passwords", admin),
        ] {
            let body = json!({ "policy": policy }).to_string();
            let (status, answer) = bao.post(&format!("sys/policies/acl/{name}"), &body);
            assert_eq!(status, 204, "policy {name}: {answer}");
        }
        let body = json!({"password": ADMIN.1, "token_policies": "set-passwords"}).to_string();
        let (status, answer) = bao.post(&format!("auth/userpass/users/{}", ADMIN.0), &body);
        assert_eq!(status, 204, "the administrator: {answer}");
    }

    /// A user with [`INITIAL`]; `may_change_own`: its policy lets it set its own password.
    fn create_user(&self, name: &str, may_change_own: bool) {
        match self {
            Server::Sim(sim) => {
                let mut user = SimUser::new(name, INITIAL);
                if !may_change_own {
                    user = user.self_service_denied();
                }
                sim.add_user(user);
            }
            Server::Real(bao) => {
                let policy = if may_change_own {
                    "change-own-password"
                } else {
                    "default"
                };
                let body = json!({"password": INITIAL, "token_policies": policy}).to_string();
                let (status, answer) = bao.post(&format!("auth/userpass/users/{name}"), &body);
                assert_eq!(status, 204, "creating {name}: {answer}");
            }
        }
    }

    /// A request by hand: the status and the body's [`shape`] (`null` without one).
    async fn raw(&self, token: Option<&str>, path: &str, body: Value) -> (u16, Value) {
        let mut request = http()
            .post(format!("{}/v1/{path}", self.base_url()))
            .json(&body);
        if let Some(token) = token {
            request = request.header("x-vault-token", token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        (status, shape(&body))
    }

    /// A login by hand: the token when the server issued one.
    async fn login(&self, user: &str, password: &str) -> Option<String> {
        let response = http()
            .post(format!("{}/v1/auth/userpass/login/{user}", self.base_url()))
            .json(&json!({ "password": password }))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        match status {
            200 => Some(body["auth"]["client_token"].as_str().unwrap().to_owned()),
            400 => None,
            other => panic!("a login answered {other}: {body}"),
        }
    }

    /// Which of `candidates` logs in as `user`, tried in order.
    async fn holds(&self, user: &str, candidates: &[&'static str]) -> Option<&'static str> {
        for candidate in candidates {
            if self.login(user, candidate).await.is_some() {
                return Some(candidate);
            }
        }
        None
    }

    fn client(&self, extra: &[(&str, String)]) -> Client {
        let mut settings = Settings::new(VENDOR).with("base_url", self.base_url());
        for (key, value) in extra {
            settings.set(key, value.clone(), format!("scenario {key}"));
        }
        Client::from_settings(settings).unwrap()
    }

    /// Seals the server (the simulator: its next answer is the sealed `503`).
    fn seal(&self) {
        match self {
            // Two answers: the scenario's request by hand, then the facade's.
            Server::Sim(sim) => {
                sim.inject(pwchange_sim::Fault::Unavailable);
                sim.inject(pwchange_sim::Fault::Unavailable);
            }
            Server::Real(bao) => bao.seal(),
        }
    }

    fn unseal(&self) {
        if let Server::Real(bao) = self {
            bao.unseal();
        }
    }

    /// A rate-limit quota of one request per minute on the userpass mount, already spent.
    async fn spend_a_rate_limit(&self, user: &str) {
        match self {
            Server::Sim(sim) => sim.set_rate_limit(Some(RateLimit {
                per_second: 1.0 / 60.0,
                burst: 1,
                spent: true,
            })),
            Server::Real(bao) => {
                let quota = r#"{"path":"auth/userpass/","rate":1,"interval":"60s"}"#;
                let (status, body) = bao.post("sys/quotas/rate-limit/pwchange-test", quota);
                assert_eq!(status, 204, "the quota: {body}");
                // The quota's one request.
                let _ = self.login(user, "Wr0ng-password").await;
            }
        }
    }

    fn lift_the_rate_limit(&self) {
        match self {
            Server::Sim(sim) => sim.set_rate_limit(None),
            Server::Real(bao) => {
                let (status, body) = bao.request(
                    bao.token(),
                    "DELETE",
                    "sys/quotas/rate-limit/pwchange-test",
                    None,
                );
                assert_eq!(status, 204, "lifting the quota: {body}");
            }
        }
    }
}

async fn change(
    client: &Client,
    change: PasswordChange,
) -> Result<&'static str, (ErrorKind, Outcome)> {
    match client.change_password(&change).await {
        Ok(changed) => Ok(match changed.verification {
            Verification::Verified => "verified",
            Verification::Skipped => "skipped",
            _ => "not verifiable",
        }),
        Err(e) => Err((e.kind(), e.outcome())),
    }
}

const SCENARIOS: &[&str] = &[
    "self_service",
    "self_service_with_a_wrong_current_password",
    "self_service_without_permission",
    "self_service_of_an_unknown_user",
    "admin_set",
    "admin_set_by_an_administrators_login",
    "admin_set_of_an_unknown_user",
    "admin_set_with_a_revoked_token",
    "admin_set_of_one_character",
    "admin_set_at_72_bytes",
    "admin_set_over_72_bytes",
    "admin_set_on_an_unknown_mount",
    "self_service_on_an_unknown_mount",
    "admin_set_in_another_case",
    "sealed",
    "rate_limited",
];

/// What a real OpenBao 2.7.2 answered, recorded.
fn expected(scenario: &str) -> Observed {
    use ErrorKind as K;
    let user = format!(
        "user-{:02}",
        SCENARIOS.iter().position(|s| *s == scenario).unwrap()
    );
    let refused = |kind| Err((kind, Outcome::NotApplied));
    let errors = |status: u16, text: &str| (status, json!({ "errors": [text] }));
    let wrapped =
        |status: u16, text: &str| errors(status, &format!("1 error occurred:\n\t* {text}\n\n"));
    let (outcome, raw, holds) = match scenario {
        "self_service" | "admin_set" | "admin_set_by_an_administrators_login" => {
            (Ok("verified"), vec![], Some(NEW))
        }
        "self_service_with_a_wrong_current_password" => (
            refused(K::CurrentPasswordInvalid),
            vec![errors(400, "invalid username or password")],
            Some(INITIAL),
        ),
        "self_service_without_permission" => (
            refused(K::PermissionDenied),
            vec![wrapped(403, "permission denied")],
            Some(INITIAL),
        ),
        "self_service_of_an_unknown_user" => (refused(K::CurrentPasswordInvalid), vec![], None),
        "admin_set_of_an_unknown_user" => (
            refused(K::UserNotFound),
            vec![wrapped(500, "username does not exist")],
            None,
        ),
        "admin_set_with_a_revoked_token" => (
            refused(K::Unauthenticated),
            vec![(204, Value::Null), errors(403, "permission denied")],
            Some(INITIAL),
        ),
        "admin_set_of_one_character" => (Ok("verified"), vec![], Some("x")),
        "admin_set_at_72_bytes" => (Ok("verified"), vec![], Some(BYTES_72)),
        "admin_set_over_72_bytes" => (
            refused(K::PolicyViolation),
            vec![wrapped(500, "bcrypt: password length exceeds 72 bytes")],
            Some(INITIAL),
        ),
        "admin_set_on_an_unknown_mount" => (
            refused(K::InvalidInput),
            vec![errors(
                404,
                &format!(
                    "no handler for route \"auth/no-such-mount/users/{user}/password\". route entry not found."
                ),
            )],
            Some(INITIAL),
        ),
        // Refused before it is routed: the login carries no token.
        "self_service_on_an_unknown_mount" => (
            refused(K::PermissionDenied),
            vec![errors(403, "permission denied")],
            Some(INITIAL),
        ),
        // By hand, another case sets a record no login reads; the facade sends lower case.
        "admin_set_in_another_case" => (
            Ok("verified"),
            vec![
                (204, Value::Null),
                errors(400, "invalid username or password"),
            ],
            Some(NEW),
        ),
        "sealed" => (
            refused(K::Unavailable),
            vec![errors(503, "Vault is sealed")],
            Some(INITIAL),
        ),
        "rate_limited" => (
            refused(K::RateLimited),
            vec![errors(
                429,
                &format!(
                    "request path \"auth/userpass/users/{user}/password\": rate limit quota exceeded"
                ),
            )],
            Some(INITIAL),
        ),
        other => panic!("no expectation for {other}"),
    };
    Observed {
        outcome,
        raw,
        holds,
    }
}

/// Runs `scenario` on `server` with a fresh user.
async fn run(server: &Server, scenario: &str, n: usize) -> Observed {
    let user = format!("user-{n:02}");
    let unknown = "nobody-here";
    server.create_user(&user, scenario != "self_service_without_permission");
    let anonymous = server.client(&[]);
    let admin = server.client(&[("token", server.root_token())]);
    let own = |current: &str, new: &str| PasswordChange::self_service(&user, current, new);
    let set = |password: &str| PasswordChange::admin_set(&user, password);
    let mut raw = Vec::new();
    let root = server.root_token();
    let password_path = format!("auth/userpass/users/{user}/password");
    let outcome = match scenario {
        "self_service" => change(&anonymous, own(INITIAL, NEW)).await,
        "self_service_with_a_wrong_current_password" => {
            raw.push(
                server
                    .raw(
                        None,
                        &format!("auth/userpass/login/{user}"),
                        json!({"password": "Wr0ng-password"}),
                    )
                    .await,
            );
            change(&anonymous, own("Wr0ng-password", NEW)).await
        }
        "self_service_without_permission" => {
            let token = server.login(&user, INITIAL).await.unwrap();
            raw.push(
                server
                    .raw(Some(&token), &password_path, json!({"password": NEW}))
                    .await,
            );
            change(&anonymous, own(INITIAL, NEW)).await
        }
        "self_service_of_an_unknown_user" => {
            change(
                &anonymous,
                PasswordChange::self_service(unknown, INITIAL, NEW),
            )
            .await
        }
        "admin_set" => change(&admin, set(NEW)).await,
        "admin_set_by_an_administrators_login" => {
            let login = server.client(&[
                ("username", ADMIN.0.to_owned()),
                ("password", ADMIN.1.to_owned()),
            ]);
            change(&login, set(NEW)).await
        }
        "admin_set_of_an_unknown_user" => {
            let path = format!("auth/userpass/users/{unknown}/password");
            raw.push(
                server
                    .raw(Some(&root), &path, json!({"password": NEW}))
                    .await,
            );
            change(&admin, PasswordChange::admin_set(unknown, NEW)).await
        }
        "admin_set_with_a_revoked_token" => {
            let token = server.login(ADMIN.0, ADMIN.1).await.unwrap();
            raw.push(
                server
                    .raw(Some(&token), "auth/token/revoke-self", json!({}))
                    .await,
            );
            raw.push(
                server
                    .raw(Some(&token), "auth/token/revoke-self", json!({}))
                    .await,
            );
            change(&server.client(&[("token", token)]), set(NEW)).await
        }
        "admin_set_of_one_character" => change(&admin, set("x")).await,
        "admin_set_at_72_bytes" => change(&admin, set(BYTES_72)).await,
        "admin_set_over_72_bytes" => {
            // The facade refuses it before sending; the raw request shows why.
            raw.push(
                server
                    .raw(Some(&root), &password_path, json!({"password": BYTES_73}))
                    .await,
            );
            change(&admin, set(BYTES_73)).await
        }
        "admin_set_on_an_unknown_mount" => {
            let path = format!("auth/no-such-mount/users/{user}/password");
            raw.push(
                server
                    .raw(Some(&root), &path, json!({"password": NEW}))
                    .await,
            );
            let client = server.client(&[
                ("token", root.clone()),
                ("mount", "no-such-mount".to_owned()),
            ]);
            change(&client, set(NEW)).await
        }
        "self_service_on_an_unknown_mount" => {
            let path = format!("auth/no-such-mount/login/{user}");
            raw.push(server.raw(None, &path, json!({"password": INITIAL})).await);
            let client = server.client(&[("mount", "no-such-mount".to_owned())]);
            change(&client, own(INITIAL, NEW)).await
        }
        "admin_set_in_another_case" => {
            let upper = user.to_ascii_uppercase();
            let path = format!("auth/userpass/users/{upper}/password");
            raw.push(
                server
                    .raw(Some(&root), &path, json!({"password": NEW}))
                    .await,
            );
            let login = format!("auth/userpass/login/{user}");
            raw.push(server.raw(None, &login, json!({"password": NEW})).await);
            change(&admin, PasswordChange::admin_set(&upper, NEW)).await
        }
        "sealed" => {
            server.seal();
            raw.push(
                server
                    .raw(Some(&root), &password_path, json!({"password": NEW}))
                    .await,
            );
            let outcome = change(&admin, set(NEW)).await;
            server.unseal();
            outcome
        }
        "rate_limited" => {
            server.spend_a_rate_limit(&user).await;
            raw.push(
                server
                    .raw(Some(&root), &password_path, json!({"password": NEW}))
                    .await,
            );
            let outcome = change(&admin, set(NEW)).await;
            server.lift_the_rate_limit();
            outcome
        }
        other => panic!("unknown scenario {other}"),
    };
    let candidates: &[&'static str] = match scenario {
        "admin_set_of_one_character" => &["x", INITIAL],
        "admin_set_at_72_bytes" => &[BYTES_72, INITIAL],
        _ => &[NEW, INITIAL],
    };
    let who = if scenario.contains("unknown_user") {
        unknown
    } else {
        user.as_str()
    };
    let holds = server.holds(who, candidates).await;
    Observed {
        outcome,
        raw,
        holds,
    }
}

#[tokio::test]
async fn the_simulator_answers_every_scenario_as_the_real_server_did() {
    let server = Server::Sim(Simulator::start(VENDOR).await.unwrap());
    let mut failures = Vec::new();
    for (n, scenario) in SCENARIOS.iter().enumerate() {
        let observed = run(&server, scenario, n).await;
        let expected = expected(scenario);
        if observed != expected {
            failures.push(format!(
                "{scenario}: simulator {observed}\n  recorded {expected}"
            ));
        }
    }
    if let Server::Sim(sim) = &server {
        sim.assert_no_violations();
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn the_simulator_and_a_real_openbao_agree_on_every_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let Some(bao) = OpenBao::dev(dir.path()) else {
        return;
    };
    Server::prepare(&bao);
    let real = Server::Real(bao);
    let sim = Server::Sim(Simulator::start(VENDOR).await.unwrap());
    let mut failures = Vec::new();
    for (n, scenario) in SCENARIOS.iter().enumerate() {
        let on_real = run(&real, scenario, n).await;
        let on_sim = run(&sim, scenario, n).await;
        let expected = expected(scenario);
        println!("{scenario}: real {on_real}; simulator {on_sim}");
        if on_real != on_sim {
            failures.push(format!(
                "{scenario}: real server {on_real}\n  simulator {on_sim}"
            ));
        } else if on_real != expected {
            failures.push(format!(
                "{scenario}: both {on_real}\n  but the recorded real behaviour is {expected}"
            ));
        }
    }
    if let Server::Sim(sim) = &sim {
        sim.assert_no_violations();
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The login's success body has the same shape on both (the fields a client reads, and the
/// ones it ignores), and a revoked token is refused by both.
#[tokio::test]
async fn a_login_answers_alike_and_its_revoked_token_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let Some(bao) = OpenBao::dev(dir.path()) else {
        return;
    };
    Server::prepare(&bao);
    let servers = [
        Server::Real(bao),
        Server::Sim(Simulator::start(VENDOR).await.unwrap()),
    ];
    let mut seen = Vec::new();
    for server in &servers {
        server.create_user("shape", true);
        let login = server
            .raw(
                None,
                "auth/userpass/login/SHAPE",
                json!({"password": INITIAL}),
            )
            .await;
        let token = server.login("shape", INITIAL).await.unwrap();
        let revoked = server
            .raw(Some(&token), "auth/token/revoke-self", json!({}))
            .await;
        let after = server
            .raw(
                Some(&token),
                "auth/userpass/users/shape/password",
                json!({"password": NEW}),
            )
            .await;
        seen.push((login, revoked, after));
    }
    assert_eq!(seen[0], seen[1], "real server, then simulator");
    assert_eq!(seen[0].0.0, 200);
    assert_eq!(seen[0].2, (403, json!({"errors": ["permission denied"]})));
}

/// Namespaces (the simulator has none, so the real server alone): a userpass mount in a
/// namespace is reached with the `namespace` setting on every request (the login of a
/// self-service change, the set, the verification login, the revocations), the same user name
/// outside it is another user, and an unknown namespace is a configuration error.
#[tokio::test]
async fn a_namespace_is_sent_on_every_request() {
    let dir = tempfile::tempdir().unwrap();
    let Some(bao) = OpenBao::dev(dir.path()) else {
        return;
    };
    let base = bao.address();
    let call = |namespace: &str, path: String, body: Value| {
        http()
            .post(format!("{base}/v1/{path}"))
            .header("x-vault-token", bao.token())
            .header("x-vault-namespace", namespace)
            .json(&body)
            .send()
    };
    let status = |response: reqwest::Response| response.status().as_u16();
    assert_eq!(
        status(
            call("", "sys/namespaces/team-a".into(), json!({}))
                .await
                .unwrap()
        ),
        200
    );
    let enable = call(
        "team-a/",
        "sys/auth/userpass".into(),
        json!({"type": "userpass"}),
    );
    assert_eq!(status(enable.await.unwrap()), 204);
    let auths: Value = http()
        .get(format!("{base}/v1/sys/auth"))
        .header("x-vault-token", bao.token())
        .header("x-vault-namespace", "team-a/")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let accessor = auths["userpass/"]["accessor"].as_str().unwrap();
    let own = format!(
        "path \"auth/userpass/users/{{{{identity.entity.aliases.{accessor}.name}}}}/password\" {{ capabilities = [\"update\"] }}"
    );
    let policy = call(
        "team-a/",
        "sys/policies/acl/own".into(),
        json!({ "policy": own }),
    );
    assert_eq!(status(policy.await.unwrap()), 204);
    for user in ["nina", "otto"] {
        let body = json!({"password": INITIAL, "token_policies": "own"});
        let created = call("team-a/", format!("auth/userpass/users/{user}"), body);
        assert_eq!(status(created.await.unwrap()), 204);
    }
    let real = Server::Real(bao);
    let in_namespace = |extra: &[(&str, String)]| {
        let mut settings = vec![("namespace", "team-a/".to_owned())];
        settings.extend(extra.iter().cloned());
        real.client(&settings)
    };
    // Outside the namespace there is no userpass mount at all.
    let outside = change(
        &real.client(&[]),
        PasswordChange::self_service("nina", INITIAL, NEW),
    )
    .await;
    assert_eq!(
        outside,
        Err((ErrorKind::PermissionDenied, Outcome::NotApplied))
    );
    let own_change = PasswordChange::self_service("nina", INITIAL, NEW);
    assert_eq!(change(&in_namespace(&[]), own_change).await, Ok("verified"));
    let admin = in_namespace(&[("token", real.root_token())]);
    assert_eq!(
        change(&admin, PasswordChange::admin_set("otto", NEW)).await,
        Ok("verified")
    );
    for user in ["nina", "otto"] {
        let login = http()
            .post(format!("{}/v1/auth/userpass/login/{user}", real.base_url()))
            .header("x-vault-namespace", "team-a/")
            .json(&json!({ "password": NEW }))
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 200, "{user} holds the new password");
    }
    let unknown = real.client(&[
        ("namespace", "no-such-team/".to_owned()),
        ("token", real.root_token()),
    ]);
    let error = unknown
        .change_password(&PasswordChange::admin_set("otto", INITIAL))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
    assert!(error.message().contains("namespace setting"), "{error}");
}
