// Collaboration state: the account, sync status, who is on which board, my access to each
// board, conflict notices and the close-with-pending question. The shell pushes all of it as
// events; this module keeps the latest of each in signals for the components to render.

import { batch, createSignal } from "solid-js";
import * as ipc from "../ipc";
import type {
  AccountState,
  BoardSummary,
  CloseRequestedEvent,
  ConflictNotice,
  Person,
  RemoteBoard,
  Role,
  SyncState,
  SyncStatusEvent,
} from "../ipc";

export interface BoardAccess {
  role: Role | null;
  readOnly: boolean;
  /** Why it is read-only, shown next to what is disabled. */
  reason: string | null;
}

/** A quiet notice under the toolbar (a conflict, or a board that was closed on me). */
export interface Notice {
  boardId: string;
  text: string;
}

/** Who else has which card selected (my own selection and people with none left out). */
export function selectionsByTask(people: readonly Person[]): Map<string, Person[]> {
  const byTask = new Map<string, Person[]>();
  for (const person of people) {
    if (person.me || person.selectedTaskId === null) continue;
    byTask.set(person.selectedTaskId, [...(byTask.get(person.selectedTaskId) ?? []), person]);
  }
  return byTask;
}

/** How long the selected card waits before the shell hears of it (keys never wait). */
export const SELECTION_DEBOUNCE_MS = 60;

export function createCollab(hooks: {
  currentBoardId: () => string | null;
  /** Re-reads the board list (names, roles) after something about boards changed. */
  refreshBoards: () => Promise<void>;
  /** Opens a board again (the local copy, read-only after access was removed). */
  reopenBoard: (boardId: string) => Promise<void>;
  notify: (text: string) => void;
  /** A `tack://join` link opened the app (the invite, for the "Join a board" flow). */
  joinLink: (invite: string) => void;
}) {
  const [account, setAccount] = createSignal<AccountState>({ server: null, user: null });
  const [status, setStatus] = createSignal<SyncStatusEvent | null>(null);
  const [access, setAccess] = createSignal<ReadonlyMap<string, BoardAccess>>(new Map());
  const [people, setPeople] = createSignal<ReadonlyMap<string, readonly Person[]>>(new Map());
  const [notice, setNotice] = createSignal<Notice | null>(null);
  const [closeRequest, setCloseRequest] = createSignal<CloseRequestedEvent | null>(null);
  const [remoteBoards, setRemoteBoards] = createSignal<readonly RemoteBoard[]>([]);

  function updateAccess(boardId: string, next: BoardAccess) {
    setAccess((map) => {
      const was = map.get(boardId);
      if (
        was &&
        was.role === next.role &&
        was.readOnly === next.readOnly &&
        was.reason === next.reason
      ) {
        return map;
      }
      return new Map(map).set(boardId, next);
    });
  }

  /** Roles as the board list reports them (at start and after each refresh). */
  function learnBoards(list: readonly BoardSummary[]) {
    for (const b of list) {
      const known = access().get(b.id);
      updateAccess(b.id, {
        role: b.role,
        readOnly: b.readOnly,
        reason: b.readOnly ? (b.readOnlyReason ?? known?.reason ?? null) : null,
      });
    }
  }

  function applyStatus(event: SyncStatusEvent) {
    batch(() => {
      setStatus(event);
      for (const b of event.boards) {
        const known = access().get(b.boardId);
        updateAccess(b.boardId, {
          role: b.role,
          readOnly: b.readOnly,
          reason: b.readOnly ? (b.readOnlyReason ?? known?.reason ?? null) : null,
        });
      }
    });
  }

  /** Why the board cannot be edited here, or null when it can. */
  function readOnlyReason(boardId: string | null): string | null {
    if (boardId === null) return null;
    const a = access().get(boardId);
    // The shell always says why; an empty reason still disables editing.
    return a?.readOnly === true ? (a.reason ?? "") : null;
  }

  function boardSync(boardId: string): SyncState | undefined {
    return status()?.boards.find((b) => b.boardId === boardId)?.state;
  }

  function peopleOn(boardId: string | null): readonly Person[] {
    return boardId === null ? [] : (people().get(boardId) ?? []);
  }

  async function refreshRemote() {
    if (account().user === null) {
      setRemoteBoards([]);
      return;
    }
    try {
      setRemoteBoards(await ipc.listRemoteBoards());
    } catch {
      // Unreachable relay: the sidebar keeps what it last knew; the status bar says why.
    }
  }

  const unlisteners: (() => void)[] = [];

  async function start() {
    batch(() => {
      setNotice(null);
      setCloseRequest(null);
      setPeople(new Map());
    });
    // Subscribed together (each is an IPC round trip), before `getAccount` below.
    const subscribed = await Promise.all([
      ipc.on("sync-status", applyStatus),
      ipc.on("presence", (event) =>
        setPeople((map) => new Map(map).set(event.boardId, event.people)),
      ),
      ipc.on("board-access", (event) => {
        updateAccess(event.boardId, {
          role: event.role,
          readOnly: event.readOnly,
          reason: event.readOnly ? event.reason : null,
        });
        void hooks.refreshBoards().catch(() => undefined);
      }),
      ipc.on("board-closed", (event) => {
        const message = event.message;
        updateAccess(event.boardId, { role: null, readOnly: true, reason: message });
        setNotice({ boardId: event.boardId, text: message });
        if (hooks.currentBoardId() === event.boardId) {
          // The board closes and its local copy opens again, read-only.
          void hooks.reopenBoard(event.boardId).catch(() => hooks.notify(message));
        }
        void refreshRemote();
      }),
      ipc.on("conflict", (event: ConflictNotice) => {
        if (event.boardId === hooks.currentBoardId()) {
          setNotice({ boardId: event.boardId, text: event.text });
        }
      }),
      ipc.on("close-requested", (event) => setCloseRequest(event)),
      // Subscribed before `getAccount` below, which sends the links that started the app.
      ipc.on("join-link", (event) => hooks.joinLink(event.invite)),
    ]);
    unlisteners.push(...subscribed);
    // Boards shared with me while the app runs show up when I come back to the window.
    const onFocus = () => void refreshRemote();
    if (typeof window !== "undefined") {
      window.addEventListener("focus", onFocus);
      unlisteners.push(() => window.removeEventListener("focus", onFocus));
    }
    try {
      const [state, sync] = await Promise.all([ipc.getAccount(), ipc.syncStatus()]);
      batch(() => {
        setAccount(state);
        applyStatus(sync);
      });
    } catch (error) {
      // The boards on this computer still open and edit; only syncing is unavailable.
      hooks.notify(`Sync unavailable: ${ipc.errorMessage(error)}`);
      return;
    }
    // Not awaited: the board shown last paints without waiting for the relay.
    void refreshRemote();
  }

  function stop() {
    for (const unlisten of unlisteners.splice(0)) unlisten();
  }

  /** After sign in, sign up, sign out or a server change. */
  async function accountChanged(state: AccountState) {
    setAccount(state);
    applyStatus(await ipc.syncStatus());
    await Promise.all([hooks.refreshBoards(), refreshRemote()]);
  }

  // The selected card, sent a moment after it settles so holding `j` sends one message.
  let selectionTimer: ReturnType<typeof setTimeout> | undefined;
  let sentSelection: string | undefined;
  function selectionChanged(boardId: string | null, taskId: string | null) {
    clearTimeout(selectionTimer);
    if (boardId === null) return;
    const key = `${boardId}/${taskId ?? ""}`;
    if (key === sentSelection) return;
    selectionTimer = setTimeout(() => {
      sentSelection = key;
      ipc.setSelection(boardId, taskId).catch(() => {
        // Presence is best effort; a failure must not interrupt the person typing.
        sentSelection = undefined;
      });
    }, SELECTION_DEBOUNCE_MS);
  }

  async function answerClose(close: boolean) {
    setCloseRequest(null);
    if (close) await ipc.confirmClose();
  }

  /** The shell refused an edit as read-only before its event reached us: believe it now. */
  function refusedAsReadOnly(boardId: string, reason: string) {
    const known = access().get(boardId);
    updateAccess(boardId, { role: known?.role ?? null, readOnly: true, reason });
  }

  return {
    account,
    refusedAsReadOnly,
    status,
    access,
    readOnlyReason,
    boardSync,
    peopleOn,
    notice,
    dismissNotice: () => setNotice(null),
    closeRequest,
    answerClose,
    remoteBoards,
    refreshRemote,
    learnBoards,
    accountChanged,
    selectionChanged,
    start,
    stop,
  };
}

export type Collab = ReturnType<typeof createCollab>;
