//! A shell for scripts: connections, rooms, a verifier, a group committer and storage, all in
//! memory and driven one script line at a time. What each connection is sent, and every effect
//! the sessions return that leaves them (refusals, commits, closes), is rendered as text.
//!
//! Script lines:
//! - `connect a` (multiplexed) / `connect y yws BOARD TOKEN` (y-websocket, granted at upgrade)
//! - `a auth BOARD TOKEN`: a token is `user/role` (role: owner, editor, viewer), anything else
//!   is refused; a role set with `role` wins over the token's
//! - `a edit BOARD KEY VALUE`, `a delete BOARD KEY`: a local change of `a`'s replica, sent as
//!   an Update; `a gap BOARD KEY VALUE`: two changes, only the second sent (a clock gap);
//!   `a step1 BOARD`, `a step2 BOARD` (its whole replica), `a empty-step2 BOARD`
//! - `a awareness BOARD CLIENT CLOCK JSON`, `a query BOARD`, `a close BOARD`, `a ping`,
//!   `a raw HEX`, `a text`
//! - `commit ok|fail|refused`: the oldest queued commit resolves (refused: the author's role is
//!   read again, as the shell does)
//! - `reload BOARD`: the shell's reload of a stale room from storage
//! - `role BOARD USER owner|editor|viewer|none`, `logout USER`: membership and sessions change
//! - `wait MS`: time passes

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt::Write as _;
use std::rc::Rc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use relay_core::room::{document_from_storage, ReloadEnd};
use relay_core::session::{MembershipChange, Recheck};
use relay_core::wire::{mux_frame, mux_prefix};
use relay_core::{
    Access, AckWhen, Acknowledger, Applied, Awaiting, AwarenessBounds, AwarenessOutcome,
    CommitLedger, CommitNumber, ConnId, ConnectionSession, Effect, FrameSink, Framing, Grant,
    OpenCommits, RoomCore, RoomError, RoomPort, SessionLimits,
};
use sync_protocol::{
    AuthMessage, AuthScope, AwarenessEntry, CheckedAwareness, MuxFrame, MuxMessage, SyncMessage,
    UpdateLimits, YwsMessage, PING_BYTE, PONG_BYTE,
};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{Doc, Map, ReadTxn, StateVector, Transact, Update};

/// A connection's send queue: frames in order, shared with the rooms it joined.
#[derive(Clone, Default)]
struct Sink(Rc<RefCell<VecDeque<Bytes>>>);

impl FrameSink for Sink {
    fn push(&self, frame: Bytes) -> bool {
        self.0.borrow_mut().push_back(frame);
        true
    }

    fn push_unless_queued(&self, frame: Bytes) -> bool {
        let mut queued = self.0.borrow_mut();
        if !queued
            .iter()
            .any(|q| q.as_ptr() == frame.as_ptr() && q.len() == frame.len())
        {
            queued.push_back(frame);
        }
        true
    }
}

struct TestRoom {
    board: String,
    prefix: Vec<u8>,
    core: RefCell<RoomCore<Sink>>,
    ledger: RefCell<OpenCommits>,
}

impl CommitLedger for TestRoom {
    fn begin_commit(&self) -> CommitNumber {
        self.ledger.borrow_mut().begin()
    }
    fn open_commits(&self) -> Vec<CommitNumber> {
        self.ledger.borrow().open()
    }
    fn finish_commit(&self, number: CommitNumber, committed: bool) {
        self.ledger.borrow_mut().finish(number, committed);
    }
}

impl RoomPort for TestRoom {
    fn board(&self) -> &str {
        &self.board
    }
    fn mux_prefix(&self) -> &[u8] {
        &self.prefix
    }
    fn sync_step1(&self, conn: ConnId, state_vector: &StateVector) {
        self.core.borrow().sync_step1(conn, state_vector);
    }
    fn send_step1(&self, conn: ConnId) {
        self.core.borrow().send_step1(conn);
    }
    fn apply_update(
        &self,
        conn: ConnId,
        bytes: &[u8],
        update: Update,
        received: Instant,
    ) -> Result<Applied, RoomError> {
        self.core
            .borrow_mut()
            .apply_update(conn, bytes, update, received, self)
    }
    fn check_held(&self, conn: ConnId, update: &Update) -> Result<Applied, RoomError> {
        self.core.borrow_mut().check_held(conn, update, self)
    }
    fn awareness<'u>(
        &self,
        conn: ConnId,
        update: &'u [u8],
        checked: CheckedAwareness,
        bounds: &AwarenessBounds,
    ) -> AwarenessOutcome<'u> {
        self.core
            .borrow_mut()
            .awareness(conn, update, checked, bounds)
    }
    fn refuse_awareness(&self, conn: ConnId, bounds: &AwarenessBounds) -> bool {
        self.core.borrow_mut().refuse_awareness(conn, bounds)
    }
    fn send_awareness(&self, conn: ConnId) {
        self.core.borrow_mut().send_awareness(conn);
    }
}

struct Conn {
    name: String,
    id: ConnId,
    framing: Framing,
    session: ConnectionSession<Rc<TestRoom>>,
    sink: Sink,
    /// Acknowledgements owed (the shell's acknowledger).
    acks: Acknowledger<Rc<TestRoom>, CommitNumber>,
    /// The client's replica of each board.
    docs: HashMap<String, Doc>,
    closed: bool,
}

struct QueuedCommit {
    room: Rc<TestRoom>,
    number: CommitNumber,
    update: Vec<u8>,
    author: Option<String>,
}

pub struct World {
    limits: SessionLimits,
    start: Instant,
    now: Instant,
    conns: Vec<Conn>,
    rooms: HashMap<String, Rc<TestRoom>>,
    /// The board's stored log.
    storage: HashMap<String, Vec<Vec<u8>>>,
    commits: VecDeque<QueuedCommit>,
    /// How commits ended, by board and number.
    resolved: HashMap<(String, CommitNumber), bool>,
    /// Roles set by `role` (None: removed), over a token's.
    roles: HashMap<(String, String), Option<Access>>,
    logged_out: HashSet<String>,
    out: String,
}

fn access_of(role: &str) -> Option<Access> {
    match role {
        "owner" | "editor" => Some(Access::ReadWrite),
        "viewer" => Some(Access::ReadOnly),
        _ => None,
    }
}

impl World {
    pub fn new(limits: SessionLimits) -> Self {
        let start = Instant::now();
        Self {
            limits,
            start,
            now: start,
            conns: Vec::new(),
            rooms: HashMap::new(),
            storage: HashMap::new(),
            commits: VecDeque::new(),
            resolved: HashMap::new(),
            roles: HashMap::new(),
            logged_out: HashSet::new(),
            out: String::new(),
        }
    }

    /// Runs a script and renders what happened.
    pub fn run(mut self, script: &str) -> String {
        for line in script.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let _ = writeln!(self.out, "> {line}");
            self.line(line);
            self.settle_acks();
            self.render_frames();
        }
        self.out
    }

    fn verify(&self, token: &str, board: &str) -> Result<Grant, String> {
        let Some((user, role)) = token.split_once('/') else {
            return Err("invalid token".into());
        };
        if self.logged_out.contains(user) {
            return Err("session ended".into());
        }
        let access = match self.roles.get(&(board.to_owned(), user.to_owned())) {
            Some(access) => *access,
            None => access_of(role),
        };
        match access {
            Some(access) => Ok(Grant {
                access,
                user: Some(user.to_owned()),
            }),
            None => Err("not a member of this board".into()),
        }
    }

    fn conn_index(&self, name: &str) -> usize {
        self.conns
            .iter()
            .position(|c| c.name == name)
            .unwrap_or_else(|| panic!("no connection {name}"))
    }

    fn line(&mut self, line: &str) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["connect", name] => self.connect(name, Framing::Mux),
            ["connect", name, "yws", board, token] => {
                self.connect(name, Framing::YWebsocket);
                let index = self.conn_index(name);
                match self.verify(token, board) {
                    Ok(grant) => {
                        let effects = self.conns[index].session.join_granted(
                            (*board).to_owned(),
                            grant,
                            (*token).to_owned(),
                            &self.limits,
                        );
                        self.apply(index, effects);
                    }
                    Err(reason) => {
                        let _ = writeln!(self.out, "  {name}: upgrade refused: {reason}");
                    }
                }
            }
            ["commit", outcome] => self.resolve_commit(outcome),
            ["reload", board] => self.reload(board),
            ["role", board, user, role] => {
                self.roles
                    .insert(((*board).to_owned(), (*user).to_owned()), access_of(role));
                self.membership_changed(&MembershipChange {
                    board: (*board).to_owned(),
                    user: (*user).to_owned(),
                });
            }
            ["logout", user] => {
                self.logged_out.insert((*user).to_owned());
                self.membership_changed(&MembershipChange {
                    board: MembershipChange::EVERY_BOARD.to_owned(),
                    user: (*user).to_owned(),
                });
            }
            ["wait", ms] => {
                self.now += Duration::from_millis(ms.parse().expect("ms"));
            }
            [name, rest @ ..] => {
                let index = self.conn_index(name);
                let frame = self.client_frame(index, rest);
                let now = self.now;
                let effects = self.conns[index].session.on_frame(frame, now, &self.limits);
                self.apply(index, effects);
            }
            [] => {}
        }
    }

    fn connect(&mut self, name: &str, framing: Framing) {
        let id = self.conns.len() as ConnId + 1;
        let session = ConnectionSession::new(id, framing, &self.limits, self.now);
        self.conns.push(Conn {
            name: name.to_owned(),
            id,
            framing,
            session,
            sink: Sink::default(),
            acks: Acknowledger::new(framing),
            docs: HashMap::new(),
            closed: false,
        });
    }

    /// The frame a script line makes the client send.
    fn client_frame(&mut self, index: usize, words: &[&str]) -> Bytes {
        let conn = &mut self.conns[index];
        let client_id = conn.id;
        let framing = conn.framing;
        let board_doc = |conn: &mut Conn, board: &str| -> Doc {
            conn.docs
                .entry(board.to_owned())
                .or_insert_with(|| Doc::with_client_id(client_id))
                .clone()
        };
        let message = match words {
            ["auth", board, token] => {
                return mux_frame(
                    &mux_prefix(board),
                    &MuxMessage::Auth(AuthMessage::Token {
                        token: (*token).to_owned(),
                    }),
                )
            }
            ["edit", board, key, value] => {
                let doc = board_doc(conn, board);
                let update = edit(&doc, key, Some(value));
                (board.to_string(), Msg::Sync(SyncMessage::Update { update }))
            }
            ["delete", board, key] => {
                let doc = board_doc(conn, board);
                let update = edit(&doc, key, None);
                (board.to_string(), Msg::Sync(SyncMessage::Update { update }))
            }
            ["gap", board, key, value] => {
                let doc = board_doc(conn, board);
                let _lost = edit(&doc, key, Some("lost"));
                let update = edit(&doc, key, Some(value));
                (board.to_string(), Msg::Sync(SyncMessage::Update { update }))
            }
            ["step1", board] => {
                let doc = board_doc(conn, board);
                let state_vector = doc.transact().state_vector().encode_v1();
                (
                    board.to_string(),
                    Msg::Sync(SyncMessage::Step1 { state_vector }),
                )
            }
            ["step2", board] => {
                let doc = board_doc(conn, board);
                let update = doc
                    .transact()
                    .encode_state_as_update_v1(&StateVector::default());
                (board.to_string(), Msg::Sync(SyncMessage::Step2 { update }))
            }
            ["empty-step2", board] => {
                let update = Update::new().encode_v1();
                (board.to_string(), Msg::Sync(SyncMessage::Step2 { update }))
            }
            ["bad-update", board] => (
                board.to_string(),
                Msg::Sync(SyncMessage::Update {
                    update: vec![0xff, 0xff, 0xff],
                }),
            ),
            ["bad-step1", board] => (
                board.to_string(),
                Msg::Sync(SyncMessage::Step1 {
                    state_vector: vec![0x05, 0x01],
                }),
            ),
            ["awareness", board, client, clock, json] => {
                let update = sync_protocol::encode_awareness_update(&[AwarenessEntry {
                    client_id: client.parse().expect("client"),
                    clock: clock.parse().expect("clock"),
                    state_json: (*json).to_owned(),
                }]);
                (board.to_string(), Msg::Awareness(update))
            }
            ["bad-awareness", board] => (board.to_string(), Msg::Awareness(vec![0x05])),
            ["query", board] => (board.to_string(), Msg::Query),
            ["close", board] => (board.to_string(), Msg::Close),
            ["ping"] => return Bytes::from_static(&[PING_BYTE]),
            ["raw", hex] => return Bytes::from(decode_hex(hex)),
            other => panic!("unknown client line {other:?}"),
        };
        let (board, msg) = message;
        match framing {
            Framing::Mux => {
                let message = match msg {
                    Msg::Sync(sync) => MuxMessage::Sync(sync),
                    Msg::Awareness(update) => MuxMessage::Awareness { update },
                    Msg::Query => MuxMessage::QueryAwareness,
                    Msg::Close => MuxMessage::Close { reason: None },
                };
                mux_frame(&mux_prefix(&board), &message)
            }
            Framing::YWebsocket => {
                let message = match msg {
                    Msg::Sync(sync) => YwsMessage::Sync(sync),
                    Msg::Awareness(update) => YwsMessage::Awareness { update },
                    Msg::Query | Msg::Close => YwsMessage::QueryAwareness,
                };
                Bytes::from(message.encode())
            }
        }
    }

    /// Runs a session's effects the way the shell does.
    fn apply(&mut self, index: usize, effects: Vec<Effect<Rc<TestRoom>>>) {
        for effect in effects {
            if self.conns[index].closed {
                return;
            }
            let name = self.conns[index].name.clone();
            match effect {
                Effect::Send(frame) => {
                    self.conns[index].sink.push(frame);
                }
                Effect::Verify { board, token } => {
                    let verdict = self.verify(&token, &board);
                    let effects =
                        self.conns[index]
                            .session
                            .on_verdict(&board, token, verdict, &self.limits);
                    self.apply(index, effects);
                }
                Effect::Join {
                    board,
                    grant,
                    token,
                    held,
                } => {
                    let room = self.room(&board);
                    let conn = &self.conns[index];
                    room.core.borrow_mut().subscribe(
                        conn.id,
                        conn.sink.clone(),
                        conn.framing,
                        grant.user.as_deref(),
                    );
                    let effects = self.conns[index].session.joined(room, grant, token, held);
                    self.apply(index, effects);
                }
                Effect::Replay(frames) => {
                    for frame in frames {
                        let now = self.now;
                        let effects = self.conns[index].session.on_frame(frame, now, &self.limits);
                        self.apply(index, effects);
                    }
                }
                Effect::Leave { room, user } => {
                    let id = self.conns[index].id;
                    room.core.borrow_mut().unsubscribe(id, user.as_deref());
                    let _ = writeln!(self.out, "  {name}: left {}", room.board);
                }
                Effect::Commit {
                    room,
                    number,
                    update,
                    author,
                    ..
                } => {
                    let _ = writeln!(
                        self.out,
                        "  {name}: commit {}#{} by {}",
                        room.board,
                        number.0,
                        author.as_deref().unwrap_or("anyone")
                    );
                    self.conns[index]
                        .acks
                        .owe(room.clone(), Awaiting::Commit(number));
                    self.commits.push_back(QueuedCommit {
                        room,
                        number,
                        update,
                        author,
                    });
                }
                Effect::Ack { room, when } => {
                    if let AckWhen::AfterCommits(commits) = &when {
                        let _ = writeln!(
                            self.out,
                            "  {name}: ack after {}",
                            commits
                                .iter()
                                .map(|c| format!("{}#{}", room.board, c.0))
                                .collect::<Vec<_>>()
                                .join(", ")
                        );
                    }
                    self.conns[index].acks.owe(room, when.into());
                }
                Effect::PublishAwareness { board, update } => {
                    let _ = writeln!(
                        self.out,
                        "  {name}: publish awareness {board} {}",
                        render_awareness(&update)
                    );
                }
                Effect::Reject { reason, count } => {
                    if count == 1 {
                        let _ = writeln!(self.out, "  {name}: refused {reason}");
                    } else {
                        let _ = writeln!(self.out, "  {name}: refused {reason} x{count}");
                    }
                }
                Effect::FrameIn { .. } | Effect::Reconnect => {}
                Effect::Close(ending) => {
                    let _ = writeln!(
                        self.out,
                        "  {name}: closed {} {:?} {:?}",
                        ending.code, ending.cause, ending.reason
                    );
                    let conn = &mut self.conns[index];
                    conn.closed = true;
                    for (room, user) in conn.session.take_channels() {
                        room.core.borrow_mut().unsubscribe(conn.id, user.as_deref());
                    }
                }
            }
        }
    }

    /// The board's room, loaded from storage on first use.
    fn room(&mut self, board: &str) -> Rc<TestRoom> {
        if let Some(room) = self.rooms.get(board) {
            return room.clone();
        }
        let stored = self.storage.get(board).cloned().unwrap_or_default();
        let (doc, _) =
            document_from_storage(stored.iter().map(Vec::as_slice), &UpdateLimits::default())
                .expect("stored board");
        let room = Rc::new(TestRoom {
            board: board.to_owned(),
            prefix: mux_prefix(board),
            core: RefCell::new(RoomCore::new(board, doc, stored.len() as i64)),
            ledger: RefCell::new(OpenCommits::default()),
        });
        self.rooms.insert(board.to_owned(), room.clone());
        room
    }

    fn resolve_commit(&mut self, outcome: &str) {
        let Some(commit) = self.commits.pop_front() else {
            let _ = writeln!(self.out, "  (no commit queued)");
            return;
        };
        let committed = outcome == "ok";
        let board = commit.room.board.clone();
        if committed {
            self.storage
                .entry(board.clone())
                .or_default()
                .push(commit.update.clone());
        }
        self.resolved
            .insert((board.clone(), commit.number), committed);
        let resolution = commit.room.core.borrow_mut().resolve(
            commit.number,
            committed,
            &*commit.room,
            self.now,
        );
        if resolution.start_reload {
            let _ = writeln!(self.out, "  {board}: stale, reloading");
        }
        if outcome == "refused" {
            // The shell's acknowledger answers first, then tells the connections to re-read the
            // author's role.
            self.settle_acks();
            self.render_frames();
            if let Some(user) = commit.author {
                self.membership_changed(&MembershipChange { board, user });
            }
        }
    }

    fn reload(&mut self, board: &str) {
        let room = self.room(board);
        let stored = self.storage.get(board).cloned().unwrap_or_default();
        let (doc, _) =
            document_from_storage(stored.iter().map(Vec::as_slice), &UpdateLimits::default())
                .expect("stored board");
        let mut core = room.core.borrow_mut();
        core.replace_document(doc, stored.len() as i64, &UpdateLimits::default());
        match core.finish_reload() {
            ReloadEnd::Again => {
                let _ = writeln!(self.out, "  {board}: reload again");
            }
            ReloadEnd::Done(resync) => {
                let names: Vec<&str> = resync
                    .iter()
                    .filter_map(|id| self.conns.iter().find(|c| c.id == *id))
                    .map(|c| c.name.as_str())
                    .collect();
                let _ = writeln!(
                    self.out,
                    "  {board}: reloaded; Step1 to [{}]",
                    names.join(", ")
                );
                core.send_step1_to(&resync);
            }
        }
    }

    fn membership_changed(&mut self, change: &MembershipChange) {
        for index in 0..self.conns.len() {
            if self.conns[index].closed {
                continue;
            }
            for recheck in self.conns[index].session.rechecks(change) {
                let effects = match recheck {
                    Recheck::Role { board, user } => {
                        let access = self.roles.get(&(board.clone(), user)).copied().flatten();
                        self.conns[index].session.on_role(&board, access)
                    }
                    Recheck::Token { board, token } => {
                        let access = self.verify(&token, &board).ok().map(|g| g.access);
                        self.conns[index].session.on_token_checked(&board, access)
                    }
                };
                self.apply(index, effects);
            }
        }
    }

    /// Sends every acknowledgement whose fate is known, in order, stopping at the first that
    /// is not.
    fn settle_acks(&mut self) {
        for conn in &mut self.conns {
            loop {
                for frame in conn.acks.take_ready() {
                    conn.sink.push(frame);
                }
                let Some((room, awaiting)) = conn.acks.front() else {
                    break;
                };
                let stored = match awaiting {
                    Awaiting::Known(stored) => *stored,
                    Awaiting::Commits(commits) => match room.ledger.borrow().durable(commits) {
                        Some(durable) => durable,
                        None => break,
                    },
                    Awaiting::Commit(number) => {
                        match self.resolved.get(&(room.board.clone(), *number)) {
                            Some(committed) => *committed,
                            None => break,
                        }
                    }
                };
                conn.acks.settle_front(stored);
            }
        }
    }

    fn render_frames(&mut self) {
        for conn in &self.conns {
            let frames: Vec<Bytes> = conn.sink.0.borrow_mut().drain(..).collect();
            for frame in frames {
                receive(conn, &frame);
                let text = match conn.framing {
                    Framing::Mux => render_mux(&frame),
                    Framing::YWebsocket => render_yws(&frame),
                };
                let _ = writeln!(self.out, "  {} <- {text}", conn.name);
            }
        }
    }

    /// How long the script has run.
    #[allow(dead_code)]
    pub fn elapsed(&self) -> Duration {
        self.now - self.start
    }
}

/// A client takes what the relay sent into its replica (multiplexed clients only).
fn receive(conn: &Conn, frame: &[u8]) {
    if conn.framing != Framing::Mux {
        return;
    }
    let Ok(MuxFrame::Board {
        board,
        message: MuxMessage::Sync(SyncMessage::Step2 { update } | SyncMessage::Update { update }),
    }) = MuxFrame::decode(frame, &sync_protocol::Limits::default())
    else {
        return;
    };
    let Some(doc) = conn.docs.get(&board) else {
        return;
    };
    if let Ok(update) = Update::decode_v1(&update) {
        let _ = doc.transact_mut().apply_update(update);
    }
}

enum Msg {
    Sync(SyncMessage),
    Awareness(Vec<u8>),
    Query,
    Close,
}

/// A local change of a replica (`None`: delete the key): the update it made.
fn edit(doc: &Doc, key: &str, value: Option<&str>) -> Vec<u8> {
    let map = doc.get_or_insert_map("board");
    let mut txn = doc.transact_mut();
    match value {
        Some(value) => {
            map.insert(&mut txn, key, value);
        }
        None => {
            map.remove(&mut txn, key);
        }
    }
    txn.encode_update_v1()
}

fn decode_hex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

fn render_state_vector(sv: &StateVector) -> String {
    let clocks: BTreeMap<u64, u32> = sv.iter().map(|(c, k)| (c.get(), *k)).collect();
    let parts: Vec<String> = clocks.iter().map(|(c, k)| format!("{c}:{k}")).collect();
    format!("{{{}}}", parts.join(" "))
}

fn render_update(bytes: &[u8]) -> String {
    match Update::decode_v1(bytes) {
        Ok(update) => {
            let mut text = render_state_vector(&update.state_vector());
            if !update.delete_set().is_empty() {
                text.push_str(" +deletes");
            }
            text
        }
        Err(_) => "<undecodable>".into(),
    }
}

fn render_awareness(update: &[u8]) -> String {
    match sync_protocol::decode_awareness_update(update, &sync_protocol::Limits::default()) {
        Ok(entries) => {
            let parts: Vec<String> = entries
                .iter()
                .map(|e| format!("{}@{} {}", e.client_id, e.clock, e.state_json))
                .collect();
            format!("[{}]", parts.join(", "))
        }
        Err(_) => "<undecodable>".into(),
    }
}

fn render_sync(sync: &SyncMessage) -> String {
    match sync {
        SyncMessage::Step1 { state_vector } => match StateVector::decode_v1(state_vector) {
            Ok(sv) => format!("Step1 {}", render_state_vector(&sv)),
            Err(_) => "Step1 <undecodable>".into(),
        },
        SyncMessage::Step2 { update } => format!("Step2 {}", render_update(update)),
        SyncMessage::Update { update } => format!("Update {}", render_update(update)),
    }
}

fn render_mux(frame: &[u8]) -> String {
    if frame == [PONG_BYTE] {
        return "pong".into();
    }
    let decoded = MuxFrame::decode(frame, &sync_protocol::Limits::default());
    let Ok(MuxFrame::Board { board, message }) = decoded else {
        return format!("{decoded:?}");
    };
    let text = match message {
        MuxMessage::Sync(sync) => render_sync(&sync),
        MuxMessage::Awareness { update } => format!("Awareness {}", render_awareness(&update)),
        MuxMessage::SyncStatus { applied } => format!("SyncStatus({})", u8::from(applied)),
        MuxMessage::Auth(AuthMessage::Authenticated { scope }) => {
            let scope = match scope {
                AuthScope::ReadOnly => "read-only",
                AuthScope::ReadWrite => "read-write",
            };
            format!("Authenticated({scope})")
        }
        MuxMessage::Auth(AuthMessage::PermissionDenied { reason }) => {
            format!("PermissionDenied({reason:?})")
        }
        MuxMessage::Close { reason } => format!("Close({:?})", reason.unwrap_or_default()),
        other => format!("{other:?}"),
    };
    format!("{board} {text}")
}

fn render_yws(frame: &[u8]) -> String {
    match YwsMessage::decode(frame, &sync_protocol::Limits::default()) {
        Ok(YwsMessage::Sync(sync)) => render_sync(&sync),
        Ok(YwsMessage::Awareness { update }) => format!("Awareness {}", render_awareness(&update)),
        Ok(other) => format!("{other:?}"),
        Err(e) => format!("<undecodable: {e}>"),
    }
}
