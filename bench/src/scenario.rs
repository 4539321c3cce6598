//! Scenarios (fan-out, durable-ack latency, throughput): plan the clients, run them, report.

use std::sync::atomic::{AtomicU64, AtomicUsize};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Result};
use serde::Serialize;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::client::{run_client, ClientPlan, Framing, Outcome, Pace, Shared, Timing};
use crate::stats::{new_histogram, summarize, Summary};

/// Longest a run waits for every client to connect.
const CONNECT_WAIT: Duration = Duration::from_secs(60);
/// After sending stops: time allowed for the last deliveries and acks.
const DRAIN: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scenario {
    /// N clients on one board, W of them writing R edits/s in total: delivery latency.
    Fanout,
    /// W writers at R updates/s in total over B boards: send → SyncStatus(1) latency.
    Ack,
    /// W writers keeping a window of unacknowledged updates: sustained acked updates/s.
    Throughput,
    /// N idle authenticated, synced connections: time to open them, server RSS per socket.
    Capacity,
    /// N sockets sharing B boards (B/N each, multiplexed): time to open, server RSS.
    Boards,
    /// N synced clients; the server is restarted (by the caller, once `--ready-file` exists):
    /// time from the first close until every client has synced again.
    Storm,
}

impl Scenario {
    /// Scenarios of idle connections (see [`crate::idle`]).
    pub fn is_idle(self) -> bool {
        matches!(
            self,
            Scenario::Capacity | Scenario::Boards | Scenario::Storm
        )
    }
}

#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "tack-loadgen",
    version,
    about = "Load generator for the Tack relay"
)]
pub struct Args {
    /// The relay's multiplexed endpoint, e.g. ws://127.0.0.1:8787/sync
    #[arg(long)]
    pub url: String,
    #[arg(long, value_enum)]
    pub scenario: Scenario,
    /// Clients in total (fanout; ack/throughput use one client per writer)
    #[arg(long, default_value_t = 100)]
    pub clients: usize,
    /// Clients that write
    #[arg(long, default_value_t = 5)]
    pub writers: usize,
    /// Edits per second, all writers together (fanout, ack)
    #[arg(long, default_value_t = 50.0)]
    pub rate: f64,
    /// Seconds of sending
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// Boards the writers are spread over (ack, throughput; fanout uses one)
    #[arg(long)]
    pub boards: Option<usize>,
    /// Bytes of each written map value (timestamp included)
    #[arg(long, default_value_t = 64)]
    pub payload: usize,
    /// Unacknowledged updates each writer keeps in flight (throughput)
    #[arg(long, default_value_t = 64)]
    pub window: usize,
    #[arg(long, value_enum, default_value_t = Framing::Mux)]
    pub framing: Framing,
    /// Token sent in Auth (the relay must accept it, e.g. --insecure-allow-anonymous)
    #[arg(long, default_value = "loadgen")]
    pub token: String,
    /// Tokio worker threads of the generator
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Print one JSON object instead of a table
    #[arg(long)]
    pub json: bool,
    /// More relays (same database) to spread clients over, see `spread.rs`
    #[arg(long = "also-url")]
    pub also_urls: Vec<String>,
    #[arg(long, value_enum, default_value_t = crate::spread::Spread::All)]
    pub spread: crate::spread::Spread,
    /// Source addresses 127.0.0.1..=127.0.0.N the idle scenarios connect from
    #[arg(long, default_value_t = 1)]
    pub sources: usize,
    /// The server's process id: idle scenarios report its RSS per connection
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Storm: file written once every client has synced (the caller then restarts the server)
    #[arg(long)]
    pub ready_file: Option<std::path::PathBuf>,
    /// Idle scenarios: seconds to hold the connections open after they have synced
    #[arg(long, default_value_t = 2.0)]
    pub hold: f64,
    /// Idle scenarios: handshakes in progress at once
    #[arg(long, default_value_t = 256)]
    pub concurrency: usize,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub scenario: Scenario,
    pub framing: Framing,
    pub url: String,
    pub clients: usize,
    pub writers: usize,
    pub boards: usize,
    pub target_rate: Option<f64>,
    pub window: Option<usize>,
    pub duration_s: f64,
    pub payload_bytes: usize,
    pub connected: usize,
    pub sent: u64,
    pub sent_per_s: f64,
    pub delivered: u64,
    pub expected_deliveries: u64,
    pub deliveries_per_s: f64,
    /// Clients that received every update written by others to their board.
    pub clients_complete: usize,
    pub all_delivered: bool,
    pub undecodable: u64,
    /// Writers' own updates the server sent back to them (ignored).
    pub echoes: u64,
    pub delivery_latency: Summary,
    pub acked: u64,
    pub rejected: u64,
    pub acked_per_s: f64,
    /// Acks received while sending (throughput's sustained rate).
    pub acked_in_window_per_s: f64,
    pub ack_latency: Summary,
    pub errors: Vec<String>,
}

fn plans(args: &Args, run_id: &str) -> Result<(Vec<ClientPlan>, usize)> {
    if args.writers == 0 || args.duration <= 0.0 || args.duration > 3600.0 {
        bail!("need at least one writer and a duration in (0, 3600] s");
    }
    if args.framing == Framing::Yws && args.scenario != Scenario::Fanout {
        bail!("y-websocket framing has no acks: only the fanout scenario applies");
    }
    let (clients, boards) = match args.scenario {
        Scenario::Fanout => (args.clients.max(args.writers), 1),
        Scenario::Ack | Scenario::Throughput => {
            (args.writers, args.boards.unwrap_or(args.writers).max(1))
        }
        Scenario::Capacity | Scenario::Boards | Scenario::Storm => {
            bail!("idle scenarios run through tack_bench::idle::run")
        }
    };
    if clients > 20_000 {
        bail!("at most 20,000 clients");
    }
    let writers = args.writers;
    let per_writer = args.rate / writers as f64;
    let plans = (0..clients)
        .map(|index| {
            let board_index = index % boards;
            let pace = match args.scenario {
                Scenario::Fanout | Scenario::Ack => Pace::Rate {
                    per_second: per_writer,
                    // Writers spread evenly over each period instead of sending together.
                    phase: Duration::from_secs_f64(index as f64 / args.rate),
                },
                Scenario::Throughput | Scenario::Capacity | Scenario::Boards | Scenario::Storm => {
                    Pace::Window {
                        max_in_flight: args.window.max(1),
                    }
                }
            };
            ClientPlan {
                index,
                url: crate::spread::url_for(args, index),
                framing: args.framing,
                board: format!("bench-{run_id}-{board_index}"),
                board_index,
                token: args.token.clone(),
                writer: (index < writers).then_some((pace, args.payload)),
            }
        })
        .collect();
    Ok((plans, boards))
}

pub async fn run(args: &Args) -> Result<Report> {
    let run_id = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis())
    );
    let (plans, boards) = plans(args, &run_id)?;
    let shared = Arc::new(Shared {
        start: std::time::Instant::now(),
        sent_per_board: (0..boards).map(|_| AtomicU64::new(0)).collect(),
        writers_sending: AtomicUsize::new(args.writers),
    });
    let (ready_tx, mut ready_rx) = mpsc::channel(plans.len().max(1));
    let (go_tx, go_rx) = watch::channel(None);
    let clients = plans.len();
    let mut tasks = Vec::with_capacity(clients);
    for plan in plans {
        tasks.push(tokio::spawn(run_client(
            plan,
            shared.clone(),
            ready_tx.clone(),
            go_rx.clone(),
        )));
        // Connect gradually: a burst of handshakes would distort the first seconds.
        if tasks.len() % 50 == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    drop(ready_tx);
    let wait_until = Instant::now() + CONNECT_WAIT;
    let mut ready = 0;
    while ready < clients {
        match tokio::time::timeout_at(wait_until, ready_rx.recv()).await {
            Ok(Some(_)) => ready += 1,
            Ok(None) | Err(_) => break,
        }
    }
    let go = Instant::now() + Duration::from_millis(200);
    let send_until = go + Duration::from_secs_f64(args.duration);
    let _ = go_tx.send(Some(Timing {
        go,
        send_until,
        deadline: send_until + DRAIN,
    }));
    let mut outcomes = Vec::with_capacity(clients);
    for task in tasks {
        outcomes.push(task.await?);
    }
    Ok(report(args, boards, clients, outcomes))
}

fn report(args: &Args, boards: usize, clients: usize, outcomes: Vec<Outcome>) -> Report {
    let mut delivery = new_histogram();
    let mut ack = new_histogram();
    let per_s = |count: u64| count as f64 / args.duration;
    let sum = |f: fn(&Outcome) -> u64| outcomes.iter().map(f).sum::<u64>();
    for outcome in &outcomes {
        let _ = delivery.add(&outcome.delivery);
        let _ = ack.add(&outcome.ack);
    }
    let connected: Vec<&Outcome> = outcomes.iter().filter(|o| o.connected).collect();
    let clients_complete = connected
        .iter()
        .filter(|o| o.delivered >= o.expected && o.error.is_none())
        .count();
    let errors: Vec<String> = outcomes
        .iter()
        .filter_map(|o| o.error.clone())
        .take(10)
        .collect();
    let acks = args.framing == Framing::Mux;
    Report {
        scenario: args.scenario,
        framing: args.framing,
        url: args.url.clone(),
        clients,
        writers: args.writers,
        boards,
        target_rate: (args.scenario != Scenario::Throughput).then_some(args.rate),
        window: (args.scenario == Scenario::Throughput).then_some(args.window),
        duration_s: args.duration,
        payload_bytes: args.payload,
        connected: connected.len(),
        sent: sum(|o| o.sent),
        sent_per_s: per_s(sum(|o| o.sent)),
        delivered: sum(|o| o.delivered),
        expected_deliveries: sum(|o| o.expected),
        deliveries_per_s: per_s(sum(|o| o.delivered)),
        clients_complete,
        all_delivered: clients_complete == clients
            && (!acks || sum(|o| o.acked) == sum(|o| o.sent)),
        undecodable: sum(|o| o.undecodable),
        echoes: sum(|o| o.echoes),
        delivery_latency: summarize(&delivery),
        acked: sum(|o| o.acked),
        rejected: sum(|o| o.rejected),
        acked_per_s: per_s(sum(|o| o.acked)),
        acked_in_window_per_s: per_s(sum(|o| o.acked_in_window)),
        ack_latency: summarize(&ack),
        errors,
    }
}

/// A human-readable table of a report.
pub fn render(report: &Report) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let row = |out: &mut String, name: &str, value: String| {
        let _ = writeln!(out, "{name:<28} {value}");
    };
    let latency = |s: &Summary| {
        format!(
            "n={} p50={:.3} ms p95={:.3} ms p99={:.3} ms max={:.3} ms",
            s.count, s.p50_ms, s.p95_ms, s.p99_ms, s.max_ms
        )
    };
    row(
        &mut out,
        "scenario",
        format!("{:?} ({:?})", report.scenario, report.framing),
    );
    row(
        &mut out,
        "clients / writers / boards",
        format!(
            "{} / {} / {}",
            report.clients, report.writers, report.boards
        ),
    );
    row(&mut out, "connected", report.connected.to_string());
    row(
        &mut out,
        "sent",
        format!(
            "{} ({:.1}/s over {} s)",
            report.sent, report.sent_per_s, report.duration_s
        ),
    );
    if report.scenario == Scenario::Fanout {
        row(
            &mut out,
            "delivered / expected",
            format!(
                "{} / {} ({:.1}/s); complete clients {}/{}",
                report.delivered,
                report.expected_deliveries,
                report.deliveries_per_s,
                report.clients_complete,
                report.clients
            ),
        );
        row(
            &mut out,
            "delivery latency",
            latency(&report.delivery_latency),
        );
    }
    if report.framing == Framing::Mux {
        row(
            &mut out,
            "acked / rejected",
            format!(
                "{} / {} ({:.1}/s; {:.1}/s while sending)",
                report.acked, report.rejected, report.acked_per_s, report.acked_in_window_per_s
            ),
        );
        row(&mut out, "ack latency", latency(&report.ack_latency));
    }
    row(
        &mut out,
        "all delivered/acked",
        report.all_delivered.to_string(),
    );
    for error in &report.errors {
        row(&mut out, "error", error.clone());
    }
    out
}
