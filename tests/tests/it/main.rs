//! The contract suite and the architecture invariants, one test binary (every binary links the
//! whole stack): `suite` (every scenario on every vendor), `prism_proxy` (ignored; through
//! Prism, run by `.ci/run`), the differential suite of a vendor whose real server runs here (its
//! real-server half ignored, run by `.ci/run`), `architecture`, and `rotate_library` (a
//! downstream crate rotating through `pwchange-rotate`).

#![allow(clippy::unwrap_used)] // test code

mod architecture;
mod keystone;
mod module_graph;
mod openbao;
mod prism_proxy;
mod rotate_library;
mod suite;
