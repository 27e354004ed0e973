//! Rotate many users' passwords through the [`pwchange`] facade, and never be lied to about
//! which password a vendor holds.
//!
//! - [`Rotation`] plans a rotation (the whole input checked, the vendor's password policy read,
//!   nothing sent: [`Rotation::plan`]), then runs it with a journal ([`Plan::create_journal`],
//!   [`Plan::resume_journal`], [`Ready::execute`]). A service watches it through
//!   [`Ready::on_event`] and stops it with [`Control::cancel`].
//! - The [`journal`] holds every new password before it is sent, each one age-encrypted
//!   ([`protection`]), every line authenticated, one process at a time; its rule for which
//!   password a vendor holds is [`journal::UserState`], and [`journal::read`] reads it without
//!   a key.
//! - [`store`] writes each applied password to a secret store (HashiCorp Vault's or OpenBao's
//!   KV v2: [`Rotation::store`]) after the vendor's change, check-and-set on the version read
//!   before it, and the journal keeps it until the store has it; [`drift`] logs in with what
//!   the store (or the journal) holds and says who is out of sync.
//! - [`input`] reads the users (CSV or JSON Lines), [`pacing`] finds the vendor's pace,
//!   [`generate`] makes passwords that fit the vendor's policy.
//!
//! The invariants, tested here against `pwchange-sim` and by the `pwchange` command's tests:
//! a password is journaled (and synced) before it is sent; "changed" means a login with it
//! worked where the vendor allows one; an unknown outcome is settled by a login, never read
//! from a refusal; one process per journal; a torn last line is cut off, any other damage
//! refused.
//!
//! A rotation of three users on a simulated vendor:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use pwchange::{Client, Settings};
//! use pwchange_rotate::{Identity, Input, JournalKey, Mode, Protection, Rotation, journal};
//! use pwchange_sim::{SimUser, Simulator, Vendor};
//!
//! // The first vendor that offers an administrative set.
//! let admin_set = |v: &Vendor| {
//!     pwchange::capabilities(*v).is_some_and(|c| c.modes.contains(&pwchange::ModeKind::AdminSet))
//! };
//! let vendor = Vendor::ALL.into_iter().find(admin_set).unwrap();
//! let sim = Simulator::start(vendor).await?;
//! let mut users = String::from("user_id\n");
//! for n in 1..=3 {
//!     let id = pwchange_sim::numbered_user_id(vendor, n);
//!     sim.add_user(SimUser::new(id.clone(), "Initial-Passw0rd!"));
//!     users.push_str(&format!("{id}\n"));
//! }
//! let mut settings = Settings::new(vendor);
//! for (key, value) in pwchange_sim::client_settings(vendor, sim.base_url(), sim.token()) {
//!     settings.set(key, value, "the simulator");
//! }
//! let client = Client::from_settings(settings)?;
//!
//! let dir = tempfile::tempdir()?;
//! let (identity, _secret, recipient) = Identity::generate();
//! let key = JournalKey::load(&dir.path().join("journal.key"), true)?;
//! let input = Input::from_bytes(users.into_bytes(), pwchange_rotate::input::Format::Csv, "users");
//! let summary = Rotation::new(client, input)
//!     .mode(Mode::AdminSet { require_change: false })
//!     .plan()
//!     .await?
//!     .create_journal(&dir.path().join("rotation.jsonl"), key, Protection::Recipients(vec![recipient.parse()?]))?
//!     .on_event(|event| println!("{event:?}"))
//!     .execute()
//!     .await?;
//! assert_eq!(summary.changed, 3);
//!
//! // What the vendor holds, from the journal and the identity alone.
//! let contents = journal::read(&dir.path().join("rotation.jsonl"), None)?;
//! for applied in contents.applied_passwords(Some(pwchange_rotate::Unlock::Identity(identity)))? {
//!     assert_eq!(sim.password(&applied.user_id).as_deref(), Some(applied.password.as_str()));
//! }
//! # Ok(()) }
//! ```

pub mod drift;
pub mod generate;
pub mod input;
pub mod journal;
pub mod pacing;
pub mod protection;
pub mod store;

mod engine;
mod settle;

pub use engine::{
    Control, Event, GRACE, Mode, Plan, Progress, Ready, Rotation, RotationError, StoreFailure,
    StoreResult, Summary, UserOutcome, UserResult,
};
pub use generate::{CharClass, Generation};
pub use input::Input;
pub use journal::{Header, Journal, JournalKey};
pub use pacing::{Cap, PacingConfig};
pub use protection::{Identity, Protection, Recipient, Unlock};
pub use store::{Store, StoreTarget, VaultConfig};

/// The README's example, compiled as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
