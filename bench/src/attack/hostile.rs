//! The attacks of issue 15, each bounded in count and time. Each returns one line saying what
//! was sent and what the attacker saw; memory and the honest editor are measured around it.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use sync_protocol::{encode_awareness_update, AuthMessage, AwarenessEntry, MuxFrame, MuxMessage};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

use super::mux::{self, Editor, EditorPlan, Event, Socket};
use super::relay::http;
use super::{Args, Target};

/// Receive buffer of sockets that never read: the relay's writes stall after a few KiB.
const STALLED_RECEIVE_BUFFER: u32 = 4096;
/// How long one write of an attacker may block before the attacker gives up on it.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// (a) `states` awareness states of `state_bytes` each, one per message, from one member.
pub async fn awareness_states(target: &Target, args: &Args, hold: Duration) -> Result<String> {
    let (mut sink, drain) = member_socket(target.addr, &target.board, &target.viewer_token).await?;
    let sent = send_states(
        &mut sink,
        &target.board,
        1_000_000,
        args.awareness_states,
        args.awareness_state_bytes,
    )
    .await;
    tokio::time::sleep(hold).await;
    Ok(format!(
        "{sent}/{} states of {} B sent; attacker socket {}",
        args.awareness_states,
        args.awareness_state_bytes,
        drain.verdict().await
    ))
}

/// (b) The room filled as in (a) by one member, then `queries` QueryAwareness frames from a
/// second socket that never reads.
pub async fn query_awareness(target: &Target, args: &Args, hold: Duration) -> Result<String> {
    let (mut sink, drain) = member_socket(target.addr, &target.board, &target.viewer_token).await?;
    let filled = send_states(
        &mut sink,
        &target.board,
        2_000_000,
        args.awareness_states,
        args.awareness_state_bytes,
    )
    .await;
    let mut querier = mux::connect(target.addr, Some(STALLED_RECEIVE_BUFFER)).await?;
    mux::authenticate(&mut querier, &target.board, &target.viewer_token).await?;
    let query = mux::frame(&target.board, MuxMessage::QueryAwareness);
    let mut queried = 0;
    for _ in 0..args.awareness_queries {
        let write = tokio::time::timeout(WRITE_TIMEOUT, mux::write_raw(&mut querier, &query));
        match write.await {
            Ok(Ok(())) => queried += 1,
            _ => break,
        }
    }
    tokio::time::sleep(hold).await;
    drop(querier);
    Ok(format!(
        "{filled}/{} states of {} B set, then {queried}/{} QueryAwareness from a socket that \
         never reads; filling socket {}",
        args.awareness_states,
        args.awareness_state_bytes,
        args.awareness_queries,
        drain.verdict().await
    ))
}

/// (c) One awareness message of `flood_bytes` holding as many `{}` states as fit.
pub async fn awareness_flood(target: &Target, args: &Args, hold: Duration) -> Result<String> {
    let (mut sink, drain) = member_socket(target.addr, &target.board, &target.viewer_token).await?;
    let (update, states) = empty_states(args.awareness_flood_bytes, target.board.len());
    let frame = mux::frame(&target.board, MuxMessage::Awareness { update });
    let bytes = frame.len();
    let sent = tokio::time::timeout(WRITE_TIMEOUT, sink.send(Message::Binary(frame.into())))
        .await
        .is_ok_and(|sent| sent.is_ok());
    tokio::time::sleep(hold).await;
    Ok(format!(
        "1 message of {states} `{{}}` states ({bytes} B) {}; attacker socket {}",
        if sent { "sent" } else { "NOT sent" },
        drain.verdict().await
    ))
}

/// (d) A member that never reads while another member writes `stall_updates` updates of
/// `stall_update_bytes` at `stall_rate` per second on the same board.
pub async fn stalled_reader(target: &Target, args: &Args, hold: Duration) -> Result<String> {
    let mut stalled = mux::connect(target.addr, Some(STALLED_RECEIVE_BUFFER)).await?;
    mux::authenticate(&mut stalled, &target.stall_board, &target.viewer_token).await?;
    mux::subscribe(&mut stalled, &target.stall_board).await?;
    let writer = Editor::start(
        target.addr,
        EditorPlan {
            board: target.stall_board.clone(),
            token: target.writer_token.clone(),
            per_second: args.stall_rate,
            value_bytes: args.stall_update_bytes,
            max_updates: args.stall_updates,
        },
    )
    .await
    .context("starting the writing member")?;
    let writing = Duration::from_secs_f64(args.stall_updates as f64 / args.stall_rate);
    writer
        .wait_sent(args.stall_updates, writing + Duration::from_secs(60))
        .await;
    tokio::time::sleep(hold).await;
    let written = writer.finish(Duration::from_secs(10)).await?;
    drop(stalled);
    Ok(format!(
        "writer sent {} × {} B at {}/s: {} acked, {} refused, {} unanswered{}",
        written.sent,
        args.stall_update_bytes,
        args.stall_rate,
        written.acked,
        written.refused,
        written.lost,
        written
            .closed
            .map(|why| format!(", writer closed: {why}"))
            .unwrap_or_default()
    ))
}

/// (e) `logins` concurrent logins for accounts that do not exist (each still costs a hash).
pub async fn logins(target: &Target, args: &Args, hold: Duration) -> Result<String> {
    let emails = (0..args.logins)
        .map(|i| format!("nobody-{i}@attack.invalid"))
        .collect();
    let (statuses, elapsed) = concurrent_logins(target.addr, emails, "wrong horse").await;
    tokio::time::sleep(hold).await;
    Ok(format!(
        "{} concurrent logins (unknown emails): {statuses} in {:.1} s",
        args.logins,
        elapsed.as_secs_f64()
    ))
}

/// (f) `wrong_passwords` concurrent wrong passwords for one existing account.
pub async fn wrong_passwords(target: &Target, args: &Args, hold: Duration) -> Result<String> {
    let emails = vec![target.victim_email.clone(); args.wrong_passwords];
    let (statuses, elapsed) = concurrent_logins(target.addr, emails, "wrong horse").await;
    tokio::time::sleep(hold).await;
    Ok(format!(
        "{} concurrent wrong passwords for one account: {statuses} (401 = evaluated) in {:.1} s",
        args.wrong_passwords,
        elapsed.as_secs_f64()
    ))
}

/// (g) `auth_attempts` Auth frames with made-up tokens from `auth_sockets` sockets, each
/// socket waiting for the answer before its next attempt.
pub async fn auth_flood(target: &Target, args: &Args, hold: Duration) -> Result<String> {
    let started = Instant::now();
    let per_socket = args.auth_attempts / args.auth_sockets.max(1);
    let tasks: Vec<_> = (0..args.auth_sockets)
        .map(|socket_index| {
            let (addr, board) = (target.addr, target.board.clone());
            tokio::spawn(async move { auth_attempts(addr, &board, socket_index, per_socket).await })
        })
        .collect();
    let (mut answered, mut accepted) = (0u64, 0u64);
    let mut endings: BTreeMap<String, u32> = BTreeMap::new();
    for task in tasks {
        match task.await {
            Ok(Ok((denied, granted, ending))) => {
                answered += denied;
                accepted += granted;
                *endings.entry(ending).or_default() += 1;
            }
            Ok(Err(error)) => *endings.entry(format!("{error:#}")).or_default() += 1,
            Err(error) => *endings.entry(format!("task: {error}")).or_default() += 1,
        }
    }
    let elapsed = started.elapsed();
    tokio::time::sleep(hold).await;
    Ok(format!(
        "{} Auth attempts from {} sockets: {answered} answered PermissionDenied, {accepted} \
         accepted, in {:.1} s; sockets: {}",
        per_socket * args.auth_sockets,
        args.auth_sockets,
        elapsed.as_secs_f64(),
        counts(&endings)
    ))
}

/// (h) `slowloris` connections each sending one more header line every `slowloris_drip_secs`;
/// how many the relay still holds open after `slowloris_secs`.
pub async fn slowloris(target: &Target, args: &Args) -> Result<String> {
    let mut sockets: Vec<Option<TcpStream>> = Vec::with_capacity(args.slowloris);
    for _ in 0..args.slowloris {
        let opened = async {
            let mut stream = TcpStream::connect(target.addr).await?;
            stream
                .write_all(b"GET /sync HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .await?;
            anyhow::Ok(stream)
        };
        sockets.push(
            tokio::time::timeout(WRITE_TIMEOUT, opened)
                .await
                .ok()
                .and_then(Result::ok),
        );
    }
    let opened = sockets.iter().flatten().count();
    let started = Instant::now();
    let wait = Duration::from_secs(args.slowloris_secs);
    let drip = Duration::from_secs(args.slowloris_drip_secs.max(1));
    let mut line = 0u64;
    while started.elapsed() < wait {
        tokio::time::sleep(drip.min(wait.saturating_sub(started.elapsed()))).await;
        line += 1;
        let header = format!("X-Drip-{line}: {line}\r\n");
        for slot in sockets.iter_mut() {
            let Some(stream) = slot else { continue };
            let write =
                tokio::time::timeout(Duration::from_secs(1), stream.write_all(header.as_bytes()));
            if !matches!(write.await, Ok(Ok(()))) {
                *slot = None;
            }
        }
    }
    let (mut open, mut answered) = (0, 0);
    for stream in sockets.iter().flatten() {
        let mut buffer = [0u8; 256];
        match stream.try_read(&mut buffer) {
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => open += 1,
            Ok(n) if n > 0 => answered += 1,
            _ => {}
        }
    }
    Ok(format!(
        "{opened}/{} connections opened, one header line every {} s; after {} s: {open} still \
         open, {answered} answered, {} closed",
        args.slowloris,
        drip.as_secs(),
        started.elapsed().as_secs(),
        opened - open - answered
    ))
}

/// A member's socket: authenticated, subscribed, with a task reading (and discarding)
/// everything the relay sends.
async fn member_socket(
    addr: SocketAddr,
    board: &str,
    token: &str,
) -> Result<(SplitSink<Socket, Message>, Drain)> {
    let mut socket = mux::connect(addr, None).await?;
    mux::authenticate(&mut socket, board, token).await?;
    mux::subscribe(&mut socket, board).await?;
    let (sink, stream) = socket.split();
    Ok((sink, Drain(tokio::spawn(drain(stream)))))
}

/// Reads until the relay closes the socket; returns how it ended.
async fn drain(mut stream: SplitStream<Socket>) -> String {
    // Bounded by the relay: it closes, or the task is aborted when the attack ends.
    for _ in 0..u32::MAX {
        match stream.next().await {
            Some(Ok(Message::Close(close))) => {
                return match close {
                    Some(close) => format!("{} {}", u16::from(close.code), close.reason),
                    None => "1005".to_owned(),
                }
            }
            Some(Ok(_)) => {}
            Some(Err(error)) => return format!("error: {error}"),
            None => return "EOF".to_owned(),
        }
    }
    "read bound reached".to_owned()
}

struct Drain(tokio::task::JoinHandle<String>);

impl Drain {
    /// Whether the relay has closed the socket by now.
    async fn verdict(self) -> String {
        if self.0.is_finished() {
            match self.0.await {
                Ok(ending) => format!("closed by the relay ({ending})"),
                Err(error) => format!("reader failed: {error}"),
            }
        } else {
            self.0.abort();
            "still open".to_owned()
        }
    }
}

/// Sends `count` awareness messages, each one state of `state_bytes` for client
/// `first_client + i`; returns how many were sent before a send failed.
async fn send_states(
    sink: &mut SplitSink<Socket, Message>,
    board: &str,
    first_client: u64,
    count: u64,
    state_bytes: usize,
) -> u64 {
    let padding = "x".repeat(state_bytes.saturating_sub(12));
    let state_json = format!("{{\"name\":\"{padding}\"}}");
    for i in 0..count {
        let update = encode_awareness_update(&[AwarenessEntry {
            client_id: first_client + i,
            clock: 1,
            state_json: state_json.clone(),
        }]);
        let frame = mux::frame(board, MuxMessage::Awareness { update });
        let send = tokio::time::timeout(WRITE_TIMEOUT, sink.send(Message::Binary(frame.into())));
        if !matches!(send.await, Ok(Ok(()))) {
            return i;
        }
    }
    count
}

/// An awareness update body of `{}` states for clients 1, 2, ... whose frame (board id,
/// type, length prefix) stays within `max_frame_bytes`: (body, states).
fn empty_states(max_frame_bytes: usize, board_len: usize) -> (Vec<u8>, u64) {
    // Frame overhead: board varString (≤ 2-byte length), type, body varByteArray length,
    // count varUint: at most 2 + board + 1 + 5 + 5.
    let budget = max_frame_bytes.saturating_sub(board_len + 13);
    let mut entries = Vec::new();
    let mut count = 0u64;
    for client_id in 1u64.. {
        let before = entries.len();
        write_var_u64(&mut entries, client_id);
        entries.extend_from_slice(&[1, 2, b'{', b'}']);
        if entries.len() > budget {
            entries.truncate(before);
            break;
        }
        count = client_id;
    }
    let mut body = Vec::with_capacity(entries.len() + 5);
    write_var_u64(&mut body, count);
    body.extend_from_slice(&entries);
    (body, count)
}

fn write_var_u64(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Logs in to each email at once; the answers' status counts and the time until the last.
async fn concurrent_logins(
    addr: SocketAddr,
    emails: Vec<String>,
    password: &str,
) -> (String, Duration) {
    let started = Instant::now();
    let tasks: Vec<_> = emails
        .into_iter()
        .map(|email| {
            let body = serde_json::json!({"email": email, "password": password});
            tokio::spawn(async move {
                http(
                    addr,
                    "POST",
                    "/v1/login",
                    None,
                    Some(&body),
                    Duration::from_secs(120),
                )
                .await
            })
        })
        .collect();
    let mut statuses: BTreeMap<String, u32> = BTreeMap::new();
    for task in tasks {
        let status = match task.await {
            Ok(Ok((status, _))) => status.to_string(),
            Ok(Err(_)) => "no answer".to_owned(),
            Err(_) => "task failed".to_owned(),
        };
        *statuses.entry(status).or_default() += 1;
    }
    (counts(&statuses), started.elapsed())
}

/// One socket's Auth attempts: (denied, accepted, how the socket ended).
async fn auth_attempts(
    addr: SocketAddr,
    board: &str,
    socket_index: usize,
    attempts: usize,
) -> Result<(u64, u64, String)> {
    let mut socket = mux::connect(addr, None).await?;
    let (mut denied, mut accepted) = (0, 0);
    for attempt in 0..attempts {
        // Shaped like a real token (43 base64url characters, 32 bytes) so that the relay looks
        // it up instead of refusing its format.
        let token = format!("{:A<43}", format!("forged{socket_index}x{attempt}"));
        if mux::send(&mut socket, board, mux::auth(&token))
            .await
            .is_err()
        {
            return Ok((denied, accepted, "send failed".to_owned()));
        }
        let answer = next_auth_answer(&mut socket).await;
        match answer {
            Ok(AuthMessage::PermissionDenied { .. }) => denied += 1,
            Ok(AuthMessage::Authenticated { .. }) => accepted += 1,
            Ok(_) => {}
            Err(ending) => return Ok((denied, accepted, ending)),
        }
    }
    Ok((denied, accepted, "open after all attempts".to_owned()))
}

/// The next Auth answer on a socket, or how the socket ended.
async fn next_auth_answer(socket: &mut Socket) -> Result<AuthMessage, String> {
    for _ in 0..10_000 {
        match mux::next_event(socket, Duration::from_secs(5)).await {
            Ok(Event::Frame(MuxFrame::Board {
                message: MuxMessage::Auth(answer),
                ..
            })) => return Ok(answer),
            Ok(Event::Frame(_)) => {}
            Ok(Event::Closed(why)) => return Err(format!("closed by the relay ({why})")),
            Err(_) => return Err("no answer in 5 s".to_owned()),
        }
    }
    Err("no Auth answer among 10,000 frames".to_owned())
}

/// `{"401": 30}` as "401×30".
fn counts(map: &BTreeMap<String, u32>) -> String {
    map.iter()
        .map(|(key, count)| format!("{key}×{count}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_states_fill_the_message_without_exceeding_it() {
        let max = 8 * 1024 * 1024;
        let board = "attack-board";
        let (update, states) = empty_states(max, board.len());
        let frame = mux::frame(
            board,
            MuxMessage::Awareness {
                update: update.clone(),
            },
        );
        assert!(frame.len() <= max, "{} > {max}", frame.len());
        assert!(frame.len() > max - 16, "{} leaves room", frame.len());
        let limits = sync_protocol::Limits {
            max_frame_bytes: max,
            max_string_bytes: max,
            ..sync_protocol::Limits::default()
        };
        let entries = sync_protocol::decode_awareness_update(&update, &limits).unwrap();
        assert_eq!(entries.len() as u64, states);
        assert!(entries.iter().all(|entry| entry.state_json == "{}"));
    }
}
