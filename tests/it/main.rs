//! The integration tests, in one binary (one link instead of one per file), a module per
//! area. `swarm` needs the `swarm` feature and a real engine (scripts/test-swarm runs
//! `cargo test --features swarm --test it swarm::`); `resource` covers the default build.
#![allow(clippy::unwrap_used)]

mod common;

mod action;
mod bad_input;
mod cli;
mod corpus;
mod fix_props;
mod fix_scope;
mod fixes;
mod formats;
mod git_modes;
mod lsp;
mod model;
mod precommit;
#[cfg(not(feature = "swarm"))]
mod resource;
mod rules;
mod safety;
#[cfg(feature = "swarm")]
mod swarm;
mod wheel;
