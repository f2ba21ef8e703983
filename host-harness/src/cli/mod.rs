//! The command line's modules, one per command group, with what they share: the [`Context`]
//! every command runs in and the [`Output`] that prints its result as text or, with `--json`,
//! as JSON.

pub mod auth;
pub mod context;
pub mod demo;
pub mod mail;
pub mod manage;
pub mod output;
pub mod sandbox;
pub mod send;
pub mod sync;
pub mod wit;

pub use context::{Context, ProviderArg, Session};
pub use output::Output;
