//! The crate's integration tests, one test binary (every binary links the whole client):
//! `client` against the generated httpmock helpers, `prism_mock` against Prism's mock
//! (ignored; run by `.ci/run`).

#![allow(clippy::unwrap_used)] // test code

mod client;
mod prism_mock;
