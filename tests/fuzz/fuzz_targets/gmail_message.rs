//! Fuzz target: a Gmail `format=full` message resource, normalized (`google::message`).
//! Input format: see `email_manager::fuzz::gmail_message`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    email_manager::fuzz::gmail_message(data);
});
