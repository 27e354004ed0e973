//! The secrets sweep: every vendor against a fake vendor that echoes every secret it receives —
//! both passwords, the token, the login's password or client secret — raw, JSON-escaped,
//! HTML-escaped and URL-encoded, in JSON, HTML and plain-text error bodies, under every error
//! status. No secret may appear in any `Display`, `Debug`, vendor text or log line (trace
//! level), short secrets (`a`, `id`, `user`, `the`) included, and no message of ours may be
//! mangled. Its own test binary: it installs a process-wide trace subscriber.

#![allow(clippy::unwrap_used)] // test code

mod common;

use common::Captured;

use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use pwchange::{Client, PasswordChange, Settings, Vendor};
use pwchange_core::redact::MIN_SCRUBBABLE_CHARS;

const MARK: &str = "ECHO-MARK";
// Characters whose JSON, HTML and URL forms differ from the raw ones.
const LONG_CURRENT: &str = "Curr3nt 'Pa$$<w0rd>' & \"ö\"/~+";
const LONG_NEW: &str = "N3w-Pässw0rd!#%+=?@_~&<>";
const TOKEN: &str = "tok-Sweep-9f8e7d6c5b4a";
const LOGIN_SECRET: &str = "L0gin-Secret+Value/&<\"'~!";
const STATUSES: [u16; 9] = [400, 401, 403, 404, 409, 429, 500, 502, 503];

/// The fake vendor: answers every request with the current status and body shape, echoing
/// every string the request carried in every form.
struct Echo {
    url: String,
    status: Arc<AtomicU16>,
    shape: Arc<AtomicUsize>,
    /// Every string any request carried.
    received: Arc<Mutex<Vec<String>>>,
}

/// `secret` as different encoders write it: raw; JSON by serde, Go (`\u0026` for `&<>`) and
/// .NET (`\u00XX` for everything but letters and digits, uppercase hex); HTML with named,
/// decimal and hexadecimal entities; form encoding; `encodeURIComponent`; base64.
fn forms(secret: &str) -> Vec<String> {
    use base64::Engine as _;
    let json = serde_json::to_string(secret).unwrap();
    let json = json[1..json.len() - 1].to_owned();
    let go = json
        .replace('&', "\\u0026")
        .replace('<', "\\u003c")
        .replace('>', "\\u003e");
    let dotnet: String = secret
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_string()
            } else {
                let mut units = [0u16; 2];
                c.encode_utf16(&mut units)
                    .iter()
                    .map(|u| format!("\\u{u:04X}"))
                    .collect()
            }
        })
        .collect();
    let html = secret
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;");
    let decimal: String = secret
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_string()
            } else {
                format!("&#{};", u32::from(c))
            }
        })
        .collect();
    let hex: String = secret
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_string()
            } else {
                format!("&#x{:x};", u32::from(c))
            }
        })
        .collect();
    let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let component: String = secret
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let base64 = base64::engine::general_purpose::STANDARD.encode(format!("someone:{secret}"));
    vec![
        secret.to_owned(),
        json,
        go,
        dotnet,
        html,
        decimal,
        hex,
        form,
        component,
        base64,
    ]
}

/// The strings of one raw request: header values of `Authorization` (with a Basic pair
/// decoded), JSON string values or form values of the body.
fn strings_of_request(head: &str, body: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for line in head.lines().skip(1) {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if name.eq_ignore_ascii_case("authorization") {
            let value = value.trim();
            let credential = value.split_once(' ').map_or(value, |(_, c)| c);
            out.push(credential.to_owned());
            if let Ok(pair) = base64::engine::general_purpose::STANDARD.decode(credential)
                && let Ok(pair) = String::from_utf8(pair)
            {
                if let Some((user, secret)) = pair.split_once(':') {
                    out.push(user.to_owned());
                    out.push(secret.to_owned());
                }
                out.push(pair);
            }
        }
    }
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(json) => out.extend(pwchange_sim::raw::json_strings(&json)),
        Err(_) => out.extend(url::form_urlencoded::parse(body).map(|(_, v)| v.into_owned())),
    }
    out.retain(|s| !s.is_empty());
    out
}

impl Echo {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let status = Arc::new(AtomicU16::new(400));
        let shape = Arc::new(AtomicUsize::new(0));
        let received = Arc::new(Mutex::new(Vec::new()));
        let (s, h, r) = (status.clone(), shape.clone(), received.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let (s, h, r) = (s.clone(), h.clone(), r.clone());
                tokio::spawn(async move {
                    let Some(request) = pwchange_sim::raw::read_request(&mut stream).await else {
                        return;
                    };
                    let strings = strings_of_request(&request.head, &request.body);
                    r.lock().unwrap().extend(strings.iter().cloned());
                    let echo = format!(
                        "{MARK}[{}]",
                        strings
                            .iter()
                            .flat_map(|s| forms(s))
                            .collect::<Vec<_>>()
                            .join(" | ")
                    );
                    let status = s.load(Ordering::SeqCst);
                    let (content_type, body) = match h.load(Ordering::SeqCst) {
                        0 => (
                            "application/json",
                            serde_json::json!({
                                "message": echo, "error": echo, "title": echo, "detail": echo,
                                "error_description": echo, "minorErrorCode": echo,
                                "errorCode": echo, "code": echo, "path": echo,
                                "details": [{"message": echo, "id": echo}],
                                "errors": {"password": [echo]},
                            })
                            .to_string(),
                        ),
                        1 => (
                            "text/html",
                            format!("<html><body><p>{echo}</p></body></html>"),
                        ),
                        _ => ("text/plain", echo),
                    };
                    pwchange_sim::raw::respond(
                        &mut stream,
                        status,
                        &[("content-type", content_type)],
                        body.as_bytes(),
                    )
                    .await;
                });
            }
        });
        Self {
            url,
            status,
            shape,
            received,
        }
    }
}

/// Everything a user could see of an error except our own message (built from fixed parts, it
/// may contain a common word that is also the password: that is no leak).
fn visible(error: &pwchange::Error) -> String {
    let ours = format!(
        "{}: {}: {}",
        error.vendor().unwrap(),
        error.kind(),
        error.message()
    );
    let display = error.to_string();
    assert!(display.starts_with(&ours), "{}", error.message());
    let debug = format!("{error:?}\n{error:#?}").replace(&format!("{:?}", error.message()), "");
    let mut shown = display[ours.len()..].to_owned();
    if let Some(why) = error.vendor_text_withheld_why() {
        shown = shown.replace(why.explain(), "");
    }
    let mut text = format!(
        "{}\n{debug}\n{:?}\n{:?}",
        shown,
        error.vendor_messages(),
        error.vendor_code()
    );
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        text.push_str(&format!("\n{s}\n{s:?}"));
        source = s.source();
    }
    text
}

/// The client configurations of `vendor` at `url`: with a token, and with each login secret
/// when the vendor has a login.
fn clients(vendor: Vendor, url: &str, login_secret: &str) -> Vec<(Client, Vec<String>)> {
    let base = pwchange_sim::client_settings(vendor, url, TOKEN);
    let mut configurations = Vec::new();
    let mut with_token = Settings::new(vendor);
    for (key, value) in &base {
        with_token.set(key, value.clone(), *key);
    }
    configurations.push((
        Client::from_settings(with_token).unwrap(),
        vec![TOKEN.to_owned()],
    ));
    let login = pwchange_sim::login_settings(vendor);
    if !login.is_empty() {
        let keys = pwchange::keys(vendor).unwrap();
        let mut with_login = Settings::new(vendor);
        for (key, value) in base.iter().filter(|(k, _)| *k != "token") {
            with_login.set(key, value.clone(), *key);
        }
        for (key, value) in login {
            let secret = keys.iter().any(|k| k.name == key && k.secret);
            let value = if secret {
                login_secret.to_owned()
            } else {
                value
            };
            with_login.set(key, value, key);
        }
        configurations.push((
            Client::from_settings(with_login).unwrap(),
            vec![login_secret.to_owned()],
        ));
    }
    configurations
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_any_output_whatever_the_vendor_echoes() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();
    let echo = Echo::start().await;
    // (current, new): short and common-word passwords on either side, one containing the other.
    let pairs: Vec<(Option<&str>, &str)> = vec![
        (Some("a"), LONG_NEW),
        (Some("id"), LONG_NEW),
        (Some("user"), LONG_NEW),
        (Some("the"), LONG_NEW),
        (Some("password"), LONG_NEW),
        (Some(LONG_CURRENT), "a"),
        (Some(LONG_CURRENT), "xy"),
        (Some(LONG_CURRENT), "abc"),
        (Some("Old-N3w-Passw0rd-Long!-tail"), LONG_NEW),
        (None, "id"),
        (None, LONG_NEW),
    ];
    let mut checked = 0;
    let mut withheld = 0;
    for vendor in Vendor::ALL {
        let user = pwchange_sim::demo_user(vendor);
        for login_secret in [LOGIN_SECRET, "pw"] {
            for (client, credential_secrets) in clients(vendor, &echo.url, login_secret) {
                for (current, new) in &pairs {
                    let change = match current {
                        Some(current) => PasswordChange::self_service(&user.id, *current, *new),
                        None => PasswordChange::admin_set(&user.id, *new),
                    };
                    let mut secrets: Vec<String> = credential_secrets.clone();
                    secrets.push((*new).to_owned());
                    secrets.extend(current.map(str::to_owned));
                    for status in STATUSES {
                        for shape in 0..3 {
                            echo.status.store(status, Ordering::SeqCst);
                            echo.shape.store(shape, Ordering::SeqCst);
                            echo.received.lock().unwrap().clear();
                            let Err(error) = client.change_password(&change).await else {
                                panic!("{vendor} {status}: an echo answer was taken for success");
                            };
                            let received = echo.received.lock().unwrap().clone();
                            let text = visible(&error);
                            let case = format!(
                                "{vendor} status {status} shape {shape} kind {:?}",
                                error.kind()
                            );
                            // The credential as it went on the wire (a bearer token, a Basic pair).
                            for credential in received.iter().filter(|r| {
                                let decoded = base64::engine::general_purpose::STANDARD
                                    .decode(r.as_bytes())
                                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                                    .unwrap_or_default();
                                r.len() >= MIN_SCRUBBABLE_CHARS
                                    && secrets.iter().any(|s| {
                                        r.contains(s.as_str()) || decoded.contains(s.as_str())
                                    })
                            }) {
                                assert!(
                                    !text.contains(credential.as_str()),
                                    "{case}: a credential leaked"
                                );
                            }
                            let logs_in_first = current.is_none()
                                || pwchange_sim::self_service_checks_token(vendor);
                            if credential_secrets[0] != TOKEN && logs_in_first {
                                // The login failed, so the change was never sent.
                                assert_eq!(
                                    error.outcome(),
                                    pwchange::Outcome::NotApplied,
                                    "{case}: {error}"
                                );
                            }
                            for secret in &secrets {
                                if secret.chars().count() >= MIN_SCRUBBABLE_CHARS {
                                    for form in forms(secret) {
                                        assert!(
                                            !text.contains(&form),
                                            "{case}: a secret's form leaked"
                                        );
                                    }
                                } else if received.iter().any(|r| r.contains(secret.as_str())) {
                                    // A short secret reached the vendor, which echoed it: the
                                    // vendor's text must be gone whole.
                                    assert!(
                                        !text.contains(MARK),
                                        "{case}: vendor text with a short secret was shown"
                                    );
                                    withheld += usize::from(error.vendor_text_withheld());
                                }
                            }
                            // Our own message is never scrubbed, hence never mangled.
                            assert!(
                                !error.message().contains("<redacted>"),
                                "{case}: {}",
                                error.message()
                            );
                            checked += 1;
                        }
                    }
                }
            }
        }
    }
    assert!(checked > 500, "{checked}");
    assert!(
        withheld > 100,
        "{withheld}: short secrets never reached the echo"
    );
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(!logs.is_empty());
    for secret in [
        LONG_CURRENT,
        LONG_NEW,
        TOKEN,
        LOGIN_SECRET,
        "Old-N3w-Passw0rd-Long!-tail",
    ] {
        for form in forms(secret) {
            assert!(!logs.contains(&form), "a secret's form is in the trace log");
        }
    }
    assert!(!logs.contains(MARK), "vendor text reached the trace log");
}
