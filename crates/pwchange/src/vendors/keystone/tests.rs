//! Keystone's error table, user ids and configuration keys.

#![allow(clippy::unwrap_used)] // test code

use pwchange_core::classify::Verdict;
use pwchange_keystone::LoginScope;

use crate::adapter::Adapter;
use crate::{Error, ErrorKind, PolicySource, Vendor};

use super::config::*;
use super::send::*;
use crate::Settings;

fn verdict(status: u16, message: &str) -> Verdict {
    let body = serde_json::json!({"error": {"code": status, "message": message, "title": "x"}});
    KeystoneAdapter::classify_bytes(status, body.to_string().as_bytes())
}

#[test]
fn the_error_table_tells_keystones_refusals_apart_by_their_text() {
    let cases = [
        (
            400,
            "The password does not match the requirements: at least 7.",
            ErrorKind::PolicyViolation,
        ),
        (
            400,
            "The new password cannot be identical to a previous password. The total number which includes the new password must be unique is 3.",
            ErrorKind::PasswordReused,
        ),
        (
            400,
            "You cannot change your password at this time due to the minimum password age. Once you change …",
            ErrorKind::PolicyViolation,
        ),
        (
            400,
            "You cannot change your password at this time due to password policy disallowing password changes. Please contact your administrator to reset your password.",
            ErrorKind::PermissionDenied,
        ),
        (
            400,
            "Expecting to find valid JSON in request body.",
            ErrorKind::InvalidInput,
        ),
        (
            401,
            "The request you have made requires authentication.",
            ErrorKind::Unauthenticated,
        ),
        (
            403,
            "The password length must be less than or equal to 72. The server could not comply with the request because the password is invalid.",
            ErrorKind::PolicyViolation,
        ),
        (
            403,
            "You are not authorized to perform the requested action: identity:update_user.",
            ErrorKind::PermissionDenied,
        ),
        (404, "Could not find user: 0123.", ErrorKind::UserNotFound),
        (
            500,
            "An unexpected error prevented the server from fulfilling your request.",
            ErrorKind::OutcomeUnknown,
        ),
    ];
    for (status, message, kind) in cases {
        let verdict = verdict(status, message);
        assert_eq!(verdict.kind, kind, "{status} {message}");
        assert_eq!(verdict.messages, vec![message.to_owned()], "{message}");
        assert_eq!(verdict.code, None);
    }
    // A body that is not Keystone's: the status decides.
    assert_eq!(
        KeystoneAdapter::classify_bytes(400, b"<html>").kind,
        ErrorKind::InvalidInput
    );
}

#[test]
fn a_schema_errors_text_is_dropped_whole() {
    for message in [
        "'original_password' is a required property\n\nFailed validating 'required' in schema:\n    {…}\n\nOn instance:\n    {'password': 'Secret-1'}",
        "Invalid input for field 'password': 12345678 is not of type 'string'",
        "Additional properties are not allowed ('name' was unexpected)",
        "Password validation error: Password must be a string type.",
    ] {
        let verdict = verdict(400, message);
        assert_eq!(verdict.kind, ErrorKind::InvalidInput, "{message}");
        assert!(verdict.messages.is_empty(), "{message}");
    }
}

#[test]
fn user_ids_are_keystones_id_strings_kept_as_given() {
    for (id, canonical) in [
        (
            "5c3fe506fca642dfab7fd8df0d8a8e66",
            "5c3fe506fca642dfab7fd8df0d8a8e66",
        ),
        ("  5C3FE506-fca6 ", "5C3FE506-fca6"),
        (&"a".repeat(64), &"a".repeat(64)),
    ] {
        assert_eq!(KeystoneAdapter::user_id(id).unwrap(), canonical);
    }
    for bad in ["", "   ", "a/b", "a b", "ü", "a_b", &"a".repeat(65)] {
        let error = KeystoneAdapter::user_id(bad).unwrap_err();
        assert!(
            error.message().contains("expected 1 to 64 letters"),
            "{bad:?}"
        );
    }
}

fn config(pairs: &[(&str, &str)]) -> Result<KeystoneConfig, Error> {
    let mut settings = Settings::new(Vendor::Keystone).with("base_url", "http://127.0.0.1:5000");
    for (key, value) in pairs {
        settings.set(key, *value, format!("test {key}"));
    }
    crate::adapter::config_from_settings::<KeystoneAdapter>(settings)
}

#[test]
fn the_credentials_are_none_a_token_or_an_administrators_login() {
    assert!(matches!(config(&[]).unwrap().auth, KeystoneAuth::None));
    assert!(matches!(
        config(&[("token", "gAAAA-tok")]).unwrap().auth,
        KeystoneAuth::Token(_)
    ));
    let login = |pairs: &[(&str, &str)]| match config(pairs).unwrap().auth {
        KeystoneAuth::Login(login) => login,
        other => panic!("{other:?}"),
    };
    let base = [("username", "admin"), ("password", "pw")];
    let unscoped = login(&base);
    assert_eq!(unscoped.user_domain_id, "default");
    assert_eq!(unscoped.scope, LoginScope::Unscoped);
    let shown = format!("{unscoped:?}");
    assert!(
        shown.contains("username: \"admin\"") && shown.contains("Unscoped"),
        "{shown}"
    );
    assert!(!shown.contains("\"pw\""), "{shown}");
    let project = login(&[
        base[0],
        base[1],
        ("project_name", "ops"),
        ("user_domain_id", "corp"),
    ]);
    assert_eq!(project.user_domain_id, "corp");
    assert_eq!(
        project.scope,
        LoginScope::Project {
            name: "ops".into(),
            domain_id: "corp".into()
        }
    );
    let other_domain = login(&[
        base[0],
        base[1],
        ("project_name", "ops"),
        ("project_domain_id", "p"),
    ]);
    assert_eq!(
        other_domain.scope,
        LoginScope::Project {
            name: "ops".into(),
            domain_id: "p".into()
        }
    );
    assert_eq!(
        login(&[base[0], base[1], ("system_scope", "ALL")]).scope,
        LoginScope::System
    );
}

#[test]
fn inconsistent_credentials_are_refused_naming_the_key() {
    for (pairs, expected) in [
        (
            vec![
                ("token", "gAAAA"),
                ("username", "admin"),
                ("password", "pw"),
            ],
            "a token and login credentials are both set (test username)",
        ),
        (
            vec![("token", "gAAAA"), ("project_name", "admin")],
            "a token and login settings are both set (test project_name)",
        ),
        (
            vec![("password", "pw")],
            "test password is a login setting, but username is not set",
        ),
        (vec![("username", "admin")], "password is not set"),
        (
            vec![
                ("username", "admin"),
                ("password", "pw"),
                ("project_name", "a"),
                ("system_scope", "all"),
            ],
            "project_name and system_scope are both set",
        ),
        (
            vec![
                ("username", "admin"),
                ("password", "pw"),
                ("system_scope", "domain"),
            ],
            "system_scope must be all",
        ),
        (
            vec![
                ("username", "admin"),
                ("password", "pw"),
                ("project_domain_id", "d"),
            ],
            "set but not used by this configuration: project_domain_id (from test project_domain_id: the id of project_name's domain",
        ),
        (
            vec![
                ("username", "admin"),
                ("password", "pw"),
                ("system_scope", "all"),
                ("project_domain_id", "d"),
            ],
            "set but not used by this configuration: project_domain_id (from test project_domain_id",
        ),
        (
            vec![("password_hash_algorithm", "md5")],
            "password_hash_algorithm must be one of",
        ),
        (
            vec![("max_password_length", "many")],
            "test max_password_length must be a number of bytes",
        ),
        (
            vec![("max_password_length", "0")],
            "test max_password_length must be at least 1",
        ),
        (
            vec![("change_password_upon_first_use", "maybe")],
            "must be true or false",
        ),
    ] {
        let error = config(&pairs).unwrap_err();
        assert!(error.message().contains(expected), "{pairs:?}: {error}");
        assert!(!error.to_string().contains("pw\""), "{error}");
    }
}

#[test]
fn the_hashing_keys_set_the_largest_password() {
    let largest = |pairs: &[(&str, &str)]| {
        let (adapter, _, _) = KeystoneAdapter::new(config(pairs).unwrap()).unwrap();
        (
            adapter.max_password_bytes,
            adapter.configured_policy().unwrap(),
        )
    };
    let (bcrypt, policy) = largest(&[]);
    assert_eq!(bcrypt, 72);
    assert_eq!(policy, KeystoneAdapter::documented_policy());
    let (fifty, policy) = largest(&[("max_password_length", "50")]);
    assert_eq!(fifty, 50);
    assert_eq!(policy.max_length, Some(50));
    assert!(
        matches!(&policy.source, PolicySource::Documented { reference } if reference.contains("configured"))
    );
    assert_eq!(largest(&[("password_hash_algorithm", " BCRYPT ")]).0, 72);
    let (scrypt, policy) = largest(&[("password_hash_algorithm", "scrypt")]);
    assert_eq!(scrypt, DEFAULT_MAX_PASSWORD_LENGTH);
    assert_eq!(policy.max_length, Some(DEFAULT_MAX_PASSWORD_LENGTH));
    assert!(
        matches!(&policy.source, PolicySource::Documented { reference } if reference.contains("configured"))
    );
    for algorithm in ["bcrypt_sha256", "pbkdf2_sha512"] {
        assert_eq!(
            largest(&[
                ("password_hash_algorithm", algorithm),
                ("max_password_length", "100")
            ])
            .0,
            100
        );
    }
    let (first_use, _, _) =
        KeystoneAdapter::new(config(&[("change_password_upon_first_use", "yes")]).unwrap())
            .unwrap();
    assert!(first_use.first_use);
}

#[test]
fn a_base_url_with_v3_is_refused_naming_the_fix() {
    for url in [
        "http://127.0.0.1:5000/v3",
        "http://127.0.0.1/identity/v3/",
        "http://h/v3.0",
    ] {
        let error = KeystoneAdapter::new(KeystoneConfig::new(url, KeystoneAuth::None).unwrap())
            .err()
            .unwrap();
        assert!(
            error.message().contains("without it (pwchange adds /v3)"),
            "{url}"
        );
    }
    assert!(
        KeystoneAdapter::new(
            KeystoneConfig::new("http://127.0.0.1/identity", KeystoneAuth::None).unwrap()
        )
        .is_ok()
    );
}

#[test]
fn a_token_layered_over_a_login_replaces_all_of_it() {
    let mut file = Settings::new(Vendor::Keystone).with("base_url", "http://127.0.0.1:5000");
    for (key, value) in [
        ("username", "admin"),
        ("password", "pw"),
        ("user_domain_id", "corp"),
        ("project_name", "ops"),
        ("project_domain_id", "corp"),
    ] {
        file.set(key, value, format!("file {key}"));
    }
    let mut env = Settings::new(Vendor::Keystone);
    env.set("token", "gAAAA-tok", "PWCHANGE_KEYSTONE_TOKEN");
    file.layer(env);
    let config = crate::adapter::config_from_settings::<KeystoneAdapter>(file).unwrap();
    assert!(matches!(config.auth, KeystoneAuth::Token(_)), "{config:?}");
}
