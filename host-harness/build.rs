//! Does nothing: the harness has build-dependencies only to unify the features of the crates
//! that wasmtime's `bindgen!` macro shares with the runtime (see `Cargo.toml`), and Cargo reads
//! them for a package with a build script.

fn main() {}
