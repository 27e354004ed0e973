//! Exit codes, hints and error output.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | failure outside the vendor call (file I/O, journal) |
//! | 2 | usage error (bad flags) |
//! | 3..=16 | the facade's `ErrorKind`, see [`exit_code`] (a rotation stopped by refused credentials exits with that kind's code) |
//! | 20 | rotate: finished, some users failed |
//! | 21 | rotate: interrupted (Ctrl-C); the summary says what was and was not applied |

use pwchange::{Error, ErrorKind};
use serde_json::json;

/// The exit code of a failed change.
pub fn exit_code(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::InvalidInput => 3,
        ErrorKind::Unauthenticated => 4,
        ErrorKind::PermissionDenied => 5,
        ErrorKind::UserNotFound => 6,
        ErrorKind::CurrentPasswordInvalid => 7,
        ErrorKind::PolicyViolation => 8,
        ErrorKind::PasswordReused => 9,
        ErrorKind::RateLimited => 10,
        ErrorKind::Unavailable => 11,
        ErrorKind::Unsupported => 12,
        ErrorKind::Transport => 14,
        ErrorKind::OutcomeUnknown => 15,
        ErrorKind::VerificationFailed => 16,
        _ => 13,
    }
}

/// What to do next.
pub fn hint(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidInput => "fix the input named above and run the command again",
        ErrorKind::Unauthenticated => {
            "check the credentials (a token: --token-file, PWCHANGE_<VENDOR>_TOKEN or the config file; or the vendor's login, see `pwchange vendors`); a token may have expired"
        }
        ErrorKind::PermissionDenied => {
            "the token's user or application lacks the permission to change this password"
        }
        ErrorKind::UserNotFound => {
            "check the user id (and the organization, for vendors that act in one)"
        }
        ErrorKind::CurrentPasswordInvalid => {
            "the current password is wrong (with --reset-code: the verification code is wrong, expired or used); nothing was changed"
        }
        ErrorKind::PolicyViolation => {
            "choose a new password that meets the vendor's password policy"
        }
        ErrorKind::PasswordReused => "choose a new password that was not used before",
        ErrorKind::RateLimited => "wait (see Retry-After) and try again",
        ErrorKind::Unavailable => "the service is down or overloaded; try again later",
        ErrorKind::Unsupported => "this vendor cannot do what was asked; see the message",
        ErrorKind::Transport => {
            "the request never reached the vendor: check the base URL and the network, then retry"
        }
        ErrorKind::OutcomeUnknown => {
            "the password may or may not have changed: log in with the new password to find out before retrying"
        }
        ErrorKind::VerificationFailed => {
            "the vendor does not accept the new password although the change looked successful; log in with the current password, and report the vendor's behaviour"
        }
        _ => "the vendor answered something unexpected; report it with the message above",
    }
}

/// The error as a JSON object (no secrets: the facade's errors carry none).
pub fn error_json(error: &Error) -> serde_json::Value {
    json!({
        "ok": false,
        "vendor": error.vendor().map(|v| v.name()),
        "kind": error.kind(),
        "temporary": error.is_temporary(),
        "status": error.status(),
        "vendor_code": error.vendor_code(),
        "message": error.to_string(),
        "vendor_messages": error.vendor_messages(),
        "retry_after_secs": error.retry_after().map(|d| d.as_secs()),
        "hint": hint(error.kind()),
        "exit_code": exit_code(error.kind()),
    })
}

/// Prints the error (JSON on stdout, or text on stderr) and returns its exit code.
#[allow(clippy::print_stdout, clippy::print_stderr)]
pub fn report(error: &Error, json: bool) -> u8 {
    if json {
        println!("{}", error_json(error));
    } else {
        eprintln!("error: {error}");
        eprintln!("hint: {}", hint(error.kind()));
    }
    exit_code(error.kind())
}
