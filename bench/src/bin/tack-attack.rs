//! `tack-attack`: issue 15's attacks against one relay binary; prints a markdown table of the
//! relay's memory and an honest editor's ack latency during each (see `bench/attack.sh`).

use anyhow::{Context, Result};
use clap::Parser;
use tack_bench::attack::{run, Args};

fn main() -> Result<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the tokio runtime")?;
    let table = runtime.block_on(run(&args))?;
    print!("{table}");
    Ok(())
}
