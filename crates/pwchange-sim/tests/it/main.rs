//! The simulator binary's integration tests, one test binary: `cli`, the `pwchange-sim`
//! command as a new user meets it.

#![allow(clippy::unwrap_used)] // test code

mod cli;
