//! The rotation input: CSV with a header, or JSON Lines; read lazily, checked whole before
//! anything is sent. Errors name the file, the line and the field, never a value.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader, Read as _};
use std::path::Path;

use pwchange::{Error, ErrorKind, Vendor};
use serde::Deserialize;

/// One input record (CSV row or JSON line).
#[derive(Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InputRecord {
    /// The user's id in the vendor's form.
    pub user_id: String,
    /// The current password: required for a self-service rotation, refused with `--admin`.
    #[serde(default)]
    pub current_password: Option<String>,
    /// The name the user logs in with, for vendors whose verification login needs one besides
    /// the id (see each vendor's `verification` in `pwchange vendors`).
    #[serde(default)]
    pub login_name: Option<String>,
}

impl std::fmt::Debug for InputRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InputRecord")
            .field("user_id", &self.user_id)
            .field(
                "current_password",
                &self.current_password.as_ref().map(|_| "<redacted>"),
            )
            .field("login_name", &self.login_name)
            .finish()
    }
}

/// A record with its line and its user id in the vendor's canonical form.
pub struct Record {
    pub line: usize,
    pub user_id: String,
    pub current_password: Option<String>,
    pub login_name: Option<String>,
}

fn input_error(what: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::InvalidInput, what.to_string())
}

/// Records with their line numbers, read lazily.
pub type Rows = Box<dyn Iterator<Item = Result<(usize, InputRecord), Error>>>;

/// The records of `path` with their line numbers: CSV with a header, or JSON Lines.
pub fn records(path: &Path) -> Result<Rows, Error> {
    let file = File::open(path)
        .map_err(|e| input_error(format!("cannot open {}: {e}", path.display())))?;
    let shown = path.display().to_string();
    match path.extension().and_then(|e| e.to_str()) {
        Some("csv") => {
            let reader = csv::ReaderBuilder::new()
                .trim(csv::Trim::All)
                .from_reader(file);
            let mut line = 1; // the header
            Ok(Box::new(reader.into_deserialize::<InputRecord>().map(
                move |row| {
                    // One record per line: a quoted field with a line break is not a user id.
                    line += 1;
                    row.map(|record| (line, record)).map_err(|e| {
                        let at = e.position().map_or(line, |p| p.line() as usize);
                        input_error(format!("{shown} line {at}: {}", describe_csv(&e)))
                    })
                },
            )))
        }
        Some("jsonl" | "ndjson") => Ok(Box::new(
            BufReader::new(file)
                .lines()
                .enumerate()
                .filter_map(move |(index, line)| {
                    let line = match line {
                        Ok(line) if line.trim().is_empty() => return None,
                        Ok(line) => line,
                        Err(e) => {
                            return Some(Err(input_error(format!(
                                "{shown} line {}: {e}",
                                index + 1
                            ))));
                        }
                    };
                    // The category and column only: serde_json's message can quote a value.
                    Some(
                        serde_json::from_str(&line)
                            .map(|record| (index + 1, record))
                            .map_err(|e| {
                                let what = match e.classify() {
                                    serde_json::error::Category::Data => {
                                        "the record does not match the schema (see `pwchange schema`)"
                                    }
                                    _ => "not valid JSON",
                                };
                                input_error(format!(
                                    "{shown} line {} column {}: {what}",
                                    index + 1,
                                    e.column()
                                ))
                            }),
                    )
                }),
        )),
        _ => Err(input_error(format!(
            "{}: expected a .csv or .jsonl file",
            path.display()
        ))),
    }
}

/// A CSV error without the row's content (which may hold a password).
fn describe_csv(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Deserialize { err, .. } => match err.field() {
            Some(field) => format!("field {}: {}", field + 1, err.kind()),
            // serde's "unknown field" message quotes the header cell, which is a value when
            // the file has no header line.
            None if matches!(err.kind(), csv::DeserializeErrorKind::Message(m) if m.contains("unknown field")) => {
                "a column is not one of user_id, current_password, login_name (is the header line missing?)".to_owned()
            }
            None => "the record does not match the schema (see `pwchange schema`)".to_owned(),
        },
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("{len} fields where the header has {expected_len}")
        }
        _ => "not valid CSV".to_owned(),
    }
}

/// The input's records, checked: user ids in `vendor`'s canonical form (two spellings of one
/// user are one user), and the current password present exactly when the rotation is
/// self-service (`admin` false).
pub fn checked(
    path: &Path,
    vendor: Vendor,
    admin: bool,
) -> Result<impl Iterator<Item = Result<Record, Error>>, Error> {
    let shown = path.display().to_string();
    Ok(records(path)?.map(move |row| {
        let (line, record) = row?;
        let at = |what: &str| input_error(format!("{shown} line {line}: {what}"));
        let user_id = pwchange::canonical_user_id(vendor, &record.user_id).map_err(|e| {
            at(&format!("user_id: {}", e.message()))
        })?;
        let current = record.current_password.filter(|p| !p.is_empty());
        match (admin, &current) {
            (false, None) => {
                return Err(at(
                    "current_password is empty; a self-service rotation needs it (pass --admin for an administrative rotation)",
                ));
            }
            (true, Some(_)) => {
                return Err(at(
                    "current_password is given, but --admin sets passwords without it; remove the column or drop --admin",
                ));
            }
            _ => {}
        }
        Ok(Record {
            line,
            user_id,
            current_password: current,
            login_name: record.login_name.map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()),
        })
    }))
}

/// What the one pass over the input before anything is sent found.
pub struct Survey {
    /// How many users.
    pub count: usize,
    /// The first few canonical ids, for the plan.
    pub first: Vec<String>,
    /// The sha256 of the file, for the journal's header.
    pub sha256: String,
}

/// Checks every record in one streaming pass (shape, ids, mode, duplicates by canonical id)
/// and hashes the file. Memory stays flat: duplicates are found by a 64-bit hash of each
/// canonical id (≈ 16 bytes per user; a false "appears twice" has a chance of about 3e-10 at
/// 100,000 users, and would stop the run before anything is sent).
pub fn survey(path: &Path, vendor: Vendor, admin: bool) -> Result<Survey, Error> {
    use std::hash::{BuildHasher as _, BuildHasherDefault, DefaultHasher};
    let hasher = BuildHasherDefault::<DefaultHasher>::default();
    let mut seen = HashSet::new();
    let mut first = Vec::new();
    for record in checked(path, vendor, admin)? {
        let record = record?;
        if first.len() < 3 {
            first.push(record.user_id.clone());
        }
        if !seen.insert(hasher.hash_one(&record.user_id)) {
            return Err(input_error(format!(
                "{} line {}: the user appears twice (compared in the vendor's canonical form)",
                path.display(),
                record.line
            )));
        }
    }
    Ok(Survey {
        count: seen.len(),
        first,
        sha256: sha256_of(path)?,
    })
}

fn sha256_of(path: &Path) -> Result<String, Error> {
    use sha2::Digest as _;
    let mut file = File::open(path)
        .map_err(|e| input_error(format!("cannot open {}: {e}", path.display())))?;
    let mut hasher = sha2::Sha256::new();
    let mut buffer = vec![0; 64 * 1024];
    loop {
        let n = file
            .read(&mut buffer)
            .map_err(|e| input_error(format!("cannot read {}: {e}", path.display())))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}
