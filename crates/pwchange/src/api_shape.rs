//! Checks of the public API's shape that only a caller's crate can make: doctests (run by
//! `cargo test --doc`), compiled as code outside `pwchange`. The `#[non_exhaustive]` attributes
//! of the vendor details are checked by a unit test (`lib.rs`), which needs no vendor's name.

/// [`Changed`](crate::Changed) is `#[non_exhaustive]`: a caller reads its fields but neither
/// builds one nor destructures it without `..`, so a new field is not a breaking change.
///
/// ```
/// fn read(changed: pwchange::Changed) -> (pwchange::Vendor, String) {
///     let pwchange::Changed { vendor, user_id, .. } = changed;
///     (vendor, user_id)
/// }
/// ```
///
/// ```compile_fail,E0639
/// let changed = pwchange::Changed {
///     vendor: pwchange::Vendor::ALL[0],
///     user_id: String::new(),
///     details: None,
///     verification: pwchange::Verification::Skipped,
/// };
/// ```
///
/// ```compile_fail,E0638
/// fn read(changed: pwchange::Changed) {
///     let pwchange::Changed { vendor, user_id, details, verification } = changed;
/// }
/// ```
pub struct ChangedIsNonExhaustive;

/// [`ChangeOperation`](crate::ChangeOperation) and [`Verification`](crate::Verification) are
/// `#[non_exhaustive]`: a match on them needs a catch-all arm.
///
/// ```
/// fn name(operation: pwchange::ChangeOperation) -> &'static str {
///     match operation {
///         pwchange::ChangeOperation::ChangePassword => "self-service",
///         pwchange::ChangeOperation::UpdateUser => "administrative",
///         _ => "other",
///     }
/// }
/// ```
///
/// ```compile_fail,E0004
/// fn name(operation: pwchange::ChangeOperation) -> &'static str {
///     match operation {
///         pwchange::ChangeOperation::ChangePassword => "self-service",
///         pwchange::ChangeOperation::UpdateUser => "administrative",
///     }
/// }
/// ```
///
/// ```compile_fail,E0004
/// fn proved(verification: &pwchange::Verification) -> bool {
///     match verification {
///         pwchange::Verification::Verified => true,
///         pwchange::Verification::Skipped | pwchange::Verification::NotVerifiable { .. } => false,
///     }
/// }
/// ```
pub struct OutcomesAreNonExhaustive;

/// The errors of `pwchange-core`'s secret types convert into [`Error`](crate::Error), so `?`
/// works on them in a caller's function.
///
/// ```
/// fn token(text: &str) -> Result<pwchange::SecretToken, pwchange::Error> {
///     Ok(pwchange::SecretToken::new(text)?)
/// }
/// fn bounded(text: &str) -> Result<pwchange_core::BoundedPassword<8, 64>, pwchange::Error> {
///     Ok(pwchange_core::BoundedPassword::new(text)?)
/// }
/// let error = token("not\na token").unwrap_err();
/// assert_eq!(error.kind(), pwchange::ErrorKind::InvalidInput);
/// assert!(!error.to_string().contains("not\na token"));
/// let error = bounded("Sh0rt!").unwrap_err();
/// assert_eq!(error.kind(), pwchange::ErrorKind::InvalidInput);
/// assert!(!error.to_string().contains("Sh0rt!"), "{error}");
/// ```
pub struct SecretErrorsConvert;
