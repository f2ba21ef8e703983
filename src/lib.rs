//! # email-manager
//!
//! The backend of an email-manager plugin, built as a WebAssembly component (`wasm32-wasip2`).
//! A host (NocoBase, or the `email-harness` wasmtime host) calls the exports of the
//! `email:manager/api` interface; the component makes every outbound request through `wasi:http`
//! and keeps no state between calls.
//!
//! The crate is laid out sans-I/O: everything but [`transport`] and the export glue in
//! [`bindings`] is plain Rust that builds requests and parses responses, and unit-tests natively.
//! Its modules form layers whose imports point one way, lowest first (a module uses only
//! modules of lower layers; a unit test, `layers`, reads `src/` and checks it):
//!
//! 1. `types` (the WIT types, re-exported from [`bindings`]).
//! 2. [`error`]: the one error type, mapped to the WIT `error` variant. [`pace`]: the quota
//!    budget and ledger. [`page`]: what one provider sync step yields, and page sizes.
//! 3. [`mime`]: MIME header and charset decoding through `mail-parser`. [`compose`]: outgoing
//!    messages: checks, reply and forward rules, RFC 5322 with `mail-builder`.
//! 4. [`net`]: the request and response types, the client trait, and the bearer-token guard.
//!    [`manage`]: what the mailbox-management calls share (thread order, size bound, batches).
//! 5. [`profile`]: each provider's OAuth profile and published limits, as data.
//! 6. [`config`]: validation of an admin's app. [`oauth`]: the authorization-code
//!    flow with PKCE, the token endpoint and its errors.
//! 7. [`session`]: authorized access to a mail API for one call (token refresh, pacing, request
//!    cap), keeping to the provider's [`session::MailApi`] conventions.
//! 8. [`provider`]: each provider's mailbox operations, behind one trait; its sync state
//!    ([`provider::SyncState`]); how its error answers read.
//! 9. [`sync`]: the sync cursor and page assembly.
//! 10. [`ops`]: the exported operations, written against the client trait.
//! 11. [`transport`] (only on `wasm32`; it uses only [`net`]), then [`bindings`].
//!
//! `fuzz` (hidden) holds the entry points of the fuzz targets in `tests/fuzz/`.

pub mod bindings;
pub mod compose;
pub mod config;
pub mod error;
#[doc(hidden)]
pub mod fuzz;
#[cfg(test)]
mod layers;
pub mod manage;
pub mod mime;
pub mod net;
pub mod oauth;
pub mod ops;
pub mod pace;
pub mod page;
pub mod profile;
pub mod provider;
pub mod session;
pub mod sync;
#[cfg(target_arch = "wasm32")]
pub mod transport;

pub use bindings::email::manager::types;
pub use error::{Error, Failure};
