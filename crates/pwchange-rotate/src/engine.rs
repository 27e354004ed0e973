//! The rotation engine: many users' passwords, each journaled before it is sent, settled by a
//! login, resumed after any interruption.
//!
//! Per user: a new password is generated (OS CSPRNG), journaled and fsynced (encrypted:
//! [`crate::protection`]), sent, verified by one login where the vendor allows (unless
//! [`Rotation::verify`] is off), and its outcome journaled: `done` (applied), `failed` with
//! `not_applied` (a fresh password next time) or with `unknown` (the journaled password is kept
//! and settled by the next resume).
//!
//! The pace is the vendor's ([`crate::pacing`]): changes start as fast as the adaptive window
//! and rate allow (within the [`PacingConfig`]'s caps). A change refused for now (`429`, `503`:
//! nothing was applied) is sent again with **the same journaled password** after the vendor's
//! wait or a backoff, a bounded number of times; a change whose login proved nothing for now
//! (the login was rate limited) is settled by logging in again later, never by sending again.
//! Retries go before new users. The journal's group commit lets many changes in flight share
//! one `fdatasync`, each still synced before its change is sent.
//!
//! A resume ([`Plan::resume_journal`]) settles each user an interrupted run left unsettled
//! with **the same journaled password**: it is sent again (harmless when already set), then one
//! login with it decides (applied if it works). A refusal of the resend never counts as proof
//! of an earlier success, and a refused login is weak evidence (a gateway's 504 may precede the
//! commit, a locked account answers like a wrong password): where the two do not agree the user
//! stays unknown. A refused login after a fresh change is journaled `unknown` too, never
//! `not_applied`, so the password is kept.
//!
//! Before anything is sent ([`Rotation::plan`]): the whole input is checked (ids in the
//! vendor's canonical form, duplicates, the mode: current passwords in self-service, none for
//! an administrative set), the vendor's password policy is read and the generator checked
//! against it. A token the vendor refuses (401, or 403 for the first user or three in a row)
//! trips a breaker: nothing more is launched and [`Summary::stopped_by`] says why.
//!
//! [`Control::cancel`] (what a service's shutdown, Ctrl-C or SIGTERM calls) stops launching
//! and retrying; the changes in flight get the grace period ([`GRACE`] unless
//! [`Rotation::grace`] says) to finish, then are abandoned ([`Control::abandon`] at once): an
//! abandoned change's password stays pending in the journal, for a resume to settle. A journal
//! write that fails stops the run the same way and ends it with that error (kind `storage`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use pwchange::{
    AccessCheck, Client, Error, ErrorKind, Outcome, Password, PasswordChange, PasswordPolicy,
};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::generate::{self, CharClass, Generation};
use crate::input::{self, Input, Record};
use crate::journal::{self, Entry, Header, Journal, JournalKey, Previous};
use crate::pacing::{self, Pacer, PacingConfig};
use crate::protection::{Protection, Sealing, Unlock};
use crate::settle::{self, Settled};
use crate::store::{Applied, Put, SecretPath, Store};

/// How long the changes in flight may take to finish after [`Control::cancel`] before they
/// are abandoned: less than the 30 s Kubernetes and the 90 s systemd give a process between
/// SIGTERM and SIGKILL.
pub const GRACE: Duration = Duration::from_secs(20);

/// How the passwords are changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mode {
    /// Each user's change with its current password (from the input).
    SelfService,
    /// An administrator sets each password (the input has no current passwords).
    AdminSet {
        /// Users must change the password at their next login.
        require_change: bool,
    },
}

impl Mode {
    /// The journal's name for it: `self_service` or `admin_set`.
    pub fn name(self) -> &'static str {
        match self {
            Mode::SelfService => "self_service",
            Mode::AdminSet { .. } => "admin_set",
        }
    }

    fn is_admin(self) -> bool {
        matches!(self, Mode::AdminSet { .. })
    }

    fn require_change(self) -> bool {
        matches!(
            self,
            Mode::AdminSet {
                require_change: true
            }
        )
    }
}

/// A rotation to plan: the vendor's client, the users, and how.
///
/// ```no_run
/// # async fn example(client: pwchange::Client) -> Result<(), pwchange::Error> {
/// use pwchange_rotate::{Input, JournalKey, Mode, Protection, Rotation};
///
/// let input = Input::read("users.csv".as_ref())?;
/// let plan = Rotation::new(client, input)
///     .mode(Mode::AdminSet { require_change: false })
///     .plan()
///     .await?;
/// let key = JournalKey::load("journal.key".as_ref(), true)?;
/// let recipients = vec!["age1…".parse()?];
/// let rotation = plan.create_journal("rotation.jsonl".as_ref(), key, Protection::Recipients(recipients))?;
/// let summary = rotation.execute().await?;
/// assert_eq!(summary.failed + summary.outcome_unknown, 0);
/// # Ok(()) }
/// ```
pub struct Rotation {
    client: Client,
    input: Input,
    mode: Mode,
    verify: bool,
    pacing: PacingConfig,
    length: Option<usize>,
    classes: Option<Vec<CharClass>>,
    grace: Duration,
    store: Option<Store>,
    overwrite_store_conflicts: bool,
}

impl std::fmt::Debug for Rotation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rotation")
            .field("vendor", &self.client.vendor())
            .field("mode", &self.mode)
            .field("verify", &self.verify)
            .field("pacing", &self.pacing)
            .finish_non_exhaustive()
    }
}

impl Rotation {
    /// A rotation of `input`'s users on `client`'s vendor: self-service, verified by a login
    /// where the vendor allows, paced by the vendor, passwords of the policy's length (at
    /// least [`generate::DEFAULT_LENGTH`]) from every character class.
    pub fn new(client: Client, input: Input) -> Self {
        Self {
            client,
            input,
            mode: Mode::SelfService,
            verify: true,
            pacing: PacingConfig::default(),
            length: None,
            classes: None,
            grace: GRACE,
            store: None,
            overwrite_store_conflicts: false,
        }
    }

    /// How the passwords are changed.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Whether each new password is proven by one login (default: yes, where the vendor
    /// allows).
    pub fn verify(mut self, verify: bool) -> Self {
        self.verify = verify;
        self
    }

    /// Caps on the pace.
    pub fn pacing(mut self, pacing: PacingConfig) -> Self {
        self.pacing = pacing;
        self
    }

    /// The length of generated passwords (checked against the vendor's policy by
    /// [`Rotation::plan`]).
    pub fn length(mut self, length: usize) -> Self {
        self.length = Some(length);
        self
    }

    /// The character classes of generated passwords (each used at least once; every class
    /// the vendor's policy requires must be among them).
    pub fn classes(mut self, classes: impl IntoIterator<Item = CharClass>) -> Self {
        self.classes = Some(classes.into_iter().collect());
        self
    }

    /// How long the changes in flight may finish after [`Control::cancel`] (default
    /// [`GRACE`]).
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// Writes each applied password to `store` (a Vault or OpenBao KV v2 mount), after the
    /// vendor's change and check-and-set on the version read before it (see [`crate::store`]);
    /// the journal keeps each password until the store has it, and a resume writes those it
    /// does not.
    pub fn store(mut self, store: Store) -> Self {
        self.store = Some(store);
        self
    }

    /// With a store: write over a secret someone else wrote after this rotation read it (or,
    /// for a password journaled without the store's version, any other password there),
    /// instead of reporting a conflict. For after an operator compared the two.
    pub fn overwrite_store_conflicts(mut self, overwrite: bool) -> Self {
        self.overwrite_store_conflicts = overwrite;
        self
    }

    /// Checks everything that can be checked without changing anything: the whole input (ids,
    /// duplicates, the mode), the vendor's password policy (read from the vendor where it can
    /// be, else its documented rules: [`Plan::policy_fallback`]), the generator against it,
    /// and the first user's change against the vendor's rules. Sends no change.
    pub async fn plan(self) -> Result<Plan, Error> {
        let vendor = self.client.vendor();
        let admin = self.mode.is_admin();
        let survey = input::survey(&self.input, vendor, admin)?;
        let (policy, policy_fallback) = generate::vendor_policy(&self.client).await?;
        let generation = generate::generation(&policy, self.length, self.classes.as_deref())?;
        let sample = generation.generate()?;
        let unfit = |e: Error| {
            if matches!(
                e.kind(),
                ErrorKind::InvalidInput | ErrorKind::PolicyViolation
            ) {
                let message = format!(
                    "generated passwords ({} characters) do not fit the vendor's rules: {}",
                    generation.length,
                    e.message()
                );
                e.reclassify(ErrorKind::InvalidInput, message)
            } else {
                e
            }
        };
        policy.check(&sample).map_err(unfit)?;
        // Every user's secret has a path in the store (a user id with a `/` would not).
        if let Some(store) = &self.store {
            for record in input::checked(&self.input, vendor, admin)? {
                store.target().path_for(vendor.name(), &record?.user_id)?;
            }
        }
        if let Some(first) = survey.first.first() {
            let change = match self.mode {
                Mode::AdminSet { require_change } => {
                    PasswordChange::admin_set(first.clone(), sample)
                        .require_change_at_next_login(require_change)
                }
                Mode::SelfService => {
                    PasswordChange::self_service(first.clone(), generation.generate()?, sample)
                }
            };
            self.client.check_change(&change).map_err(unfit)?;
        }
        Ok(Plan {
            rotation: self,
            survey,
            policy,
            policy_fallback,
            generation,
        })
    }
}

/// A checked rotation: what it will do, before any journal is written.
pub struct Plan {
    rotation: Rotation,
    survey: input::Survey,
    policy: PasswordPolicy,
    policy_fallback: Option<ErrorKind>,
    generation: Generation,
}

impl std::fmt::Debug for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan")
            .field("rotation", &self.rotation)
            .field("users", &self.survey.count)
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

impl Plan {
    /// The vendor's client.
    pub fn client(&self) -> &Client {
        &self.rotation.client
    }

    /// How the passwords are changed.
    pub fn mode(&self) -> Mode {
        self.rotation.mode
    }

    /// Whether each new password is proven by a login.
    pub fn verifies(&self) -> bool {
        self.rotation.verify
    }

    /// The number of users in the input.
    pub fn users(&self) -> usize {
        self.survey.count
    }

    /// The first few user ids (canonical), for a person to recognise the input.
    pub fn first_users(&self) -> &[String] {
        &self.survey.first
    }

    /// The sha256 of the input's bytes (the journal's header records it).
    pub fn input_sha256(&self) -> &str {
        &self.survey.sha256
    }

    /// The vendor's password policy the passwords are generated for.
    pub fn policy(&self) -> &PasswordPolicy {
        &self.policy
    }

    /// Why the policy is the vendor's documented rules instead of what the vendor said (the
    /// kind of the error that kept it from being read), if it is.
    pub fn policy_fallback(&self) -> Option<ErrorKind> {
        self.policy_fallback
    }

    /// How passwords are generated.
    pub fn generation(&self) -> &Generation {
        &self.generation
    }

    /// Checks the credentials with a harmless request where the vendor has one (changes
    /// nothing).
    pub async fn check_access(&self) -> Result<AccessCheck, Error> {
        self.rotation.client.check_access().await
    }

    /// The journal header this rotation writes with `key` (its `sealing` is the journal's
    /// business: [`Journal::create`]).
    pub fn header(&self, key: &JournalKey) -> Header {
        let client = &self.rotation.client;
        Header {
            format: journal::FORMAT,
            vendor: client.vendor().name().to_owned(),
            base_url: client.base_url().to_owned(),
            mode: self.rotation.mode.name().to_owned(),
            require_change: self.rotation.mode.require_change(),
            input_sha256: self.survey.sha256.clone(),
            input: self
                .rotation
                .input
                .path()
                .and_then(|path| std::path::absolute(path).ok())
                .map(|path| path.display().to_string()),
            key_id: key.id(),
            sealing: Sealing::Plaintext,
            store: self
                .rotation
                .store
                .as_ref()
                .map(|s| Box::new(s.target().clone())),
        }
    }

    /// The store the rotation writes to, where it has one.
    pub fn store(&self) -> Option<&Store> {
        self.rotation.store.as_ref()
    }

    /// Checks the store, where the rotation has one, without writing: that its mount is a KV
    /// version 2 engine and that the credentials may read, create and update the first user's
    /// secret. [`Ready::execute`] checks it again before the first change; call it before
    /// asking anyone to confirm.
    pub async fn check_store(&self) -> Result<(), Error> {
        let (Some(store), Some(first)) = (self.store(), self.survey.first.first()) else {
            return Ok(());
        };
        let path = store
            .target()
            .path_for(self.rotation.client.vendor().name(), first)?;
        store.check_access(&path).await
    }

    /// A rotation with a new journal at `path` (created, locked and its header written when
    /// the rotation starts; refused now if something is at `path`: a journal is never
    /// overwritten). Its passwords are kept as `protection` says.
    pub fn create_journal(
        self,
        path: &Path,
        key: JournalKey,
        protection: Protection,
    ) -> Result<Ready, Error> {
        if path.exists() || path.is_symlink() {
            return Err(Error::invalid_input(format!(
                "the journal {} exists; an existing journal is never overwritten: resume it, or choose another path",
                path.display()
            )));
        }
        // Everything that can refuse the journal is checked now, before a caller asks anyone
        // to confirm: where it goes, and its encryption (the recipients together; a
        // passphrase's scrypt).
        journal::refuse_a_directory_others_control(path)?;
        let (sealing, sealer) = crate::protection::seal_new(&protection)?;
        Ok(Ready::new(
            self,
            JournalState::ToCreate {
                path: path.to_owned(),
                key,
                sealing,
                sealer,
            },
            HashMap::new(),
            Vec::new(),
        ))
    }

    /// A rotation that resumes the journal at `path`: locked now (a second process is
    /// refused), its header checked against this rotation (vendor, base URL, mode, input,
    /// key), its lines authenticated with `key`, its passwords read with `unlock`. Users it
    /// records as applied are skipped; unsettled ones are settled with their journaled
    /// password.
    pub fn resume_journal(
        self,
        path: &Path,
        key: JournalKey,
        unlock: Option<Unlock>,
    ) -> Result<Ready, Error> {
        let header = self.header(&key);
        let (journal, previous, journaled) = Journal::resume(path, &header, key, unlock)?;
        Ok(Ready::new(
            self,
            JournalState::Open {
                journal,
                path: path.to_owned(),
            },
            previous,
            journaled,
        ))
    }
}

enum JournalState {
    ToCreate {
        path: PathBuf,
        key: JournalKey,
        sealing: Sealing,
        sealer: crate::protection::Sealer,
    },
    Open {
        journal: Journal,
        path: PathBuf,
    },
}

/// What a service sees of a running rotation ([`Ready::on_event`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Event {
    /// A fresh password of `user_id` is journaled (synced), and is about to be sent: the
    /// `count`-th this run.
    Journaled {
        /// The user.
        user_id: String,
        /// How many fresh passwords this run has journaled, this one included.
        count: usize,
    },
    /// A user is finished for this run.
    Finished {
        /// What happened.
        result: UserResult,
        /// The run so far.
        progress: Progress,
    },
}

/// A running rotation's state, with each finished user.
#[derive(Debug, Clone, Copy, Serialize)]
#[non_exhaustive]
pub struct Progress {
    /// Users finished (whatever their outcome), this one included.
    pub finished: usize,
    /// The adaptive window: the most changes in flight now.
    pub window: usize,
    /// The adaptive start rate (per second), once the vendor's `429`s set one.
    pub rate: Option<f64>,
    /// Attempts made again after a `429` or `503`.
    pub retries: u64,
    /// Users failed so far.
    pub failed: usize,
    /// Users whose outcome is unknown so far.
    pub outcome_unknown: usize,
}

/// Stops a rotation from outside: clone it into a signal handler or a service's shutdown.
#[derive(Clone, Debug)]
pub struct Control {
    stage: Arc<tokio::sync::watch::Sender<Stage>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    Running,
    Cancelled,
    Abandoned,
}

impl Control {
    fn new() -> Self {
        Self {
            stage: Arc::new(tokio::sync::watch::Sender::new(Stage::Running)),
        }
    }

    /// Stops launching and retrying; the changes in flight finish within the grace period
    /// ([`Rotation::grace`]), then are abandoned. The summary says `interrupted`.
    pub fn cancel(&self) {
        // Only a running rotation is cancelled: an abandoned one stays abandoned.
        self.stage.send_if_modified(|stage| {
            let running = *stage == Stage::Running;
            if running {
                *stage = Stage::Cancelled;
            }
            running
        });
    }

    /// [`Control::cancel`], and the changes in flight are abandoned at once (their passwords
    /// stay pending in the journal for a resume to settle).
    pub fn abandon(&self) {
        self.stage.send_replace(Stage::Abandoned);
    }

    /// Whether [`Control::cancel`] or [`Control::abandon`] was called.
    pub fn is_cancelled(&self) -> bool {
        *self.stage.borrow() >= Stage::Cancelled
    }
}

type Observer = Arc<dyn Fn(&Event) + Send + Sync>;

/// A rotation ready to start: its journal checked (and, for a resume, locked).
pub struct Ready {
    plan: Plan,
    journal: JournalState,
    previous: HashMap<String, Previous>,
    journaled: Vec<Zeroizing<String>>,
    observer: Option<Observer>,
    control: Control,
}

impl std::fmt::Debug for Ready {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ready")
            .field("plan", &self.plan)
            .field("users_left", &self.users_left())
            .finish_non_exhaustive()
    }
}

impl Ready {
    fn new(
        plan: Plan,
        journal: JournalState,
        previous: HashMap<String, Previous>,
        journaled: Vec<Zeroizing<String>>,
    ) -> Self {
        Self {
            plan,
            journal,
            previous,
            journaled,
            observer: None,
            control: Control::new(),
        }
    }

    /// The plan.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The users this run will change or settle: the input's, less those the journal records
    /// as applied (those not stored yet are [`Ready::users_not_stored`]).
    pub fn users_left(&self) -> usize {
        let done = self
            .previous
            .values()
            .filter(|p| matches!(p, Previous::Done | Previous::NotStored { .. }))
            .count();
        self.plan.survey.count.saturating_sub(done)
    }

    /// The users the journal records as applied whose password is not in the rotation's store
    /// yet (a resume writes it there).
    pub fn users_not_stored(&self) -> usize {
        self.previous
            .values()
            .filter(|p| matches!(p, Previous::NotStored { .. }))
            .count()
    }

    /// The users the journal leaves unsettled (a resume sends their journaled password again,
    /// then one login decides).
    pub fn users_unsettled(&self) -> usize {
        self.previous
            .values()
            .filter(|p| matches!(p, Previous::Unsettled { .. }))
            .count()
    }

    /// The journal's path.
    pub fn journal_path(&self) -> &Path {
        match &self.journal {
            JournalState::ToCreate { path, .. } | JournalState::Open { path, .. } => path,
        }
    }

    /// A handle that cancels the rotation from elsewhere.
    pub fn control(&self) -> Control {
        self.control.clone()
    }

    /// Calls `observer` with every [`Event`], from the engine's tasks: each user's events in
    /// order, different users' events possibly at once. Keep it short (forward to a channel,
    /// update a counter): the change that raised it waits for it.
    pub fn on_event(mut self, observer: impl Fn(&Event) + Send + Sync + 'static) -> Self {
        self.observer = Some(Arc::new(observer));
        self
    }

    /// Runs the rotation to its end (or its cancellation): the summary, or the error that
    /// stopped it (a journal that cannot be created or written: kind `storage`) with the
    /// summary of what was done before.
    pub async fn execute(self) -> Result<Summary, RotationError> {
        let Ready {
            plan,
            journal,
            previous,
            journaled,
            observer,
            control,
        } = self;
        // A store that would refuse the first write is found before the first change.
        {
            if let Err(error) = plan.check_store().await {
                return Err(RotationError {
                    error,
                    summary: Box::new(Summary {
                        total: plan.survey.count,
                        not_attempted: plan.survey.count,
                        ..Summary::default()
                    }),
                });
            }
        }
        let journal = match journal {
            JournalState::Open { journal, .. } => journal,
            JournalState::ToCreate {
                path,
                key,
                sealing,
                sealer,
            } => {
                let header = plan.header(&key);
                match Journal::create_sealed(&path, header, key, sealing, sealer) {
                    Ok(journal) => journal,
                    Err(error) => {
                        return Err(RotationError {
                            error,
                            summary: Box::new(Summary {
                                total: plan.survey.count,
                                not_attempted: plan.survey.count,
                                ..Summary::default()
                            }),
                        });
                    }
                }
            }
        };
        execute(plan, journal, previous, journaled, observer, control).await
    }
}

/// A rotation that stopped on an error, and what it did before: every user it changed is in
/// the journal and in [`RotationError::summary`].
#[derive(Debug)]
#[non_exhaustive]
pub struct RotationError {
    /// Why it stopped.
    pub error: Error,
    /// What it did before.
    pub summary: Box<Summary>,
}

impl std::fmt::Display for RotationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for RotationError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl From<RotationError> for Error {
    fn from(stopped: RotationError) -> Self {
        stopped.error
    }
}

/// The end of a run.
#[derive(Debug, Default, Clone, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Summary {
    /// Users in the input.
    pub total: usize,
    /// Users whose change was applied this run.
    pub changed: usize,
    /// Of those, proven by a login.
    pub verified: usize,
    /// Users an earlier run applied (skipped).
    pub already_done: usize,
    /// Users whose change failed without being applied.
    pub failed: usize,
    /// Users whose change may or may not have been applied: a resume settles them.
    pub outcome_unknown: usize,
    /// Users not tried (the run stopped first).
    pub not_attempted: usize,
    /// With a store: applied users whose password the store's latest version now holds (this
    /// run's writes, and those it found already written).
    pub stored: usize,
    /// With a store: applied users whose password is not in the store yet (it was down or
    /// refused): the journal keeps them, and `--resume` writes them.
    pub not_stored: usize,
    /// With a store: applied users whose secret someone else wrote after this rotation read
    /// it; not overwritten (the journal keeps the password).
    pub store_conflicts: usize,
    /// With a store: why the store was taken for down (unreachable, sealed, refusing), which
    /// stopped the run from launching more changes; `--resume` writes what it did not take.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store_failure: Option<StoreFailure>,
    /// Whether [`Control::cancel`] stopped the run.
    pub interrupted: bool,
    /// The kind of the credentials' refusal that stopped launching changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_by: Option<ErrorKind>,
    /// Attempts made again after a `429` or `503`.
    pub retries: u64,
    /// Answers that were a `429` or a `503`.
    pub overloads: u64,
    /// The journal's `fdatasync` calls this run (group commit: one covers every entry queued
    /// since the last).
    pub journal_syncs: u64,
    /// The run's wall time, in seconds.
    pub seconds: f64,
    /// The failed users by error kind (`{"policy_violation": 3}`), and the users whose outcome is
    /// unknown under `outcome_unknown` whatever error left it unknown.
    pub failures_by_kind: std::collections::BTreeMap<String, usize>,
}

/// What happened to one user this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum UserOutcome {
    /// The change is applied ([`UserResult::verified`]: proven by a login).
    Changed,
    /// An earlier run applied it.
    AlreadyDone,
    /// Not applied: the vendor keeps the password it had.
    Failed,
    /// Applied or not: the journal keeps the new password for a resume to settle.
    OutcomeUnknown,
    /// Not tried: the run stopped first (or its password could not be journaled).
    NotAttempted,
}

impl UserOutcome {
    /// Its name in results: `changed`, `already_done`, `failed`, `outcome_unknown`,
    /// `not_attempted`.
    pub fn name(self) -> &'static str {
        match self {
            UserOutcome::Changed => "changed",
            UserOutcome::AlreadyDone => "already_done",
            UserOutcome::Failed => "failed",
            UserOutcome::OutcomeUnknown => "outcome_unknown",
            UserOutcome::NotAttempted => "not_attempted",
        }
    }
}

/// What happened to one user. No password: the message is redacted with every secret of the
/// run.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct UserResult {
    /// The user, in the vendor's canonical form.
    pub user_id: String,
    /// What happened.
    pub outcome: UserOutcome,
    /// A login with the new password worked.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub verified: bool,
    /// The error's kind, for a failure or an unknown outcome.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<ErrorKind>,
    /// What happened, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// With a store, for an applied user: whether the store has its password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store: Option<StoreResult>,
}

/// Why a run's store was taken for down.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct StoreFailure {
    /// The store's error's kind.
    pub kind: ErrorKind,
    /// What it said (no secret).
    pub message: String,
}

/// What became of an applied user's password in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
#[non_exhaustive]
pub enum StoreResult {
    /// The store's latest version holds it.
    Stored {
        /// That version.
        version: u64,
    },
    /// Someone else wrote the secret after this rotation read it: not overwritten.
    Conflict {
        /// The store's latest version.
        version: u64,
    },
    /// Not written (the store was down, sealed or refused): the journal keeps it, and
    /// `--resume` writes it.
    NotStored {
        /// Why.
        kind: ErrorKind,
    },
}

impl UserResult {
    fn new(user_id: String, outcome: UserOutcome) -> Self {
        Self {
            user_id,
            outcome,
            verified: false,
            kind: None,
            message: None,
            store: None,
        }
    }

    /// A user whose new password could not be journaled (the disk is full), and so was not
    /// sent.
    fn not_journaled(user_id: String) -> Self {
        Self {
            message: Some("its new password could not be journaled, so it was not sent".into()),
            ..Self::new(user_id, UserOutcome::NotAttempted)
        }
    }

    fn error(user_id: String, outcome: Outcome, error: &Error, message: String) -> Self {
        Self {
            user_id,
            outcome: match outcome {
                Outcome::Unknown => UserOutcome::OutcomeUnknown,
                _ => UserOutcome::Failed,
            },
            verified: false,
            kind: Some(error.kind()),
            message: Some(message),
            store: None,
        }
    }
}

/// What to do for one user.
enum UserPlan {
    Skip,
    /// A fresh password.
    Fresh(Password),
    /// The journaled password of an interrupted run, to settle (and the store's version before
    /// it).
    Settle(Password, Option<u64>),
    /// An applied password an earlier run did not get into the store: write it there.
    Store {
        password: Password,
        base: Option<u64>,
        verified: bool,
    },
}

/// The launch loop: every user of the input in order, each within the pace.
async fn execute(
    plan: Plan,
    journal: Journal,
    previous: HashMap<String, Previous>,
    journaled: Vec<Zeroizing<String>>,
    observer: Option<Observer>,
    control: Control,
) -> Result<Summary, RotationError> {
    let Plan {
        rotation,
        survey,
        generation,
        ..
    } = plan;
    let Rotation {
        client,
        input,
        mode,
        verify,
        pacing,
        grace,
        store,
        overwrite_store_conflicts,
        ..
    } = rotation;
    let vendor = client.vendor();
    let store = store.map(|store| StoreRun {
        store,
        vendor: vendor.name(),
        base_url: client.base_url().to_owned(),
        overwrite: overwrite_store_conflicts,
        calls: tokio::sync::Semaphore::new(STORE_CALLS),
        health: std::sync::Mutex::default(),
    });
    let started = std::time::Instant::now();
    let (stop, _) = tokio::sync::watch::channel(false);
    let run = Arc::new(Run {
        client,
        journal,
        pacer: Arc::new(Pacer::new(pacing)),
        admin: mode.is_admin(),
        require_change: mode.require_change(),
        verify,
        breaker: std::sync::Mutex::new(Breaker::after(&previous)),
        stop,
        retries: AtomicU64::new(0),
        overloads: AtomicU64::new(0),
        secrets: std::sync::RwLock::new(run_secrets(&input, vendor, mode.is_admin(), &journaled)),
        store,
        reporter: Reporter {
            observer,
            counts: std::sync::Mutex::default(),
            journaled: AtomicUsize::new(0),
        },
    });
    drop(journaled);
    let interrupted = Arc::new(AtomicBool::new(false));
    // Set when the changes still in flight are to be abandoned: the grace period after
    // cancel(), or abandon().
    let (abandon, _) = tokio::sync::watch::channel(false);
    // It holds the stop signal, not the run: a dropped or finished rotation releases its
    // journal (and its lock) whatever became of this task.
    let watcher = {
        let (stop, interrupted, abandon) = (run.stop.clone(), interrupted.clone(), abandon.clone());
        let mut stage = control.stage.subscribe();
        tokio::spawn(async move {
            if stage.wait_for(|s| *s >= Stage::Cancelled).await.is_err() {
                return;
            }
            interrupted.store(true, Ordering::SeqCst);
            stop.send_replace(true);
            tokio::select! {
                () = tokio::time::sleep(grace) => {}
                _ = stage.wait_for(|s| *s >= Stage::Abandoned) => {}
            }
            abandon.send_replace(true);
        })
    };
    let mut summary = Summary {
        total: survey.count,
        ..Default::default()
    };
    let mut tasks = tokio::task::JoinSet::new();
    // The first task that failed (the journal could not be written): nothing more starts, the
    // changes in flight finish (their passwords are journaled), and the run ends with it.
    let mut flight = Flight::default();
    let records = match input::checked(&input, vendor, mode.is_admin()) {
        Ok(records) => records,
        Err(error) => {
            watcher.abort();
            return Err(RotationError {
                error,
                summary: Box::new(summary),
            });
        }
    };
    for record in records {
        // A failure here ends the loop, not the run: the changes in flight still finish.
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                flight.fail(&run, error);
                break;
            }
        };
        let user_plan = match previous.get(&record.user_id) {
            Some(Previous::Done) => UserPlan::Skip,
            Some(Previous::Unsettled {
                password,
                store_base,
            }) => UserPlan::Settle(Password::new(password.as_str()), *store_base),
            Some(Previous::NotStored {
                password,
                store_base,
                verified,
            }) => UserPlan::Store {
                password: Password::new(password.as_str()),
                base: *store_base,
                verified: *verified,
            },
            Some(Previous::NotApplied) | None => match generation.generate() {
                Ok(password) => UserPlan::Fresh(password),
                Err(error) => {
                    flight.fail(&run, error);
                    break;
                }
            },
        };
        // What the store's write after an applied change needs: the password, and the version
        // the store had before it (read in the task for a fresh one).
        let mut base = None;
        let task = match user_plan {
            UserPlan::Store {
                password,
                base,
                verified,
            } => {
                let mut result = UserResult {
                    verified,
                    ..UserResult::new(record.user_id.clone(), UserOutcome::AlreadyDone)
                };
                // A stopped run writes no more: the journal keeps it for the next resume.
                if *run.stop.borrow() {
                    not_stored(
                        &mut result,
                        ErrorKind::Unavailable,
                        "the run stopped before its store write".to_owned(),
                    );
                    tally(result, &mut summary, &run);
                    continue;
                }
                let run = run.clone();
                let user_id = record.user_id.clone();
                let phase = Arc::new(AtomicU8::new(Phase::AppliedEarlier as u8));
                let task = tasks.spawn(async move {
                    let failure = deliver(&run, &record, &password, base, &mut result).await;
                    (result, failure)
                });
                flight.users.insert(task.id(), (user_id, phase));
                continue;
            }
            UserPlan::Skip => {
                summary.already_done += 1;
                run.reporter.finished(
                    &run,
                    UserResult::new(record.user_id, UserOutcome::AlreadyDone),
                );
                continue;
            }
            UserPlan::Fresh(password) => {
                run.keep_secret(password.expose_secret());
                Step::Change(password)
            }
            UserPlan::Settle(password, store_base) => {
                run.keep_secret(password.expose_secret());
                base = store_base;
                Step::Settle(password)
            }
        };
        let applied_password = match &task {
            Step::Change(password) | Step::Settle(password) | Step::Login(password) => {
                password.clone()
            }
        };
        // A stopped run waits for no slot (the rate could make the rest take hours), and a run
        // stopped while it waits stops waiting.
        let slot = if *run.stop.borrow() {
            None
        } else {
            let mut stop = run.stop.subscribe();
            // A stop wins over a free slot: nothing new starts once it is set.
            tokio::select! {
                biased;
                _ = stop.wait_for(|stopped| *stopped) => None,
                slot = run.pacer.slot() => Some(slot),
            }
        };
        while let Some(done) = tasks.try_join_next_with_id() {
            finish(done, &mut flight, &mut summary, &run);
        }
        // Every finished change fed the breaker before it released its slot, and a tripped
        // breaker sets the stop (`Run::feed_breaker`).
        let Some(slot) = slot.filter(|_| !*run.stop.borrow()) else {
            summary.not_attempted += 1;
            run.reporter.finished(
                &run,
                UserResult::new(record.user_id, UserOutcome::NotAttempted),
            );
            continue;
        };
        // A fresh password is journaled before it is sent: its entry is queued now, in input
        // order, and the change waits until the entry is synced (with the others queued since).
        // With a store, the store's version is read first (in the task), and journaled with it.
        let fresh = matches!(task, Step::Change(_));
        let journaled = match &task {
            Step::Change(password) if run.store.is_none() => Some(run.journal.write_pending(
                &record.user_id,
                password.expose_secret(),
                None,
            )),
            _ => None,
        };
        // A settled password is journaled already: it may be applied.
        let phase = Arc::new(AtomicU8::new(if fresh {
            Phase::NotSent as u8
        } else {
            Phase::Sent as u8
        }));
        let run = run.clone();
        let user_id = record.user_id.clone();
        let task_phase = phase.clone();
        let task = tasks.spawn(async move {
            let phase = task_phase;
            let journaled = match (&run.store, journaled) {
                (Some(store), None) if fresh => {
                    match store.base(&run, &record.user_id).await {
                        Ok(version) => {
                            base = Some(version);
                        }
                        Err(result) => {
                            return (
                                UserResult {
                                    message: Some(format!(
                                        "{result}, so nothing was sent; --resume rotates it"
                                    )),
                                    ..UserResult::new(record.user_id, UserOutcome::NotAttempted)
                                },
                                None,
                            );
                        }
                    }
                    // Stopped while the store was read (it failed for another user, say):
                    // nothing is journaled or sent.
                    if *run.stop.borrow() {
                        return (
                            UserResult::new(record.user_id, UserOutcome::NotAttempted),
                            None,
                        );
                    }
                    Some(run.journal.write_pending(
                        &record.user_id,
                        applied_password.expose_secret(),
                        base,
                    ))
                }
                (_, journaled) => journaled,
            };
            if let Some(journaled) = journaled {
                if let Err(error) = journaled.await {
                    return (UserResult::not_journaled(record.user_id), Some(error));
                }
                phase.store(Phase::Sent as u8, Ordering::SeqCst);
                // Stopped while the password was being synced: it is not sent. The journal
                // leaves it pending, which a resume settles (sent again, then one login).
                if *run.stop.borrow() {
                    return (
                        UserResult::new(record.user_id, UserOutcome::NotAttempted),
                        None,
                    );
                }
                run.reporter.journaled(&record.user_id);
            }
            let (finished, slot) = attempts(&run, &record, task, slot).await;
            let journaled = run.journal.write(&finished.entry).await;
            run.feed_breaker(finished.result.kind);
            drop(slot);
            match journaled {
                Ok(())
                    if run.store.is_some() && finished.result.outcome == UserOutcome::Changed =>
                {
                    phase.store(Phase::Applied as u8, Ordering::SeqCst);
                    let mut result = finished.result;
                    let failure =
                        deliver(&run, &record, &applied_password, base, &mut result).await;
                    (result, failure)
                }
                Ok(()) => (finished.result, None),
                // What happened is still reported; the journal's last word for the user is its
                // pending password, which a resume settles.
                Err(error) => {
                    let mut result = finished.result;
                    let note = "its result could not be journaled: --resume settles it";
                    result.message = Some(match result.message.take() {
                        Some(message) => format!("{message}; {note}"),
                        None => note.to_owned(),
                    });
                    (result, Some(error))
                }
            }
        });
        flight.users.insert(task.id(), (user_id, phase));
    }
    // The changes in flight finish, within the grace period once cancelled: an abandoned
    // one's password stays pending in the journal, for a resume to settle.
    let mut abandoned = abandon.subscribe();
    let mut aborted = false;
    loop {
        let done = tokio::select! {
            done = tasks.join_next_with_id() => done,
            // Whether the grace period ended before this loop or during it.
            _ = abandoned.wait_for(|now| *now), if !tasks.is_empty() && !aborted => {
                tracing::warn!(in_flight = tasks.len(), "the grace period is over: abandoning the changes in flight");
                tasks.abort_all();
                aborted = true;
                continue;
            }
        };
        let Some(done) = done else { break };
        finish(done, &mut flight, &mut summary, &run);
    }
    watcher.abort();
    summary.interrupted = interrupted.load(Ordering::SeqCst);
    summary.stopped_by = run.tripped();
    summary.retries = run.retries.load(Ordering::SeqCst);
    summary.overloads = run.overloads.load(Ordering::SeqCst);
    summary.journal_syncs = run.journal.syncs();
    summary.store_failure = run
        .store
        .as_ref()
        .and_then(StoreRun::failure)
        .map(|(kind, message)| StoreFailure { kind, message });
    summary.seconds = seconds_to_the_millisecond(started.elapsed());
    match flight.failure {
        Some(error) => Err(RotationError {
            error,
            summary: Box::new(summary),
        }),
        None => Ok(summary),
    }
}

/// Hands each event to the observer, with the run's progress.
struct Reporter {
    observer: Option<Observer>,
    /// Users finished, failed, unknown.
    counts: std::sync::Mutex<(usize, usize, usize)>,
    /// Fresh passwords journaled this run.
    journaled: AtomicUsize,
}

impl Reporter {
    fn journaled(&self, user_id: &str) {
        let count = self.journaled.fetch_add(1, Ordering::SeqCst) + 1;
        if let Some(observer) = &self.observer {
            observer(&Event::Journaled {
                user_id: user_id.to_owned(),
                count,
            });
        }
    }

    fn finished(&self, run: &Run, result: UserResult) {
        let (finished, failed, unknown) = {
            let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
            counts.0 += 1;
            match result.outcome {
                UserOutcome::Failed => counts.1 += 1,
                UserOutcome::OutcomeUnknown => counts.2 += 1,
                _ => {}
            }
            *counts
        };
        if let Some(observer) = &self.observer {
            observer(&Event::Finished {
                result,
                progress: Progress {
                    finished,
                    window: run.pacer.window(),
                    rate: run.pacer.rate(),
                    retries: run.retries.load(Ordering::Relaxed),
                    failed,
                    outcome_unknown: unknown,
                },
            });
        }
    }
}

/// Stops launching changes once the vendor refuses the credentials themselves.
#[derive(Default)]
struct Breaker {
    succeeded: bool,
    denied_in_a_row: u32,
    tripped: Option<ErrorKind>,
}

impl Breaker {
    /// Permission denials in a row (with no success before) that mean "this token may change
    /// no one".
    const DENIED_IN_A_ROW: u32 = 3;

    /// The breaker of a run that follows `previous`: users an earlier run changed count as
    /// successes, so one protected user first in the input does not stop every resume.
    fn after(previous: &HashMap<String, Previous>) -> Self {
        Self {
            succeeded: previous
                .values()
                .any(|p| matches!(p, Previous::Done | Previous::NotStored { .. })),
            ..Self::default()
        }
    }

    fn record(&mut self, kind: Option<ErrorKind>) {
        match kind {
            None => {
                self.succeeded = true;
                self.denied_in_a_row = 0;
            }
            Some(ErrorKind::Unauthenticated) => {
                self.tripped.get_or_insert(ErrorKind::Unauthenticated);
            }
            Some(ErrorKind::PermissionDenied) => {
                self.denied_in_a_row += 1;
                if !self.succeeded || self.denied_in_a_row >= Self::DENIED_IN_A_ROW {
                    self.tripped.get_or_insert(ErrorKind::PermissionDenied);
                }
            }
            // Other failures (a 503, a policy refusal) say nothing about the token: the count
            // of denials goes on until a success.
            Some(_) => {}
        }
    }
}

/// The run's redactor at its start: every current password of `input` (a vendor may echo any
/// user's in any other user's answer, before that user's turn) and every password the journal
/// holds (a `done` user's is live). Only maskable ones ([`pwchange::Redactor::add_maskable`]):
/// a short or one-word password of one user would withhold every text that contains it in
/// every user's output; each change's own redactor still withholds a text with its own.
fn run_secrets(
    input: &Input,
    vendor: pwchange::Vendor,
    admin: bool,
    journaled: &[Zeroizing<String>],
) -> pwchange::Redactor {
    let mut secrets = pwchange::Redactor::new();
    if let Ok(records) = input::checked(input, vendor, admin) {
        for record in records.flatten() {
            if let Some(current) = &record.current_password {
                secrets.add_maskable(current);
            }
        }
    }
    for password in journaled {
        secrets.add_maskable(password);
    }
    secrets
}

/// A duration in seconds, to the millisecond (the summary's `seconds`).
fn seconds_to_the_millisecond(elapsed: std::time::Duration) -> f64 {
    std::time::Duration::from_millis(u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX))
        .as_secs_f64()
}

/// What every change of a run shares.
struct Run {
    client: Client,
    journal: Journal,
    pacer: Arc<Pacer>,
    admin: bool,
    require_change: bool,
    verify: bool,
    breaker: std::sync::Mutex<Breaker>,
    /// Set on an interruption (Ctrl-C, SIGTERM, SIGHUP), a failed journal write, or when the
    /// breaker trips: nothing more is launched or retried.
    stop: tokio::sync::watch::Sender<bool>,
    /// Attempts made again after a 429 or 503.
    retries: AtomicU64,
    /// Answers that were a 429 or a 503.
    overloads: AtomicU64,
    /// Every secret of the run: the current passwords of the whole input, every password
    /// journaled or generated, added before it is sent. Every error of a change or a login is
    /// redacted with it.
    secrets: std::sync::RwLock<pwchange::Redactor>,
    /// Where events go.
    reporter: Reporter,
    /// Where applied passwords go, where the rotation has a store.
    store: Option<StoreRun>,
}

/// A run's store.
struct StoreRun {
    store: Store,
    vendor: &'static str,
    base_url: String,
    /// Write over a secret someone else wrote ([`Rotation::overwrite_store_conflicts`]).
    overwrite: bool,
    /// Store calls at once ([`STORE_CALLS`]): a resume's not-stored users queue here.
    calls: tokio::sync::Semaphore,
    health: std::sync::Mutex<StoreHealth>,
}

/// Store calls in flight at once.
const STORE_CALLS: usize = 8;

/// What the run's store calls said so far.
#[derive(Default)]
struct StoreHealth {
    /// A call succeeded.
    succeeded: bool,
    /// Refusals in a row (a `403` for one path, a `400`).
    refused_in_a_row: u32,
    /// Why the store is taken for down (and the run stopped launching changes).
    failure: Option<(ErrorKind, String)>,
}

impl StoreRun {
    fn path(&self, user_id: &str) -> Result<SecretPath, Error> {
        self.store.target().path_for(self.vendor, user_id)
    }

    /// Why the store is down, if it is.
    fn failure(&self) -> Option<(ErrorKind, String)> {
        self.health
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .failure
            .clone()
    }

    /// Counts a call's end. The store is down, and `run` stops launching changes, after a
    /// failure that may pass (down, sealed, overloaded, unreachable: every user would meet it),
    /// a refusal before any success (the credentials, the mount), or three refusals in a row;
    /// a refusal of one user's path alone leaves that user not stored, and the run goes on.
    fn record(&self, run: &Run, error: Option<&Error>) {
        let mut health = self.health.lock().unwrap_or_else(|e| e.into_inner());
        let Some(error) = error else {
            health.succeeded = true;
            health.refused_in_a_row = 0;
            return;
        };
        health.refused_in_a_row += 1;
        let down = error.kind().is_temporary()
            || matches!(error.kind(), ErrorKind::OutcomeUnknown)
            || !health.succeeded
            || health.refused_in_a_row >= 3;
        if down && health.failure.is_none() {
            health.failure = Some((error.kind(), error.to_string()));
            run.stop.send_replace(true);
        }
    }

    /// The store's version of `user_id`'s secret before its change, or why it could not be
    /// read (counted: a store that is down stops the run).
    async fn base(&self, run: &Run, user_id: &str) -> Result<u64, String> {
        if let Some((_, why)) = self.failure() {
            return Err(format!("the store failed earlier in this run ({why})"));
        }
        let _call = self.calls.acquire().await;
        let read = match self.path(user_id) {
            Ok(path) => self.store.current(&path).await,
            Err(error) => Err(error),
        };
        self.record(run, read.as_ref().err());
        read.map(|current| current.version)
            .map_err(|error| format!("the store could not be read ({error})"))
    }
}

/// Marks `result` not stored, for `why`.
fn not_stored(result: &mut UserResult, kind: ErrorKind, why: String) {
    result.store = Some(StoreResult::NotStored { kind });
    note(
        result,
        format!("not stored: {why}; the journal keeps the password, and --resume writes it"),
    );
}

/// Adds `note` to `result`'s message.
fn note(result: &mut UserResult, note: String) {
    result.message = Some(match result.message.take() {
        Some(message) => format!("{message}; {note}"),
        None => note,
    });
}

/// Writes an applied user's password to the run's store, check-and-set on `base` (the store's
/// version before the change; where the journal has none, only over no one else's), journals
/// `stored`, and says so in `result`. A store that fails is counted ([`StoreRun::record`]); a
/// conflict is the user's alone. Returns a failure of the journal.
async fn deliver(
    run: &Run,
    record: &Record,
    password: &Password,
    base: Option<u64>,
    result: &mut UserResult,
) -> Option<Error> {
    let store = run.store.as_ref()?;
    if let Some((kind, why)) = store.failure() {
        not_stored(
            result,
            kind,
            format!("the store failed earlier in this run ({why})"),
        );
        return None;
    }
    let written = {
        let _call = store.calls.acquire().await;
        // A resume's write of an earlier run's password waits its turn; once the run stops
        // (a signal), the rest wait for the next resume.
        if result.outcome == UserOutcome::AlreadyDone && *run.stop.borrow() {
            not_stored(
                result,
                ErrorKind::Unavailable,
                "the run stopped before its store write".to_owned(),
            );
            return None;
        }
        store
            .store
            .put_applied(
                store.vendor,
                &store.base_url,
                Applied {
                    user_id: &record.user_id,
                    password: password.expose_secret(),
                    base,
                    verified: result.verified,
                    login_name: record.login_name.clone(),
                    overwrite: store.overwrite,
                },
            )
            .await
    };
    store.record(run, written.as_ref().err());
    let (version, path) = match written {
        Ok((Put::Stored { version } | Put::AlreadyStored { version }, path)) => (version, path),
        Ok((Put::Replaced { version, replaced }, path)) => {
            note(
                result,
                format!("stored over version {replaced} of {path}, which someone else wrote"),
            );
            (version, path)
        }
        Ok((Put::Conflict { version }, path)) => {
            result.store = Some(StoreResult::Conflict { version });
            note(
                result,
                format!(
                    "not stored: someone else wrote the store's secret {path} after this rotation read it (its version is {version} now), so the store may hold a password the vendor does not; it was not overwritten, and the journal keeps the password (compare, then --resume with --overwrite-store-conflicts)"
                ),
            );
            return None;
        }
        Err(error) => {
            not_stored(result, error.kind(), format!("{error}"));
            return None;
        }
    };
    result.store = Some(StoreResult::Stored { version });
    let journaled = run
        .journal
        .write(&Entry::Stored {
            user_id: record.user_id.clone(),
            version,
        })
        .await;
    let _ = path;
    if let Err(error) = journaled {
        note(
            result,
            "stored, but that could not be journaled: --resume finds it stored".to_owned(),
        );
        return Some(error);
    }
    None
}

impl Run {
    fn tripped(&self) -> Option<ErrorKind> {
        self.breaker
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .tripped
    }

    fn feed_breaker(&self, kind: Option<ErrorKind>) {
        let mut breaker = self.breaker.lock().unwrap_or_else(|e| e.into_inner());
        breaker.record(kind);
        if breaker.tripped.is_some() {
            self.stop.send_replace(true);
        }
    }

    /// The change of `record` to `password`, as the run's mode and flags say.
    fn change(&self, record: &Record, password: Password, verify: bool) -> PasswordChange {
        let user_id = record.user_id.clone();
        let change = match &record.current_password {
            Some(current) if !self.admin => {
                PasswordChange::self_service(user_id, current.as_str(), password)
            }
            _ => PasswordChange::admin_set(user_id, password)
                .require_change_at_next_login(self.require_change),
        }
        .verify(verify);
        match &record.login_name {
            Some(login) => change.login_name(login.clone()),
            None => change,
        }
    }

    /// One login with `password`.
    async fn log_in(&self, record: &Record, password: &Password) -> Result<(), Error> {
        if !self.verify {
            return Err(Error::unsupported("verification is off"));
        }
        self.client
            .verify_password(&record.user_id, record.login_name.as_deref(), password)
            .await
            .map_err(|e| self.redact(e))
    }

    /// The change, its error redacted with every secret of the run (the facade's redactor
    /// knows only this change's): a vendor that echoes another user's password shows it to no
    /// one.
    async fn change_password(&self, change: &PasswordChange) -> Result<pwchange::Changed, Error> {
        self.client
            .change_password(change)
            .await
            .map_err(|e| self.redact(e))
    }

    fn redact(&self, error: Error) -> Error {
        error.redact(&self.secrets.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Adds `secret` to the run's secrets, before it is sent anywhere (when it can be masked:
    /// see [`run_secrets`]).
    fn keep_secret(&self, secret: &str) {
        self.secrets
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .add_maskable(secret);
    }
}

/// What one user's rotation does next.
enum Step {
    /// Send the change (a fresh password, or the same one again after a `429`/`503`).
    Change(Password),
    /// Settle the journaled password by logging in with it (the change's outcome is unknown).
    Login(Password),
    /// Settle an interrupted run's journaled password: send it again, then log in.
    Settle(Password),
}

/// What an attempt leaves.
enum Answer {
    /// Settled, for this run.
    Final(Finished),
    /// The vendor said to come back later (or its answer proved nothing for now): try `next`
    /// after the wait `error` asked for, or a backoff.
    Again { next: Step, error: Error },
}

/// Whether the vendor refused a change only for now: nothing was applied, and the same request
/// may pass later (`429`, `503`).
fn comes_back_later(error: &Error) -> bool {
    matches!(
        error.kind(),
        ErrorKind::RateLimited | ErrorKind::Unavailable
    )
}

/// Whether an answer says the vendor is overloaded (a `429` or `503` anywhere in the attempt):
/// the pacer's signal to slow down.
fn overloaded(error: &Error) -> bool {
    comes_back_later(error) || matches!(error.status(), Some(429 | 503))
}

/// Runs `step` and its retries for one user, within the run's pace: returns what to journal and
/// the slot of the last attempt (none when the run stopped during a wait).
async fn attempts(
    run: &Run,
    record: &Record,
    mut step: Step,
    slot: pacing::Slot,
) -> (Finished, Option<pacing::Slot>) {
    let mut slot = slot;
    let mut attempt = 1;
    loop {
        let started = slot.started();
        let (next, error) = match step.run(run, record).await {
            Answer::Final(finished) => {
                run.pacer.succeeded();
                return (finished, Some(slot));
            }
            Answer::Again { next, error } => (next, error),
        };
        if overloaded(&error) {
            run.overloads.fetch_add(1, Ordering::Relaxed);
        }
        if error.kind() == ErrorKind::RateLimited || error.status() == Some(429) {
            run.pacer.rate_limited(started);
        }
        if *run.stop.borrow() {
            return (next.stopped(record, &error, attempt), Some(slot));
        }
        let wait = pacing::retry_wait(attempt, error.retry_after(), pacing::roll());
        let Some(wait) = wait else {
            return (next.give_up(record, &error, attempt), Some(slot));
        };
        drop(slot);
        run.retries.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(attempt, wait_ms = wait.as_millis() as u64, kind = ?error.kind(), "trying again later");
        let mut stop = run.stop.subscribe();
        let stopped = tokio::select! {
            () = tokio::time::sleep(wait) => false,
            _ = stop.wait_for(|stopped| *stopped) => true,
        };
        if stopped {
            return (next.stopped(record, &error, attempt), None);
        }
        slot = run.pacer.retry_slot().await;
        if *run.stop.borrow() {
            return (next.stopped(record, &error, attempt), Some(slot));
        }
        attempt += 1;
        step = next;
    }
}

impl Step {
    async fn run(self, run: &Run, record: &Record) -> Answer {
        let user_id = record.user_id.clone();
        match self {
            Step::Change(password) => {
                let change = run.change(record, password.clone(), run.verify);
                match run.change_password(&change).await {
                    Ok(changed) => {
                        let verified = changed.verification == pwchange::Verification::Verified;
                        Answer::Final(Finished::done(user_id, verified, None))
                    }
                    // A refused login after a confirmed (or unknown) change: the vendor may
                    // still commit (a gateway's 504 before the commit) or have locked the
                    // account; the journaled password is kept for --resume to settle.
                    Err(e) if e.kind() == ErrorKind::VerificationFailed => {
                        let message = format!("{e}; kept in the journal for --resume to settle");
                        Answer::Final(Finished::failed(user_id, Outcome::Unknown, &e, message))
                    }
                    // The password is set and a later step of the change failed (an expiry
                    // after an administrator's set): never send again (a resend could be
                    // refused by the history and read as not applied); the journaled password
                    // is kept for --resume to settle.
                    Err(e) if e.outcome() == Outcome::Applied => {
                        let message = format!("{e}; kept in the journal for --resume to settle");
                        Answer::Final(Finished::failed(user_id, Outcome::Applied, &e, message))
                    }
                    Err(e) if comes_back_later(&e) => Answer::Again {
                        next: Step::Change(password),
                        error: e,
                    },
                    // The change may have been applied, and the login that would tell proved
                    // nothing (rate limited, say): log in again later, never send again.
                    Err(e) if e.kind() == ErrorKind::OutcomeUnknown && run.verify => {
                        Answer::Again {
                            next: Step::Login(password),
                            error: e,
                        }
                    }
                    Err(e) => {
                        Answer::Final(Finished::failed(user_id, e.outcome(), &e, e.to_string()))
                    }
                }
            }
            Step::Login(password) => match run.log_in(record, &password).await {
                Ok(()) => Answer::Final(Finished::done(
                    user_id,
                    true,
                    Some(
                        "the outcome was unknown; a later login with the new password settled it"
                            .into(),
                    ),
                )),
                Err(e) if e.is_temporary() => Answer::Again {
                    next: Step::Login(password),
                    error: e,
                },
                Err(e) => {
                    let message = format!(
                        "the change's outcome is unknown, and the login with the new password {}: {e}; kept in the journal for --resume to settle",
                        if e.kind() == ErrorKind::VerificationFailed {
                            "was refused"
                        } else {
                            "proved nothing"
                        }
                    );
                    Answer::Final(Finished::failed(user_id, Outcome::Unknown, &e, message))
                }
            },
            Step::Settle(password) => settle(run, record, password).await,
        }
    }

    /// What to journal when the run stopped (cancelled, or the breaker tripped) before the
    /// next attempt, the last one answered `error`. A change refused for now applied nothing:
    /// journaled `not_applied` and reported not attempted, with what to do (`--resume`), not
    /// the advice for the error it was waiting out.
    fn stopped(&self, record: &Record, error: &Error, attempts: u32) -> Finished {
        match self {
            Step::Change(_) => {
                let mut finished = Finished::failed(
                    record.user_id.clone(),
                    Outcome::NotApplied,
                    error,
                    String::new(),
                );
                finished.result = UserResult {
                    message: Some(format!(
                        "the run stopped while it waited to try again (the vendor answered {}: nothing was applied); --resume sends it",
                        error.kind()
                    )),
                    ..UserResult::new(record.user_id.clone(), UserOutcome::NotAttempted)
                };
                if let Entry::Failed { message, .. } = &mut finished.entry {
                    *message = format!(
                        "{error}; the run stopped before trying again (nothing was applied)"
                    );
                }
                finished
            }
            // The outcome is unknown: kept for --resume to settle, which is its advice already.
            Step::Login(_) | Step::Settle(_) => self.give_up(record, error, attempts),
        }
    }

    /// What to journal when no further attempt is made after `error` (attempt `attempts`).
    fn give_up(&self, record: &Record, error: &Error, attempts: u32) -> Finished {
        let user_id = record.user_id.clone();
        match self {
            // Every attempt was refused for now: nothing was applied.
            Step::Change(_) => {
                let message = format!(
                    "{error}; no further attempt after {attempts} (the vendor asked to come back later)"
                );
                Finished::failed(user_id, Outcome::NotApplied, error, message)
            }
            Step::Login(_) | Step::Settle(_) => {
                let message = format!(
                    "{error}; no further attempt after {attempts}: the journaled password is kept for --resume to settle"
                );
                Finished::failed(user_id, Outcome::Unknown, error, message)
            }
        }
    }
}

/// What a task journals and reports.
struct Finished {
    entry: Entry,
    result: UserResult,
}

impl Finished {
    fn done(user_id: String, verified: bool, message: Option<String>) -> Self {
        Self {
            entry: Entry::Done {
                user_id: user_id.clone(),
                verified,
            },
            result: UserResult {
                verified,
                message,
                ..UserResult::new(user_id, UserOutcome::Changed)
            },
        }
    }

    fn failed(user_id: String, outcome: Outcome, error: &Error, message: String) -> Self {
        Self {
            entry: Entry::Failed {
                user_id: user_id.clone(),
                kind: error.kind(),
                outcome,
                message: message.clone(),
            },
            result: UserResult::error(user_id, outcome, error, message),
        }
    }
}

/// Settles a password an interrupted run journaled and may have applied: the same password is
/// sent again (harmless if it is already set), then one login with it decides. A refusal of the
/// resend never proves an earlier success, and a refused login never proves much either (a
/// gateway's `504` may come before the vendor commits, an account may be locked): where the
/// evidence does not agree, the user stays unsettled with the journaled password kept. A resend
/// refused for now (`429`, `503`) is tried again later before any login (each refused login
/// counts towards a lockout); a login that proved nothing for now is tried again alone.
async fn settle(run: &Run, record: &Record, password: Password) -> Answer {
    let user_id = record.user_id.clone();
    let resent = run
        .change_password(&run.change(record, password.clone(), false))
        .await;
    // Refused for now, nothing evaluated: again later, before any login (each refused login
    // counts towards a lockout, and this one could prove nothing the resend will not).
    let resent = match resent {
        Err(refused) if comes_back_later(&refused) => {
            return Answer::Again {
                next: Step::Settle(password),
                error: refused,
            };
        }
        other => other,
    };
    let login = run.log_in(record, &password).await;
    let finished = match (
        settle::settled(settle::Resend::of(&resent), settle::Login::of(&login)),
        resent,
        login,
    ) {
        (Settled::Verified, _, _) => Finished::done(
            user_id,
            true,
            Some("the journaled password is set (verified by logging in)".into()),
        ),
        (Settled::LoginAgain, _, Err(login)) => {
            return Answer::Again {
                next: Step::Login(password),
                error: login,
            };
        }
        (Settled::ConfirmedUnverifiable, _, _) => Finished::done(
            user_id,
            false,
            Some("the vendor confirmed the journaled password, sent again (not verifiable)".into()),
        ),
        (Settled::NeverApplied, Err(refused), _) => {
            Finished::failed(user_id, Outcome::NotApplied, &refused, refused.to_string())
        }
        (Settled::NeitherSettles, Err(refused), Err(login)) => {
            let message = format!(
                "neither the journaled password (a login with it was refused) nor the resend (refused: {refused}) settles it; check the account (locked? changed elsewhere?)"
            );
            Finished::failed(user_id, Outcome::Unknown, &login, message)
        }
        (Settled::ConfirmedButRefused, _, Err(login)) => {
            let message = format!(
                "the vendor confirmed the journaled password, sent again, but {login}; kept for the next --resume"
            );
            Finished::failed(user_id, Outcome::Unknown, &login, message)
        }
        (Settled::ConfirmedButUnproven, _, Err(login)) => {
            let message = format!(
                "the vendor confirmed the journaled password, sent again, but the login proved nothing: {login}"
            );
            Finished::failed(user_id, Outcome::Unknown, &login, message)
        }
        (Settled::MayHaveApplied, Err(refused), _) => {
            let message = format!(
                "the interrupted run may have applied the journaled password; sending it again failed: {refused}"
            );
            Finished::failed(user_id, Outcome::Unknown, &refused, message)
        }
        // `settled` gives each of the others only with the errors matched above; were it to give
        // one without them, nothing would be settled.
        (_, resent, login) => {
            let error = login.err().or(resent.err()).unwrap_or_else(|| {
                Error::new(
                    ErrorKind::OutcomeUnknown,
                    "nothing settled the journaled password",
                )
            });
            let message = format!("the resend and the login settle nothing: {error}");
            Finished::failed(user_id, Outcome::Unknown, &error, message)
        }
    };
    Answer::Final(finished)
}

/// Counts one finished change and reports it. Nothing per user is kept:
/// memory stays flat in the number of users (beyond the input's canonical ids). A task that
/// failed (its journal entry could not be written) stops the run: `failure` keeps the first.
fn finish(
    joined: Result<(tokio::task::Id, (UserResult, Option<Error>)), tokio::task::JoinError>,
    flight: &mut Flight,
    summary: &mut Summary,
    run: &Run,
) {
    let result = match joined {
        Ok((id, (result, failed))) => {
            flight.users.remove(&id);
            if let Some(error) = failed {
                flight.fail(run, error);
            }
            Ok(result)
        }
        // Abandoned after the grace period: what it leaves depends on how far it got.
        Err(e) if e.is_cancelled() => {
            let (user_id, phase) = flight.users.remove(&e.id()).unwrap_or_default();
            Ok(abandoned(user_id, phase.load(Ordering::SeqCst)))
        }
        Err(e) => {
            flight.users.remove(&e.id());
            Err(Error::new(
                ErrorKind::Unexpected,
                format!("a rotation task failed: {e}"),
            ))
        }
    };
    match result {
        Ok(result) => tally(result, summary, run),
        Err(error) => flight.fail(run, error),
    }
}

/// How far a user's task got: what its abandonment leaves.
#[derive(Clone, Copy)]
#[repr(u8)]
enum Phase {
    /// Nothing journaled, nothing sent.
    NotSent = 0,
    /// Its password journaled, and maybe sent: unsettled.
    Sent = 1,
    /// Applied (journaled `done`), and being written to the store.
    Applied = 2,
    /// Applied by an earlier run, and being written to the store.
    AppliedEarlier = 3,
}

/// The result of a task abandoned in `phase` (after the grace period of an interruption).
fn abandoned(user_id: String, phase: u8) -> UserResult {
    let store_note = "abandoned while writing it to the store when the grace period after the interruption ended; the journal keeps the password, and --resume writes it";
    match phase {
        p if p == Phase::NotSent as u8 => UserResult {
            message: Some(
                "abandoned before its password was journaled when the grace period after the interruption ended; nothing was sent".to_owned(),
            ),
            ..UserResult::new(user_id, UserOutcome::NotAttempted)
        },
        p if p == Phase::Applied as u8 || p == Phase::AppliedEarlier as u8 => {
            let outcome = if p == Phase::Applied as u8 {
                UserOutcome::Changed
            } else {
                UserOutcome::AlreadyDone
            };
            let mut result = UserResult::new(user_id, outcome);
            not_stored(&mut result, ErrorKind::Unavailable, store_note.to_owned());
            result
        }
        _ => UserResult {
            kind: Some(ErrorKind::OutcomeUnknown),
            message: Some(
                "abandoned in flight when the grace period after the interruption ended; the journaled password is kept for --resume to settle".to_owned(),
            ),
            ..UserResult::new(user_id, UserOutcome::OutcomeUnknown)
        },
    }
}

/// Counts a user's result in the summary and reports it.
fn tally(result: UserResult, summary: &mut Summary, run: &Run) {
    match result.store {
        Some(StoreResult::Stored { .. }) => summary.stored += 1,
        Some(StoreResult::NotStored { .. }) => summary.not_stored += 1,
        Some(StoreResult::Conflict { .. }) => summary.store_conflicts += 1,
        None => {}
    }
    match result.outcome {
        UserOutcome::Changed => {
            summary.changed += 1;
            summary.verified += usize::from(result.verified);
        }
        UserOutcome::OutcomeUnknown => summary.outcome_unknown += 1,
        UserOutcome::NotAttempted => summary.not_attempted += 1,
        UserOutcome::AlreadyDone => summary.already_done += 1,
        UserOutcome::Failed => summary.failed += 1,
    }
    if let Some(kind) = result.kind {
        // An unknown outcome is one kind of failure whatever error left it unknown: its
        // remedy is a resume, never the error's own hint ("nothing was changed").
        let key = if result.outcome == UserOutcome::OutcomeUnknown {
            kind_key(ErrorKind::OutcomeUnknown)
        } else {
            kind_key(kind)
        };
        *summary.failures_by_kind.entry(key).or_default() += 1;
    }
    run.reporter.finished(run, result);
}

/// What the launch loop keeps about the changes it started: the user of each task in flight
/// (at most the window's worth), and the first failure (a journal that could not be written),
/// which stops the run and ends it.
#[derive(Default)]
struct Flight {
    users: HashMap<tokio::task::Id, (String, Arc<AtomicU8>)>,
    failure: Option<Error>,
}

impl Flight {
    /// Stops launching and keeps `error` if it is the first.
    fn fail(&mut self, run: &Run, error: Error) {
        run.stop.send_replace(true);
        self.failure.get_or_insert(error);
    }
}

/// A kind as the summary's `failures_by_kind` keys it (its JSON name, which sorts stably).
fn kind_key(kind: ErrorKind) -> String {
    match serde_json::to_value(kind) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{kind:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pwchange::Settings;
    use pwchange_sim::{Fault, SimUser, Simulator, Vendor};

    const OLD: &str = "Old-Passw0rd!x1";
    const NEW: &str = "N3w-Passw0rd!x2";

    /// A task abandoned after the grace period says how far it got: nothing sent, unsettled,
    /// or applied and not stored.
    #[test]
    fn an_abandoned_user_reads_how_far_it_got() {
        let result =
            |phase: Phase| serde_json::to_value(abandoned("u".into(), phase as u8)).unwrap();
        let not_sent = result(Phase::NotSent);
        assert_eq!(not_sent["outcome"], "not_attempted");
        assert!(
            not_sent["message"]
                .as_str()
                .unwrap()
                .contains("nothing was sent")
        );
        let sent = result(Phase::Sent);
        assert_eq!(
            (&sent["outcome"], &sent["kind"]),
            (&"outcome_unknown".into(), &"outcome_unknown".into())
        );
        for (phase, outcome) in [
            (Phase::Applied, "changed"),
            (Phase::AppliedEarlier, "already_done"),
        ] {
            let applied = result(phase);
            assert_eq!(applied["outcome"], outcome);
            assert_eq!(applied["store"]["state"], "not_stored");
            assert!(
                applied["message"]
                    .as_str()
                    .unwrap()
                    .contains("--resume writes it")
            );
        }
    }

    /// What a user whose password could not be journaled reads: not attempted, and why.
    #[test]
    fn a_user_whose_password_was_not_journaled_reads_why_it_was_not_sent() {
        let record = serde_json::to_value(UserResult::not_journaled("u1".into())).unwrap();
        assert_eq!(
            record,
            serde_json::json!({
                "user_id": "u1",
                "outcome": "not_attempted",
                "message": "its new password could not be journaled, so it was not sent",
            })
        );
    }

    #[test]
    fn the_summarys_duration_is_in_seconds_to_the_millisecond() {
        use std::time::Duration;
        assert_eq!(
            seconds_to_the_millisecond(Duration::from_micros(1_234_567)),
            1.234
        );
        assert_eq!(seconds_to_the_millisecond(Duration::from_micros(999)), 0.0);
        assert_eq!(seconds_to_the_millisecond(Duration::from_secs(90)), 90.0);
    }

    /// Issue #35: the run's redactor starts with every maskable current password of the input
    /// and every password the journal holds; a short or one-word one is left to each change's
    /// own redactor (it would withhold every text that holds it, in every user's output).
    #[test]
    fn the_runs_secrets_are_the_inputs_and_the_journals_maskable_passwords() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.csv");
        let vendor = Vendor::ALL[0];
        let ids: Vec<String> = (1..=3)
            .map(|i| pwchange_sim::numbered_user_id(vendor, i))
            .collect();
        std::fs::write(
            &path,
            format!(
                "user_id,current_password\n{},Curr3nt-Pass-1!\n{},abc\n{},sunshine\n",
                ids[0], ids[1], ids[2]
            ),
        )
        .unwrap();
        let input = input::Input::read(&path).unwrap();
        let journaled = [Zeroizing::new("J0urnaled-Pass!".to_owned())];
        let secrets = run_secrets(&input, vendor, false, &journaled);
        assert_eq!(secrets.len(), 2);
        assert_eq!(
            secrets.clean("was Curr3nt-Pass-1! then J0urnaled-Pass!, not abc on sunshine"),
            Some("was <redacted> then <redacted>, not abc on sunshine".to_owned())
        );
    }

    /// A simulator of the first vendor that takes administrative sets and verifies them by a
    /// login, with one user, and a run against it (`--admin`, verification on).
    struct Fixture {
        sim: Simulator,
        run: Run,
        record: Record,
        /// The probe's logins.
        logins_before: u32,
        _dir: tempfile::TempDir,
    }

    impl Fixture {
        /// Logins (accepted or refused by the vendor) since the fixture was made.
        fn logins(&self) -> u32 {
            self.sim.logins(&self.record.user_id) - self.logins_before
        }
    }

    async fn fixture() -> Fixture {
        for vendor in Vendor::ALL {
            let sim = Simulator::start(vendor).await.unwrap();
            let user = SimUser::new(pwchange_sim::numbered_user_id(vendor, 7), OLD);
            sim.add_user(user.clone());
            let mut settings = Settings::new(vendor);
            for (key, value) in pwchange_sim::client_settings(vendor, sim.base_url(), sim.token()) {
                settings.set(key, value, format!("test {key}"));
            }
            let Ok(client) = Client::from_settings(settings) else {
                continue;
            };
            let probe = PasswordChange::admin_set(user.id.clone(), "Pr0be-Passw0rd!x");
            let verified = client
                .change_password(&probe)
                .await
                .is_ok_and(|c| c.verification == pwchange::Verification::Verified);
            if !verified {
                continue;
            }
            sim.add_user(user.clone());
            let dir = tempfile::tempdir().unwrap();
            let key = journal::JournalKey::load(&dir.path().join("journal.key"), true).unwrap();
            let header = Header {
                format: journal::FORMAT,
                vendor: vendor.name().to_owned(),
                base_url: sim.base_url().to_owned(),
                mode: "admin_set".to_owned(),
                require_change: false,
                input_sha256: "00".to_owned(),
                input: None,
                key_id: key.id(),
                sealing: Sealing::Plaintext,
                store: None,
            };
            let journal = Journal::create(
                &dir.path().join("j.jsonl"),
                header,
                key,
                &Protection::Plaintext,
            )
            .unwrap();
            let (stop, _) = tokio::sync::watch::channel(false);
            let run = Run {
                client,
                journal,
                pacer: Arc::new(Pacer::new(PacingConfig::default())),
                admin: true,
                require_change: false,
                verify: true,
                breaker: std::sync::Mutex::new(Breaker::default()),
                stop,
                retries: AtomicU64::new(0),
                overloads: AtomicU64::new(0),
                secrets: std::sync::RwLock::default(),
                reporter: Reporter {
                    observer: None,
                    counts: std::sync::Mutex::default(),
                    journaled: AtomicUsize::new(0),
                },
                store: None,
            };
            let record = Record {
                line: 2,
                user_id: user.id,
                current_password: None,
                login_name: None,
            };
            return Fixture {
                logins_before: sim.logins(&record.user_id),
                sim,
                run,
                record,
                _dir: dir,
            };
        }
        panic!("no vendor takes administrative sets and verifies them");
    }

    /// Runs `step` with its retries; returns what would be journaled, as JSON.
    async fn attempt(fixture: &Fixture, step: Step) -> serde_json::Value {
        let slot = fixture.run.pacer.slot().await;
        let (finished, _slot) = attempts(&fixture.run, &fixture.record, step, slot).await;
        serde_json::to_value(&finished.entry).unwrap()
    }

    /// Panics unless the journaled entry's message contains `expected`.
    #[track_caller]
    fn assert_message(entry: &serde_json::Value, expected: &str) {
        let message = entry["message"].as_str().unwrap_or_default();
        assert!(message.contains(expected), "{expected:?} not in {entry}");
    }

    fn counts(fixture: &Fixture) -> (u64, u64) {
        (
            fixture.run.retries.load(Ordering::SeqCst),
            fixture.run.overloads.load(Ordering::SeqCst),
        )
    }

    /// Answers the next request normally (a fault queue entry that changes nothing).
    const PASS: Fault = Fault::Latency(std::time::Duration::ZERO);

    fn limited(secs: u64) -> Fault {
        Fault::RateLimited {
            retry_after_secs: secs,
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_change_refused_for_now_is_sent_again_with_the_same_password() {
        for fault in [limited(0), Fault::Unavailable] {
            let f = fixture().await;
            f.sim.inject(fault.clone());
            let entry = attempt(&f, Step::Change(Password::new(NEW))).await;
            assert_eq!(entry["event"], "done", "{fault:?}: {entry}");
            assert_eq!(entry["verified"], true);
            assert_eq!(f.sim.password(&f.record.user_id).as_deref(), Some(NEW));
            assert_eq!(counts(&f), (1, 1), "{fault:?}");
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_rate_limited_login_after_an_applied_change_is_settled_by_logging_in_again() {
        let f = fixture().await;
        f.sim.inject(PASS);
        f.sim.inject(limited(0));
        let changes_before = f.sim.requests();
        let entry = attempt(&f, Step::Change(Password::new(NEW))).await;
        assert_eq!(entry["event"], "done", "{entry}");
        assert_eq!(entry["verified"], true);
        assert_eq!(counts(&f), (1, 1));
        // The change went once; the rest were logins (never a second change).
        assert_eq!(f.sim.password(&f.record.user_id).as_deref(), Some(NEW));
        // One login reached the vendor: the rate-limited one never did.
        assert_eq!(f.logins(), 1);
        // The login's 429 (inside an unknown outcome) slowed the pace too.
        assert!(f.run.pacer.rate().is_some());
        assert!(f.sim.requests() > changes_before);
    }

    /// Issue #27: after an answer that proved nothing (a proxy's 504 page after the change
    /// applied), the verification login's 429 and its wait reach the pacer too.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_rate_limited_login_after_an_unknown_outcome_reaches_the_pacer() {
        let f = fixture().await;
        f.sim.inject(Fault::ProxyPageAfterApply(504));
        f.sim.inject(limited(1));
        let started = std::time::Instant::now();
        let entry = attempt(&f, Step::Change(Password::new(NEW))).await;
        assert_eq!(entry["event"], "done", "{entry}");
        assert_eq!(entry["verified"], true);
        assert_eq!(f.sim.password(&f.record.user_id).as_deref(), Some(NEW));
        assert_eq!(counts(&f), (1, 1), "one retry (a login), one overload");
        assert!(f.run.pacer.rate().is_some(), "the 429 slowed the pace");
        assert!(
            started.elapsed() >= std::time::Duration::from_secs(1),
            "the login's Retry-After was waited for"
        );
        assert_eq!(
            f.logins(),
            1,
            "the rate-limited login never reached the vendor"
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_wait_too_long_to_wait_for_ends_the_user_as_not_applied() {
        let f = fixture().await;
        f.sim.inject(limited(pacing::MAX_RETRY_AFTER.as_secs() + 1));
        let entry = attempt(&f, Step::Change(Password::new(NEW))).await;
        assert_eq!(entry["event"], "failed", "{entry}");
        assert_eq!(entry["outcome"], "not_applied");
        assert_eq!(entry["kind"], "rate_limited");
        assert_message(&entry, "no further attempt after 1");
        assert_eq!(f.sim.password(&f.record.user_id).as_deref(), Some(OLD));
        assert_eq!(counts(&f), (0, 1));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn logins_that_never_prove_anything_end_unsettled_after_bounded_attempts() {
        let f = fixture().await;
        f.sim.inject(PASS);
        for _ in 0..pacing::MAX_ATTEMPTS {
            f.sim.inject(limited(0));
        }
        let entry = attempt(&f, Step::Change(Password::new(NEW))).await;
        assert_eq!(entry["event"], "failed", "{entry}");
        assert_eq!(entry["outcome"], "unknown", "the password is kept: {entry}");
        assert_message(
            &entry,
            &format!("no further attempt after {}", pacing::MAX_ATTEMPTS),
        );
        let attempts = u64::from(pacing::MAX_ATTEMPTS);
        assert_eq!(counts(&f), (attempts - 1, attempts));
        // Nothing got through: the start rate fell to its floor of one a second (hence this
        // test's seconds).
        assert!(f.run.pacer.rate().is_some_and(|rate| rate < 10.0));
        assert_eq!(f.logins(), 0, "every login was refused for now");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_stopped_run_retries_nothing() {
        let f = fixture().await;
        f.run.stop.send_replace(true);
        f.sim.inject(limited(0));
        let entry = attempt(&f, Step::Change(Password::new(NEW))).await;
        assert_eq!(entry["outcome"], "not_applied", "{entry}");
        assert_eq!(counts(&f), (0, 1));
        f.sim.inject(PASS);
        f.sim.inject(limited(0));
        let entry = attempt(&f, Step::Change(Password::new(NEW))).await;
        assert_eq!(entry["outcome"], "unknown", "{entry}");
    }

    /// Issue #28 item 4: a change the run stopped while it waited out a 429 applied nothing;
    /// it is reported not attempted with `--resume` as the advice, never the 429's own.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_change_stopped_while_it_waits_is_not_attempted_and_resume_is_the_advice() {
        let f = fixture().await;
        f.sim.inject(limited(30));
        let stop = f.run.stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            stop.send_replace(true);
        });
        let slot = f.run.pacer.slot().await;
        let started = std::time::Instant::now();
        let (finished, _) =
            attempts(&f.run, &f.record, Step::Change(Password::new(NEW)), slot).await;
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "it waited out the 429"
        );
        let entry = serde_json::to_value(&finished.entry).unwrap();
        assert_eq!(entry["outcome"], "not_applied", "{entry}");
        assert_eq!(finished.result.outcome, UserOutcome::NotAttempted);
        assert_eq!(finished.result.kind, None);
        let message = finished.result.message.unwrap();
        assert!(message.contains("--resume sends it"), "{message}");
        assert!(message.contains("rate limited"), "{message}");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_settle_retries_a_resend_refused_for_now_before_any_login() {
        // The resend refused for now, twice: no login until it went through, then done.
        let f = fixture().await;
        f.sim.inject(limited(0));
        f.sim.inject(limited(0));
        let entry = attempt(&f, Step::Settle(Password::new(NEW))).await;
        assert_eq!(entry["event"], "done", "{entry}");
        assert_eq!(f.sim.password(&f.record.user_id).as_deref(), Some(NEW));
        assert_eq!(counts(&f).0, 2);
        assert_eq!(f.logins(), 1, "one login, after the resend went through");

        // The resend refused (a wrong current password: the journaled one may be set) and the
        // login refused: nothing proven, no retry, unsettled.
        let mut f = fixture().await;
        f.run.admin = false;
        f.record.current_password = Some(Zeroizing::new("Wrong-Passw0rd!x3".into()));
        let entry = attempt(&f, Step::Settle(Password::new(NEW))).await;
        assert_eq!(entry["outcome"], "unknown", "{entry}");
        assert_message(&entry, "neither the journaled password");
        assert_eq!(counts(&f).0, 0);
        assert_eq!(f.logins(), 1);

        // Neither answer proves anything: a login changes nothing, so one whose answer proved
        // nothing is tried again, alone (never the resend), and the second one settles it.
        let f = fixture().await;
        f.sim.inject(Fault::MalformedBody);
        f.sim.inject(Fault::MalformedBody);
        let entry = attempt(&f, Step::Settle(Password::new(NEW))).await;
        assert_eq!(entry["event"], "done", "{entry}");
        assert_eq!(f.sim.password(&f.record.user_id).as_deref(), Some(NEW));
        assert_eq!(counts(&f).0, 1, "one retry: the login");
        assert_eq!(f.logins(), 2);

        // The resend applied, its login refused for now: the login alone again.
        let f = fixture().await;
        f.sim.inject(PASS);
        f.sim.inject(limited(0));
        let entry = attempt(&f, Step::Settle(Password::new(NEW))).await;
        assert_eq!(entry["event"], "done", "{entry}");
        assert_eq!(counts(&f).0, 1);
        assert_eq!(f.logins(), 1, "the refused-for-now login is not counted");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_429_slows_the_pace_and_a_503_does_not() {
        let f = fixture().await;
        f.sim.inject(limited(0));
        attempt(&f, Step::Change(Password::new(NEW))).await;
        // 4 × 0.8, then one success above the new threshold.
        assert_eq!(f.run.pacer.window(), 3);
        assert!(f.run.pacer.rate().is_some());
        let f = fixture().await;
        f.sim.inject(Fault::Unavailable);
        attempt(&f, Step::Change(Password::new(NEW))).await;
        assert_eq!(f.run.pacer.window(), 5, "slow start goes on");
        assert_eq!(f.run.pacer.rate(), None);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn final_answers_are_not_retried() {
        // A change the vendor confirmed without effect: the login refuses it; kept unsettled.
        let f = fixture().await;
        f.sim.inject(Fault::NoEffect);
        let entry = attempt(&f, Step::Change(Password::new(NEW))).await;
        assert_eq!(entry["outcome"], "unknown", "{entry}");
        assert_eq!(entry["kind"], "verification_failed");
        // A refusal: not applied, no login, no retry.
        let mut f = fixture().await;
        f.record.user_id = pwchange_sim::numbered_user_id(f.sim.vendor(), 8);
        let entry = attempt(&f, Step::Change(Password::new(NEW))).await;
        assert_eq!(entry["outcome"], "not_applied", "{entry}");
        assert_eq!(counts(&f), (0, 0));
        // An unknown outcome without verification: nothing can settle it in this run.
        let mut f = fixture().await;
        f.run.verify = false;
        f.sim.inject(Fault::GatewayTimeoutAfterApply);
        let entry = attempt(&f, Step::Change(Password::new(NEW))).await;
        assert_eq!(entry["outcome"], "unknown", "{entry}");
        assert_eq!(counts(&f), (0, 0));
        assert_eq!(f.logins(), 0);
        // A login that was refused: settled as unknown at once, one login.
        let f = fixture().await;
        let entry = attempt(&f, Step::Login(Password::new(NEW))).await;
        assert_eq!(entry["outcome"], "unknown", "{entry}");
        assert_message(&entry, "was refused");
        assert_eq!((counts(&f), f.logins()), ((0, 0), 1));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn the_mode_decides_whether_the_inputs_current_password_is_sent() {
        // Self-service: the input's current password is the proof, and a wrong one fails.
        let mut f = fixture().await;
        f.run.admin = false;
        f.record.current_password = Some(Zeroizing::new("Wrong-Passw0rd!x3".into()));
        let entry = attempt(&f, Step::Change(Password::new(NEW))).await;
        assert_eq!(entry["kind"], "current_password_invalid", "{entry}");
        f.record.current_password = Some(Zeroizing::new(OLD.into()));
        let entry = attempt(&f, Step::Change(Password::new(NEW))).await;
        assert_eq!(entry["event"], "done", "{entry}");
        // Administrative: a current password in the record is not sent.
        let mut f = fixture().await;
        f.record.current_password = Some(Zeroizing::new("Wrong-Passw0rd!x3".into()));
        let entry = attempt(&f, Step::Change(Password::new(NEW))).await;
        assert_eq!(entry["event"], "done", "{entry}");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_refused_token_trips_the_breaker_and_stops_the_run() {
        let f = fixture().await;
        f.run.feed_breaker(None);
        assert_eq!(f.run.tripped(), None);
        assert!(!*f.run.stop.borrow());
        f.run.feed_breaker(Some(ErrorKind::Unauthenticated));
        assert_eq!(f.run.tripped(), Some(ErrorKind::Unauthenticated));
        assert!(*f.run.stop.borrow());
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_settle_reads_the_resend_and_the_login_together() {
        // Confirmed without effect, and the login refuses it: unsettled.
        let f = fixture().await;
        f.sim.inject(Fault::NoEffect);
        let entry = attempt(&f, Step::Settle(Password::new(NEW))).await;
        assert_eq!(entry["outcome"], "unknown", "{entry}");
        assert_message(&entry, "kept for the next --resume");
        // The vendor refuses the password itself and the login refuses it: never applied.
        let f = fixture().await;
        if let Some(weak) = pwchange_sim::weak_password(f.sim.vendor()) {
            let entry = attempt(&f, Step::Settle(Password::new(weak))).await;
            assert_eq!(entry["outcome"], "not_applied", "{entry}");
        }
        // No login (verification off): the vendor's confirmation of the resend decides.
        let mut f = fixture().await;
        f.run.verify = false;
        let entry = attempt(&f, Step::Settle(Password::new(NEW))).await;
        assert_eq!(entry["event"], "done", "{entry}");
        assert_eq!(entry["verified"], false);
        assert_eq!(f.logins(), 0);
        // A login whose answer proves nothing (a broken body): the confirmation alone is not
        // enough where a login could prove it; the login is tried again, and proves it.
        let f = fixture().await;
        f.sim.inject(PASS);
        f.sim.inject(Fault::MalformedBody);
        let entry = attempt(&f, Step::Settle(Password::new(NEW))).await;
        assert_eq!(entry["event"], "done", "{entry}");
        assert_eq!(entry["verified"], true, "{entry}");
        assert_eq!(f.logins(), 2);
    }

    #[test]
    fn only_429_and_503_come_back_later_and_a_status_says_overloaded() {
        let kinds = [
            (ErrorKind::RateLimited, true),
            (ErrorKind::Unavailable, true),
            (ErrorKind::Transport, false),
            (ErrorKind::OutcomeUnknown, false),
            (ErrorKind::PolicyViolation, false),
        ];
        for (kind, expected) in kinds {
            let error = Error::new(kind, "m");
            assert_eq!(comes_back_later(&error), expected, "{kind:?}");
            assert_eq!(overloaded(&error), expected, "{kind:?}");
        }
        for (status, expected) in [(429, true), (503, true), (504, false)] {
            let error = Error::new(ErrorKind::OutcomeUnknown, "m").with_status(Some(status));
            assert_eq!(overloaded(&error), expected, "{status}");
            assert!(!comes_back_later(&error));
        }
    }

    #[test]
    fn a_resume_counts_earlier_changes_as_successes() {
        let mut previous = HashMap::new();
        previous.insert("1".to_owned(), Previous::NotApplied);
        let mut fresh = Breaker::after(&previous);
        fresh.record(Some(ErrorKind::PermissionDenied));
        assert_eq!(fresh.tripped, Some(ErrorKind::PermissionDenied));
        previous.insert("2".to_owned(), Previous::Done);
        let mut resumed = Breaker::after(&previous);
        resumed.record(Some(ErrorKind::PermissionDenied));
        assert_eq!(resumed.tripped, None);
    }

    #[test]
    fn the_breaker_trips_on_refused_credentials_only() {
        let mut breaker = Breaker::default();
        breaker.record(Some(ErrorKind::CurrentPasswordInvalid));
        breaker.record(Some(ErrorKind::UserNotFound));
        assert_eq!(breaker.tripped, None);
        breaker.record(Some(ErrorKind::Unauthenticated));
        assert_eq!(breaker.tripped, Some(ErrorKind::Unauthenticated));

        // A denial before any success: the token may change no one.
        let mut breaker = Breaker::default();
        breaker.record(Some(ErrorKind::PermissionDenied));
        assert_eq!(breaker.tripped, Some(ErrorKind::PermissionDenied));

        // After a success, one denial is about one user; three without a success between are
        // about the token, whatever else fails in between.
        let mut breaker = Breaker::default();
        breaker.record(None);
        breaker.record(Some(ErrorKind::PermissionDenied));
        breaker.record(Some(ErrorKind::PermissionDenied));
        breaker.record(None);
        breaker.record(Some(ErrorKind::PermissionDenied));
        breaker.record(Some(ErrorKind::Unavailable));
        breaker.record(Some(ErrorKind::PermissionDenied));
        assert_eq!(breaker.tripped, None);
        breaker.record(Some(ErrorKind::PermissionDenied));
        assert_eq!(breaker.tripped, Some(ErrorKind::PermissionDenied));
        // The first kind stays.
        breaker.record(Some(ErrorKind::Unauthenticated));
        assert_eq!(breaker.tripped, Some(ErrorKind::PermissionDenied));
    }
}
