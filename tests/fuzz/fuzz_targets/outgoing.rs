//! Fuzz target: an outgoing message built from the bytes (`compose::check::outgoing` and `draft`).
//! Input format: see `email_manager::fuzz::outgoing`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    email_manager::fuzz::outgoing(data);
});
