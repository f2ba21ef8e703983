//! Fuzz target: a Graph JSON batch answer (`microsoft::batch::answers`).
//! Input format: see `email_manager::fuzz::graph_batch`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    email_manager::fuzz::graph_batch(data);
});
