//! Fuzz target: a Gmail `history.list` page, its records applied (`google::sync::Changes`).
//! Input format: see `email_manager::fuzz::gmail_history`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    email_manager::fuzz::gmail_history(data);
});
