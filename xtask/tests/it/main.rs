//! xtask's integration tests, one test binary: `cli`, `cargo xtask` as a developer runs it.

#![allow(clippy::unwrap_used)] // test code

mod cli;
