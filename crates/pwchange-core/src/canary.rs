//! Canary secrets for tests that prove a secret never leaks.
//!
//! Put [`PASSWORD`] or [`TOKEN`] where a real secret would go, then pass everything a user can
//! see (`Debug`, `Display`, logs, CLI output) to [`assert_absent`].

/// A password that appears nowhere else: if it shows up in output, a secret leaked.
pub const PASSWORD: &str = "Canary-Pw-7f3a9c1e!";
/// A second canary password, for the "new password" side of a change.
pub const NEW_PASSWORD: &str = "Canary-NewPw-0b5d2e8f!";
/// A bearer token that appears nowhere else.
pub const TOKEN: &str = "canary-token-4e6b8d0a";

/// Panics, naming `what` but not the secret, when `text` contains a canary.
#[track_caller]
pub fn assert_absent(what: &str, text: &str) {
    for (name, canary) in [
        ("PASSWORD", PASSWORD),
        ("NEW_PASSWORD", NEW_PASSWORD),
        ("TOKEN", TOKEN),
    ] {
        assert!(!text.contains(canary), "{what} contains canary::{name}");
    }
}

/// Panics, naming `what`, when an error's `Display`, `Debug` or any of its sources' contains a
/// canary.
#[track_caller]
pub fn assert_absent_from_error(what: &str, error: &(dyn std::error::Error + 'static)) {
    assert_absent(what, &format!("{error} {error:?}"));
    let mut source = error.source();
    while let Some(s) = source {
        assert_absent(what, &format!("{s} {s:?}"));
        source = s.source();
    }
}
