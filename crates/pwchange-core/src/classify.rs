//! From a vendor's answer to an [`ErrorKind`]: each vendor declares a table of [`Rule`]s
//! (status × vendor code × message key → kind) and reduces its error body to [`Facts`]; one
//! generic [`classify`] applies the table, falling back to the status.

use crate::answer::{Answer, Failure};
use crate::{Error, ErrorKind, Vendor};

/// Which statuses a [`Rule`] applies to.
#[derive(Debug, Clone, Copy)]
pub enum Status {
    /// Any status.
    Any,
    /// One of these.
    OneOf(&'static [u16]),
}

/// What a [`Rule`] looks for in the [`Facts`], case-insensitively.
#[derive(Debug, Clone, Copy)]
pub enum When {
    /// Nothing: the status alone.
    Always,
    /// A code equal to one of these.
    CodeIs(&'static [&'static str]),
    /// A code ending with one of these (error ids whose prefix changed across versions).
    CodeEndsWith(&'static [&'static str]),
    /// A code starting with one of these.
    CodeStartsWith(&'static [&'static str]),
    /// A code containing one of these.
    CodeContains(&'static [&'static str]),
    /// The vendor's text mentions one of these.
    Mentions(&'static [&'static str]),
    /// The text mentions one of the first and one of the second.
    MentionsBoth(&'static [&'static str], &'static [&'static str]),
}

/// One line of a vendor's error table: answers with `status` where `when` holds are `kind`.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The statuses it applies to.
    pub status: Status,
    /// The condition on codes or text.
    pub when: When,
    /// The kind it means.
    pub kind: ErrorKind,
}

impl Rule {
    /// A rule.
    pub const fn new(status: Status, when: When, kind: ErrorKind) -> Self {
        Self { status, when, kind }
    }

    fn matches(&self, facts: &Facts) -> bool {
        let status_ok = match self.status {
            Status::Any => true,
            Status::OneOf(list) => list.contains(&facts.status),
        };
        let lower = |s: &str| s.to_ascii_lowercase();
        let codes = || facts.codes.iter().map(|c| lower(c));
        status_ok
            && match self.when {
                When::Always => true,
                When::CodeIs(list) => codes().any(|c| list.iter().any(|n| c == lower(n))),
                When::CodeEndsWith(list) => {
                    codes().any(|c| list.iter().any(|n| c.ends_with(&lower(n))))
                }
                When::CodeStartsWith(list) => {
                    codes().any(|c| list.iter().any(|n| c.starts_with(&lower(n))))
                }
                When::CodeContains(list) => {
                    codes().any(|c| list.iter().any(|n| c.contains(&lower(n))))
                }
                When::Mentions(list) => mentions(&facts.text, list),
                When::MentionsBoth(a, b) => mentions(&facts.text, a) && mentions(&facts.text, b),
            }
    }
}

/// What a vendor's answer says, reduced to what rules match on. Its `Debug` leaves the text
/// out: it is the vendor's, not yet scrubbed of the request's passwords.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// The HTTP status.
    pub status: u16,
    /// The vendor's codes (error ids, type URLs, `grpc:<n>`), most significant first.
    pub codes: Vec<String>,
    /// The vendor's messages joined, for `Mentions` rules.
    pub text: String,
}

impl std::fmt::Debug for Facts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Facts")
            .field("status", &self.status)
            .field("codes", &self.codes)
            .field("text_chars", &self.text.chars().count())
            .finish()
    }
}

/// The first rule of `rules` that matches `facts`, else the status's own kind.
pub fn classify(rules: &[Rule], facts: &Facts) -> ErrorKind {
    rules
        .iter()
        .find(|r| r.matches(facts))
        .map_or_else(|| kind_for_status(facts.status), |r| r.kind)
}

pub use crate::answer::{kind_for_status, proves_not_applied};

/// A vendor mapping function's verdict on an [`Answer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// What it means.
    pub kind: ErrorKind,
    /// The vendor's own code, for [`Error::vendor_code`].
    pub code: Option<String>,
    /// The vendor's messages, for [`Error::vendor_messages`].
    pub messages: Vec<String>,
}

impl Verdict {
    /// The verdict of `rules` on `facts`; the first code is the one shown.
    pub fn from_rules(rules: &[Rule], facts: Facts, messages: Vec<String>) -> Self {
        Self {
            kind: classify(rules, &facts),
            code: facts.codes.into_iter().next(),
            messages,
        }
    }

    /// The status alone decides.
    pub fn by_status(status: u16) -> Self {
        Self {
            kind: kind_for_status(status),
            code: None,
            messages: Vec::new(),
        }
    }

    /// An answer without the vendor's body, from a vendor that answers an unknown user in its
    /// own body: a `404` without it is a path nothing serves (a wrong base URL), so
    /// [`ErrorKind::InvalidInput`], not an unknown user; any other status decides alone.
    pub fn without_body(status: u16) -> Self {
        if status == 404 {
            Self {
                kind: crate::ErrorKind::InvalidInput,
                code: None,
                messages: Vec::new(),
            }
        } else {
            Self::by_status(status)
        }
    }
}

/// Builds the facade error from a vendor's answer and its verdict.
pub fn answer_error<E>(vendor: Vendor, answer: &Answer<E>, verdict: Verdict) -> Error {
    let mut messages = verdict.messages;
    if let Some(text) = &answer.text {
        messages.push(text.clone());
    }
    let message = if verdict.kind.outcome() == crate::Outcome::Unknown {
        "the vendor's answer does not say whether the change was applied"
    } else if verdict.kind == crate::ErrorKind::Unauthenticated {
        "the vendor refused the credentials"
    } else {
        "the vendor refused the change"
    };
    Error::new(verdict.kind, message)
        .with_vendor(vendor)
        .with_status(Some(answer.status))
        .with_vendor_code(verdict.code)
        .with_vendor_messages(messages)
        .with_retry_after(answer.retry_after)
}

/// Resolves a [`Failure`] with the vendor's mapping function. An answer that does not prove
/// that nothing was applied ([`proves_not_applied`]; `vendors_own` says whether a decoded body
/// is the vendor's own, not a proxy's JSON that happens to decode) is
/// [`ErrorKind::OutcomeUnknown`] whatever its body says: no rule turns a gateway's `504`, a
/// proxy's `503` page or an undocumented `200` into a refusal. The one exception is
/// `refused_before_writing`: a body whose exact text is a refusal the vendor's own code returns
/// before it writes anything (a `500` for an unknown user, where a vendor answers so), whatever
/// its status.
pub fn resolve<E>(
    vendor: Vendor,
    failure: Failure<E>,
    classify: impl Fn(&Answer<E>) -> Verdict,
    vendors_own: impl Fn(&E, u16) -> bool,
    refused_before_writing: impl Fn(&E, u16) -> bool,
) -> Error {
    match failure {
        Failure::Final(error) => error.with_vendor(vendor),
        Failure::Answer(answer) => {
            let mut verdict = classify(&answer);
            let own = answer
                .body
                .as_ref()
                .is_some_and(|body| vendors_own(body, answer.status));
            let refused = answer
                .body
                .as_ref()
                .is_some_and(|body| refused_before_writing(body, answer.status));
            if !refused && !proves_not_applied(answer.status, own) {
                verdict.kind = ErrorKind::OutcomeUnknown;
            }
            answer_error(vendor, &answer, verdict)
        }
    }
}

/// The outcome of an answer's error: what `answer_error` reports for `status` with `kind`.
#[cfg(test)]
fn message_of(status: u16, kind: ErrorKind) -> String {
    let answer: Answer<()> = Answer {
        status,
        body: None,
        text: None,
        retry_after: None,
    };
    let verdict = Verdict {
        kind,
        code: None,
        messages: Vec::new(),
    };
    answer_error(Vendor::ALL[0], &answer, verdict)
        .message()
        .to_owned()
}

pub use crate::vendor_text::mentions;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_the_vendors_body_a_404_is_a_wrong_path_and_other_statuses_decide_alone() {
        assert_eq!(Verdict::without_body(404).kind, ErrorKind::InvalidInput);
        for status in [400, 401, 403, 429, 500, 503] {
            assert_eq!(Verdict::without_body(status), Verdict::by_status(status));
        }
    }

    #[test]
    fn no_rule_turns_an_answer_that_proves_nothing_into_a_refusal() {
        let refuse = |_: &Answer<()>| Verdict {
            kind: ErrorKind::PolicyViolation,
            code: None,
            messages: Vec::new(),
        };
        for (status, kind) in [
            (200, ErrorKind::OutcomeUnknown),
            (302, ErrorKind::OutcomeUnknown),
            (500, ErrorKind::OutcomeUnknown),
            (502, ErrorKind::OutcomeUnknown),
            (504, ErrorKind::OutcomeUnknown),
            (400, ErrorKind::PolicyViolation),
            (429, ErrorKind::PolicyViolation),
            (503, ErrorKind::PolicyViolation),
            (501, ErrorKind::PolicyViolation),
            (408, ErrorKind::PolicyViolation),
        ] {
            let failure = Failure::Answer(Answer {
                status,
                body: Some(()),
                text: None,
                retry_after: None,
            });
            let error = resolve(Vendor::ALL[0], failure, refuse, |(), _| true, |(), _| false);
            assert_eq!(error.kind(), kind, "{status}");
            assert_eq!(error.status(), Some(status));
        }
    }

    /// A proxy's own page (no vendor body, or a JSON body that is not the vendor's) proves
    /// nothing for the statuses a proxy sends after forwarding; a 4xx other than 408 still does.
    #[test]
    fn only_the_vendors_own_body_makes_a_503_a_refusal() {
        let refuse = |_: &Answer<()>| Verdict {
            kind: ErrorKind::Unavailable,
            code: None,
            messages: Vec::new(),
        };
        for (status, body, own, kind) in [
            (503, None, true, ErrorKind::OutcomeUnknown),
            (503, Some(()), false, ErrorKind::OutcomeUnknown),
            (503, Some(()), true, ErrorKind::Unavailable),
            (408, None, true, ErrorKind::OutcomeUnknown),
            (501, Some(()), false, ErrorKind::OutcomeUnknown),
            (502, Some(()), true, ErrorKind::OutcomeUnknown),
            (429, None, false, ErrorKind::Unavailable),
            (404, Some(()), false, ErrorKind::Unavailable),
        ] {
            let failure = Failure::Answer(Answer {
                status,
                body,
                text: Some("<html>503 Service Temporarily Unavailable</html>".into()),
                retry_after: None,
            });
            let error = resolve(Vendor::ALL[0], failure, refuse, |(), _| own, |(), _| false);
            assert_eq!(error.kind(), kind, "{status} {body:?} {own}");
        }
    }

    /// A refusal the vendor's code returns before writing keeps its kind whatever its status;
    /// the same status without it (or without a body) proves nothing.
    #[test]
    fn a_refusal_before_writing_proves_nothing_was_applied_whatever_the_status() {
        let refuse = |_: &Answer<()>| Verdict {
            kind: ErrorKind::UserNotFound,
            code: None,
            messages: Vec::new(),
        };
        for (body, refused, kind) in [
            (Some(()), true, ErrorKind::UserNotFound),
            (Some(()), false, ErrorKind::OutcomeUnknown),
            (None, true, ErrorKind::OutcomeUnknown),
        ] {
            let failure = Failure::Answer(Answer {
                status: 500,
                body,
                text: None,
                retry_after: None,
            });
            let error = resolve(
                Vendor::ALL[0],
                failure,
                refuse,
                |(), _| false,
                |(), _| refused,
            );
            assert_eq!(error.kind(), kind, "{body:?} {refused}");
        }
    }

    #[test]
    fn answers_that_prove_nothing_say_so() {
        assert_eq!(
            message_of(504, ErrorKind::OutcomeUnknown),
            "the vendor's answer does not say whether the change was applied"
        );
        assert_eq!(
            message_of(400, ErrorKind::InvalidInput),
            "the vendor refused the change"
        );
        for status in [400, 404, 429, 499, 407, 409] {
            assert!(proves_not_applied(status, false), "{status}");
            assert!(proves_not_applied(status, true), "{status}");
        }
        for status in [408, 501, 503] {
            assert!(!proves_not_applied(status, false), "{status}");
            assert!(proves_not_applied(status, true), "{status}");
        }
        for status in [200, 302, 399, 500, 502, 504, 505] {
            assert!(!proves_not_applied(status, true), "{status}");
            assert!(!proves_not_applied(status, false), "{status}");
        }
    }

    #[test]
    fn facts_debug_leaves_the_vendor_text_out() {
        let shown = format!(
            "{:?}",
            facts(400, &["E-1"], "your password hunter2 is weak")
        );
        assert_eq!(
            shown,
            r#"Facts { status: 400, codes: ["E-1"], text_chars: 29 }"#
        );
    }

    #[test]
    fn statuses_map_to_kinds() {
        for (status, kind) in [
            (400, ErrorKind::InvalidInput),
            (422, ErrorKind::InvalidInput),
            (401, ErrorKind::Unauthenticated),
            (403, ErrorKind::PermissionDenied),
            (404, ErrorKind::UserNotFound),
            (408, ErrorKind::Unavailable),
            (429, ErrorKind::RateLimited),
            (500, ErrorKind::OutcomeUnknown),
            (501, ErrorKind::Unsupported),
            (502, ErrorKind::OutcomeUnknown),
            (503, ErrorKind::Unavailable),
            (504, ErrorKind::OutcomeUnknown),
            (599, ErrorKind::OutcomeUnknown),
            (101, ErrorKind::OutcomeUnknown),
            (200, ErrorKind::OutcomeUnknown),
            (204, ErrorKind::OutcomeUnknown),
            (302, ErrorKind::OutcomeUnknown),
            (399, ErrorKind::OutcomeUnknown),
            (409, ErrorKind::Unexpected),
            (418, ErrorKind::Unexpected),
            (499, ErrorKind::Unexpected),
        ] {
            assert_eq!(kind_for_status(status), kind, "{status}");
        }
    }

    const RULES: &[Rule] = &[
        Rule::new(
            Status::OneOf(&[400]),
            When::CodeIs(&["Mismatch"]),
            ErrorKind::CurrentPasswordInvalid,
        ),
        Rule::new(
            Status::Any,
            When::CodeEndsWith(&["-HuJf6"]),
            ErrorKind::PolicyViolation,
        ),
        Rule::new(
            Status::Any,
            When::CodeStartsWith(&["PasswordRequires"]),
            ErrorKind::PolicyViolation,
        ),
        Rule::new(
            Status::Any,
            When::CodeContains(&["reuse"]),
            ErrorKind::PasswordReused,
        ),
        Rule::new(
            Status::OneOf(&[400]),
            When::MentionsBoth(&["current password"], &["wrong"]),
            ErrorKind::CurrentPasswordInvalid,
        ),
        Rule::new(
            Status::OneOf(&[409]),
            When::Mentions(&["History"]),
            ErrorKind::PasswordReused,
        ),
        Rule::new(Status::OneOf(&[200]), When::Always, ErrorKind::InvalidInput),
    ];

    fn facts(status: u16, codes: &[&str], text: &str) -> Facts {
        Facts {
            status,
            codes: codes.iter().map(|c| (*c).to_owned()).collect(),
            text: text.into(),
        }
    }

    #[test]
    fn the_first_matching_rule_wins_and_the_status_decides_otherwise() {
        let cases = [
            (
                facts(400, &["mismatch"], ""),
                ErrorKind::CurrentPasswordInvalid,
            ),
            (facts(401, &["mismatch"], ""), ErrorKind::Unauthenticated),
            (facts(400, &["COMMA-HuJf6"], ""), ErrorKind::PolicyViolation),
            (facts(400, &["HuJf6-x"], ""), ErrorKind::InvalidInput),
            (
                facts(400, &["x", "passwordrequiresdigit"], ""),
                ErrorKind::PolicyViolation,
            ),
            (
                facts(400, &["NoReuseAllowed"], ""),
                ErrorKind::PasswordReused,
            ),
            (
                facts(400, &[], "The CURRENT PASSWORD is Wrong"),
                ErrorKind::CurrentPasswordInvalid,
            ),
            (
                facts(400, &[], "the current password is fine"),
                ErrorKind::InvalidInput,
            ),
            (facts(409, &[], "in the history"), ErrorKind::PasswordReused),
            (facts(409, &[], "IN THE HISTORY"), ErrorKind::PasswordReused),
            (facts(400, &[], "in the history"), ErrorKind::InvalidInput),
            (facts(200, &[], ""), ErrorKind::InvalidInput),
            (facts(503, &[], ""), ErrorKind::Unavailable),
        ];
        for (facts, kind) in cases {
            assert_eq!(classify(RULES, &facts), kind, "{facts:?}");
        }
    }
}
