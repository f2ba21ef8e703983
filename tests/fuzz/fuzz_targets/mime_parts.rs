//! Fuzz target: raw RFC 5322 headers and body (`mime::envelope`, `mime::part_info`, `mime::decode_text`).
//! Input format: see `email_manager::fuzz::mime_parts`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    email_manager::fuzz::mime_parts(data);
});
