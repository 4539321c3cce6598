//! What the kernel charges a sender for one small message to one loopback TCP socket whose
//! reader is waiting: the floor under any relay's "CPU per delivery" in the fan-out scenarios,
//! where every delivery is its own `write` (at 50 edits/s a socket's queue rarely holds two).
//!
//! One thread writes a `--size`-byte frame to each of `--sockets` loopback connections,
//! `--rate` rounds per second, for `--seconds`; a second thread (a current-thread tokio runtime,
//! like the load generator) reads every socket. Prints the writing thread's user and system CPU
//! per write, read from `/proc/thread-self/stat`, so the reader's work is not counted. Nothing
//! else runs in the writing thread: no framing, no queue, no task wake-up.
//!
//!     cargo run --release -p tack-bench --bin tack-write-floor -- --sockets 1000 --rate 50

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Parser;
use tokio::io::AsyncReadExt;

#[derive(Parser)]
struct Args {
    /// Loopback connections, each written once per round.
    #[arg(long, default_value_t = 1000)]
    sockets: usize,
    /// Rounds per second (each round writes one frame to every socket).
    #[arg(long, default_value_t = 50)]
    rate: u32,
    /// Seconds to run.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Bytes per frame (the fan-out scenarios' updates are ~110 bytes framed).
    #[arg(long, default_value_t = 112)]
    size: usize,
    /// Write each frame as one `writev` of two parts (header and body) instead of one `write`.
    #[arg(long)]
    split: bool,
}

/// This thread's (user, system) CPU seconds, from `/proc/thread-self/stat` (clock ticks).
fn thread_cpu() -> Result<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").context("thread stat")?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .context("stat format")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    let ticks = |i: usize| -> Result<f64> {
        let value: f64 = fields.get(i).context("stat field")?.parse()?;
        Ok(value / 100.0)
    };
    Ok((ticks(11)?, ticks(12)?))
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.sockets == 0 || args.rate == 0 || args.size < 2 {
        bail!("--sockets and --rate must be positive and --size at least 2");
    }
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let address = listener.local_addr()?;
    let mut writers = Vec::with_capacity(args.sockets);
    let mut readers = Vec::with_capacity(args.sockets);
    for _ in 0..args.sockets {
        let stream = TcpStream::connect(address)?;
        stream.set_nodelay(true)?;
        let (accepted, _) = listener.accept()?;
        accepted.set_nodelay(true)?;
        writers.push(accepted);
        readers.push(stream);
    }

    // The readers: one task per socket on a current-thread runtime in its own thread.
    let expected = args.size as u64 * u64::from(args.rate) * args.seconds;
    let reader = std::thread::spawn(move || -> Result<u64> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async move {
            let mut tasks = Vec::with_capacity(readers.len());
            for stream in readers {
                stream.set_nonblocking(true)?;
                let mut stream = tokio::net::TcpStream::from_std(stream)?;
                tasks.push(tokio::spawn(async move {
                    let mut buffer = vec![0u8; 1024];
                    let mut total = 0u64;
                    while total < expected {
                        match stream.read(&mut buffer).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => total += n as u64,
                        }
                    }
                    total
                }));
            }
            let mut total = 0;
            for task in tasks {
                total += task.await?;
            }
            Ok(total)
        })
    });

    let frame = vec![0x82u8; args.size];
    let (header, body) = frame.split_at(2);
    let period = Duration::from_secs(1) / args.rate;
    let rounds = u64::from(args.rate) * args.seconds;
    let (user0, system0) = thread_cpu()?;
    let started = Instant::now();
    let mut next = started;
    for _ in 0..rounds {
        for socket in &mut writers {
            if args.split {
                let parts = [std::io::IoSlice::new(header), std::io::IoSlice::new(body)];
                let written = socket.write_vectored(&parts)?;
                if written < frame.len() {
                    socket.write_all(&frame[written..])?;
                }
            } else {
                socket.write_all(&frame)?;
            }
        }
        next += period;
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
    let elapsed = started.elapsed();
    let (user1, system1) = thread_cpu()?;
    drop(writers);
    let received = reader
        .join()
        .map_err(|_| anyhow::anyhow!("reader panicked"))??;

    let writes = rounds as f64 * args.sockets as f64;
    let micros = |seconds: f64| seconds * 1e6 / writes;
    println!(
        "{} writes of {} bytes to {} loopback sockets at {} rounds/s in {:.1} s ({} bytes read): \
         writer CPU per write {:.2} µs (user {:.2}, system {:.2})",
        writes,
        args.size,
        args.sockets,
        args.rate,
        elapsed.as_secs_f64(),
        received,
        micros(user1 - user0 + system1 - system0),
        micros(user1 - user0),
        micros(system1 - system0),
    );
    Ok(())
}
