//! Fuzz target: a Graph message delta page, messages and `@removed` rows (`microsoft::sync::Row`).
//! Input format: see `email_manager::fuzz::graph_delta`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    email_manager::fuzz::graph_delta(data);
});
