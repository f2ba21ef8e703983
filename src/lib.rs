//! # email-manager
//!
//! The backend of an email-manager plugin, built as a WebAssembly component (`wasm32-wasip2`).
//! A host (NocoBase, or the `email-harness` wasmtime host) calls the exports of the
//! `email:manager/api` interface; the component makes every outbound request through `wasi:http`
//! and keeps no state between calls.
//!
//! The crate is laid out sans-I/O: everything but [`transport`] and the export glue in
//! [`bindings`] is plain Rust that builds requests and parses responses, and unit-tests natively.
//!
//! - [`config`]: validation of an admin's provider setting.
//! - [`oauth`]: the authorization-code flow with PKCE, the token endpoint and its errors.
//! - [`provider`]: what differs between Google and Microsoft, behind one trait.
//! - [`net`]: the request and response types, the client trait, and the bearer-token guard.
//! - [`ops`]: the exported operations, written against the client trait.
//! - [`session`]: authorized access to a mail API for one call (token refresh, request cap).
//! - [`sync`]: the sync cursor and page assembly; the provider steps live in [`provider`].
//! - [`mime`]: MIME header and charset decoding through `mail-parser`.
//! - [`compose`]: outgoing messages: checks, reply and forward rules, RFC 5322 with `mail-builder`.
//! - [`manage`]: what the mailbox-management calls share (thread order, size bound, batches).
//! - [`error`]: the one error type, mapped to the WIT `error` variant.
//!
//! `fuzz` (hidden) holds the entry points of the fuzz targets in `tests/fuzz/`.

pub mod bindings;
pub mod compose;
pub mod config;
pub mod error;
#[doc(hidden)]
pub mod fuzz;
pub mod manage;
pub mod mime;
pub mod net;
pub mod oauth;
pub mod ops;
pub mod pace;
pub mod provider;
pub mod session;
pub mod sync;
#[cfg(target_arch = "wasm32")]
pub mod transport;

pub use bindings::email::manager::types;
pub use error::{Error, Failure};
