//! The facade's integration tests that share a process, one test binary (every binary links
//! the whole stack). `bounded_answers.rs`, `secrets.rs` and `tracing.rs` beside this folder
//! stay binaries of their own: each depends on process-wide state (peak memory, a global trace
//! subscriber, tracing's callsite cache).

#![allow(clippy::unwrap_used)] // test code

mod bad_input;
mod facade;
mod hostile;
mod outcomes;
mod transport;
