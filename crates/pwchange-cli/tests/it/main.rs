//! The `pwchange` binary's integration tests, one test binary (every binary links the whole
//! stack; each module says what it covers). `common` is what they share.

#![allow(clippy::unwrap_used)] // test code

mod cli;
mod common;
mod conventions;
mod journal;
mod keystone;
mod openbao;
mod output;
mod rate_limit;
mod rotate;
mod security;
mod settings;
mod store;
mod truth;
