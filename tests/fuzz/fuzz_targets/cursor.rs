//! Fuzz target: a sync cursor, decoded for both providers and encoded again (`sync::cursor`).
//! Input format: see `email_manager::fuzz::cursor`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    email_manager::fuzz::cursor(data);
});
