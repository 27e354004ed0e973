//! The rotation journal: JSON Lines, mode 0600, locked for the whole run, written with group
//! commit: a writer thread appends every entry queued since its last flush and covers them all
//! with one `fdatasync`, and [`Journal::write`] resolves only once its entry is synced. A rotation
//! with many changes in flight pays one sync per batch instead of one per entry, and an entry is
//! still durable before the request it guards is sent.
//!
//! ```text
//! {"event":"header","format":2,"vendor":"<name>","base_url":"…","mode":"admin_set","require_change":false,"input_sha256":"…"}
//! {"event":"pending","user_id":"…","new_password":"…"}
//! {"event":"done","user_id":"…","verified":true}
//! {"event":"failed","user_id":"…","kind":"policy_violation","outcome":"not_applied","message":"…"}
//! ```
//!
//! Invariants (tested in `tests/it/rotate.rs`):
//! - a password is journaled (written and fsynced: its `write` resolved) before it is sent;
//!   entries reach the file in the order their `write`s were called; user ids are the vendor's
//!   canonical form, so one user has one history;
//! - the password the vendor holds is the last `pending` one of a user whose last entry is
//!   `done`; it is the one before when the last entry is `failed` with `not_applied`; either may
//!   be when the last entry is `pending` (a run stopped between journal and answer) or `failed`
//!   with `unknown`: `--resume` settles those by logging in, never by reading a refusal;
//! - `verified: true` only after a login with the password succeeded;
//! - the header ties the journal to one vendor, base URL, mode and input file; `--resume` refuses
//!   any other;
//! - one process at a time: an exclusive lock (`flock`) is held for the whole run;
//! - a torn last line (a crash mid-write) is cut off on reopen; any other bad line is refused.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read as _, Write as _};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use pwchange::{Error, ErrorKind, Outcome};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// The journal format this build writes and reads.
pub const FORMAT: u32 = 2;

/// What ties a journal to one rotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub format: u32,
    pub vendor: String,
    pub base_url: String,
    /// `self_service` or `admin_set`.
    pub mode: String,
    pub require_change: bool,
    /// The sha256 of the input file.
    pub input_sha256: String,
}

impl Header {
    /// The first difference between the journal's header (`self`) and this run's, as a
    /// sentence that names it (values only where they are not secret and not a URL).
    fn difference(&self, run: &Header) -> Option<String> {
        if self.format != run.format {
            Some(format!(
                "it has format {}, this pwchange writes format {}",
                self.format, run.format
            ))
        } else if self.vendor != run.vendor {
            Some(format!(
                "it was written for vendor {}, not {}",
                self.vendor, run.vendor
            ))
        } else if self.base_url != run.base_url {
            Some("it was written for another base URL".to_owned())
        } else if self.mode != run.mode {
            Some(format!(
                "it was written for mode {}, not {}",
                self.mode, run.mode
            ))
        } else if self.require_change != run.require_change {
            Some("it was written with another --require-change".to_owned())
        } else if self.input_sha256 != run.input_sha256 {
            Some(
                "the input file is not the one it was started with (its sha256 differs)".to_owned(),
            )
        } else {
            None
        }
    }
}

/// One journal line. No `Debug`: a pending entry holds a password.
#[derive(Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Entry {
    Header(Header),
    Pending {
        user_id: String,
        new_password: Zeroizing<String>,
    },
    Done {
        user_id: String,
        verified: bool,
    },
    Failed {
        user_id: String,
        kind: ErrorKind,
        outcome: Outcome,
        message: String,
    },
}

/// What an earlier run left for one user.
pub enum Previous {
    /// Applied (`verified` when a login proved it).
    Done,
    /// Applied or not: the journaled password, to settle.
    Unsettled { password: Zeroizing<String> },
    /// Not applied: a fresh password is due.
    NotApplied,
}

/// The journal of one run, locked (the lock is the file's, held by the writer thread until the
/// journal is dropped).
pub struct Journal {
    queue: Option<mpsc::Sender<Job>>,
    writer: Option<std::thread::JoinHandle<()>>,
    counters: Arc<Counters>,
    #[cfg(test)]
    gate: Arc<std::sync::Mutex<()>>,
}

/// One entry to write, and who waits for it.
struct Job {
    line: Zeroizing<Vec<u8>>,
    done: tokio::sync::oneshot::Sender<Result<(), String>>,
}

/// What the writer did, for tests and the rotation's summary.
#[derive(Default)]
struct Counters {
    /// Entries written and synced.
    synced: AtomicU64,
    /// `fdatasync` calls (one per batch).
    syncs: AtomicU64,
}

fn io_error(what: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::InvalidInput, what.to_string())
}

/// A write or sync of the journal failed (a full disk, an I/O error): the message names the
/// journal and the cause.
fn storage_error(message: String) -> Error {
    Error::new(ErrorKind::Storage, message)
}

/// Takes the exclusive lock, or says that another process holds it.
fn lock(file: &File, path: &Path) -> Result<(), Error> {
    file.try_lock().map_err(|e| match e {
        std::fs::TryLockError::WouldBlock => io_error(format!(
            "the journal {} is in use by another pwchange process; wait for it to finish",
            path.display()
        )),
        std::fs::TryLockError::Error(e) => {
            io_error(format!("cannot lock the journal {}: {e}", path.display()))
        }
    })
}

impl Journal {
    /// Creates a new journal (never overwrites one), locks it, writes `header`, and fsyncs the
    /// file and its directory.
    pub fn create(path: &Path, header: Header) -> Result<Self, Error> {
        let mut options = OpenOptions::new();
        options.create_new(true).read(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(path).map_err(|e| {
            io_error(format!(
                "cannot create the journal {}: {e} (an existing journal is never overwritten: pass --resume to continue it, or choose another path)",
                path.display()
            ))
        })?;
        lock(&file, path)?;
        let line = encode(&Entry::Header(header))?;
        let mut file = file;
        file.write_all(&line)
            .and_then(|()| file.sync_data())
            .map_err(|e| {
                storage_error(format!(
                    "cannot write the header of the journal {}: {e}",
                    path.display()
                ))
            })?;
        let journal = Self::start(file, path);
        // The new directory entry must survive a crash too.
        let directory = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        File::open(directory)
            .and_then(|d| d.sync_all())
            .map_err(|e| {
                storage_error(format!(
                    "cannot sync the directory of the journal {}: {e}",
                    path.display()
                ))
            })?;
        Ok(journal)
    }

    /// Reopens a journal to resume `header`'s rotation: locks it, checks its header, cuts off a
    /// torn last line, and returns what each user's history left.
    pub fn resume(
        path: &Path,
        header: &Header,
    ) -> Result<(Self, HashMap<String, Previous>), Error> {
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(path)
            .map_err(|e| {
                io_error(format!(
                    "cannot open the journal {} to resume: {e}",
                    path.display()
                ))
            })?;
        lock(&file, path)?;
        let mut bytes = Zeroizing::new(Vec::new());
        file.read_to_end(&mut bytes)
            .map_err(|e| io_error(format!("cannot read the journal {}: {e}", path.display())))?;
        let (entries, good) = parse(&bytes).map_err(|line| {
            io_error(format!(
                "journal {} line {line} is corrupt (only a torn last line is repaired)",
                path.display()
            ))
        })?;
        let mut entries = entries.into_iter();
        match entries.next() {
            Some(Entry::Header(found)) => {
                if let Some(difference) = found.difference(header) {
                    return Err(io_error(format!(
                        "cannot resume with the journal {}: {difference}",
                        path.display()
                    )));
                }
            }
            None => {
                return Err(io_error(format!(
                    "the journal {} is empty: the run that created it stopped before writing its header, so nothing was sent with it; delete it and start again",
                    path.display()
                )));
            }
            Some(_) => {
                return Err(io_error(format!(
                    "the journal {} has no header line (written by a pwchange older than journal format {FORMAT}); it cannot be resumed safely",
                    path.display()
                )));
            }
        }
        // Only now, with the journal known to be this rotation's, is a torn end cut off.
        if good < bytes.len() {
            tracing::warn!(
                torn_bytes = bytes.len() - good,
                "cutting off a torn last journal line"
            );
            file.set_len(good as u64)
                .and_then(|()| file.sync_all())
                .map_err(|e| io_error(format!("cannot repair the journal's torn end: {e}")))?;
        }
        let mut previous = HashMap::new();
        let mut journaled: HashMap<String, Zeroizing<String>> = HashMap::new();
        for entry in entries {
            match entry {
                Entry::Header(_) => {
                    return Err(io_error(format!(
                        "the journal {} has a second header line",
                        path.display()
                    )));
                }
                Entry::Pending {
                    user_id,
                    new_password,
                } => {
                    journaled.insert(user_id.clone(), new_password.clone());
                    previous.insert(
                        user_id,
                        Previous::Unsettled {
                            password: new_password,
                        },
                    );
                }
                Entry::Done { user_id, .. } => {
                    previous.insert(user_id, Previous::Done);
                }
                Entry::Failed {
                    user_id, outcome, ..
                } => {
                    // Only `not_applied` (or no password ever journaled) proves the vendor kept
                    // the previous password; anything else leaves the journaled one to settle.
                    let state = match (outcome, journaled.get(&user_id)) {
                        (Outcome::NotApplied, _) | (_, None) => Previous::NotApplied,
                        (_, Some(password)) => Previous::Unsettled {
                            password: password.clone(),
                        },
                    };
                    previous.insert(user_id, state);
                }
            }
        }
        Ok((Self::start(file, path), previous))
    }

    /// Starts the writer thread, which owns the (locked) file from now on.
    fn start(file: File, path: &Path) -> Self {
        let path = path.to_owned();
        let (queue, jobs) = mpsc::channel();
        let counters = Arc::new(Counters::default());
        #[cfg(test)]
        let gate = Arc::new(std::sync::Mutex::new(()));
        let writer = {
            let counters = counters.clone();
            #[cfg(test)]
            let gate = gate.clone();
            std::thread::spawn(move || {
                write_batches(file, &path, &jobs, &counters, || {
                    #[cfg(test)]
                    drop(gate.lock());
                })
            })
        };
        Self {
            queue: Some(queue),
            writer: Some(writer),
            counters,
            #[cfg(test)]
            gate,
        }
    }

    /// Appends `entry`; the future resolves once it is synced to disk (with whatever else was
    /// queued since the last sync). The entry's place in the file is fixed when this is called,
    /// not when the future is awaited. Once a write failed, every later one fails too: nothing
    /// more is written, and the caller sends nothing more.
    pub fn write(
        &self,
        entry: &Entry,
    ) -> impl std::future::Future<Output = Result<(), Error>> + use<> {
        let (done, synced) = tokio::sync::oneshot::channel();
        let queued = encode(entry).and_then(|line| {
            self.queue
                .as_ref()
                .and_then(|queue| queue.send(Job { line, done }).ok())
                .ok_or_else(stopped)
        });
        async move {
            queued?;
            match synced.await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(message)) => Err(storage_error(message)),
                Err(_) => Err(stopped()),
            }
        }
    }

    /// How many `fdatasync` calls covered the entries written since the journal was opened.
    pub fn syncs(&self) -> u64 {
        self.counters.syncs.load(Ordering::SeqCst)
    }
}

impl Drop for Journal {
    /// Waits for the entries queued so far to be written, and releases the lock.
    fn drop(&mut self) {
        drop(self.queue.take());
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

fn stopped() -> Error {
    storage_error("the journal's writer stopped; nothing more is written or sent".to_owned())
}

/// One journal line, newline included.
fn encode(entry: &Entry) -> Result<Zeroizing<Vec<u8>>, Error> {
    let mut line = Zeroizing::new(serde_json::to_vec(entry).map_err(|_| {
        Error::new(
            ErrorKind::Unexpected,
            "a journal entry could not be encoded",
        )
    })?);
    line.push(b'\n');
    Ok(line)
}

/// The writer thread: takes every job queued, appends them in order with one write, syncs once,
/// then answers each. After a failure (the partial batch cut off, best effort, so the file ends
/// on a whole line) nothing more is written: a later entry behind a partial one would turn a
/// torn tail into corruption.
fn write_batches(
    mut file: File,
    path: &Path,
    jobs: &mpsc::Receiver<Job>,
    counters: &Counters,
    before_batch: impl Fn(),
) {
    // The first failure's cause, repeated in every later answer: whichever a caller reports
    // names the journal and what went wrong.
    let mut failed: Option<String> = None;
    while let Ok(first) = jobs.recv() {
        before_batch();
        let mut batch = vec![first];
        batch.extend(jobs.try_iter());
        let result = if let Some(cause) = &failed {
            Err(format!(
                "an earlier write to the journal {} failed ({cause}); nothing more is written or sent",
                path.display()
            ))
        } else {
            let mut bytes = Zeroizing::new(Vec::new());
            for job in &batch {
                bytes.extend_from_slice(&job.line);
            }
            let before = file.metadata().map(|m| m.len());
            let written = file.write_all(&bytes).and_then(|()| file.sync_data());
            counters.syncs.fetch_add(1, Ordering::SeqCst);
            written.map_err(|e| {
                failed = Some(e.to_string());
                if let Ok(length) = before {
                    let _ = file.set_len(length).and_then(|()| file.sync_data());
                }
                format!(
                    "cannot write the journal {}: {e}; stopping before sending anything more",
                    path.display()
                )
            })
        };
        if result.is_ok() {
            counters
                .synced
                .fetch_add(batch.len() as u64, Ordering::SeqCst);
        }
        for job in batch {
            let _ = job.done.send(result.clone());
        }
    }
}

/// The entries of a journal's bytes and the length of its good part: everything but a torn last
/// line (one without its newline: an entry and its newline are written at once, so a crash
/// mid-write leaves a line without it). `Err(line)` names the first complete line that does not
/// parse (corruption, or a newer format: never cut off).
fn parse(bytes: &[u8]) -> Result<(Vec<Entry>, usize), usize> {
    let mut entries = Vec::new();
    let mut good = 0;
    let mut rest = bytes;
    let mut line_number = 0;
    while !rest.is_empty() {
        line_number += 1;
        let Some(end) = rest.iter().position(|&b| b == b'\n') else {
            // No newline: a torn write.
            break;
        };
        let line = &rest[..end];
        rest = &rest[end + 1..];
        if line.iter().all(u8::is_ascii_whitespace) {
            good += end + 1;
            continue;
        }
        match serde_json::from_slice::<Entry>(line) {
            Ok(entry) => {
                entries.push(entry);
                good += end + 1;
            }
            Err(_) => return Err(line_number),
        }
    }
    Ok((entries, good))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            format: FORMAT,
            vendor: "first".into(),
            base_url: "http://127.0.0.1:1".into(),
            mode: "admin_set".into(),
            require_change: false,
            input_sha256: "ab".into(),
        }
    }

    #[test]
    fn a_torn_or_unparsable_last_line_is_cut_off_and_nothing_else() {
        let done = br#"{"event":"done","user_id":"1","verified":true}"#;
        let mut bytes = done.to_vec();
        bytes.push(b'\n');
        let whole = bytes.len();
        bytes.extend_from_slice(br#"{"event":"pend"#);
        let (entries, good) = parse(&bytes).unwrap();
        assert_eq!((entries.len(), good), (1, whole));
        // A complete last line that does not parse is not torn: it is refused, never cut off.
        let mut bytes = done.to_vec();
        bytes.extend_from_slice(b"\n{\"event\":\n");
        assert_eq!(parse(&bytes).err(), Some(2));
        // Blank lines count as good.
        let mut bytes = b"\n".to_vec();
        bytes.extend_from_slice(done);
        bytes.extend_from_slice(b"\n{\"ev");
        assert_eq!(parse(&bytes).unwrap().1, whole + 1);
        // A bad line before the last is corruption.
        let mut bytes = b"garbage\n".to_vec();
        bytes.extend_from_slice(done);
        bytes.push(b'\n');
        assert_eq!(parse(&bytes).err(), Some(1));
        assert_eq!(parse(b"").unwrap().1, 0);
    }

    fn pending(user: &str, password: &str) -> Entry {
        Entry::Pending {
            user_id: user.into(),
            new_password: Zeroizing::new(password.into()),
        }
    }

    fn failed(user: &str, outcome: Outcome) -> Entry {
        Entry::Failed {
            user_id: user.into(),
            kind: ErrorKind::Unavailable,
            outcome,
            message: "m".into(),
        }
    }

    fn unsettled(previous: Option<&Previous>) -> Option<&str> {
        match previous {
            Some(Previous::Unsettled { password }) => Some(password),
            _ => None,
        }
    }

    #[tokio::test]
    async fn resume_reads_what_each_users_history_left() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        {
            let journal = Journal::create(&path, header()).unwrap();
            for entry in [
                pending("done", "p1"),
                Entry::Done {
                    user_id: "done".into(),
                    verified: true,
                },
                pending("crashed", "p2"),
                pending("unknown", "p3"),
                failed("unknown", Outcome::Unknown),
                pending("refused", "p4"),
                failed("refused", Outcome::NotApplied),
                // A failure the journal never sent a password for (e.g. an old format) is
                // not applied.
                failed("orphan", Outcome::Unknown),
                pending("retried", "p5"),
                failed("retried", Outcome::NotApplied),
                pending("retried", "p6"),
                // Never written by pwchange; read conservatively: to settle.
                pending("odd", "p7"),
                failed("odd", Outcome::Applied),
            ] {
                journal.write(&entry).await.unwrap();
            }
        }
        let (_journal, previous) = Journal::resume(&path, &header()).unwrap();
        assert!(matches!(previous.get("done"), Some(Previous::Done)));
        assert_eq!(unsettled(previous.get("crashed")), Some("p2"));
        assert_eq!(unsettled(previous.get("unknown")), Some("p3"));
        assert!(matches!(
            previous.get("refused"),
            Some(Previous::NotApplied)
        ));
        assert!(matches!(previous.get("orphan"), Some(Previous::NotApplied)));
        assert_eq!(unsettled(previous.get("retried")), Some("p6"));
        assert_eq!(unsettled(previous.get("odd")), Some("p7"));
        assert!(!previous.contains_key("never"));
    }

    #[test]
    fn resume_refuses_a_foreign_headerless_locked_or_corrupt_journal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let journal = Journal::create(&path, header()).unwrap();
        // Locked by the journal above.
        let error = Journal::resume(&path, &header()).err().unwrap().to_string();
        assert!(
            error.contains("in use by another pwchange process"),
            "{error}"
        );
        drop(journal);
        let mut other = header();
        other.vendor = "second".into();
        let error = Journal::resume(&path, &other).err().unwrap().to_string();
        assert!(error.contains("vendor first, not second"), "{error}");
        assert!(Journal::resume(&path, &header()).is_ok());

        let empty = dir.path().join("empty.jsonl");
        std::fs::write(&empty, "").unwrap();
        let error = Journal::resume(&empty, &header())
            .err()
            .unwrap()
            .to_string();
        assert!(
            error.contains("is empty") && error.contains("delete it"),
            "{error}"
        );

        let headerless = dir.path().join("old.jsonl");
        std::fs::write(
            &headerless,
            "{\"event\":\"done\",\"user_id\":\"1\",\"verified\":true}\n",
        )
        .unwrap();
        let error = Journal::resume(&headerless, &header())
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("has no header line"), "{error}");

        let corrupt = dir.path().join("corrupt.jsonl");
        let mut text = serde_json::to_string(&Entry::Header(header())).unwrap();
        text.push_str("\ngarbage\n{\"event\":\"done\",\"user_id\":\"1\",\"verified\":true}\n");
        std::fs::write(&corrupt, text).unwrap();
        let error = Journal::resume(&corrupt, &header())
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("line 2 is corrupt"), "{error}");

        let twice = dir.path().join("twice.jsonl");
        let line = serde_json::to_string(&Entry::Header(header())).unwrap();
        std::fs::write(&twice, format!("{line}\n{line}\n")).unwrap();
        let error = Journal::resume(&twice, &header())
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("second header line"), "{error}");

        let error = Journal::create(&path, header()).err().unwrap().to_string();
        assert!(error.contains("never overwritten"), "{error}");
    }

    #[tokio::test]
    async fn a_torn_tail_is_cut_off_before_the_next_entry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        drop(Journal::create(&path, header()).unwrap());
        let whole = std::fs::metadata(&path).unwrap().len();
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(br#"{"event":"pending","user_id":"1","new_pa"#)
            .unwrap();
        drop(file);
        let torn = std::fs::metadata(&path).unwrap().len();
        // Another rotation's resume leaves the journal as it is, torn end included.
        let mut other = header();
        other.mode = "self_service".into();
        assert!(Journal::resume(&path, &other).is_err());
        assert_eq!(std::fs::metadata(&path).unwrap().len(), torn);
        let (journal, previous) = Journal::resume(&path, &header()).unwrap();
        assert!(previous.is_empty());
        assert_eq!(std::fs::metadata(&path).unwrap().len(), whole);
        journal.write(&pending("2", "p")).await.unwrap();
        drop(journal);
        let (_journal, previous) = Journal::resume(&path, &header()).unwrap();
        assert_eq!(unsettled(previous.get("2")), Some("p"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    fn done(user: &str) -> Entry {
        Entry::Done {
            user_id: user.into(),
            verified: false,
        }
    }

    #[tokio::test]
    async fn entries_queued_together_share_one_sync_and_keep_their_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let journal = Journal::create(&path, header()).unwrap();
        assert_eq!(
            journal.syncs(),
            0,
            "the header is synced before the writer starts"
        );
        let held = journal.gate.lock().unwrap();
        // Queued while the writer waits: one batch.
        let writes: Vec<_> = (0..10)
            .map(|i| journal.write(&done(&i.to_string())))
            .collect();
        drop(held);
        for write in writes {
            write.await.unwrap();
        }
        assert_eq!(journal.syncs(), 1);
        assert_eq!(journal.counters.synced.load(Ordering::SeqCst), 10);
        // A write resolves only once its entry is synced.
        for i in 10..20 {
            journal.write(&done(&i.to_string())).await.unwrap();
            assert_eq!(journal.counters.synced.load(Ordering::SeqCst), i + 1);
        }
        assert_eq!(journal.syncs(), 11);
        drop(journal);
        let (_journal, previous) = Journal::resume(&path, &header()).unwrap();
        assert_eq!(previous.len(), 20);
        let text = std::fs::read_to_string(&path).unwrap();
        let order: Vec<String> = text
            .lines()
            .skip(1)
            .map(|line| {
                serde_json::from_str::<serde_json::Value>(line).unwrap()["user_id"].to_string()
            })
            .collect();
        let expected: Vec<String> = (0..20).map(|i| format!("\"{i}\"")).collect();
        assert_eq!(order, expected);
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn after_a_failed_write_nothing_more_is_written() {
        let full = OpenOptions::new().write(true).open("/dev/full").unwrap();
        let journal = Journal::start(full, Path::new("/dev/full"));
        let first = journal.write(&done("1")).await.err().unwrap();
        assert_eq!(first.kind(), ErrorKind::Storage);
        let first = first.to_string();
        assert!(
            first.contains("cannot write the journal /dev/full: No space left on device"),
            "{first}"
        );
        let second = journal.write(&done("2")).await.err().unwrap();
        assert_eq!(second.kind(), ErrorKind::Storage);
        let second = second.to_string();
        assert!(
            second.contains(
                "an earlier write to the journal /dev/full failed (No space left on device"
            ),
            "{second}"
        );
        assert_eq!(journal.counters.synced.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn the_header_names_the_first_difference() {
        let base = header();
        type Edit = fn(&mut Header);
        let cases: [(Edit, &str); 6] = [
            (|h| h.format = 1, "format 1"),
            (|h| h.vendor = "second".into(), "vendor first, not second"),
            (|h| h.base_url = "http://x".into(), "another base URL"),
            (
                |h| h.mode = "self_service".into(),
                "mode admin_set, not self_service",
            ),
            (|h| h.require_change = true, "--require-change"),
            (|h| h.input_sha256 = "cd".into(), "input file"),
        ];
        for (change, expected) in cases {
            let mut run = header();
            change(&mut run);
            let difference = base.difference(&run).unwrap();
            assert!(difference.contains(expected), "{difference}");
        }
        assert_eq!(base.difference(&header()), None);
    }
}
