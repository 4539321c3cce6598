//! `tack-loadgen`: drives a Tack relay (or any y-websocket server) and prints latency figures.

use anyhow::{Context, Result};
use clap::Parser;
use tack_bench::scenario::{render, run, Args};

fn main() -> Result<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()
        .context("starting the tokio runtime")?;
    if args.scenario.is_idle() {
        let report = runtime.block_on(tack_bench::idle::run(&args))?;
        println!("{}", serde_json::to_string_pretty(&report)?);
        if !report.all_synced {
            std::process::exit(2);
        }
        return Ok(());
    }
    let report = runtime.block_on(run(&args))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render(&report));
    }
    if !report.errors.is_empty() || !report.all_delivered {
        std::process::exit(2);
    }
    Ok(())
}
