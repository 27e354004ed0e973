//! Unit tests of ZITADEL's adapter, configuration and error rules.

use pwchange_core::classify::Verdict;
use pwchange_core::http::Answer;
use pwchange_zitadel::types;

use crate::adapter::Adapter;
use crate::transport::VendorError;
use crate::{Error, ErrorKind};

use super::VENDOR;
use super::config::*;
use super::error::*;
use super::send::*;

fn classify(answer: &Answer<types::RpcStatus>) -> Verdict {
    <types::RpcStatus as VendorError>::verdict(answer)
}

fn user_id(id: &str) -> Result<String, Error> {
    ZitadelAdapter::user_id(id)
}

fn from_vars(vars: &[(&str, &str)]) -> Result<ZitadelConfig, Error> {
    let vars = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned()));
    crate::adapter::config_from_settings::<ZitadelAdapter>(crate::Settings::from_vars(VENDOR, vars))
}

fn answer(
    status: u16,
    code: i32,
    type_url: &str,
    id: &str,
    message: &str,
) -> Answer<types::RpcStatus> {
    Answer {
        status,
        body: Some(types::RpcStatus {
            code: Some(code),
            message: Some(message.into()),
            details: vec![types::ErrorDetail {
                type_: Some(type_url.into()),
                id: Some(id.into()),
                message: Some(message.into()),
            }],
        }),
        text: None,
        retry_after: None,
    }
}

const DETAIL: &str = "type.googleapis.com/zitadel.v1.ErrorDetail";

#[test]
fn mapping_table() {
    let cases = [
        // Translated messages: the detail type and the id decide.
        (
            400,
            3,
            "type.googleapis.com/zitadel.v1.CredentialsCheckError",
            "COMMAND-3M0fs",
            "Das Passwort ist ungültig",
            ErrorKind::CurrentPasswordInvalid,
        ),
        (
            400,
            3,
            DETAIL,
            "COMMAND-3M0fs",
            "Die ID fehlt",
            ErrorKind::InvalidInput,
        ),
        (
            400,
            9,
            "type.googleapis.com/zitadel.v1.CredentialsCheckError",
            "COMMAND-SFA3t",
            "Benutzer ist gesperrt",
            ErrorKind::PermissionDenied,
        ),
        (
            400,
            9,
            DETAIL,
            "COMMAND-Aesh5",
            "Das neue Passwort darf nicht dem aktuellen entsprechen",
            ErrorKind::PasswordReused,
        ),
        (
            400,
            3,
            DETAIL,
            "CODE-woT0xc",
            "Code ist ungültig",
            ErrorKind::CurrentPasswordInvalid,
        ),
        (
            400,
            9,
            DETAIL,
            "COMMAND-M9dse",
            "Benutzer ist noch nicht initialisiert",
            ErrorKind::InvalidInput,
        ),
        (
            400,
            3,
            DETAIL,
            "COMMA-HuJf6",
            "Password must be at least 8 characters long",
            ErrorKind::PolicyViolation,
        ),
        (
            400,
            3,
            DETAIL,
            "DOMAIN-ZDLwA",
            "Errors.User.PasswordComplexityPolicy.HasSymbol",
            ErrorKind::PolicyViolation,
        ),
        (
            400,
            3,
            "type.googleapis.com/zitadel.v1.CredentialsCheckError",
            "COMMAND-3M0fs",
            "Password is invalid",
            ErrorKind::CurrentPasswordInvalid,
        ),
        (
            400,
            9,
            DETAIL,
            "COMMAND-Aeh3",
            "Errors.User.Password.NotChanged",
            ErrorKind::PasswordReused,
        ),
        (
            400,
            3,
            DETAIL,
            "USER-1x2y3",
            "Errors.Invalid.Argument",
            ErrorKind::InvalidInput,
        ),
        (
            401,
            16,
            DETAIL,
            "AUTH-7fs1e",
            "auth header missing",
            ErrorKind::Unauthenticated,
        ),
        (
            403,
            7,
            DETAIL,
            "AUTH-5mWD2",
            "No matching permissions found",
            ErrorKind::PermissionDenied,
        ),
        (
            404,
            5,
            DETAIL,
            "COMMAND-uXHNj",
            "User could not be found",
            ErrorKind::UserNotFound,
        ),
        (
            429,
            8,
            DETAIL,
            "QUOTA-V3R5f",
            "quota exceeded",
            ErrorKind::RateLimited,
        ),
        (503, 14, DETAIL, "", "unavailable", ErrorKind::Unavailable),
    ];
    for (status, code, type_url, id, message, expected) in cases {
        let verdict = classify(&answer(status, code, type_url, id, message));
        assert_eq!(verdict.kind, expected, "{status} {id} {message}");
        assert_eq!(verdict.code.as_deref(), Some(id));
    }
}

#[test]
fn a_body_that_is_not_rpc_status_falls_back_to_the_status() {
    let answer = Answer::<types::RpcStatus> {
        status: 502,
        body: None,
        text: Some("<html>".into()),
        retry_after: None,
    };
    assert_eq!(classify(&answer).kind, ErrorKind::OutcomeUnknown);
}

#[test]
fn user_ids_are_checked() {
    assert_eq!(user_id(" 69629026806489455 ").unwrap(), "69629026806489455");
    let longest = "1".repeat(200);
    assert_eq!(user_id(&longest).unwrap(), longest);
    for bad in [
        "",
        "a b",
        "x\r\ny",
        &"1".repeat(201),
        "a/b",
        "..",
        "a?b",
        "a%2F",
        "a#b",
    ] {
        let err = user_id(bad).unwrap_err();
        assert!(
            err.to_string().contains("expected 1..=200 characters"),
            "{err}"
        );
    }
}

#[test]
fn environment_names_every_missing_variable() {
    let err = from_vars(&[]).unwrap_err();
    assert!(
        err.to_string().contains("PWCHANGE_ZITADEL_BASE_URL"),
        "{err}"
    );
    let err = from_vars(&[("PWCHANGE_ZITADEL_BASE_URL", "https://z.example.com")]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(err.setting(), Some("token"));
    assert!(
        err.to_string()
            .contains("no credentials: set token or token_file (PWCHANGE_ZITADEL_TOKEN)"),
        "{err}"
    );
    let config = from_vars(&[
        ("PWCHANGE_ZITADEL_BASE_URL", "https://z.example.com"),
        ("PWCHANGE_ZITADEL_TOKEN", "pat"),
        ("PWCHANGE_ZITADEL_API", "V1"),
        ("PWCHANGE_ZITADEL_ORGANIZATION_ID", "42"),
    ])
    .unwrap();
    assert_eq!(config.api, ZitadelApi::V1);
    assert_eq!(config.organization_id.as_deref(), Some("42"));
    let err = from_vars(&[
        ("PWCHANGE_ZITADEL_BASE_URL", "https://z.example.com"),
        ("PWCHANGE_ZITADEL_TOKEN", "pat"),
        ("PWCHANGE_ZITADEL_API", "v3"),
    ])
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("api must be update_user, set_password (v2) or v1"),
        "{err}"
    );
    for (api, protocol, expected) in [
        (None, None, (ZitadelApi::UpdateUser, ZitadelProtocol::Rest)),
        (
            Some(" Update_User "),
            Some("CONNECT"),
            (ZitadelApi::UpdateUser, ZitadelProtocol::Connect),
        ),
        (
            Some("v2"),
            None,
            (ZitadelApi::SetPassword, ZitadelProtocol::Rest),
        ),
        (
            Some("set_password"),
            Some("rest"),
            (ZitadelApi::SetPassword, ZitadelProtocol::Rest),
        ),
    ] {
        let mut vars = vec![
            ("PWCHANGE_ZITADEL_BASE_URL", "https://z.example.com"),
            ("PWCHANGE_ZITADEL_TOKEN", "pat"),
        ];
        vars.extend(api.map(|a| ("PWCHANGE_ZITADEL_API", a)));
        vars.extend(protocol.map(|p| ("PWCHANGE_ZITADEL_PROTOCOL", p)));
        let config = from_vars(&vars).unwrap();
        assert_eq!(
            (config.api, config.protocol),
            expected,
            "{api:?} {protocol:?}"
        );
    }
    let err = from_vars(&[
        ("PWCHANGE_ZITADEL_BASE_URL", "https://z.example.com"),
        ("PWCHANGE_ZITADEL_TOKEN", "pat"),
        ("PWCHANGE_ZITADEL_PROTOCOL", "grpc"),
    ])
    .unwrap_err();
    assert!(
        err.to_string().contains("protocol must be rest or connect"),
        "{err}"
    );
}

#[test]
fn complexity_settings_map_field_by_field() {
    let settings = |lower, upper, number, symbol| types::PasswordComplexitySettings {
        min_length: Some("1".parse().unwrap()),
        requires_lowercase: lower,
        requires_uppercase: upper,
        requires_number: number,
        requires_symbol: symbol,
        resource_owner_type: None,
    };
    let none = policy_of(Some(settings(false, false, false, false)), "op").unwrap();
    assert!(none.required_classes().is_empty(), "{none:?}");
    assert_eq!(none.min_length, 1);
    for (flags, expected) in [
        ((true, false, false, false), "lowercase"),
        ((false, true, false, false), "uppercase"),
        ((false, false, true, false), "digit"),
        ((false, false, false, true), "symbol"),
    ] {
        let (l, u, n, s) = flags;
        let policy = policy_of(Some(settings(l, u, n, s)), "op").unwrap();
        assert_eq!(policy.required_classes(), [expected]);
    }
}

#[test]
fn protobuf_error_details_are_decoded_defensively() {
    // Lengths of 128 and more take two varint bytes.
    let long_id = "I".repeat(130);
    let long_message = "m".repeat(300);
    let mut detail = vec![0x0a, 0x82, 0x01];
    detail.extend(long_id.as_bytes());
    detail.extend([0x12, 0xac, 0x02]);
    detail.extend(long_message.as_bytes());
    assert_eq!(
        decode_error_detail(&detail),
        (Some(long_id), Some(long_message))
    );
    let detail = [
        &[0x0a, 3][..],
        b"ID1",
        &[0x18, 0x96, 0x01],             // field 3, varint 150: skipped
        &[0x21, 1, 2, 3, 4, 5, 6, 7, 8], // field 4, fixed64: skipped
        &[0x2d, 1, 2, 3, 4],             // field 5, fixed32: skipped
        &[0x12, 2],
        b"hi",
    ]
    .concat();
    assert_eq!(
        decode_error_detail(&detail),
        (Some("ID1".into()), Some("hi".into()))
    );
    for broken in [
        &[0x0a, 9, b'a'][..],          // longer than the input
        &[0x0d, 1, 2, 3, 4][..],       // fixed32: not in ErrorDetail
        &[0x0a][..],                   // no length
        &[0x0a, 0xff, 0xff, 0xff][..], // an unterminated varint
    ] {
        assert_eq!(decode_error_detail(broken), (None, None), "{broken:?}");
    }
}
