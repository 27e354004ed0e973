//! Cleaning a vendor's text of the secrets a request carried.
//!
//! The facade's own messages are built from non-secret parts and are never scrubbed. The only
//! untrusted text is the vendor's (its error messages and codes, an undecodable body), which may
//! echo what it was sent. An [`Error`](crate::Error) keeps that text aside, unshown, until
//! [`Error::redact`](crate::Error::redact) passes it through a [`Redactor`] holding every
//! secret of the request: both passwords, the login's password or client secret, the tokens.
//!
//! A [`Redactor`] masks every occurrence of each secret in its raw, JSON-escaped, HTML-escaped
//! and URL-encoded forms (overlapping occurrences merged), *then* cuts the text to length, so a
//! cut cannot leave half a secret. A secret that cannot be replaced safely — shorter than
//! [`MIN_SCRUBBABLE_CHARS`], or letters only (a word like `password` would be masked inside the
//! vendor's sentence, which then tells the secret) — withholds the whole text when it occurs.
//! The listed forms are not trusted to be complete: what is left after masking is decoded the
//! ways vendors encode (percent- and form-encoding in any case, HTML entities, JSON escapes,
//! base64 runs such as a `Basic` credential), and a secret found in any of those views
//! withholds the text too (fail closed).

use zeroize::Zeroizing;

/// Secrets shorter than this are never replaced: a text containing one is withheld.
pub const MIN_SCRUBBABLE_CHARS: usize = 8;

/// What a redacted vendor text is replaced with.
pub const REDACTED: &str = "<redacted>";

/// Why a vendor's text was withheld rather than shown masked: what an error's `Display` says
/// where it dropped one.
///
/// Which of a short secret or a word it was is not said: that would tell a reader of the output
/// something about a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withheld {
    /// A secret shorter than [`MIN_SCRUBBABLE_CHARS`], or made of letters only (a word: masking
    /// it inside the vendor's sentence would tell the word), occurs in it.
    UnmaskableSecret,
    /// A secret occurs in it in a form masking does not remove (percent- or form-encoded, HTML
    /// entities, JSON escapes, base64).
    EncodedSecret,
}

impl Withheld {
    /// The sentence an error shows in place of the text.
    pub fn explain(self) -> &'static str {
        match self {
            Withheld::UnmaskableSecret => {
                "the vendor's text is withheld: it contains a secret of the request that cannot be masked safely (too short, or a plain word)"
            }
            Withheld::EncodedSecret => {
                "the vendor's text is withheld: it contains a secret (of the request, or of the rotation it is part of) in an encoded form (percent, HTML or JSON escapes, base64) that cannot be masked safely"
            }
        }
    }
}

impl std::fmt::Display for Withheld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.explain())
    }
}

/// The most characters of one vendor text that are kept (after redaction).
pub const MAX_VENDOR_TEXT_CHARS: usize = 200;

/// The secrets of one request (or of a whole rotation), in every form a vendor might echo them.
///
/// Texts are searched through an index of the secrets by length (a rolling hash per length),
/// so cleaning a text costs about its length times the number of distinct secret lengths,
/// however many secrets there are: a rotation's redactor holds every password of its run.
#[derive(Default)]
pub struct Redactor {
    /// Forms of secrets, each replaced where it occurs (`None`) or withholding the text.
    forms: Index<Option<Withheld>>,
    /// The secrets themselves, looked for in the decoded views of what is left.
    raw: Index<()>,
}

/// Strings with a tag each, found in a text by length and rolling hash.
struct Index<T> {
    strings: Vec<(Zeroizing<String>, T)>,
    /// Byte length → rolling hash → positions in `strings`.
    by_length: std::collections::BTreeMap<usize, std::collections::HashMap<u64, Vec<usize>>>,
}

impl<T> Default for Index<T> {
    fn default() -> Self {
        Self {
            strings: Vec::new(),
            by_length: std::collections::BTreeMap::new(),
        }
    }
}

const HASH_BASE: u64 = 1_000_003;

fn rolling_hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |hash, &b| {
        hash.wrapping_mul(HASH_BASE).wrapping_add(u64::from(b))
    })
}

impl<T> Index<T> {
    fn len(&self) -> usize {
        self.strings.len()
    }

    fn position(&self, string: &str) -> Option<usize> {
        self.by_length
            .get(&string.len())?
            .get(&rolling_hash(string.as_bytes()))?
            .iter()
            .copied()
            .find(|&at| *self.strings[at].0 == *string)
    }

    /// Adds `string` with `tag` unless it is there already (the first tag stays).
    fn insert(&mut self, string: Zeroizing<String>, tag: T) {
        if string.is_empty() || self.position(&string).is_some() {
            return;
        }
        self.by_length
            .entry(string.len())
            .or_default()
            .entry(rolling_hash(string.as_bytes()))
            .or_default()
            .push(self.strings.len());
        self.strings.push((string, tag));
    }

    /// Every occurrence of every string in `text`, overlapping ones included: `(start, end,
    /// tag)` in byte offsets.
    fn occurrences<'a>(&'a self, text: &str) -> Vec<(usize, usize, &'a T)> {
        let bytes = text.as_bytes();
        let mut found = Vec::new();
        for (&length, hashes) in &self.by_length {
            if length > bytes.len() {
                break;
            }
            // HASH_BASE^(length - 1), to drop the byte that leaves the window.
            let top = (1..length).fold(1u64, |power, _| power.wrapping_mul(HASH_BASE));
            let mut hash = rolling_hash(&bytes[..length]);
            for start in 0..=bytes.len() - length {
                if start > 0 {
                    hash = hash
                        .wrapping_sub(u64::from(bytes[start - 1]).wrapping_mul(top))
                        .wrapping_mul(HASH_BASE)
                        .wrapping_add(u64::from(bytes[start + length - 1]));
                }
                let Some(candidates) = hashes.get(&hash) else {
                    continue;
                };
                let window = &bytes[start..start + length];
                for &at in candidates {
                    let (string, tag) = &self.strings[at];
                    if string.as_bytes() == window {
                        found.push((start, start + length, tag));
                    }
                }
            }
        }
        found
    }

    /// Whether any string occurs in `text`.
    fn occurs_in(&self, text: &str) -> bool {
        !self.occurrences(text).is_empty()
    }
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor")
            .field("secrets", &self.raw.len())
            .finish()
    }
}

/// Stands in for a masked span while the text is checked: a private-use character, which no
/// decoder produces from ASCII and no check matches.
const MASK: char = '\u{E000}';

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
        if secret.is_empty() || self.raw.position(secret).is_some() {
            return;
        }
        self.raw.insert(Zeroizing::new(secret.to_owned()), ());
        let unmaskable = secret.chars().count() < MIN_SCRUBBABLE_CHARS
            || secret.chars().all(char::is_alphabetic);
        let why = unmaskable.then_some(Withheld::UnmaskableSecret);
        for form in forms(secret) {
            // A form two secrets share keeps the first one's rule.
            self.forms.insert(form, why);
        }
    }

    /// Adds `secret` only when it can be masked (at least [`MIN_SCRUBBABLE_CHARS`] and not a
    /// plain word), and says whether it did: for a redactor that cleans many texts of many
    /// secrets (a rotation's, of other users' passwords), where one short password would
    /// otherwise withhold every text that contains it.
    pub fn add_maskable(&mut self, secret: &str) -> bool {
        let maskable = secret.chars().count() >= MIN_SCRUBBABLE_CHARS
            && !secret.chars().all(char::is_alphabetic);
        if maskable {
            self.add(secret);
        }
        maskable
    }

    /// How many secrets it holds.
    pub fn len(&self) -> usize {
        self.raw.len()
    }

    /// Whether it holds no secret.
    pub fn is_empty(&self) -> bool {
        self.raw.len() == 0
    }

    /// `text` with every secret replaced by [`REDACTED`], cut to [`MAX_VENDOR_TEXT_CHARS`];
    /// `None` when a secret that cannot be replaced occurs in it, or a secret survives the
    /// masking in an encoded form.
    pub fn clean(&self, text: &str) -> Option<String> {
        self.clean_or_withhold(text).ok()
    }

    /// [`clean`](Self::clean), saying why a text is withheld.
    pub fn clean_or_withhold(&self, text: &str) -> Result<String, Withheld> {
        let mut spans = Vec::new();
        self.mask(text, &mut spans)?;
        Ok(render(text, &spans))
    }

    /// Adds to `spans` (sorted, merged byte ranges of `text`, perhaps masked by other
    /// redactors already) every occurrence of this redactor's maskable forms; `Err` when one of
    /// its unmaskable forms occurs outside them, or one of its secrets survives in a decoded
    /// view of `text` with every span masked. Masking with several redactors one after another
    /// works on the text the vendor sent, never on a cut or escaped one: a secret one of them
    /// knows is found whole wherever it is.
    pub fn mask(&self, text: &str, spans: &mut Vec<(usize, usize)>) -> Result<(), Withheld> {
        let found = self.forms.occurrences(text);
        // Every start of a maskable form, overlapping ones included.
        spans.extend(
            found
                .iter()
                .filter(|(_, _, why)| why.is_none())
                .map(|&(start, end, _)| (start, end)),
        );
        spans.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
        for &(start, end) in spans.iter() {
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        *spans = merged;
        let masked_at =
            |start: usize, end: usize| spans.iter().any(|&(s, e)| s <= start && end <= e);
        for &(start, end, why) in &found {
            if let Some(why) = why
                && !masked_at(start, end)
            {
                return Err(*why);
            }
        }
        let masked = masked_with(text, spans, MASK);
        if decoded_views(&masked)
            .iter()
            .any(|view| self.raw.occurs_in(view))
        {
            return Err(Withheld::EncodedSecret);
        }
        Ok(())
    }
}

/// `text` with each span replaced by `mask`.
fn masked_with(
    text: &str,
    spans: &[(usize, usize)],
    mask: impl std::fmt::Display,
) -> Zeroizing<String> {
    let mut masked = Zeroizing::new(String::with_capacity(text.len()));
    let mut last = 0;
    for &(start, end) in spans {
        masked.push_str(&text[last..start]);
        masked.push_str(&mask.to_string());
        last = end;
    }
    masked.push_str(&text[last..]);
    masked
}

/// What is shown of `text` once `spans` are masked ([`Redactor::mask`]): each span
/// [`REDACTED`], trimmed, cut to [`MAX_VENDOR_TEXT_CHARS`].
pub fn render(text: &str, spans: &[(usize, usize)]) -> String {
    cut(masked_with(text, spans, REDACTED).trim())
}

/// `text` as it is, and decoded each way a vendor may have encoded a secret in it.
fn decoded_views(text: &str) -> Vec<Zeroizing<String>> {
    let json = json_unescape(text);
    let html = html_unescape(text);
    let percent = percent_decode(text);
    let all = percent_decode(&html_unescape(&json_unescape(text)));
    let mut views = vec![Zeroizing::new(text.to_owned()), json, html, percent, all];
    views.extend(base64_runs(text));
    views
}

fn json_unescape(text: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(text.len()));
    let mut chars = text.chars().peekable();
    let mut pending_high: Option<u16> = None;
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                let Ok(unit) = u16::from_str_radix(&hex, 16) else {
                    out.push_str("\\u");
                    out.push_str(&hex);
                    continue;
                };
                match (pending_high.take(), unit) {
                    (Some(high), 0xDC00..=0xDFFF) => {
                        let code = 0x10000
                            + ((u32::from(high) - 0xD800) << 10)
                            + (u32::from(unit) - 0xDC00);
                        out.extend(char::from_u32(code));
                    }
                    (_, 0xD800..=0xDBFF) => pending_high = Some(unit),
                    (_, unit) => out.extend(char::from_u32(u32::from(unit))),
                }
            }
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

fn html_unescape(text: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(text.len()));
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let entity = rest
            .find(';')
            .filter(|&end| end <= 10)
            .map(|end| &rest[1..end]);
        let decoded = entity.and_then(|name| match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            _ => {
                let number = name.strip_prefix('#')?;
                let code = match number.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                    None => number.parse().ok()?,
                };
                char::from_u32(code)
            }
        });
        match (decoded, entity) {
            (Some(c), Some(name)) => {
                out.push(c);
                rest = &rest[name.len() + 2..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Percent-decoding in any case, `+` as a space (form encoding).
fn percent_decode(text: &str) -> Zeroizing<String> {
    let bytes = text.as_bytes();
    let mut out = Zeroizing::new(Vec::with_capacity(bytes.len()));
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    Zeroizing::new(String::from_utf8_lossy(&out).into_owned())
}

/// Each run of at least 8 base64 characters (standard or URL-safe), decoded.
fn base64_runs(text: &str) -> Vec<Zeroizing<String>> {
    use base64::Engine as _;
    let is_b64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '-' | '_');
    let mut views = Vec::new();
    for run in text.split(|c: char| !is_b64(c) && c != '=') {
        let run = run.trim_end_matches('=');
        if run.len() < 8 {
            continue;
        }
        let lenient = base64::engine::GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent);
        let engines = [
            base64::engine::GeneralPurpose::new(&base64::alphabet::STANDARD, lenient),
            base64::engine::GeneralPurpose::new(&base64::alphabet::URL_SAFE, lenient),
        ];
        // A run may start inside an encoded value: try each alignment.
        for skip in 0..4 {
            let Some(part) = run.get(skip..) else {
                continue;
            };
            // A length of 4n+1 cannot be base64: its last character is dropped.
            let part = if part.len() % 4 == 1 {
                &part[..part.len() - 1]
            } else {
                part
            };
            for engine in &engines {
                if let Ok(bytes) = engine.decode(part) {
                    views.push(Zeroizing::new(String::from_utf8_lossy(&bytes).into_owned()));
                }
            }
        }
    }
    views
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
        // Eight characters with a non-letter are enough to replace; a word is never replaced
        // inside the vendor's sentence (which would then tell it): the text is withheld.
        let r = Redactor::new().secret("passw0rd");
        assert_eq!(r.clean("bad passw0rd").as_deref(), Some("bad <redacted>"));
        let r = Redactor::new().secret("password");
        assert_eq!(r.clean("The current password is incorrect."), None);
        assert_eq!(r.clean("Try again.").as_deref(), Some("Try again."));
        // A short secret inside a long one that was replaced does not withhold the text.
        let r = Redactor::new().secret("abc").secret("xxabc-xy9");
        assert_eq!(r.clean("got xxabc-xy9").as_deref(), Some("got <redacted>"));
    }

    #[test]
    fn encodings_not_listed_are_caught_by_decoding_what_is_left() {
        let secret = "Tr0ub4dor&3x~+\"ö!";
        let r = Redactor::new().secret(secret);
        for echoed in [
            // Go's JSON: & < > as \u00XX; .NET's: + and " as \u002B \u0022, uppercase hex.
            "Tr0ub4dor\\u00263x~+\\\"\\u00f6!",
            "Tr0ub4dor&3x~\\u002B\\u0022\\u00F6!",
            // Form encoding (~ as %7E), encodeURIComponent (! left bare), lowercase hex.
            "Tr0ub4dor%263x%7E%2B%22%C3%B6%21",
            "Tr0ub4dor%263x~%2B%22%c3%b6!",
            // HTML decimal and hexadecimal entities.
            "Tr0ub4dor&#38;3x~+&#34;&#xf6;!",
        ] {
            assert_eq!(r.clean(&format!("got {echoed} here")), None, "{echoed}");
        }
        // A Basic credential echoed whole: the password is inside the base64.
        use base64::Engine as _;
        let basic = base64::engine::general_purpose::STANDARD.encode("admin@org:S3cret-Pw-42");
        let r = Redactor::new().secret("S3cret-Pw-42");
        assert_eq!(r.clean(&format!("bad header Basic {basic}")), None);
        assert_eq!(
            r.clean(&format!("bad header Basic x{basic}")),
            None,
            "misaligned run"
        );
        assert_eq!(
            r.clean("Password must contain 12 characters").as_deref(),
            Some("Password must contain 12 characters")
        );
    }

    #[test]
    fn overlapping_and_adjacent_secrets_leave_nothing() {
        let r = Redactor::new().secret("abcdefgh12").secret("gh12345678");
        assert_eq!(
            r.clean("x abcdefgh12345678 y").as_deref(),
            Some("x <redacted> y")
        );
        let r = Redactor::new().secret("aaaa1aaaa");
        assert_eq!(r.clean("aaaa1aaaa1aaaa").as_deref(), Some("<redacted>"));
        // A short secret that is part of the marker is not found in the marker.
        let r = Redactor::new().secret("red").secret("TOKEN-xyz-123");
        assert_eq!(
            r.clean("TOKEN-xyz-123 refused").as_deref(),
            Some("<redacted> refused")
        );
        // ... but next to a masked span it is found.
        let r = Redactor::new().secret("45").secret("TOKEN-xyz-123");
        assert_eq!(r.clean("TOKEN-xyz-12345"), None);
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
        assert_eq!(format!("{r:?}"), "Redactor { secrets: 2 }");
        assert_eq!(Redactor::new().secret("").clean("x").as_deref(), Some("x"));
    }
}
