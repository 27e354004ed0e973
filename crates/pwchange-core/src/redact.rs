//! Cleaning a vendor's text of the secrets a request carried.
//!
//! The facade's own messages are built from non-secret parts and are never scrubbed. The only
//! untrusted text is the vendor's (its error messages and codes, an undecodable body), which may
//! echo what it was sent. An [`Error`](crate::Error) keeps that text aside, unshown, until
//! [`Error::redact`](crate::Error::redact) passes it through a [`Redactor`] holding every
//! secret of the request: both passwords, the login's password or client secret, the tokens.
//!
//! A [`Redactor`] replaces each secret, longest first, in its raw, JSON-escaped, HTML-escaped
//! and URL-encoded forms, before the text is cut to length (a cut cannot leave half a secret).
//! A secret shorter than [`MIN_SCRUBBABLE_CHARS`] cannot be replaced safely (`a` would mangle
//! every word and the gaps would spell the secret): a text in which it occurs, in any form, is
//! withheld whole.

use zeroize::Zeroizing;

/// Secrets shorter than this are never replaced: a text containing one is withheld.
pub const MIN_SCRUBBABLE_CHARS: usize = 8;

/// What a redacted vendor text is replaced with.
pub const REDACTED: &str = "<redacted>";

/// What an error's `Display` says where it dropped vendor text.
pub const WITHHELD: &str = "the vendor's text is withheld: a password of the request is too short to remove from it safely";

/// The most characters of one vendor text that are kept (after redaction).
pub const MAX_VENDOR_TEXT_CHARS: usize = 200;

/// The secrets of one request, in every form a vendor might echo them.
#[derive(Default)]
pub struct Redactor {
    /// Forms of secrets long enough to replace, longest first.
    replace: Vec<Zeroizing<String>>,
    /// Forms of secrets too short to replace.
    withhold: Vec<Zeroizing<String>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor")
            .field("forms", &(self.replace.len() + self.withhold.len()))
            .finish()
    }
}

impl Redactor {
    /// A redactor without secrets.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `secret` (empty ones are ignored).
    pub fn secret(mut self, secret: &str) -> Self {
        self.add(secret);
        self
    }

    /// Adds `secret` (empty ones are ignored).
    pub fn add(&mut self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        let list = if secret.chars().count() < MIN_SCRUBBABLE_CHARS {
            &mut self.withhold
        } else {
            &mut self.replace
        };
        for form in forms(secret) {
            if !list.iter().any(|f| **f == *form) {
                list.push(form);
            }
        }
        self.replace.sort_by_key(|f| std::cmp::Reverse(f.len()));
    }

    /// `text` with every secret replaced by [`REDACTED`], cut to [`MAX_VENDOR_TEXT_CHARS`];
    /// `None` when it contains a secret too short to replace.
    pub fn clean(&self, text: &str) -> Option<String> {
        let mut text = Zeroizing::new(text.to_owned());
        for form in &self.replace {
            if text.contains(form.as_str()) {
                text = Zeroizing::new(text.replace(form.as_str(), REDACTED));
            }
        }
        if self.withhold.iter().any(|f| text.contains(f.as_str())) {
            return None;
        }
        Some(cut(text.trim()))
    }
}

fn cut(text: &str) -> String {
    let mut chars = text.char_indices();
    match chars.nth(MAX_VENDOR_TEXT_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// `secret` as a vendor might echo it: raw, JSON-escaped, HTML-escaped, URL-encoded.
fn forms(secret: &str) -> Vec<Zeroizing<String>> {
    let json = Zeroizing::new(serde_json::to_string(secret).unwrap_or_default());
    let json_inner = json
        .strip_prefix('"')
        .and_then(|j| j.strip_suffix('"'))
        .unwrap_or_default();
    let mut forms = vec![
        Zeroizing::new(secret.to_owned()),
        Zeroizing::new(json_inner.to_owned()),
        Zeroizing::new(json_inner.replace('/', "\\/")),
        Zeroizing::new(json_ascii(secret)),
        Zeroizing::new(html(secret, "&#39;")),
        Zeroizing::new(html(secret, "&#x27;")),
        Zeroizing::new(html(secret, "&apos;")),
        Zeroizing::new(percent(secret, false, false)),
        Zeroizing::new(percent(secret, true, false)),
        Zeroizing::new(percent(secret, false, true)),
    ];
    forms.retain(|f| !f.is_empty());
    let mut unique: Vec<Zeroizing<String>> = Vec::new();
    for form in forms {
        if !unique.iter().any(|u| **u == *form) {
            unique.push(form);
        }
    }
    unique
}

/// JSON with every non-ASCII character as `\uXXXX` (how many encoders write them).
fn json_ascii(secret: &str) -> String {
    let mut out = String::new();
    for c in secret.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out
}

fn html(secret: &str, apostrophe: &str) -> String {
    let mut out = String::new();
    for c in secret.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str(apostrophe),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encoding of everything but unreserved characters; `plus`: a space as `+` (forms);
/// `lower`: lowercase hex digits.
fn percent(secret: &str, plus: bool, lower: bool) -> String {
    let mut out = String::new();
    for byte in secret.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(byte));
            }
            b' ' if plus => out.push('+'),
            _ if lower => out.push_str(&format!("%{byte:02x}")),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_a_long_secret_is_replaced() {
        let secret = "Pa ss\"<w>&'/ö-9";
        let r = Redactor::new().secret(secret);
        for echoed in [
            secret.to_owned(),
            serde_json::to_string(secret).unwrap(),
            "Pa ss\\\"<w>&'\\/ö-9".to_owned(),
            "Pa ss\\\"<w>&'/\\u00f6-9".to_owned(),
            "Pa ss&quot;&lt;w&gt;&amp;&#39;/ö-9".to_owned(),
            "Pa ss&quot;&lt;w&gt;&amp;&#x27;/ö-9".to_owned(),
            "Pa%20ss%22%3Cw%3E%26%27%2F%C3%B6-9".to_owned(),
            "Pa+ss%22%3Cw%3E%26%27%2F%C3%B6-9".to_owned(),
            "Pa%20ss%22%3cw%3e%26%27%2f%c3%b6-9".to_owned(),
        ] {
            let cleaned = r.clean(&format!("bad value [{echoed}] here")).unwrap();
            assert!(cleaned.contains(REDACTED), "{echoed} -> {cleaned}");
            assert!(!cleaned.contains("ss"), "{echoed} -> {cleaned}");
        }
    }

    #[test]
    fn the_longest_secret_goes_first() {
        // The current password contains the new one: nothing of either survives.
        let r = Redactor::new()
            .secret("NewPassword1")
            .secret("OldNewPassword1Tail");
        let cleaned = r
            .clean("was OldNewPassword1Tail, now NewPassword1")
            .unwrap();
        assert_eq!(cleaned, "was <redacted>, now <redacted>");
    }

    #[test]
    fn a_short_secret_withholds_the_text_only_where_it_occurs() {
        for short in ["a", "id", "user", "the", "pass1"] {
            let r = Redactor::new().secret(short);
            assert_eq!(r.clean(&format!("value {short} refused")), None, "{short}");
            assert_eq!(
                r.clean("XYZ 123"),
                Some("XYZ 123".to_owned()),
                "{short}: a text without it is kept whole"
            );
        }
        // Eight characters are enough to replace (the common word "password" included).
        let r = Redactor::new().secret("password");
        assert_eq!(r.clean("bad password").as_deref(), Some("bad <redacted>"));
        // A short secret inside a long one that was replaced does not withhold the text.
        let r = Redactor::new().secret("abc").secret("xxabcxxyy");
        assert_eq!(r.clean("got xxabcxxyy").as_deref(), Some("got <redacted>"));
    }

    #[test]
    fn the_cut_comes_after_the_redaction() {
        let secret = "S3cret-Across-The-Cut";
        let r = Redactor::new().secret(secret);
        let text = format!("{}{secret}{}", "x".repeat(190), "y".repeat(50));
        let cleaned = r.clean(&text).unwrap();
        assert!(!cleaned.contains("S3c"), "{cleaned}");
        assert_eq!(cleaned.chars().count(), MAX_VENDOR_TEXT_CHARS + 1);
        assert!(cleaned.ends_with('…'));
        assert_eq!(r.clean("  short  ").as_deref(), Some("short"));
    }

    #[test]
    fn debug_shows_no_secret() {
        let r = Redactor::new().secret("hunter2-hunter2").secret("a");
        assert_eq!(format!("{r:?}"), "Redactor { forms: 2 }");
        assert_eq!(Redactor::new().secret("").clean("x").as_deref(), Some("x"));
    }
}
