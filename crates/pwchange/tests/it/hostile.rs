//! Issue #35: a hostile vendor, one field at a time. A proxy in front of each vendor's simulator
//! replaces one string of one JSON answer (a success's details, a user record's
//! `providerType`, a login's answer, an error body's message) with text that would take over a
//! terminal (an OSC 52 clipboard write, a screen clear, a forged result line, C1 and bidi
//! controls, a line separator) followed by every secret the run sent so far. Whatever the
//! facade returns, success or error, no output of it (`Display`, `Debug`, JSON, the accessors)
//! may hold a control character or a secret: every field of every answer is tried, for every
//! vendor, self-service and administrative set, with a token and with a login.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use pwchange::{Client, PasswordChange, Settings, Vendor};
use pwchange_core::vendor_text::is_unsafe;
use pwchange_sim::Simulator;

const NEW: &str = "N3w-Hostile-Passw0rd!";

/// What replaces the chosen string, before the secrets.
const TAKEOVER: &str = "HOSTILE\u{1b}]52;c;cHduZWQ=\u{7}\u{1b}[2J\r\nchanged (verified)\u{9b}31m\u{7f}\u{202e}\u{2028}\u{200b}";

/// Which string of which answer to replace: the `answer`-th answer of a change, its
/// `string`-th string value (depth first).
#[derive(Clone, Copy, Debug)]
struct Target {
    answer: usize,
    string: usize,
}

struct Hostile {
    url: String,
    target: Arc<Mutex<Option<Target>>>,
    /// Answers given since the last reset.
    answers: Arc<AtomicUsize>,
    /// The string values of each JSON answer since the last reset.
    strings: Arc<Mutex<Vec<usize>>>,
    /// Every string a request carried since the last reset (header credentials, body values).
    received: Arc<Mutex<Vec<String>>>,
    /// The credentials of the requests since the last reset (`Authorization`, token headers),
    /// without their scheme.
    credentials: Arc<Mutex<Vec<String>>>,
}

/// Replaces the `index`-th string of `value` (depth first) with `text`; the count of strings.
fn replace_string(value: &mut serde_json::Value, index: Option<usize>, text: &str) -> usize {
    fn walk(value: &mut serde_json::Value, index: Option<usize>, text: &str, seen: &mut usize) {
        match value {
            serde_json::Value::String(s) => {
                if Some(*seen) == index {
                    *s = text.to_owned();
                }
                *seen += 1;
            }
            serde_json::Value::Array(items) => {
                items.iter_mut().for_each(|v| walk(v, index, text, seen));
            }
            serde_json::Value::Object(map) => {
                map.values_mut().for_each(|v| walk(v, index, text, seen));
            }
            _ => {}
        }
    }
    let mut seen = 0;
    walk(value, index, text, &mut seen);
    seen
}

impl Hostile {
    async fn start(upstream: String) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let hostile = Self {
            url,
            target: Arc::default(),
            answers: Arc::default(),
            strings: Arc::default(),
            received: Arc::default(),
            credentials: Arc::default(),
        };
        let (target, answers, strings, received, credentials) = (
            hostile.target.clone(),
            hostile.answers.clone(),
            hostile.strings.clone(),
            hostile.received.clone(),
            hostile.credentials.clone(),
        );
        pwchange_core::tls::ensure_default_provider();
        let forward = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let (target, answers, strings, received, credentials, forward, upstream) = (
                    target.clone(),
                    answers.clone(),
                    strings.clone(),
                    received.clone(),
                    credentials.clone(),
                    forward.clone(),
                    upstream.clone(),
                );
                tokio::spawn(async move {
                    let Some(raw) = pwchange_sim::raw::read_request(&mut stream).await else {
                        return;
                    };
                    let headers: Vec<(String, String)> = raw
                        .headers()
                        .map(|(n, v)| (n.to_owned(), v.to_owned()))
                        .collect();
                    let body = raw.body.clone();
                    {
                        let mut seen = received.lock().unwrap();
                        for (name, value) in &headers {
                            if name.eq_ignore_ascii_case("authorization")
                                || name.to_ascii_lowercase().contains("token")
                            {
                                seen.push(value.clone());
                                let bare = value.split_once(' ').map_or(value.as_str(), |(_, c)| c);
                                credentials.lock().unwrap().push(bare.to_owned());
                            }
                        }
                        if let Ok(json) = serde_json::from_slice::<serde_json::Value>(&body) {
                            seen.extend(pwchange_sim::raw::json_strings(&json));
                        }
                    }
                    let mut request = forward.request(
                        reqwest::Method::from_bytes(raw.method().as_bytes()).unwrap(),
                        format!("{upstream}{}", raw.path()),
                    );
                    for (name, value) in &headers {
                        if !["host", "content-length", "connection"]
                            .contains(&name.to_ascii_lowercase().as_str())
                        {
                            request = request.header(name, value);
                        }
                    }
                    let Ok(answer) = request.body(body).send().await else {
                        return;
                    };
                    let status = answer.status();
                    let answer_headers = answer.headers().clone();
                    let bytes = answer.bytes().await.unwrap_or_default().to_vec();
                    let index = answers.fetch_add(1, Ordering::SeqCst);
                    let chosen = target
                        .lock()
                        .unwrap()
                        .filter(|t| t.answer == index)
                        .map(|t| t.string);
                    let payload = format!("{TAKEOVER} {}", received.lock().unwrap().join(" | "));
                    let body = match serde_json::from_slice::<serde_json::Value>(&bytes) {
                        Ok(mut json) => {
                            let count = replace_string(&mut json, chosen, &payload);
                            strings.lock().unwrap().push(count);
                            serde_json::to_vec(&json).unwrap()
                        }
                        Err(_) => {
                            strings.lock().unwrap().push(0);
                            bytes
                        }
                    };
                    let answer_headers: Vec<(String, String)> = answer_headers
                        .iter()
                        .filter(|(name, _)| {
                            !["content-length", "transfer-encoding", "connection"]
                                .contains(&name.as_str())
                        })
                        .map(|(name, value)| {
                            (
                                name.to_string(),
                                String::from_utf8_lossy(value.as_bytes()).into_owned(),
                            )
                        })
                        .collect();
                    let answer_headers: Vec<(&str, &str)> = answer_headers
                        .iter()
                        .map(|(n, v)| (n.as_str(), v.as_str()))
                        .collect();
                    pwchange_sim::raw::respond(
                        &mut stream,
                        status.as_u16(),
                        &answer_headers,
                        &body,
                    )
                    .await;
                });
            }
        });
        hostile
    }

    fn reset(&self, target: Option<Target>) {
        *self.target.lock().unwrap() = target;
        self.answers.store(0, Ordering::SeqCst);
        self.strings.lock().unwrap().clear();
        self.received.lock().unwrap().clear();
        self.credentials.lock().unwrap().clear();
    }
}

/// The clients of `vendor` through `url`: with the simulator's token, and with its login; each
/// with its secrets.
fn clients(vendor: Vendor, url: &str, token: &str) -> Vec<(&'static str, Client, Vec<String>)> {
    let base = pwchange_sim::client_settings(vendor, url, token);
    let mut with_token = Settings::new(vendor);
    for (key, value) in &base {
        with_token.set(key, value.clone(), *key);
    }
    let mut out = vec![(
        "token",
        Client::from_settings(with_token).unwrap(),
        vec![token.to_owned()],
    )];
    let login = pwchange_sim::login_settings(vendor);
    if !login.is_empty() {
        let mut with_login = Settings::new(vendor);
        for (key, value) in base.iter().filter(|(k, _)| *k != "token") {
            with_login.set(key, value.clone(), *key);
        }
        let keys = pwchange::keys(vendor).unwrap();
        let mut secrets = Vec::new();
        for (key, value) in login {
            if keys.iter().any(|k| k.name == key && k.secret) {
                secrets.push(value.clone());
            }
            with_login.set(key, value, key);
        }
        out.push(("login", Client::from_settings(with_login).unwrap(), secrets));
    }
    out
}

/// Every output of a result: what a program or a person can be shown.
fn outputs(result: &Result<pwchange::Changed, pwchange::Error>) -> Vec<String> {
    match result {
        Ok(changed) => vec![
            format!("{changed:?}"),
            serde_json::to_string(changed).unwrap(),
        ],
        Err(error) => {
            let mut out = vec![
                error.to_string(),
                format!("{error:?}"),
                error.message().to_owned(),
            ];
            out.extend(error.vendor_code().map(str::to_owned));
            out.extend(error.vendor_messages().into_iter().map(str::to_owned));
            out.extend(
                error
                    .vendor_fields()
                    .into_iter()
                    .map(|(name, value)| format!("{name}={value}")),
            );
            out
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_field_of_any_answer_reaches_an_output_raw() {
    let mut cases = 0;
    let mut replaced = 0;
    for vendor in Vendor::ALL {
        let sim = Simulator::start(vendor).await.unwrap();
        let hostile = Hostile::start(sim.base_url().to_owned()).await;
        let user = pwchange_sim::demo_user(vendor);
        let wrong_current = format!("{}-Wrong-9", user.password);
        let changes = [
            (
                "self-service",
                PasswordChange::self_service(&user.id, user.password.as_str(), NEW),
            ),
            ("admin set", PasswordChange::admin_set(&user.id, NEW)),
            // Its error body, a field at a time.
            (
                "wrong current",
                PasswordChange::self_service(&user.id, wrong_current.as_str(), NEW),
            ),
        ];
        for (auth, client, credentials) in clients(vendor, &hostile.url, sim.token()) {
            for (mode, change) in &changes {
                // First untouched, to count the answers and their strings.
                sim.reset();
                sim.add_user(pwchange_sim::demo_user(vendor));
                hostile.reset(None);
                let _ = client.change_password(change).await;
                let shape: Vec<usize> = hostile.strings.lock().unwrap().clone();
                for (answer, strings) in shape.iter().enumerate() {
                    for string in 0..*strings {
                        sim.reset();
                        sim.add_user(pwchange_sim::demo_user(vendor));
                        hostile.reset(Some(Target { answer, string }));
                        let result = client.change_password(change).await;
                        let sent = hostile.credentials.lock().unwrap().clone();
                        let case = format!(
                            "{vendor} {auth} {mode}: answer {answer} string {string} ({})",
                            match &result {
                                Ok(_) => "changed".to_owned(),
                                Err(e) => format!("{:?}", e.kind()),
                            }
                        );
                        let mut secrets: Vec<&str> = vec![NEW, &user.password, &wrong_current];
                        secrets.extend(credentials.iter().map(String::as_str));
                        secrets.extend(sent.iter().map(String::as_str));
                        for output in outputs(&result) {
                            assert!(
                                !output.chars().any(is_unsafe),
                                "{case}: a control character reached an output: {output:?}"
                            );
                            // Short ones are the echo sweep's (`tests/secrets.rs`): they withhold.
                            for secret in secrets.iter().filter(|s| s.chars().count() >= 8) {
                                assert!(
                                    !output.contains(secret),
                                    "{case}: a secret reached an output"
                                );
                            }
                        }
                        cases += 1;
                        replaced +=
                            usize::from(outputs(&result).iter().any(|o| o.contains("HOSTILE")));
                    }
                }
            }
        }
    }
    assert!(cases > 50, "{cases}");
    assert!(
        replaced > 5,
        "{replaced}: no hostile text was ever shown (redacted)"
    );
}
