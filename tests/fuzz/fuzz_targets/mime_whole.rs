//! Fuzz target: a raw RFC 5322 message through the MIME decoder (`mime::whole`).
//! Input format: see `email_manager::fuzz::mime_whole`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    email_manager::fuzz::mime_whole(data);
});
