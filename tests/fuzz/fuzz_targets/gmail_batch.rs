//! Fuzz target: a Gmail batch answer, `multipart/mixed` (`google::batch::answers`).
//! Input format: see `email_manager::fuzz::gmail_batch`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    email_manager::fuzz::gmail_batch(data);
});
