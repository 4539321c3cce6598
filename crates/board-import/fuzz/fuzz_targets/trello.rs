//! A Trello export, whatever its bytes: read or refused, and a plan read always builds or
//! is refused — never a panic.
#![no_main]

use board_import::{build, trello, BuildOptions, Person};
use board_model::{Board, ReplicaConfig};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(plan) = trello::read(data) {
        if let Ok(mut board) = Board::create("0193a000-0000-7000-8000-000000000001", "f", ReplicaConfig::default()) {
            let options = BuildOptions { importer: "me", reuse_by_name: false };
            let _ = build(&mut board, &plan, options, |_: &Person| None);
        }
    }
});
