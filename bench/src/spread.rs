//! Several relays on one database (scale-out runs): which relay each client connects to.
//! `--also-url` adds relays after `--url`; `--spread all` deals clients round-robin over them,
//! `--spread readers` keeps the writers on `--url` and deals the other clients over the rest
//! (so every delivery measured crosses relays).

use crate::scenario::Args;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Spread {
    All,
    Readers,
}

/// The URL client `index` connects to.
pub fn url_for(args: &Args, index: usize) -> String {
    let urls: Vec<&String> = std::iter::once(&args.url)
        .chain(args.also_urls.iter())
        .collect();
    let chosen = match args.spread {
        _ if urls.len() == 1 => urls[0],
        Spread::All => urls[index % urls.len()],
        Spread::Readers if index < args.writers => urls[0],
        Spread::Readers => urls[1 + index % (urls.len() - 1)],
    };
    chosen.clone()
}
