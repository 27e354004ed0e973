//! Text a vendor sent, and how any text is made safe to show.
//!
//! Every string that came from a vendor's answer and may reach an output (an error's code,
//! messages and fields, a success's details) is a [`VendorText`]: hidden until
//! [`redact`](VendorText::redact)ed with the secrets it may echo, then shown cleaned of them
//! (see [`crate::redact`]), cut to length and [`escape`]d, so that no byte of it can drive a
//! terminal (an OSC 52 clipboard write, a screen clear, a line that forges a result, a bidi
//! override). It has no `Display`, and its `Debug` and `Serialize` show nothing before
//! redaction: the only way to its text is through the redactor.
//!
//! [`escape`] is also what the error's own message goes through when displayed, and
//! [`escape_json`] what every JSON line of the command line goes through (`serde_json` leaves
//! DEL, the C1 controls, bidi controls and U+2028 raw).

use std::borrow::Cow;

use zeroize::Zeroizing;

use crate::redact::{Redactor, Withheld};

/// A string from a vendor's answer: hidden until redacted, then shown cleaned and escaped.
pub struct VendorText(State);

enum State {
    /// As the vendor sent it: never shown.
    Hidden(Zeroizing<String>),
    /// Cleaned of the secrets of every redactor it went through (`spans` of `raw` masked), cut
    /// and escaped (`shown`). The text as sent is kept (zeroized on drop) so that a later
    /// redactor searches it whole, not the cut and escaped text.
    Shown {
        raw: Zeroizing<String>,
        spans: Vec<(usize, usize)>,
        shown: String,
    },
    /// Dropped, because it held a secret that could not be masked safely.
    Withheld(Withheld),
}

impl VendorText {
    /// Text as the vendor sent it.
    pub fn new(text: impl Into<String>) -> Self {
        Self(State::Hidden(Zeroizing::new(text.into())))
    }

    /// Cleans the text of `secrets` and makes it visible (escaped). A text already shown is
    /// cleaned again, so a second redactor (a rotation's, holding every secret of the run)
    /// masks what the first did not know; a withheld one stays withheld.
    pub fn redact(&mut self, secrets: &Redactor) {
        let state = std::mem::replace(&mut self.0, State::Withheld(Withheld::UnmaskableSecret));
        let (raw, mut spans) = match state {
            State::Hidden(raw) => (raw, Vec::new()),
            State::Shown { raw, spans, .. } => (raw, spans),
            withheld @ State::Withheld(_) => {
                self.0 = withheld;
                return;
            }
        };
        self.0 = match secrets.mask(&raw, &mut spans) {
            Ok(()) => {
                let shown = escape(&crate::redact::render(&raw, &spans)).into_owned();
                State::Shown { raw, spans, shown }
            }
            Err(why) => State::Withheld(why),
        };
    }

    /// The text, once redacted and not withheld.
    pub fn shown(&self) -> Option<&str> {
        match &self.0 {
            State::Shown { shown, .. } => Some(shown),
            _ => None,
        }
    }

    /// Why the text was dropped, when it was.
    pub fn withheld(&self) -> Option<Withheld> {
        match &self.0 {
            State::Withheld(why) => Some(*why),
            _ => None,
        }
    }

    /// Whether nothing is left to show or to redact (an empty text).
    pub fn is_empty(&self) -> bool {
        match &self.0 {
            State::Hidden(text) | State::Shown { raw: text, .. } => text.is_empty(),
            State::Withheld(_) => false,
        }
    }

    /// Whether the text mentions one of `needles` (ASCII case-insensitive), for an adapter that
    /// tells answers apart by their text. Nothing of the text is exposed.
    pub fn mentions(&self, needles: &[&str]) -> bool {
        match &self.0 {
            State::Hidden(text) | State::Shown { raw: text, .. } => mentions(text, needles),
            State::Withheld(_) => false,
        }
    }

    /// The text as the vendor sent it, to send back to the same vendor (a login name read from
    /// its user record); `None` once redacted. Never for an output.
    pub fn to_send_back(&self) -> Option<&str> {
        match &self.0 {
            State::Hidden(text) => Some(text),
            _ => None,
        }
    }
}

impl From<String> for VendorText {
    fn from(text: String) -> Self {
        Self::new(text)
    }
}

impl From<&str> for VendorText {
    fn from(text: &str) -> Self {
        Self::new(text)
    }
}

impl Clone for VendorText {
    fn clone(&self) -> Self {
        Self(match &self.0 {
            State::Hidden(text) => State::Hidden(text.clone()),
            State::Shown { raw, spans, shown } => State::Shown {
                raw: raw.clone(),
                spans: spans.clone(),
                shown: shown.clone(),
            },
            State::Withheld(why) => State::Withheld(*why),
        })
    }
}

impl PartialEq for VendorText {
    /// Equal in the same state with the same text (or the same reason for withholding it).
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (State::Hidden(a), State::Hidden(b)) => a == b,
            (State::Shown { shown: a, .. }, State::Shown { shown: b, .. }) => a == b,
            (State::Withheld(a), State::Withheld(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for VendorText {}

impl std::fmt::Debug for VendorText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            State::Hidden(_) => f.write_str("VendorText(<hidden until redacted>)"),
            State::Shown { shown, .. } => f.debug_tuple("VendorText").field(shown).finish(),
            State::Withheld(_) => f.write_str("VendorText(<withheld>)"),
        }
    }
}

/// Serialised as its shown text; `null` when hidden or withheld.
impl serde::Serialize for VendorText {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.shown().serialize(serializer)
    }
}

/// Read back as shown text: what was serialised was redacted already.
impl<'de> serde::Deserialize<'de> for VendorText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let shown = escape(&text).into_owned();
        Ok(Self(State::Shown {
            raw: Zeroizing::new(text),
            spans: Vec::new(),
            shown,
        }))
    }
}

/// A value holding vendor text that can be cleaned of secrets in place: a success's details
/// (every vendor's details type implements it, so the facade can redact any of them).
pub trait Redact {
    /// Redacts every [`VendorText`] in `self` with `secrets` (see [`VendorText::redact`]).
    fn redact(&mut self, secrets: &Redactor);
}

impl Redact for VendorText {
    fn redact(&mut self, secrets: &Redactor) {
        VendorText::redact(self, secrets);
    }
}

impl<T: Redact> Redact for Option<T> {
    fn redact(&mut self, secrets: &Redactor) {
        if let Some(value) = self {
            value.redact(secrets);
        }
    }
}

impl schemars::JsonSchema for VendorText {
    fn schema_name() -> Cow<'static, str> {
        "VendorText".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut schema = <Option<String>>::json_schema(generator);
        schema.insert(
            "description".into(),
            "Text from the vendor's answer, cleaned of the request's secrets and with control, bidi and line-separator characters escaped as \\u{XX}; null when withheld because it held a secret that could not be masked.".into(),
        );
        schema
    }
}

/// Whether `c` may drive a terminal or hide text when written raw: the C0 and C1 controls
/// and DEL (escape sequences, a carriage return that overwrites a line, a newline that forges
/// one), the bidi controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), the line
/// and paragraph separators, and the invisible format characters (zero-width ones, the soft
/// hyphen, U+FEFF, the interlinear annotation marks, the variation selectors, the tag
/// characters).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{061C}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206F}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{E0000}'..='\u{E007F}'
                | '\u{E0100}'..='\u{E01EF}'
        )
}

/// `text` with every [`is_unsafe`] character written as `\u{XX}` (as Rust writes it).
/// Escaping twice changes nothing more.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A serialised JSON text with every [`is_unsafe`] character that `serde_json` leaves raw
/// (DEL, C1, bidi and format characters, U+2028/U+2029) written as a `\uXXXX` escape. The
/// value is the same for a JSON reader: such characters occur only inside strings.
pub fn escape_json(json: &str) -> Cow<'_, str> {
    if !json.chars().any(is_unsafe) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 12);
    for c in json.chars() {
        if is_unsafe(c) {
            // JSON escapes UTF-16 units: a surrogate pair beyond the Basic Multilingual Plane.
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Case-insensitive "contains any of".
pub fn mentions(text: &str, needles: &[&str]) -> bool {
    let text = text.to_ascii_lowercase();
    needles
        .iter()
        .any(|n| text.contains(&n.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a hostile vendor sends to take over a terminal, and what must come out.
    const HOSTILE: &str = "ok\u{1b}]52;c;cHduZWQ=\u{7}\u{1b}[2J\r\nchanged (verified)\u{9b}31m\u{7f}\u{202e}evil\u{2028}x\u{200b}";

    #[test]
    fn nothing_that_can_drive_a_terminal_survives_escaping() {
        let escaped = escape(HOSTILE);
        assert!(!escaped.chars().any(is_unsafe), "{escaped}");
        assert_eq!(
            escaped,
            "ok\\u{1b}]52;c;cHduZWQ=\\u{7}\\u{1b}[2J\\u{d}\\u{a}changed (verified)\\u{9b}31m\\u{7f}\\u{202e}evil\\u{2028}x\\u{200b}"
        );
        assert_eq!(
            escape(&escaped),
            escaped,
            "escaping twice changes nothing more"
        );
        assert!(matches!(escape("plain é ü 漢字 🙂"), Cow::Borrowed(_)));
        for c in [
            '\u{0}',
            '\u{1f}',
            '\u{85}',
            '\u{ad}',
            '\u{61c}',
            '\u{200e}',
            '\u{2069}',
            '\u{fe0f}',
            '\u{feff}',
            '\u{e0041}',
        ] {
            assert!(is_unsafe(c), "{:x}", u32::from(c));
        }
        for c in [' ', 'a', 'é', '\u{a0}', '漢', '🙂'] {
            assert!(!is_unsafe(c), "{:x}", u32::from(c));
        }
    }

    #[test]
    fn json_keeps_its_value_and_loses_its_raw_controls() {
        let json = serde_json::to_string(&serde_json::json!({ "m": HOSTILE })).unwrap();
        assert!(json.contains('\u{9b}'), "serde_json leaves C1 raw");
        let escaped = escape_json(&json);
        assert!(!escaped.chars().any(is_unsafe), "{escaped}");
        let back: serde_json::Value = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back["m"], HOSTILE);
        // Beyond the Basic Multilingual Plane: a surrogate pair.
        let tag = serde_json::to_string(&serde_json::json!("a\u{e0041}b")).unwrap();
        assert_eq!(escape_json(&tag), "\"a\\udb40\\udc41b\"");
        let back: serde_json::Value = serde_json::from_str(&escape_json(&tag)).unwrap();
        assert_eq!(back, "a\u{e0041}b");
        assert!(matches!(escape_json("{\"a\":1}"), Cow::Borrowed(_)));
    }

    #[test]
    fn vendor_text_is_hidden_until_redacted_then_clean_and_escaped() {
        let secret = "Sup3r-Secret-Pw!";
        let mut text = VendorText::new(format!("user {secret}\u{1b}[2J"));
        assert_eq!(format!("{text:?}"), "VendorText(<hidden until redacted>)");
        assert_eq!(serde_json::to_string(&text).unwrap(), "null");
        assert_eq!(text.shown(), None);
        assert!(text.mentions(&["USER"]));
        assert!(text.to_send_back().is_some());
        text.redact(&Redactor::new().secret(secret));
        assert_eq!(text.shown(), Some("user <redacted>\\u{1b}[2J"));
        assert_eq!(text.to_send_back(), None);
        assert_eq!(
            serde_json::to_string(&text).unwrap(),
            "\"user <redacted>\\\\u{1b}[2J\""
        );
        // A second redactor masks what the first did not know.
        let mut other = VendorText::new("last password was Other-Users-Pw9");
        other.redact(&Redactor::new());
        assert_eq!(other.shown(), Some("last password was Other-Users-Pw9"));
        other.redact(&Redactor::new().secret("Other-Users-Pw9"));
        assert_eq!(other.shown(), Some("last password was <redacted>"));
        // A secret the first redactor did not know, beyond the cut or with a control character
        // in it, is found whole in the text as sent.
        let late = "Late-Secret\tPass";
        let mut long = VendorText::new(format!("{} {late} tail", "x".repeat(195)));
        long.redact(&Redactor::new());
        assert!(
            long.shown().unwrap().ends_with(" Late…"),
            "cut inside the secret"
        );
        long.redact(&Redactor::new().secret(late));
        assert!(
            !long.shown().unwrap().contains("Late"),
            "{:?}",
            long.shown()
        );
        let mut tab = VendorText::new(format!("was {late}"));
        tab.redact(&Redactor::new());
        assert_eq!(tab.shown(), Some("was Late-Secret\\u{9}Pass"));
        tab.redact(&Redactor::new().secret(late));
        assert_eq!(tab.shown(), Some("was <redacted>"));
        // A short secret withholds the text, for good.
        let mut short = VendorText::new("password is ab");
        short.redact(&Redactor::new().secret("ab"));
        assert_eq!(short.withheld(), Some(Withheld::UnmaskableSecret));
        short.redact(&Redactor::new());
        assert_eq!(short.shown(), None);
        assert_eq!(format!("{short:?}"), "VendorText(<withheld>)");
        assert!(VendorText::new("").is_empty() && !short.is_empty());
    }
}
