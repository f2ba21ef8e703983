//! Fuzz target: the OAuth callback URL, read against a pending record (`oauth::read_callback`).
//! Input format: see `email_manager::fuzz::oauth_callback`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    email_manager::fuzz::oauth_callback(data);
});
