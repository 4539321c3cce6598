// A dev-only in-memory backend for `vite` in a plain browser: the same commands and patch
// events as the desktop app, enough to develop and screenshot the UI. Never in a production
// build (see connect() in ./index.ts).

import type { Backend } from "./backend";
import type {
  AccountState,
  ArchivedItems,
  BoardAccessEvent,
  BoardOp,
  BoardSummary,
  BoardView,
  ColumnView,
  Commands,
  Events,
  IpcError,
  LabelView,
  Member,
  Patch,
  Person,
  Place,
  RemoteBoard,
  Role,
  SignedInUser,
  SyncState,
  SyncStatusEvent,
  TaskView,
} from "./types";
import { compareRanked } from "../model/order";
import {
  closeText,
  conflictText,
  overallState,
  REMOVED_MESSAGE,
  syncState,
  VIEWER_REASON,
} from "../app/sync";

const DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A base-62 fraction strictly between `a` and `b` (`null` = 1); no trailing zero. */
function between(a: string, b: string | null): string {
  let out = "";
  for (let i = 0; ; i++) {
    const da = i < a.length ? DIGITS.indexOf(a.charAt(i)) : 0;
    const db = b === null ? 62 : i < b.length ? DIGITS.indexOf(b.charAt(i)) : 0;
    if (db - da > 1) return out + DIGITS.charAt(Math.ceil((da + db) / 2));
    out += DIGITS.charAt(da);
    if (db - da === 1) {
      // Continue in `a`'s tail, now bounded only above by 1.
      return out + between(a.slice(i + 1), null);
    }
  }
}

interface FakeBoard {
  id: string;
  title: string;
  createdAt: number;
  columns: Map<string, Omit<ColumnView, "tasks">>;
  tasks: Map<string, TaskView>;
  labels: Map<string, LabelView>;
  undo: string[];
  redo: string[];
}

function fail(kind: IpcError["kind"], message: string): never {
  throw Object.assign(new Error(message), { kind } satisfies Partial<IpcError>);
}

let counter = 0;
function newId(): string {
  counter += 1;
  return `${Date.now().toString(36)}-${counter.toString(36).padStart(6, "0")}`;
}

function snapshot(board: FakeBoard): string {
  return JSON.stringify({
    title: board.title,
    columns: [...board.columns.values()],
    tasks: [...board.tasks.values()],
    labels: [...board.labels.values()],
  });
}

function restore(board: FakeBoard, saved: string) {
  const data = JSON.parse(saved) as {
    title: string;
    columns: Omit<ColumnView, "tasks">[];
    tasks: TaskView[];
    labels: LabelView[];
  };
  board.title = data.title;
  board.columns = new Map(data.columns.map((c) => [c.id, c]));
  board.tasks = new Map(data.tasks.map((t) => [t.id, t]));
  board.labels = new Map(data.labels.map((l) => [l.id, l]));
}

function liveColumns(board: FakeBoard) {
  return [...board.columns.values()].filter((c) => !c.archived).sort(compareRanked);
}

function tasksIn(board: FakeBoard, columnId: string) {
  return [...board.tasks.values()]
    .filter((t) => t.column === columnId && !t.archived)
    .sort(compareRanked);
}

function rankAt(sorted: { id: string; rank: string }[], place: Place, selfId?: string): string {
  const items = sorted.filter((x) => x.id !== selfId);
  let index: number;
  switch (place.kind) {
    case "top":
      index = 0;
      break;
    case "bottom":
      index = items.length;
      break;
    case "before":
    case "after": {
      const at = items.findIndex((x) => x.id === place.id);
      if (at < 0) fail("invalid", "no such place");
      index = place.kind === "before" ? at : at + 1;
    }
  }
  const low = items[index - 1]?.rank ?? "";
  const high = items[index]?.rank ?? null;
  return between(low, high);
}

function view(board: FakeBoard): BoardView {
  return {
    id: board.id,
    title: board.title,
    createdAt: board.createdAt,
    labels: [...board.labels.values()].sort((a, b) => a.name.localeCompare(b.name)),
    columns: liveColumns(board).map((c) => ({ ...c, tasks: tasksIn(board, c.id) })),
  };
}

/** The archive view's list, as the shell builds it (see `Session::archived`). */
function archivedItems(board: FakeBoard): ArchivedItems {
  const columns = [...board.columns.values()].sort(compareRanked);
  const tasksOf = (columnId: string) =>
    [...board.tasks.values()].filter((t) => t.column === columnId).sort(compareRanked);
  return {
    columns: columns
      .filter((c) => c.archived)
      .map((c) => ({
        id: c.id,
        title: c.title,
        tasks: tasksOf(c.id).filter((t) => !t.archived).length,
      })),
    tasks: columns
      .filter((c) => !c.archived)
      .flatMap((c) =>
        tasksOf(c.id)
          .filter((t) => t.archived)
          .map((t) => ({ id: t.id, title: t.title, columnId: c.id, columnTitle: c.title })),
      ),
  };
}

function diff(board: FakeBoard, before: string): Patch[] {
  const old = new Map<string, string>();
  const was = JSON.parse(before) as {
    title: string;
    columns: unknown[];
    tasks: unknown[];
    labels: unknown[];
  };
  for (const item of [...was.columns, ...was.tasks] as { id: string }[]) {
    old.set(item.id, JSON.stringify(item));
  }
  const patches: Patch[] = [];
  if (was.title !== board.title) patches.push({ type: "boardMeta", title: board.title });
  if (JSON.stringify(was.labels) !== JSON.stringify([...board.labels.values()])) {
    patches.push({ type: "labelsReplaced", labels: [...board.labels.values()] });
  }
  const live = liveColumns(board);
  for (const column of board.columns.values()) {
    if (old.get(column.id) === JSON.stringify(column)) continue;
    patches.push(
      column.archived
        ? { type: "columnRemoved", columnId: column.id }
        : { type: "columnUpserted", column: { ...column, tasks: [] } },
    );
  }
  for (const id of old.keys()) {
    if (!board.columns.has(id) && (was.columns as { id: string }[]).some((c) => c.id === id)) {
      patches.push({ type: "columnRemoved", columnId: id });
    }
  }
  for (const task of board.tasks.values()) {
    if (old.get(task.id) === JSON.stringify(task)) continue;
    const shown = board.columns.get(task.column)?.archived === false ? task.column : live[0]?.id;
    patches.push(
      task.archived || shown === undefined
        ? { type: "taskRemoved", taskId: task.id }
        : { type: "taskUpserted", columnId: shown, task },
    );
  }
  for (const item of was.tasks as { id: string }[]) {
    if (!board.tasks.has(item.id)) patches.push({ type: "taskRemoved", taskId: item.id });
  }
  return patches;
}

function makeTask(column: string, rank: string, title: string, description = ""): TaskView {
  const now = Date.now();
  return {
    id: newId(),
    title,
    column,
    rank,
    description,
    labels: [],
    assignees: [],
    due: null,
    checklist: [],
    createdAt: now,
    updatedAt: now,
    createdBy: "local",
    archived: false,
  };
}

function emptyBoard(title: string): FakeBoard {
  return {
    id: newId(),
    title,
    createdAt: Date.now(),
    columns: new Map(),
    tasks: new Map(),
    labels: new Map(),
    undo: [],
    redo: [],
  };
}

function demoBoard(title: string, columnCount: number, taskCount: number): FakeBoard {
  const board = emptyBoard(title);
  const names = ["Backlog", "Todo", "Doing", "Review", "Done"];
  for (let c = 0; c < columnCount; c++) {
    const column = {
      id: newId(),
      title: names[c] ?? `Column ${c + 1}`,
      rank: `c${DIGITS.charAt(c % 62)}V`,
      wip: c === 2 ? 3 : null,
      archived: false,
    };
    board.columns.set(column.id, column);
  }
  const columnIds = [...board.columns.keys()];
  for (let i = 0; i < taskCount; i++) {
    const column = columnIds[i % columnIds.length];
    if (column === undefined) break;
    const rank = `t${i.toString(36).padStart(4, "0")}V`;
    const task = makeTask(column, rank, `Task ${i + 1}`);
    board.tasks.set(task.id, task);
  }
  return board;
}

function sampleBoard(): FakeBoard {
  const board = emptyBoard("Product launch");
  const bug = { id: newId(), name: "bug", color: "#e5484d" };
  const design = { id: newId(), name: "design", color: "#8e4ec6" };
  const docs = { id: newId(), name: "docs", color: "#0090ff" };
  for (const label of [bug, design, docs]) board.labels.set(label.id, label);
  const columns: [string, number | null, [string, string[], string][]][] = [
    [
      "Backlog",
      null,
      [
        ["Pricing page copy", [docs.id], ""],
        ["Offline indicator in the sidebar", [design.id], ""],
        ["Import from Trello", [], ""],
      ],
    ],
    [
      "Todo",
      null,
      [
        [
          "Keyboard cheat sheet",
          [design.id],
          "Show every command with its keys.\n\n- generated from the registry\n- opens with `?`",
        ],
        ["Crash when a column is deleted twice", [bug.id], ""],
      ],
    ],
    [
      "Doing",
      2,
      [
        ["Sync status badge", [design.id], ""],
        [
          "Release notes for 0.1",
          [docs.id],
          "Draft in **Markdown**; see [the guide](https://example.com).",
        ],
        ["Fix drag ghost offset", [bug.id], ""],
      ],
    ],
    ["Done", null, [["Board store on SQLite", [], ""]]],
  ];
  columns.forEach(([title, wip, tasks], c) => {
    const column = { id: newId(), title, rank: `a${c}`, wip, archived: false };
    board.columns.set(column.id, column);
    tasks.forEach(([taskTitle, labels, description], t) => {
      const task = makeTask(column.id, `a${t}V`, taskTitle, description);
      task.labels = labels;
      if (t === 0 && c === 2) {
        task.assignees = ["ada", "lin"];
        task.due = "2026-12-01";
        task.checklist = [
          { text: "Design", done: true },
          { text: "Build", done: false },
        ];
      }
      board.tasks.set(task.id, task);
    });
  });
  return board;
}

/** What a person elsewhere looks like to the fake: a name and a colour. */
export interface FakePerson {
  userId: string;
  name: string;
  color: string;
}

export const ALICE: FakePerson = { userId: "u-alice", name: "alice@example.com", color: "#e5484d" };
export const BOB: FakePerson = { userId: "u-bob", name: "bob@example.com", color: "#30a46c" };

/**
 * Drives the fake as the relay and other people would: tests and `vite` dev use it to show
 * the UI every collaboration state without a server.
 */
export interface FakeSimulator {
  /** The board the fake starts with (shared, me the owner). */
  readonly firstBoardId: string;
  /** Off: edits queue up as pending; on: they sync (and the status says so). */
  setOnline(online: boolean): void;
  /** Others on a board, each with the task they have selected. */
  setPeople(boardId: string, people: readonly (FakePerson & { taskId: string | null })[]): void;
  /** My role on a board changes (the owner downgraded me, say). */
  setRole(boardId: string, role: Role): void;
  /** Someone else's change to a task field won over mine. */
  conflict(boardId: string, taskId: string, field: string, winner: string): void;
  /** I was removed from a board while it is open. */
  removeAccess(boardId: string): void;
  /** The window's close button: asks the UI when changes are pending, else closes. */
  requestClose(): void;
  /** True once the window really closed. */
  closed(): boolean;
  /** Changes on this computer not yet on the server. */
  pending(boardId: string): number;
  /** Edits the backend had to refuse as read-only (the UI should not even send them). */
  refusedEdits(): number;
  /** The card I told the backend I have selected (undefined: never told). */
  mySelection(boardId: string): string | null | undefined;
  /** A teammate's edit arriving from the server. */
  remoteEdit(boardId: string, op: BoardOp): void;
}

export type FakeBackend = Backend & { sim: FakeSimulator };

/**
 * URL parameters (dev): `big=20x10000` adds a big board; `signedOut`; `people` puts two
 * others on the first board; `offline=3` starts offline with 3 pending changes; `viewer`
 * makes me a viewer of the first board; `shared` adds a board shared with me, not downloaded.
 */
export function createFakeBackend(params: URLSearchParams): FakeBackend {
  const boards = new Map<string, FakeBoard>();
  const handlers = new Map<string, Set<(payload: never) => void>>();
  const first = sampleBoard();
  boards.set(first.id, first);

  // Collaboration: the account, my role per board, what has not reached the "server" yet.
  const accounts = new Map<string, { password: string; userId: string }>([
    ["me@example.com", { password: "password123", userId: "u-me" }],
    [ALICE.name, { password: "password123", userId: ALICE.userId }],
    [BOB.name, { password: "password123", userId: BOB.userId }],
  ]);
  let server: string | null = "https://tack.example.com";
  let user: SignedInUser | null = params.has("signedOut")
    ? null
    : { userId: "u-me", email: "me@example.com" };
  let online = !params.has("offline");
  let windowClosed = false;
  const roles = new Map<string, Role>([[first.id, params.has("viewer") ? "viewer" : "owner"]]);
  const removed = new Set<string>();
  const pending = new Map<string, number>([[first.id, Number(params.get("offline") ?? 0) || 0]]);
  const members = new Map<string, Member[]>([
    [
      first.id,
      [
        { userId: "u-me", email: "me@example.com", role: "owner" },
        { userId: ALICE.userId, email: ALICE.name, role: "editor" },
      ],
    ],
  ]);
  const presence = new Map<string, Person[]>();
  const selection = new Map<string, string | null>();
  /** Boards shared with me that this computer has not downloaded. */
  const remote = new Map<string, { board: FakeBoard; role: Role }>();
  if (params.has("shared")) {
    const shared = emptyBoard("Team roadmap");
    remote.set(shared.id, { board: shared, role: "editor" });
  }
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  const big = params.get("big");
  if (big !== null) {
    const [columns, tasks] = big.split("x").map(Number);
    const demo = demoBoard("Big board", columns ?? 20, tasks ?? 10000);
    boards.set(demo.id, demo);
  }

  function board(id: string): FakeBoard {
    return boards.get(id) ?? fail("notFound", "No such board.");
  }

  function send<E extends keyof Events>(event: E, payload: Events[E]) {
    // Copies, as over the real bridge: the UI must never share objects with the backend.
    const copy = structuredClone(payload);
    setTimeout(() => {
      for (const handler of handlers.get(event) ?? []) (handler as (p: Events[E]) => void)(copy);
    }, 0);
  }

  function emit(boardId: string, patches: Patch[]) {
    if (patches.length === 0) return;
    send("board-patch", { boardId, patches });
  }

  function roleOf(boardId: string): Role | null {
    return removed.has(boardId) ? null : (roles.get(boardId) ?? null);
  }

  function readOnly(boardId: string): boolean {
    return removed.has(boardId) || roles.get(boardId) === "viewer";
  }

  function summary(b: FakeBoard): BoardSummary {
    return {
      id: b.id,
      title: b.title,
      createdAt: b.createdAt,
      role: roleOf(b.id),
      readOnly: readOnly(b.id),
    };
  }

  function boardState(boardId: string): SyncState {
    const n = pending.get(boardId) ?? 0;
    if (removed.has(boardId)) return syncState("error", n, ACCESS_REMOVED);
    if (!roles.has(boardId)) return syncState("local", 0);
    if (user === null) return syncState("signedOut", n);
    if (!online) return syncState("offline", n);
    return n > 0 ? syncState("syncing", n) : syncState("synced", 0);
  }

  function status(): SyncStatusEvent {
    const list = [...boards.keys()].map((boardId) => ({
      boardId,
      state: boardState(boardId),
      role: roleOf(boardId),
      readOnly: readOnly(boardId),
    }));
    return {
      overall: overallState(
        user !== null,
        list.map((b) => b.state),
      ),
      boards: list,
    };
  }

  /** Sends the status, and when online lets pending changes reach the "server" a tick later. */
  function statusChanged() {
    send("sync-status", status());
    if (!online || user === null) return;
    const waiting = [...pending.entries()].some(([id, n]) => n > 0 && roles.has(id));
    if (!waiting) return;
    clearTimeout(flushTimer);
    flushTimer = setTimeout(() => {
      for (const id of pending.keys()) if (roles.has(id) && !removed.has(id)) pending.set(id, 0);
      send("sync-status", status());
    }, 0);
  }

  function account(): AccountState {
    return { server, user };
  }

  function signedIn(): SignedInUser {
    return user ?? fail("signedOut", "Sign in to share boards.");
  }

  let refused = 0;
  function writable(boardId: string) {
    if (!readOnly(boardId)) return;
    refused += 1;
    fail("readOnly", VIEWER_REASON);
  }

  function changed(boardId: string) {
    if (!roles.has(boardId)) return;
    pending.set(boardId, (pending.get(boardId) ?? 0) + 1);
    statusChanged();
  }

  function access(boardId: string, reason: string | null) {
    const event: BoardAccessEvent = {
      boardId,
      role: roleOf(boardId),
      readOnly: readOnly(boardId),
      reason,
    };
    send("board-access", event);
  }

  function me(): Person | null {
    if (user === null) return null;
    return {
      userId: user.userId,
      name: user.email,
      initials: initialsOf(user.email),
      color: "#6e56cf",
      selectedTaskId: null,
      me: true,
    };
  }

  function sendPresence(boardId: string) {
    const self = me();
    const others = presence.get(boardId) ?? [];
    const people =
      self === null
        ? others
        : [{ ...self, selectedTaskId: selection.get(boardId) ?? null }, ...others];
    send("presence", { boardId, people });
  }

  function task(b: FakeBoard, id: string): TaskView {
    return b.tasks.get(id) ?? fail("notFound", "No such task.");
  }

  function column(b: FakeBoard, id: string) {
    return b.columns.get(id) ?? fail("notFound", "No such column.");
  }

  function edit(b: FakeBoard, id: string, change: (t: TaskView) => void) {
    const t = task(b, id);
    change(t);
    t.updatedAt = Date.now();
  }

  function applyOp(b: FakeBoard, op: BoardOp): string | null {
    const title = (s: string) =>
      s.trim() === "" ? fail("invalid", "A title cannot be empty.") : s.trim();
    switch (op.type) {
      case "renameBoard":
        b.title = title(op.title);
        return null;
      case "addColumn": {
        const rank = rankAt(liveColumns(b), op.place);
        const c = { id: newId(), title: title(op.title), rank, wip: op.wip, archived: false };
        b.columns.set(c.id, c);
        return c.id;
      }
      case "renameColumn":
        column(b, op.columnId).title = title(op.title);
        return null;
      case "moveColumn":
        column(b, op.columnId).rank = rankAt(liveColumns(b), op.place, op.columnId);
        return null;
      case "setWipLimit":
        column(b, op.columnId).wip = op.wip;
        return null;
      case "setColumnArchived":
        column(b, op.columnId).archived = op.archived;
        return null;
      case "deleteColumn":
        column(b, op.columnId);
        b.columns.delete(op.columnId);
        for (const t of [...b.tasks.values()]) if (t.column === op.columnId) b.tasks.delete(t.id);
        return null;
      case "addTask": {
        column(b, op.columnId);
        const rank = rankAt(tasksIn(b, op.columnId), op.place);
        const t = makeTask(op.columnId, rank, title(op.title), op.description ?? "");
        b.tasks.set(t.id, t);
        return t.id;
      }
      case "setTaskTitle":
        edit(b, op.taskId, (t) => (t.title = title(op.title)));
        return null;
      case "setDescription":
        edit(b, op.taskId, (t) => (t.description = op.text));
        return null;
      case "editDescription":
        edit(b, op.taskId, (t) => {
          t.description =
            t.description.slice(0, op.at) + op.insert + t.description.slice(op.at + op.delete);
        });
        return null;
      case "moveTask":
        column(b, op.columnId);
        edit(b, op.taskId, (t) => {
          t.rank = rankAt(tasksIn(b, op.columnId), op.place, t.id);
          t.column = op.columnId;
        });
        return null;
      case "setTaskArchived":
        edit(b, op.taskId, (t) => (t.archived = op.archived));
        return null;
      case "deleteTask":
        task(b, op.taskId);
        b.tasks.delete(op.taskId);
        return null;
      case "setTaskLabel":
        edit(b, op.taskId, (t) => {
          t.labels = t.labels.filter((l) => l !== op.labelId);
          if (op.present) t.labels = [...t.labels, op.labelId].sort();
        });
        return null;
      case "setTaskAssignee":
        edit(b, op.taskId, (t) => {
          t.assignees = t.assignees.filter((u) => u !== op.userId);
          if (op.present) t.assignees = [...t.assignees, op.userId].sort();
        });
        return null;
      case "setDue":
        if (op.due !== null && !/^\d{4}-\d{2}-\d{2}$/.test(op.due)) fail("invalid", "Bad date.");
        edit(b, op.taskId, (t) => (t.due = op.due));
        return null;
      case "addLabel": {
        const label = { id: newId(), name: title(op.name), color: op.color ?? "#6e56cf" };
        b.labels.set(label.id, label);
        return label.id;
      }
      case "updateLabel": {
        const label = b.labels.get(op.labelId) ?? fail("notFound", "No such label.");
        if (op.name !== null) label.name = op.name;
        if (op.color !== null) label.color = op.color;
        return null;
      }
      case "deleteLabel":
        b.labels.delete(op.labelId);
        for (const t of b.tasks.values()) t.labels = t.labels.filter((l) => l !== op.labelId);
        return null;
      case "addChecklistItem":
        edit(b, op.taskId, (t) => (t.checklist = [...t.checklist, { text: op.text, done: false }]));
        return null;
      case "setChecklistItemDone":
        edit(b, op.taskId, (t) => {
          t.checklist = t.checklist.map((item, i) =>
            i === op.index ? { ...item, done: op.done } : item,
          );
        });
        return null;
      case "editChecklistItem":
        edit(b, op.taskId, (t) => {
          t.checklist = t.checklist.map((item, i) =>
            i === op.index ? { ...item, text: op.text } : item,
          );
        });
        return null;
      case "removeChecklistItem":
        edit(b, op.taskId, (t) => (t.checklist = t.checklist.filter((_, i) => i !== op.index)));
        return null;
    }
  }

  function step(boardId: string, from: "undo" | "redo"): boolean {
    writable(boardId);
    const b = board(boardId);
    const saved = b[from].pop();
    if (saved === undefined) return false;
    const before = snapshot(b);
    b[from === "undo" ? "redo" : "undo"].push(before);
    restore(b, saved);
    emit(boardId, diff(b, before));
    changed(boardId);
    return true;
  }

  function remoteSummary(id: string, entry: { board: FakeBoard; role: Role }): RemoteBoard {
    return { boardId: id, role: entry.role, title: null, downloaded: false };
  }

  const commands: { [K in keyof Commands]: (args: Commands[K]["args"]) => Commands[K]["result"] } =
    {
      list_boards: () => [...boards.values()].map(summary),
      create_board: ({ title }) => {
        const b = emptyBoard(title.trim() || fail("invalid", "A title cannot be empty."));
        boards.set(b.id, b);
        return summary(b);
      },
      delete_board: ({ boardId }) => {
        boards.delete(boardId);
        roles.delete(boardId);
        pending.delete(boardId);
        statusChanged();
        return null;
      },
      open_board: ({ boardId }) => view(board(boardId)),
      list_archived: ({ boardId }) => archivedItems(board(boardId)),
      apply: ({ boardId, op }) => {
        writable(boardId);
        const b = board(boardId);
        const before = snapshot(b);
        try {
          const createdId = applyOp(b, op);
          b.undo.push(before);
          b.redo = [];
          emit(boardId, diff(b, before));
          changed(boardId);
          return { createdId };
        } catch (error) {
          restore(b, before);
          throw error;
        }
      },
      undo: ({ boardId }) => step(boardId, "undo"),
      redo: ({ boardId }) => step(boardId, "redo"),
      generate_demo_board: ({ title, columns, tasks }) => {
        const b = demoBoard(title, columns, tasks);
        boards.set(b.id, b);
        return summary(b);
      },
      get_account: () => account(),
      set_server_url: ({ url }) => {
        const trimmed = url.trim().replace(/\/+$/, "");
        if (!/^https?:\/\/./.test(trimmed)) {
          fail("invalid", "The server URL must start with http:// or https://.");
        }
        if (trimmed !== server) user = null;
        server = trimmed;
        statusChanged();
        return account();
      },
      sign_up: ({ email, password }) => {
        if (server === null) fail("invalid", "Set the server URL first.");
        if (password.length < 8) fail("invalid", "A password has at least 8 characters.");
        if (accounts.has(email)) fail("server", "an account with this email exists");
        const userId = `u-${newId()}`;
        accounts.set(email, { password, userId });
        user = { userId, email };
        statusChanged();
        return account();
      },
      sign_in: ({ email, password }) => {
        if (server === null) fail("invalid", "Set the server URL first.");
        const found = accounts.get(email);
        if (found?.password !== password) fail("server", "wrong email or password");
        user = { userId: found.userId, email };
        statusChanged();
        return account();
      },
      sign_out: () => {
        user = null;
        statusChanged();
        return account();
      },
      sync_status: () => status(),
      confirm_close: () => {
        windowClosed = true;
        return null;
      },
      publish_board: ({ boardId }) => {
        const self = signedIn();
        board(boardId);
        roles.set(boardId, "owner");
        members.set(boardId, [{ userId: self.userId, email: self.email, role: "owner" }]);
        pending.set(boardId, 1);
        statusChanged();
        return "owner";
      },
      list_members: ({ boardId }) => {
        signedIn();
        if (!roles.has(boardId)) fail("invalid", "Publish the board first.");
        return members.get(boardId) ?? [];
      },
      share_board: ({ boardId, email, role }) => {
        signedIn();
        const found = accounts.get(email.trim());
        if (!found) fail("server", "no account with that email");
        const list = (members.get(boardId) ?? []).filter((m) => m.userId !== found.userId);
        const member = { userId: found.userId, email: email.trim(), role };
        members.set(boardId, [...list, member]);
        return member;
      },
      set_member_role: ({ boardId, userId, role }) => {
        signedIn();
        members.set(
          boardId,
          (members.get(boardId) ?? []).map((m) => (m.userId === userId ? { ...m, role } : m)),
        );
        return null;
      },
      remove_member: ({ boardId, userId }) => {
        signedIn();
        members.set(
          boardId,
          (members.get(boardId) ?? []).filter((m) => m.userId !== userId),
        );
        return null;
      },
      create_invite: ({ boardId, role }) => {
        signedIn();
        if (role === "owner") fail("invalid", "An invite is for an editor or a viewer.");
        if (roles.get(boardId) !== "owner") fail("invalid", "Only the owner invites people.");
        const token = `inv-${newId()}`;
        return {
          token,
          link: `${server ?? ""}/invite/${token}`,
          role,
          expiresAt: Date.now() + 7 * 24 * 3600 * 1000,
        };
      },
      accept_invite: ({ invite }) => {
        signedIn();
        const token = invite.trim().split("/").pop() ?? "";
        if (!token.startsWith("inv-")) fail("invalid", "That is not an invite link or code.");
        const shared = emptyBoard("Shared board");
        const entry = { board: shared, role: "editor" as const };
        remote.set(shared.id, entry);
        return remoteSummary(shared.id, entry);
      },
      list_remote_boards: () => {
        signedIn();
        const downloaded: RemoteBoard[] = [...roles.entries()]
          .filter(([id, role]) => boards.has(id) && role !== "owner")
          .map(([id, role]) => ({
            boardId: id,
            role,
            title: boards.get(id)?.title ?? null,
            downloaded: true,
          }));
        return [...[...remote.entries()].map(([id, e]) => remoteSummary(id, e)), ...downloaded];
      },
      open_remote_board: ({ boardId }) => {
        signedIn();
        const entry = remote.get(boardId);
        if (entry) {
          boards.set(boardId, entry.board);
          roles.set(boardId, entry.role);
          remote.delete(boardId);
          statusChanged();
        }
        return summary(board(boardId));
      },
      leave_board: ({ boardId }) => {
        signedIn();
        removed.add(boardId);
        statusChanged();
        return null;
      },
      set_selection: ({ boardId, taskId }) => {
        selection.set(boardId, taskId);
        // As the shell does: my awareness changed, so the board's list goes out again (which
        // is also how a board just opened learns who is already there).
        sendPresence(boardId);
        return null;
      },
    };

  const sim: FakeSimulator = {
    firstBoardId: first.id,
    setOnline(value) {
      online = value;
      statusChanged();
    },
    setPeople(boardId, people) {
      presence.set(
        boardId,
        people.map((p) => ({
          userId: p.userId,
          name: p.name,
          initials: initialsOf(p.name),
          color: p.color,
          selectedTaskId: p.taskId,
          me: false,
        })),
      );
      sendPresence(boardId);
    },
    setRole(boardId, role) {
      roles.set(boardId, role);
      access(boardId, role === "viewer" ? VIEWER_REASON : null);
      statusChanged();
    },
    conflict(boardId, taskId, field, winner) {
      send("conflict", { boardId, taskId, field, winner, text: conflictText(winner, field) });
    },
    removeAccess(boardId) {
      removed.add(boardId);
      access(boardId, REMOVED_MESSAGE);
      send("board-closed", { boardId, message: REMOVED_MESSAGE });
      statusChanged();
    },
    requestClose() {
      const n = [...pending.values()].reduce((a, b) => a + b, 0);
      if (n === 0) windowClosed = true;
      else send("close-requested", { pending: n, text: closeText(n) });
    },
    closed: () => windowClosed,
    pending: (boardId) => pending.get(boardId) ?? 0,
    mySelection: (boardId) => selection.get(boardId),
    refusedEdits: () => refused,
    remoteEdit(boardId, op) {
      const b = board(boardId);
      const before = snapshot(b);
      applyOp(b, op);
      emit(boardId, diff(b, before));
    },
  };

  if (params.has("people")) {
    const firstTask = [...first.tasks.values()].sort(compareRanked)[0]?.id ?? null;
    sim.setPeople(first.id, [
      { ...ALICE, taskId: firstTask },
      { ...BOB, taskId: null },
    ]);
  }

  return {
    call(name, args) {
      return new Promise((resolve, reject) => {
        try {
          resolve(structuredClone(commands[name](structuredClone(args))));
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    },
    listen(event, handler) {
      let set = handlers.get(event);
      if (!set) {
        set = new Set();
        handlers.set(event, set);
      }
      const added = handler as (payload: never) => void;
      set.add(added);
      return Promise.resolve(() => set.delete(added));
    },
    sim,
  };
}

const ACCESS_REMOVED = "Access removed — your copy stays on this computer, read-only";

function initialsOf(name: string): string {
  return (name.split("@")[0] ?? name)
    .split(/[\s._-]+/)
    .map((part) => part.charAt(0).toUpperCase())
    .join("")
    .slice(0, 2);
}
