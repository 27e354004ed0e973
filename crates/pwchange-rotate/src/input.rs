//! The rotation input: CSV with a header, or JSON Lines; read once ([`Input::read`]: the
//! records checked, the records sent and the sha256 in the journal's header all come from the
//! same bytes, whatever happens to the file meanwhile), checked whole before anything is sent.
//! Errors name the file, the line and the field, never a value.

use std::collections::HashSet;
use std::io::{BufRead, Cursor};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use pwchange::{Error, ErrorKind, Vendor};
use serde::Deserialize;
use zeroize::Zeroizing;

/// One input record (CSV row or JSON line).
#[derive(Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InputRecord {
    /// The user's id in the vendor's form.
    pub user_id: String,
    /// The current password: required for a self-service rotation, refused with `--admin`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub current_password: Option<Zeroizing<String>>,
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

/// A record with its line and its user id in the vendor's canonical form. No `Debug`: it
/// holds a password.
pub struct Record {
    /// Its line in the input (the CSV header is line 1).
    pub line: usize,
    /// The user's id in the vendor's canonical form.
    pub user_id: String,
    /// The current password (self-service).
    pub current_password: Option<Zeroizing<String>>,
    /// The name the user logs in with, where the vendor's login needs one besides the id.
    pub login_name: Option<String>,
}

fn input_error(what: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::InvalidInput, what.to_string())
}

/// Records with their line numbers, parsed as they are read.
pub type Rows = Box<dyn Iterator<Item = Result<(usize, InputRecord), Error>>>;

/// The input file's bytes, read once; they hold current passwords, so they are zeroed when the
/// last copy of the handle is dropped.
#[derive(Clone)]
pub struct Input {
    shown: String,
    path: Option<PathBuf>,
    format: Format,
    bytes: Bytes,
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("shown", &self.shown)
            .field("format", &self.format)
            .field("bytes", &self.bytes.as_ref().len())
            .finish()
    }
}

/// An input's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// CSV with a header line: `user_id[,current_password][,login_name]`.
    Csv,
    /// JSON Lines: `{"user_id": …, "current_password": …, "login_name": …}` per line.
    JsonLines,
}

impl Format {
    /// The format a file's extension names: `.csv`, or `.jsonl`/`.ndjson`.
    pub fn of_path(path: &Path) -> Option<Self> {
        match path.extension().and_then(|e| e.to_str()) {
            Some("csv") => Some(Format::Csv),
            Some("jsonl" | "ndjson") => Some(Format::JsonLines),
            _ => None,
        }
    }

    /// The format of bytes without a name (a pipe): JSON Lines when the first character that
    /// is not white space is `{`, else CSV.
    pub fn sniff(bytes: &[u8]) -> Self {
        match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => Format::JsonLines,
            _ => Format::Csv,
        }
    }
}

/// The shared bytes, readable through a [`Cursor`].
#[derive(Clone)]
struct Bytes(Arc<Zeroizing<Vec<u8>>>);

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        self.0.as_slice()
    }
}

impl Input {
    /// Reads `path` (a `.csv` or `.jsonl`/`.ndjson` file) whole.
    pub fn read(path: &Path) -> Result<Self, Error> {
        let Some(format) = Format::of_path(path) else {
            return Err(input_error(format!(
                "{}: expected a .csv or .jsonl file",
                path.display()
            )));
        };
        let bytes = std::fs::read(path)
            .map_err(|e| input_error(format!("cannot read {}: {e}", path.display())))?;
        Ok(Self {
            shown: path.display().to_string(),
            path: Some(path.to_owned()),
            format,
            bytes: Bytes(Arc::new(Zeroizing::new(bytes))),
        })
    }

    /// An input from bytes already read (a pipe, a service's request), named `shown` in
    /// errors. Current passwords in it are zeroed with it.
    pub fn from_bytes(bytes: Vec<u8>, format: Format, shown: impl Into<String>) -> Self {
        Self {
            shown: shown.into(),
            path: None,
            format,
            bytes: Bytes(Arc::new(Zeroizing::new(bytes))),
        }
    }

    /// Reads `reader` to its end (standard input: `--input -`), its format sniffed
    /// ([`Format::sniff`]), named `shown` in errors.
    pub fn from_reader(mut reader: impl std::io::Read, shown: &str) -> Result<Self, Error> {
        let mut bytes = Zeroizing::new(Vec::new());
        reader
            .read_to_end(&mut bytes)
            .map_err(|e| input_error(format!("cannot read {shown}: {}", e.kind())))?;
        let format = Format::sniff(&bytes);
        Ok(Self::from_bytes(std::mem::take(&mut *bytes), format, shown))
    }

    /// The file it was read from, if it was.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The sha256 of the bytes read, in hex.
    pub fn sha256(&self) -> String {
        use sha2::Digest as _;
        sha2::Sha256::digest(self.bytes.as_ref())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// The records of `input` with their line numbers: CSV with a header, or JSON Lines.
pub fn records(input: &Input) -> Result<Rows, Error> {
    let file = Cursor::new(input.bytes.clone());
    let shown = input.shown.clone();
    match input.format {
        Format::Csv => {
            // Only the header's cells are trimmed: a password's edge spaces are part of it (a
            // password sent trimmed is wrong, and counts towards a lockout). `checked` trims the
            // user id and the login name.
            let mut reader = csv::ReaderBuilder::new()
                .trim(csv::Trim::Headers)
                .from_reader(file);
            let headers = reader
                .headers()
                .map_err(|e| input_error(format!("{shown} line 1: {}", describe_csv(&e, None))))?
                .clone();
            check_header(&headers)
                .map_err(|what| input_error(format!("{shown} line 1: {what}")))?;
            // Each record's own position: blank lines and quoted line breaks counted right.
            Ok(Box::new(reader.into_records().map(move |row| {
                let at =
                    |line: u64, what: String| input_error(format!("{shown} line {line}: {what}"));
                let record = row.map_err(|e| {
                    at(
                        e.position().map_or(0, csv::Position::line),
                        describe_csv(&e, Some(&headers)),
                    )
                })?;
                let line = record.position().map_or(0, csv::Position::line);
                record
                    .deserialize::<InputRecord>(Some(&headers))
                    .map(|parsed| (line as usize, parsed))
                    .map_err(|e| at(line, describe_csv(&e, Some(&headers))))
            })))
        }
        Format::JsonLines => Ok(Box::new(file.lines().enumerate().filter_map(
            move |(index, line)| {
                let line = match line {
                    Ok(line) if line.trim().is_empty() => return None,
                    Ok(line) => line,
                    Err(e) => {
                        return Some(Err(input_error(format!("{shown} line {}: {e}", index + 1))));
                    }
                };
                Some(
                    serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(
                        &line,
                    ))
                    .map(|record| (index + 1, record))
                    .map_err(|e| {
                        let column = e.inner().column();
                        input_error(format!(
                            "{shown} line {} column {column}: {}",
                            index + 1,
                            describe_json(&e)
                        ))
                    }),
                )
            },
        ))),
    }
}

/// The columns an input may have.
const COLUMNS: [&str; 3] = ["user_id", "current_password", "login_name"];

/// The header line's problem, if any, without its cells when they are not column names (a
/// file without a header has a user's values there, perhaps a password).
fn check_header(headers: &csv::StringRecord) -> Result<(), String> {
    for (index, cell) in headers.iter().enumerate() {
        if !COLUMNS.contains(&cell) {
            return Err(format!(
                "column {} of the header is not one of {} (is the header line missing?)",
                index + 1,
                COLUMNS.join(", ")
            ));
        }
        if headers.iter().take(index).any(|earlier| earlier == cell) {
            return Err(format!("the header names column {cell} twice"));
        }
    }
    if !headers.iter().any(|cell| cell == "user_id") {
        return Err("the header has no user_id column".to_owned());
    }
    Ok(())
}

/// A JSON Lines error naming the field, without the value (serde_json's own message can quote
/// it: "invalid type: string \"…\"").
fn describe_json(error: &serde_path_to_error::Error<serde_json::Error>) -> String {
    let inner = error.inner();
    if !matches!(inner.classify(), serde_json::error::Category::Data) {
        return "not valid JSON (one object per line)".to_owned();
    }
    let message = inner.to_string();
    // serde's own words for these name the field (from the schema or the key), not a value.
    let named = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
            .filter(|name| name.len() <= 64)
            .map(str::to_owned)
    };
    if let Some(field) = named("missing field `") {
        return format!("field {field} is missing (see `pwchange schema`)");
    }
    // An unknown key is the file's text, not a field we know: never echoed (a secret pasted
    // in the wrong place would be printed).
    if message.starts_with("unknown field `") {
        return format!(
            "a field other than {} (see `pwchange schema`)",
            COLUMNS.join(", ")
        );
    }
    if let Some(field) = named("duplicate field `") {
        return format!("field {field} appears twice");
    }
    let path = error.path().to_string();
    match COLUMNS.iter().find(|column| **column == path) {
        Some(field) => format!("field {field}: the value is not a string (see `pwchange schema`)"),
        None => "the line is not a JSON object with the fields of `pwchange schema`".to_owned(),
    }
}

/// A CSV error without the row's content (which may hold a password), naming the column from
/// the header when there is one. (The header is checked first, so an unknown or missing column
/// never gets here; a value that does not fit its field could, if a field were not a string.)
fn describe_csv(error: &csv::Error, headers: Option<&csv::StringRecord>) -> String {
    match error.kind() {
        csv::ErrorKind::Deserialize { err, .. } => {
            // The kind's text can quote the value (serde's "invalid type: string …").
            let column =
                err.field()
                    .map(|field| match headers.and_then(|h| h.get(field as usize)) {
                        Some(name) => format!("field {name} (column {})", field + 1),
                        None => format!("column {}", field + 1),
                    });
            format!(
                "{}: the value does not match the schema (see `pwchange schema`)",
                column.as_deref().unwrap_or("the record")
            )
        }
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!(
                "{len} field{} where the header has {expected_len}",
                if *len == 1 { "" } else { "s" }
            )
        }
        _ => "not valid CSV".to_owned(),
    }
}

/// The input's records, checked: user ids in `vendor`'s canonical form (two spellings of one
/// user are one user), and the current password present exactly when the rotation is
/// self-service (`admin` false).
pub fn checked(
    input: &Input,
    vendor: Vendor,
    admin: bool,
) -> Result<impl Iterator<Item = Result<Record, Error>> + use<>, Error> {
    let shown = input.shown.clone();
    Ok(records(input)?.map(move |row| {
        let (line, record) = row?;
        let at = |what: &str| input_error(format!("{shown} line {line}: {what}"));
        let user_id = pwchange::canonical_user_id(vendor, record.user_id.trim()).map_err(|e| {
            at(&format!("user_id: {}", e.message()))
        })?;
        // A cell of spaces only (`42, ,alice`) is empty: no password is only spaces.
        let current = record
            .current_password
            .filter(|p| !p.trim().is_empty());
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

/// Checks every record in one pass (shape, ids, mode, duplicates by canonical id) and hashes
/// the bytes. Besides the bytes, memory stays flat: duplicates are found by a 64-bit hash of
/// each canonical id (≈ 16 bytes per user; a false "appears twice" has a chance of about 3e-10
/// at 100,000 users, and would stop the run before anything is sent).
pub fn survey(input: &Input, vendor: Vendor, admin: bool) -> Result<Survey, Error> {
    use std::hash::{BuildHasher as _, BuildHasherDefault, DefaultHasher};
    let hasher = BuildHasherDefault::<DefaultHasher>::default();
    let mut seen = HashSet::new();
    let mut first = Vec::new();
    for record in checked(input, vendor, admin)? {
        let record = record?;
        if first.len() < 3 {
            first.push(record.user_id.clone());
        }
        if !seen.insert(hasher.hash_one(&record.user_id)) {
            return Err(input_error(format!(
                "{} line {}: the user appears twice (compared in the vendor's canonical form)",
                input.shown, record.line
            )));
        }
    }
    Ok(Survey {
        count: seen.len(),
        first,
        sha256: input.sha256(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    fn input(path: &Path) -> Input {
        Input::read(path).unwrap()
    }

    fn lines(path: &Path) -> Vec<Result<usize, String>> {
        records(&input(path))
            .unwrap()
            .map(|row| row.map(|(line, _)| line).map_err(|e| e.to_string()))
            .collect()
    }

    /// Issue #35: a password's edge spaces are kept, in CSV as in JSON Lines; ids and login
    /// names are trimmed.
    #[test]
    fn a_password_is_read_as_it_is_written() {
        let password = "  Edge spaces kept\t ";
        let (_dir, csv) = file(
            "u.csv",
            &format!("user_id , current_password,login_name\n 42 ,\"{password}\", alice \n"),
        );
        let (_dir2, jsonl) = file(
            "u.jsonl",
            &format!(
                "{{\"user_id\":\" 42 \",\"current_password\":{},\"login_name\":\" alice \"}}\n",
                serde_json::to_string(password).unwrap()
            ),
        );
        for path in [csv, jsonl] {
            let input = input(&path);
            let records: Vec<Record> = checked(&input, Vendor::ALL[0], false)
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let record = &records[0];
            assert_eq!(
                record.current_password.as_deref().map(String::as_str),
                Some(password)
            );
            assert_eq!(record.login_name.as_deref(), Some("alice"));
            assert_eq!(
                record.user_id,
                pwchange::canonical_user_id(Vendor::ALL[0], "42").unwrap()
            );
        }
    }

    #[test]
    fn debug_hides_the_current_password() {
        let record = InputRecord {
            user_id: "u1".into(),
            current_password: Some(Zeroizing::new("S3cret-Old!".into())),
            login_name: None,
        };
        let shown = format!("{record:?}");
        assert!(
            shown.contains("u1") && shown.contains("<redacted>"),
            "{shown}"
        );
        assert!(!shown.contains("S3cret"), "{shown}");
    }

    #[test]
    fn csv_and_jsonl_rows_carry_their_line_numbers() {
        let (_dir, csv) = file("u.csv", "user_id\n1\n2\n3,extra\n");
        let rows = lines(&csv);
        assert_eq!(rows[..2], [Ok(2), Ok(3)]);
        let error = rows[2].clone().unwrap_err();
        assert!(
            error.contains("u.csv line 4: 2 fields where the header has 1"),
            "{error}"
        );

        let (_dir, jsonl) = file(
            "u.jsonl",
            "{\"user_id\":\"1\"}\n\n{\"user_id\":\"2\"}\n{\"x\":1}\n",
        );
        let rows = lines(&jsonl);
        assert_eq!(rows[..2], [Ok(1), Ok(3)]);
        let error = rows[2].clone().unwrap_err();
        assert!(
            error.contains("u.jsonl line 4 column 4: a field other than user_id"),
            "{error}"
        );

        let (_dir, other) = file("u.txt", "");
        let error = Input::read(&other).err().unwrap().to_string();
        assert!(error.contains("expected a .csv or .jsonl file"), "{error}");
    }

    /// The header's own problems are line 1's, named without the cells (a file without a
    /// header has a user's values there).
    fn header_error(text: &str) -> String {
        let (_dir, csv) = file("u.csv", text);
        let error = records(&input(&csv)).err().unwrap().to_string();
        assert!(error.contains("u.csv line 1: "), "{error}");
        assert!(!error.contains("S3cret"), "{error}");
        error
    }

    #[test]
    fn a_bad_csv_header_is_line_1_and_never_shows_its_cells() {
        let error = header_error("123,S3cret-Old!\n456,Other-Pw1\n");
        assert!(
            error.contains("column 1 of the header is not one of"),
            "{error}"
        );
        assert!(error.contains("is the header line missing?"), "{error}");
        let error = header_error("user_id,S3cret-Old!\n1,x\n");
        assert!(error.contains("column 2 of the header"), "{error}");
        let error = header_error("current_password\nS3cret-Old!\n");
        assert!(
            error.contains("the header has no user_id column"),
            "{error}"
        );
        let error = header_error("user_id,user_id\n1,2\n");
        assert!(
            error.contains("the header names column user_id twice"),
            "{error}"
        );
        // A value that does not fit its column is named by the column, on its own line.
        let (_dir, csv) = file(
            "u.csv",
            "user_id,current_password\n1,\"a\nb\"\n2,S3cret-Old!,x\n",
        );
        let rows = lines(&csv);
        assert_eq!(rows[0], Ok(2));
        let error = rows[1].clone().unwrap_err();
        assert!(
            error.contains("u.csv line 4: 3 fields where the header has 2"),
            "{error}"
        );
        assert!(!error.contains("S3cret"), "{error}");
    }

    #[test]
    fn a_csv_value_that_does_not_fit_is_named_by_its_column_never_by_itself() {
        let headers = csv::StringRecord::from(vec!["user_id", "current_password"]);
        let row = csv::StringRecord::from(vec!["S3cret-1", "S3cret-2"]);
        let error = row.deserialize::<(String, u32)>(None).unwrap_err();
        assert_eq!(
            describe_csv(&error, Some(&headers)),
            "field current_password (column 2): the value does not match the schema (see `pwchange schema`)"
        );
        assert_eq!(
            describe_csv(&error, None),
            "column 2: the value does not match the schema (see `pwchange schema`)"
        );
        let (_dir, csv) = file("u.csv", "user_id\n\u{ff}S3cret\n");
        std::fs::write(&csv, b"user_id\n\xffS3cret\n").unwrap();
        let error = lines(&csv).remove(0).unwrap_err();
        assert!(error.ends_with("u.csv line 2: not valid CSV"), "{error}");
    }

    #[test]
    fn a_json_lines_error_names_the_field_never_the_value() {
        for (line, expected) in [
            (
                r#"{"user_id": "1", "current_password": 5}"#,
                "column 38: field current_password: the value is not a string",
            ),
            (
                r#"{"user_id": ["S3cret"]}"#,
                "field user_id: the value is not a string",
            ),
            (
                r#"{"current_password": "S3cret-Old!"}"#,
                "field user_id is missing",
            ),
            (
                r#"{"user_id": "1", "S3cret-pasted-as-a-key-and-longer-than-sixty-four-characters-S3cret": ""}"#,
                "a field other than user_id, current_password, login_name",
            ),
            (
                r#"{"user_id": "1", "S3cret": ""}"#,
                "a field other than user_id, current_password, login_name",
            ),
            (
                r#"{"user_id": "1", "user_id": "S3cret"}"#,
                "field user_id appears twice",
            ),
            (r#""S3cret""#, "the line is not a JSON object"),
            (
                r#"{"user_id": "S3cret"#,
                "not valid JSON (one object per line)",
            ),
        ] {
            let (_dir, jsonl) = file("u.jsonl", &format!("{line}\n"));
            let error = lines(&jsonl).remove(0).unwrap_err();
            assert!(error.contains("u.jsonl line 1 column"), "{line}: {error}");
            assert!(error.contains(expected), "{line}: {error}");
            assert!(!error.contains("S3cret"), "{line}: {error}");
        }
    }

    #[test]
    fn the_mode_and_the_canonical_ids_are_checked_per_line() {
        let vendor = Vendor::ALL[0];
        let id = pwchange_sim::demo_user(vendor).id;
        let (_dir, csv) = file(
            "u.csv",
            &format!("user_id,current_password,login_name\n {id} ,Old-1, name \n{id},,\n"),
        );
        let mut rows = checked(&input(&csv), vendor, false).unwrap();
        let first = rows.next().unwrap().unwrap();
        assert_eq!((first.line, first.user_id.as_str()), (2, id.as_str()));
        assert_eq!(first.login_name.as_deref(), Some("name"));
        let error = rows.next().unwrap().err().unwrap().to_string();
        assert!(
            error.contains("u.csv line 3: current_password is empty"),
            "{error}"
        );

        let mut rows = checked(&input(&csv), vendor, true).unwrap();
        let error = rows.next().unwrap().err().unwrap().to_string();
        assert!(
            error.contains("u.csv line 2: current_password is given, but --admin"),
            "{error}"
        );
        let admin = rows.next().unwrap().unwrap();
        assert_eq!((admin.line, admin.current_password), (3, None));

        let (_dir, bad) = file("b.csv", "user_id\n../x\n");
        let error = checked(&input(&bad), vendor, true)
            .unwrap()
            .next()
            .unwrap()
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("b.csv line 2: user_id:"), "{error}");
        assert!(!error.contains("../x"), "{error}");
    }

    #[test]
    fn the_survey_counts_finds_duplicates_and_hashes_the_file() {
        let vendor = Vendor::ALL[0];
        let ids: Vec<String> = (1..=4)
            .map(|n| pwchange_sim::numbered_user_id(vendor, n))
            .collect();
        let (_dir, csv) = file("u.csv", &format!("user_id\n{}\n", ids.join("\n")));
        let survey = survey(&input(&csv), vendor, true).unwrap();
        assert_eq!(survey.count, 4);
        assert_eq!(survey.first, ids[..3]);
        use sha2::Digest as _;
        let expected: String = sha2::Sha256::digest(std::fs::read(&csv).unwrap())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(survey.sha256, expected);

        let (_dir, twice) = file(
            "t.csv",
            &format!("user_id\n{}\n{}\n {} \n", ids[0], ids[1], ids[0]),
        );
        let error = super::survey(&input(&twice), vendor, true)
            .err()
            .unwrap()
            .to_string();
        assert!(
            error.contains("t.csv line 4: the user appears twice"),
            "{error}"
        );
    }

    /// Issue #27: the records checked, the records sent and the journal's sha256 come from one
    /// read: a file rewritten after it was read changes none of them.
    #[test]
    fn the_input_is_read_once() {
        use sha2::Digest as _;
        let vendor = Vendor::ALL[0];
        let id = |n| pwchange_sim::numbered_user_id(vendor, n);
        let original = format!("user_id\n{}\n{}\n", id(1), id(2));
        let (_dir, csv) = file("users.csv", &original);
        let input = input(&csv);
        std::fs::write(&csv, format!("user_id\n{}\n", id(3))).unwrap();
        let survey = survey(&input, vendor, true).unwrap();
        assert_eq!(survey.count, 2);
        let expected: String = sha2::Sha256::digest(original.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(survey.sha256, expected);
        let sent: Vec<String> = checked(&input, vendor, true)
            .unwrap()
            .map(|r| r.unwrap().user_id)
            .collect();
        let canonical = |n| pwchange::canonical_user_id(vendor, &id(n)).unwrap();
        assert_eq!(sent, [canonical(1), canonical(2)]);
    }
}
