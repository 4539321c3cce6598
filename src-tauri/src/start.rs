//! The start path (DESIGN §2 "Shown view"): the board shown last is painted from the view kept
//! in the store while its document loads on a thread of its own, then reconciled with patches.
//!
//! At launch [`StartView::preload`] reads the kept view and hands it to the first `open_board`
//! of that board, marked `cached`; the same thread then builds the board's replica from the
//! store without holding the session (nothing else waits for it) and gives it to the session.
//! The kept view is handed out even when that load is done first (a release build loads the
//! 10,000-task board before the page asks): answering it, cut to a first screen, takes a
//! millisecond, building the board's view tens. The window's `reconcile_board` waits for the
//! load and answers the patches from the kept view to the board as it is now. An edit made
//! meanwhile loads the board itself, so nothing typed waits or is lost; the thread's replica
//! then gives way, as it does when the store changed while it was built. Each board opened,
//! and the board shown at exit, is kept again for the next start.
//!
//! Opening any other board shown recently goes the same way ([`StartView::open_kept`]): its
//! kept view is answered at once, and the board loads when the window asks to reconcile. So
//! does the first opening of a large board this computer never showed: a while after the first
//! paint, [`StartView::keep_ahead`] keeps views ahead for such boards, one at a time.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use board_model::{BoardView, ReplicaConfig, TaskView};
use board_store::replica;

use sync_client::SharedStore;

use crate::collab::{self, SharedSession};
use crate::ipc::{OpenedBoard, SignedInUser};

/// Boards of at least this many tasks get a view kept ahead until shown (smaller ones open
/// from their document in a few milliseconds).
pub const KEEP_AHEAD_MIN_TASKS: u64 = 1_000;
/// How often the boards without a kept view are looked for again (each time one query when
/// there are none).
const KEEP_AHEAD_EVERY: Duration = Duration::from_secs(10 * 60);

/// The kept view of the start path, and what the window shows (to keep it again at exit).
#[derive(Clone, Default)]
pub struct StartView(Arc<Inner>);

#[derive(Default)]
struct Inner {
    state: Mutex<State>,
    /// Signalled when a board's load (the start thread's, or `load_now`) is done.
    loaded: Condvar,
    /// Bumped by each view to keep: a slower write of an older one gives way.
    kept: AtomicU64,
    /// Views are kept ahead once per run ([`StartView::keep_ahead`]).
    kept_ahead: AtomicBool,
    /// How long each load is held back (tests: [`test_delay`]).
    slow: Duration,
}

#[derive(Default)]
struct State {
    /// The kept view until the board's document is loaded, or until `reconcile_board` when
    /// the window was given it.
    start: Option<Start>,
    /// The board the window shows.
    shown: Option<String>,
    /// The boards being loaded (by the start thread, or by `load_now`).
    loading: HashSet<String>,
}

/// What [`StartView::hold`] did with a kept view.
enum Held {
    /// Unreadable, or of another board.
    No,
    /// Held for the board's first `open_board`.
    Kept,
    /// Held for `reconcile_board`; this copy is for the window.
    Handed(OpenedBoard),
}

impl State {
    /// Holds `opened` as handed out to the window, which shows that board now, until
    /// `reconcile_board` takes it (with `whole`, for a loaded board's first screen); answers
    /// the window's copy. One view is held at a time: the window shows one board.
    fn hand(&mut self, opened: OpenedBoard, whole: Option<Whole>) -> OpenedBoard {
        self.shown = Some(opened.view.id.clone());
        self.start = Some(Start {
            opened: opened.clone(),
            handed: true,
            whole,
        });
        opened
    }
}

/// Who [`StartView::hold`] holds a kept view for.
enum HoldFor {
    /// The window, now (`open_kept`: the board loads on `reconcile_board`), cut to the first
    /// screen it asked for, if any; what is held is what the window shows.
    Window(Option<u32>),
    /// The board's first `open_board`, the board marked loading (the start thread loads it
    /// next).
    FirstOpen,
}

/// Kept until the window's first `open_board` (of this board: handed out; of another:
/// dropped) and, once handed out, until `reconcile_board`.
struct Start {
    opened: OpenedBoard,
    /// The window shows this view and will ask for `reconcile_board`.
    handed: bool,
    /// A loaded board's first screen: the whole answer it was cut from.
    whole: Option<Whole>,
}

/// What a loaded board's first screen cut off its whole answer, and the board's `last_seq`
/// read before that answer was built: while no update was stored for the board since, the
/// first screen and this are still the board as it is, and `reconcile_board` answers from them
/// instead of building the board's view again.
pub struct Whole {
    seq: board_store::Seq,
    rest: Vec<(String, Vec<TaskView>)>,
}

impl Whole {
    /// The whole view, `first_screen` with its rest, when `seq` (the board's `last_seq` now)
    /// says nothing was stored since.
    pub fn if_current(self, seq: board_store::Seq, first_screen: &BoardView) -> Option<BoardView> {
        if self.seq != seq {
            return None;
        }
        let mut view = first_screen.clone();
        for (column_id, tail) in self.rest {
            if let Some(column) = view.columns.iter_mut().find(|c| c.id == column_id) {
                column.tasks.extend(tail);
            }
        }
        Some(view)
    }
}

impl StartView {
    fn state(&self) -> MutexGuard<'_, State> {
        self.0.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts loading the board shown last (a thread; returns at once). `slow` holds this load,
    /// and each load of a board opened from its kept view, back that long (tests: a document
    /// that takes its time).
    pub fn preload(
        session: SharedSession,
        store: SharedStore,
        config: ReplicaConfig,
        slow: Duration,
    ) -> Self {
        let start = Self(Arc::new(Inner {
            slow,
            ..Inner::default()
        }));
        let loading = start.clone();
        let spawned = std::thread::Builder::new()
            .name("tack-start".into())
            .spawn(move || {
                let lock_store = || store.lock().unwrap_or_else(PoisonError::into_inner);
                let (board_id, bytes) = match lock_store().shown_view() {
                    Ok(Some(kept)) => kept,
                    Ok(None) => return,
                    Err(err) => {
                        tracing::warn!(%err, "the kept view could not be read");
                        return;
                    }
                };
                if !matches!(
                    loading.hold(&board_id, &bytes, HoldFor::FirstOpen),
                    Held::No
                ) {
                    drop(bytes);
                    loading.load(&session, &store, config, &board_id);
                }
            });
        if let Err(err) = spawned {
            tracing::warn!(%err, "no start thread: the last board loads when it is opened");
        }
        start
    }

    /// Opening a board shown recently that is not loaded (`open_board`): its kept view, handed
    /// out at once (`cached`), cut to its `first` screen when asked; the board loads when the
    /// window, having painted it, asks `reconcile_board` ([`StartView::load_now`]), so the load
    /// does not compete with that paint for the processor. `None` when no view of it is kept,
    /// or it is loading already.
    pub fn open_kept(
        &self,
        store: &SharedStore,
        board_id: &str,
        first: Option<u32>,
    ) -> Option<OpenedBoard> {
        if self.state().loading.contains(board_id) {
            return None;
        }
        let started = std::time::Instant::now();
        let bytes = match store
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .kept_view(board_id)
        {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return None,
            Err(err) => {
                tracing::warn!(%err, "the kept view could not be read");
                return None;
            }
        };
        match self.hold(board_id, &bytes, HoldFor::Window(first)) {
            Held::Handed(opened) => {
                tracing::debug!(target: "tack::open", board = %board_id, bytes = bytes.len(), took = ?started.elapsed(), "answered from the kept view");
                Some(opened)
            }
            Held::No | Held::Kept => None,
        }
    }

    /// Loads `board_id` here (off the session's lock, as the start thread does) unless it is
    /// loading already; `reconcile_board` of a board opened from its kept view.
    pub fn load_now(
        &self,
        session: &SharedSession,
        store: &SharedStore,
        config: ReplicaConfig,
        board_id: &str,
    ) {
        if !self.state().loading.insert(board_id.to_owned()) {
            return;
        }
        self.load(session, store, config, board_id);
    }

    /// Reads `bytes` as `board_id`'s kept view and holds it for `whom`.
    fn hold(&self, board_id: &str, bytes: &[u8], whom: HoldFor) -> Held {
        let mut opened = match serde_json::from_slice::<OpenedBoard>(bytes) {
            Ok(opened) if opened.view.id == board_id => opened,
            Ok(_) => {
                tracing::warn!(board = %board_id, "the kept view is of another board");
                return Held::No;
            }
            Err(err) => {
                tracing::warn!(%err, "the kept view is unreadable; loading the board");
                return Held::No;
            }
        };
        opened.cached = true;
        let mut state = self.state();
        match whom {
            HoldFor::Window(first) => {
                if let Some(first) = first {
                    opened.cut_to_first_screen(first);
                }
                Held::Handed(state.hand(opened, None))
            }
            HoldFor::FirstOpen => {
                state.loading.insert(board_id.to_owned());
                // One view is held at a time: the window shows one board.
                state.start = Some(Start {
                    opened,
                    handed: false,
                    whole: None,
                });
                Held::Kept
            }
        }
    }

    /// Builds `board_id`'s replica from the store with no lock held, and gives it to the
    /// session unless something newer is there; then the board is no longer loading.
    fn load(
        &self,
        session: &SharedSession,
        store: &SharedStore,
        config: ReplicaConfig,
        board_id: &str,
    ) {
        let lock_store = || store.lock().unwrap_or_else(PoisonError::into_inner);
        let started = std::time::Instant::now();
        let stored = replica::read_board(&lock_store(), board_id);
        std::thread::sleep(self.0.slow);
        let built = stored.and_then(|stored| {
            let read_seq = stored.last_seq();
            Ok((replica::build_board(stored, config)?, read_seq))
        });
        match built {
            Ok((board, read_seq)) => match collab::lock(session).install(board, read_seq) {
                Ok(true) => {
                    tracing::info!(board = %board_id, took = ?started.elapsed(), "the board shown before is loaded")
                }
                Ok(false) => {
                    tracing::info!(board = %board_id, "the board shown before was loaded meanwhile")
                }
                Err(err) => {
                    tracing::warn!(%err, board = %board_id, "the board shown before did not load")
                }
            },
            Err(err) => {
                tracing::warn!(%err, board = %board_id, "the board shown before did not load")
            }
        }
        self.done_loading(board_id);
    }

    fn done_loading(&self, board_id: &str) {
        // A kept view nobody asked for yet stays: the window's first ask takes it.
        self.state().loading.remove(board_id);
        self.0.loaded.notify_all();
    }

    /// Waits (a minute at most) while `board_id` is being loaded.
    pub fn wait_loaded(&self, board_id: &str) {
        let state = self.state();
        let waited = self
            .0
            .loaded
            .wait_timeout_while(state, Duration::from_secs(60), |state| {
                state.loading.contains(board_id)
            });
        drop(waited);
    }

    /// The kept view of `board_id` for the window's first ask (it shows it, then asks for
    /// `reconcile_board`), loaded meanwhile or not, cut to its `first` screen when asked;
    /// `None` once handed out or for any other board.
    pub fn hand_out(&self, board_id: &str, first: Option<u32>) -> Option<OpenedBoard> {
        let mut state = self.state();
        state.shown = Some(board_id.to_owned());
        match &mut state.start {
            Some(start) if start.opened.view.id == board_id => {
                // Handed out already: it stays for `reconcile_board`.
                if start.handed {
                    return None;
                }
                start.handed = true;
                // What is held is what the window shows: `reconcile_board` brings the rest.
                if let Some(first) = first {
                    start.opened.cut_to_first_screen(first);
                }
                Some(start.opened.clone())
            }
            Some(_) => {
                // Another board is shown: nothing to reconcile.
                state.start = None;
                None
            }
            None => None,
        }
    }

    /// A board's answer from its document (`seq`: the board's `last_seq` read before it was
    /// built), cut to its `first` screen when it has more: held as handed out (`cached`), so
    /// the window shows that at once and `reconcile_board` brings the rest, as for a kept view;
    /// what the cut took off is held with it ([`Whole`]). Else the answer as it is.
    pub fn first_screen_of(
        &self,
        mut opened: OpenedBoard,
        first: u32,
        seq: board_store::Seq,
    ) -> OpenedBoard {
        let rest = opened.cut_to_first_screen(first);
        if rest.is_empty() {
            return opened;
        }
        opened.cached = true;
        self.state().hand(opened, Some(Whole { seq, rest }))
    }

    /// The kept view handed out for `board_id`, taken (reconciling it is once), with what a
    /// loaded board's first screen cut off its whole answer.
    pub fn take_handed(&self, board_id: &str) -> Option<(OpenedBoard, Option<Whole>)> {
        let mut state = self.state();
        match state.start.take() {
            Some(start) if start.handed && start.opened.view.id == board_id => {
                Some((start.opened, start.whole))
            }
            other => {
                state.start = other;
                None
            }
        }
    }

    /// The board the window shows.
    pub fn shown(&self) -> Option<String> {
        self.state().shown.clone()
    }

    /// Keeps `opened` (the window shows it) for the next start. Serialized here (no copy of a
    /// large board's view is made), written off this thread: the write must not hold the
    /// board's opening up.
    pub fn keep(&self, store: &SharedStore, opened: &OpenedBoard) {
        self.state().shown = Some(opened.view.id.clone());
        let Some(bytes) = serialized(opened) else {
            return;
        };
        let ticket = self.0.kept.fetch_add(1, Ordering::SeqCst) + 1;
        let (this, store, board_id) = (self.clone(), store.clone(), opened.view.id.clone());
        let spawned = std::thread::Builder::new()
            .name("tack-keep-view".into())
            .spawn(move || this.write(&store, &board_id, &bytes, ticket));
        if let Err(err) = spawned {
            tracing::warn!(%err, "the shown view is not kept");
        }
    }

    /// Keeps `opened` now (at exit).
    pub fn keep_now(&self, store: &SharedStore, opened: &OpenedBoard) {
        if let Some(bytes) = serialized(opened) {
            let ticket = self.0.kept.fetch_add(1, Ordering::SeqCst) + 1;
            self.write(store, &opened.view.id, &bytes, ticket);
        }
    }

    fn write(&self, store: &SharedStore, board_id: &str, bytes: &[u8], ticket: u64) {
        let mut store = store.lock().unwrap_or_else(PoisonError::into_inner);
        // Checked under the store's lock: a later view's write has not happened, or wins.
        if self.0.kept.load(Ordering::SeqCst) != ticket {
            return;
        }
        if let Err(err) = store.save_shown_view(board_id, bytes) {
            tracing::warn!(%err, "the shown view could not be kept");
        }
    }
}

impl StartView {
    /// Once per run, `after` the window's first paint and every [`KEEP_AHEAD_EVERY`] after
    /// that (boards joined or synced in meanwhile): keeps views ahead (DESIGN §2 "Shown view")
    /// for the large boards this computer has not shown, on a thread of its own, so opening
    /// one answers at once as for a board shown recently. Returns at once.
    pub fn keep_ahead(
        &self,
        session: SharedSession,
        store: SharedStore,
        account: Option<SignedInUser>,
        after: Duration,
    ) {
        if self.0.kept_ahead.swap(true, Ordering::SeqCst) {
            return;
        }
        let this = self.clone();
        let spawned = std::thread::Builder::new()
            .name("tack-keep-ahead".into())
            .spawn(move || {
                std::thread::sleep(after);
                loop {
                    this.keep_ahead_now(&session, &store, account.clone());
                    std::thread::sleep(KEEP_AHEAD_EVERY);
                }
            });
        if let Err(err) = spawned {
            tracing::warn!(%err, "no views kept ahead this run");
        }
    }

    /// Keeps views ahead now, one board after another (each built from the store with no lock
    /// held, as the start thread builds one); answers how many were kept. A board the session
    /// holds, or the window shows, is left alone: it opens from its document at once, and its
    /// view is kept when shown.
    pub fn keep_ahead_now(
        &self,
        session: &SharedSession,
        store: &SharedStore,
        account: Option<SignedInUser>,
    ) -> usize {
        let lock_store = || store.lock().unwrap_or_else(PoisonError::into_inner);
        let boards = match lock_store().boards_without_kept_view(KEEP_AHEAD_MIN_TASKS) {
            Ok(boards) => boards,
            Err(err) => {
                tracing::warn!(%err, "no views kept ahead");
                return 0;
            }
        };
        let config = collab::lock(session).replica_config().clone();
        let mut kept = 0;
        for board_id in boards.into_iter().take(board_store::KEPT_UNSHOWN_VIEWS) {
            let busy = {
                let state = self.state();
                state.shown.as_deref() == Some(board_id.as_str())
                    || state.loading.contains(&board_id)
            };
            if busy || collab::lock(session).holds(&board_id) {
                continue;
            }
            let started = std::time::Instant::now();
            let built = replica::read_board(&lock_store(), &board_id)
                .and_then(|stored| replica::build_board(stored, config.clone()));
            let opened = built.map_err(crate::ipc::IpcError::from).and_then(|board| {
                crate::session::opened_outside(store, &board, &config.user, account.clone())
            });
            let bytes = match opened {
                Ok(opened) => serialized(&opened),
                Err(err) => {
                    tracing::warn!(%err, board = %board_id, "no view kept ahead");
                    continue;
                }
            };
            let Some(bytes) = bytes else { continue };
            match lock_store().keep_unshown_view(&board_id, &bytes) {
                Ok(true) => {
                    kept += 1;
                    tracing::info!(target: "tack::open", board = %board_id, bytes = bytes.len(), took = ?started.elapsed(), "a view kept ahead");
                }
                Ok(false) => {}
                Err(err) => tracing::warn!(%err, board = %board_id, "no view kept ahead"),
            }
        }
        if kept > 0 {
            // The documents read are gone: their memory goes back to the system.
            crate::memory::trim_soon();
        }
        kept
    }
}

fn serialized(opened: &OpenedBoard) -> Option<Vec<u8>> {
    serde_json::to_vec(opened)
        .inspect_err(|err| tracing::warn!(%err, "the shown view could not be written"))
        .ok()
}

/// How long the start path holds the board's load back: `TACK_TEST_SLOW_START_MS` in debug
/// builds (the tests' slow document), never in a release.
pub fn test_delay() -> Duration {
    if !cfg!(debug_assertions) {
        return Duration::ZERO;
    }
    std::env::var("TACK_TEST_SLOW_START_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(Duration::ZERO, Duration::from_millis)
}
