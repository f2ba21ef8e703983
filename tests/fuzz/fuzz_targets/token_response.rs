//! Fuzz target: a token endpoint response, for both grants (`oauth::parse_token_response`).
//! Input format: see `email_manager::fuzz::token_response`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    email_manager::fuzz::token_response(data);
});
