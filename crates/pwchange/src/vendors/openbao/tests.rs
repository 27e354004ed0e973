//! Unit tests of OpenBao's adapter, configuration and error rules.

use pwchange_core::classify::Verdict;
use pwchange_core::http::Answer;
use pwchange_openbao::{texts, types};

use crate::adapter::Adapter;
use crate::transport::VendorError;
use crate::{ErrorKind, Settings, Vendor};

use super::OpenbaoConfig;
use super::send::OpenbaoAdapter;

fn classify(status: u16, text: &str) -> Verdict {
    <types::Error as VendorError>::verdict(&Answer {
        status,
        body: Some(types::Error {
            errors: vec![text.to_owned()],
        }),
        text: None,
        retry_after: None,
    })
}

/// The texts a real OpenBao 2.7.2 sent, recorded (`specs/openbao.yaml`, "Observed behaviour").
#[test]
fn mapping_table() {
    let wrapped = |text: &str| format!("1 error occurred:\n\t* {text}\n\n");
    let cases = [
        (
            400,
            texts::INVALID_CREDENTIALS.to_owned(),
            ErrorKind::CurrentPasswordInvalid,
        ),
        (400, texts::NO_PASSWORD.to_owned(), ErrorKind::InvalidInput),
        (
            400,
            "failed to decode JSON input: unexpected EOF".to_owned(),
            ErrorKind::InvalidInput,
        ),
        // The bare text: a token OpenBao does not know; wrapped: a policy that refuses.
        (
            403,
            "permission denied".to_owned(),
            ErrorKind::Unauthenticated,
        ),
        (
            403,
            wrapped("permission denied"),
            ErrorKind::PermissionDenied,
        ),
        (
            404,
            "no handler for route \"auth/x/users/alice/password\". route entry not found."
                .to_owned(),
            ErrorKind::InvalidInput,
        ),
        (404, wrapped("unsupported path"), ErrorKind::InvalidInput),
        (
            404,
            "namespace not found".to_owned(),
            ErrorKind::InvalidInput,
        ),
        (
            404,
            "404 page not found".to_owned(),
            ErrorKind::InvalidInput,
        ),
        (
            429,
            "request path \"auth/userpass/login/alice\": rate limit quota exceeded".to_owned(),
            ErrorKind::RateLimited,
        ),
        (
            500,
            wrapped("username does not exist"),
            ErrorKind::UserNotFound,
        ),
        (
            500,
            wrapped("bcrypt: password length exceeds 72 bytes"),
            ErrorKind::PolicyViolation,
        ),
        (
            500,
            "missing password".to_owned(),
            ErrorKind::OutcomeUnknown,
        ),
        (503, "Vault is sealed".to_owned(), ErrorKind::Unavailable),
    ];
    for (status, text, kind) in cases {
        assert_eq!(classify(status, &text).kind, kind, "{status} {text:?}");
    }
}

/// Only the handler's exact sentences, bare or wrapped, and only with a `500`.
#[test]
fn a_refusal_before_writing_is_told_by_its_exact_sentence() {
    let body = |texts: &[&str]| types::Error {
        errors: texts.iter().map(|t| (*t).to_owned()).collect(),
    };
    for refused in [
        "username does not exist",
        "1 error occurred:\n\t* username does not exist\n\n",
        "1 error occurred:\n\t* bcrypt: password length exceeds 72 bytes\n\n",
    ] {
        assert!(body(&[refused]).refused_before_writing(500), "{refused:?}");
        assert!(!body(&[refused]).refused_before_writing(502), "{refused:?}");
    }
    for other in [
        "upstream said: username does not exist",
        "1 error occurred:\n\t* username does not exist, and more",
        "internal error",
    ] {
        assert!(!body(&[other]).refused_before_writing(500), "{other:?}");
    }
    assert!(!body(&[]).refused_before_writing(500), "no text");
    assert!(
        !body(&["username does not exist", "internal error"]).refused_before_writing(500),
        "every text must be the handler's"
    );
}

#[test]
fn only_a_sealed_servers_503_is_its_own() {
    let body = |text: &str| types::Error {
        errors: vec![text.to_owned()],
    };
    assert!(body("Vault is sealed").is_vendors_own(503));
    assert!(!body("Vault is sealed").is_vendors_own(500));
    assert!(!body("Service Unavailable").is_vendors_own(503));
    assert!(
        !types::Error { errors: vec![] }.is_vendors_own(503),
        "an empty errors list is any gateway's"
    );
}

#[test]
fn user_names_are_userpass_names_in_lower_case() {
    for (given, canonical) in [
        ("alice", "alice"),
        (" Alice ", "alice"),
        ("SVC.Backup@Corp", "svc.backup@corp"),
        ("a", "a"),
        ("_x-1", "_x-1"),
    ] {
        assert_eq!(OpenbaoAdapter::user_id(given).unwrap(), canonical);
    }
    for bad in ["", "-alice", "alice.", "a b", "a/b", "..", "ålice", "a\nb"] {
        let error = OpenbaoAdapter::user_id(bad).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{bad:?}");
        assert!(error.message().contains("userpass user name"), "{error}");
    }
}

fn config(pairs: &[(&str, &str)]) -> Result<OpenbaoConfig, crate::Error> {
    let mut settings = Settings::new(Vendor::Openbao).with("base_url", "http://127.0.0.1:8200");
    for (key, value) in pairs {
        settings.set(key, *value, format!("test {key}"));
    }
    crate::adapter::config_from_settings::<OpenbaoAdapter>(settings)
}

#[test]
fn the_mount_and_namespace_settings_are_checked() {
    let default = config(&[]).unwrap();
    assert_eq!(default.mount, "userpass");
    assert_eq!(default.namespace, None);
    let set = config(&[("mount", "/auth/corp-users/"), ("namespace", "team-a/")]).unwrap();
    assert_eq!(set.mount, "corp-users");
    assert_eq!(set.namespace.as_deref(), Some("team-a/"));
    for bad in ["team/userpass", "..", "a b", "/"] {
        let error = config(&[("mount", bad)]).unwrap_err();
        assert!(error.message().contains("test mount"), "{bad:?}: {error}");
    }
    let error = config(&[("namespace", "team a")]).unwrap_err();
    assert!(error.message().contains("test namespace"), "{error}");
}

#[test]
fn credentials_are_a_token_or_an_administrators_login() {
    use super::OpenbaoAuth;
    assert!(matches!(config(&[]).unwrap().auth, OpenbaoAuth::None));
    assert!(matches!(
        config(&[("token", "s.x")]).unwrap().auth,
        OpenbaoAuth::Token(_)
    ));
    let login = config(&[("username", "Admin"), ("password", "pw-secret-1")]).unwrap();
    assert!(matches!(login.auth, OpenbaoAuth::Login { ref username, .. } if username == "admin"));
    let both = config(&[("token", "s.x"), ("username", "admin"), ("password", "p")]).unwrap_err();
    assert!(both.message().contains("both set"), "{both}");
    // Half a login is a login that lacks its other half, not a setting left unread.
    let half = config(&[("username", "admin")]).unwrap_err();
    assert!(half.message().contains("secret of the login"), "{half}");
    let half = config(&[("password", "pw-secret-1")]).unwrap_err();
    assert!(
        half.message().contains("PWCHANGE_OPENBAO_USERNAME"),
        "{half}"
    );
    assert!(!half.message().contains("pw-secret-1"), "{half}");
}

#[test]
fn a_base_url_with_v1_is_refused() {
    let config = OpenbaoConfig::new("http://127.0.0.1:8200/v1", super::OpenbaoAuth::None).unwrap();
    let error = OpenbaoAdapter::new(config).err().unwrap();
    assert!(error.message().contains("without it"), "{error}");
}
