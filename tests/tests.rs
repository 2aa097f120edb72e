//! End-to-end tests of the `refrain` binary, in one test binary (as
//! ripgrep does) so the crate is linked once.

mod bad_input;
mod check;
mod clean;
mod dedup;
mod fuzz_regressions;
mod golden;
mod json_contract;
mod quality;
mod readme;
mod safety;
mod scan;
mod sign;
mod util;
