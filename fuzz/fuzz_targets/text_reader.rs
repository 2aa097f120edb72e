#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(init: harness::warm_up(), |data: &[u8]| harness::text_reader(data));
