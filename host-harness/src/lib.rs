//! # email-harness
//!
//! A wasmtime host for the email-manager component: for tests, for CI, as a command-line tool
//! and as a demo.
//!
//! - [`runtime`]: loads and pre-instantiates the component once, then calls its exports, each
//!   call in a fresh instance (the component keeps no state between calls); [`compiled`]: its
//!   compiled form cached beside it, so each command does not compile it again.
//! - [`policy`]: the outgoing-HTTP policy: which hosts the component may reach, where each is
//!   routed (the real provider, or the sandbox), and a record of every request.
//! - [`describe`]: one-line, secret-free descriptions of the component's errors.
//! - [`inspect`]: the WIT a built component imports and exports; [`reference`]: the README's
//!   WIT reference, written from the WIT sources.
//! - [`sandboxed`]: connecting accounts against the sandbox providers.
//! - [`outgoing`]: outgoing messages from command-line input (addresses, files).
//! - [`store`]: the SQLite store (apps, accounts, cursors, messages, folders), secrets
//!   sealed at rest; [`files`]: owner-only files.
//! - [`bench`]: the first-sync benchmarks behind `email-harness bench-sync`; [`chaos`]: seeded
//!   chaos schedules behind `email-harness chaos` and the chaos test; [`copy`]: a host's copy of a
//!   mailbox in memory, as the chaos schedules and the tests keep it.
//! - The sandbox providers live in the `email-sandbox` crate, re-exported as [`sandbox`].

pub mod bench;
pub mod bindings;
pub mod chaos;
pub mod compiled;
pub mod copy;
pub mod describe;
pub mod files;
pub mod inspect;
pub mod outgoing;
pub mod policy;
pub mod reference;
pub mod runtime;
pub mod sandboxed;
pub mod store;

pub use bindings::email::manager::types;
pub use email_sandbox as sandbox;
pub use policy::{HttpPolicy, RecordedRequest, RequestTimeouts};
pub use runtime::{CallError, CallLimits, Harness, Runtime};
