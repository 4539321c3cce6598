//! A task CSV, whatever its bytes: read or refused, never a panic; what is read builds and
//! exports again.
#![no_main]

use board_import::{build, csv, BuildOptions, Person};
use board_model::{Board, ReplicaConfig};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(plan) = csv::read(data, "f") {
        if let Ok(mut board) = Board::create("0193a000-0000-7000-8000-000000000001", "f", ReplicaConfig::default()) {
            let options = BuildOptions { importer: "me", reuse_by_name: false };
            if build(&mut board, &plan, options, |_: &Person| None).is_ok() {
                let _ = csv::export(&board.view_with(true), str::to_owned);
            }
        }
    }
});
