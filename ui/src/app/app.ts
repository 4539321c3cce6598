// The application's state and every command's behaviour. Components render this state and
// call these functions; key bindings, the palette and buttons all go through `run`.

import {
  batch,
  createEffect,
  createMemo,
  createRoot,
  createSignal,
  on,
  type Accessor,
} from "solid-js";
import * as ipc from "../ipc";
import type { ArchivedItems, BoardOp, BoardSummary, Invite, Person, Place } from "../ipc";
import { createKeymap, type KeyInput } from "../commands/keymap";
import {
  bindingsOf,
  COMMANDS,
  createRegistry,
  editsBoard,
  type CommandId,
} from "../commands/registry";
import { createBoardStore, type BoardStore } from "../model/store";
import { createCollab } from "./collab";
import { matchesQuery, parseQuery } from "./filter";

export interface Cursor {
  columnId: string | null;
  columnIndex: number;
  taskId: string | null;
  taskIndex: number;
}

/** A text prompt shown in a small dialog (new board, new column, rename, WIP limit). */
export interface PromptRequest {
  title: string;
  label: string;
  initial: string;
  submit: (value: string) => Promise<void>;
}

/** The inline composer for `o` / `O`: where the next task goes. */
export interface Draft {
  columnId: string;
  place: Place;
}

export type Overlay =
  "none" | "palette" | "cheatsheet" | "prompt" | "settings" | "share" | "archive";

/** A row of the archive view: an archived column, or a task archived in a shown column. */
export type ArchiveEntry =
  | { kind: "column"; id: string; title: string; tasks: number }
  | { kind: "task"; id: string; title: string; columnId: string; columnTitle: string };

export const isMac = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform);

/**
 * Leaves a performance mark once the current DOM changes have been painted (the frame after
 * the next animation frame), so benchmarks read "key -> painted" from the page itself.
 */
function afterPaint(name: string) {
  if (typeof requestAnimationFrame === "undefined") return;
  requestAnimationFrame(() => setTimeout(() => performance.mark(name), 0));
}

/** A focused control that owns Enter and Space itself. */
function isControl(target: EventTarget | null): boolean {
  const element = target as { closest?: unknown } | null;
  if (element === null || typeof element.closest !== "function") return false;
  return (
    (target as Element).closest("button, a[href], [role=button], input, select, summary") !== null
  );
}

const LAST_BOARD_KEY = "tack.lastBoard";

/** The board open when the app last ran (webview storage; losing it only means opening the first). */
function rememberedBoard(): string | null {
  try {
    return globalThis.localStorage.getItem(LAST_BOARD_KEY);
  } catch {
    return null;
  }
}

function rememberBoard(boardId: string) {
  try {
    globalThis.localStorage.setItem(LAST_BOARD_KEY, boardId);
  } catch {
    // Storage may be unavailable (tests, private mode): the app still works.
  }
}

function createApp() {
  const [boards, setBoards] = createSignal<BoardSummary[]>([]);
  const [store, setStore] = createSignal<BoardStore | undefined>();
  const [cursor, setCursor] = createSignal<Cursor>({
    columnId: null,
    columnIndex: 0,
    taskId: null,
    taskIndex: 0,
  });
  const [detailTaskId, setDetailTaskId] = createSignal<string | null>(null);
  const [overlay, setOverlay] = createSignal<Overlay>("none");
  const [prompt, setPrompt] = createSignal<PromptRequest | null>(null);
  const [draft, setDraft] = createSignal<Draft | null>(null);
  const [filterOpen, setFilterOpen] = createSignal(false);
  const [query, setQuery] = createSignal("");
  const [toast, setToast] = createSignal<{ text: string; undo: boolean } | null>(null);
  const [pendingKeys, setPendingKeys] = createSignal("");
  /** Text for screen readers after a keyboard move (an aria-live region shows it). */
  const [announcement, setAnnouncement] = createSignal("");
  /** False until the first board is shown at start (or there is none): the window says "busy". */
  const [ready, setReady] = createSignal(false);
  /** Bumped when focus should return to the board (after a dialog closes, say). */
  const [focusTick, setFocusTick] = createSignal(0);
  /** The archive view's rows for the open board: columns first, then tasks; null while loading. */
  const [archive, setArchive] = createSignal<readonly ArchiveEntry[] | null>(null);

  const terms = createMemo(() => parseQuery(query()));
  /** Set once the backend is connected: presence is not sent before. */
  let started = false;
  /** The invite link made last for the open board, shown in the share dialog. */
  const [invite, setInvite] = createSignal<Invite | null>(null);

  /** Visible task ids of a column: the store's order, narrowed by the filter (one memo each). */
  const visibleCache = new WeakMap<BoardStore, Map<string, Accessor<readonly string[]>>>();
  function visibleTasks(columnId: string, s: BoardStore | undefined = store()): readonly string[] {
    if (!s) return [];
    let perColumn = visibleCache.get(s);
    if (!perColumn) {
      perColumn = new Map();
      visibleCache.set(s, perColumn);
    }
    let memo = perColumn.get(columnId);
    if (!memo) {
      memo = createRoot(() =>
        createMemo(() => {
          const ids = s.taskIds(columnId)();
          const t = terms();
          if (t.length === 0) return ids;
          const labels = s.labels();
          return ids.filter((id) => {
            const task = s.task(id)?.();
            return task !== undefined && matchesQuery(task, t, labels);
          });
        }),
      );
      perColumn.set(columnId, memo);
    }
    return memo();
  }

  /** The cursor resolved against what is on screen now. */
  const focus = createMemo((): Cursor => {
    const s = store();
    const c = cursor();
    if (!s) return { columnId: null, columnIndex: 0, taskId: null, taskIndex: 0 };
    const columns = s.columnIds();
    // Follow the focused task when it moves (undo, redo, a teammate's edit).
    const home = c.taskId === null ? undefined : s.columnOf(c.taskId);
    const wanted =
      home !== undefined &&
      s
        .taskIds(home)()
        .includes(c.taskId ?? "")
        ? home
        : c.columnId;
    let columnIndex = wanted === null ? -1 : columns.indexOf(wanted);
    if (columnIndex < 0) columnIndex = Math.min(c.columnIndex, columns.length - 1);
    const columnId = columns[columnIndex] ?? null;
    if (columnId === null) return { columnId, columnIndex: 0, taskId: null, taskIndex: 0 };
    const tasks = visibleTasks(columnId);
    let taskIndex = c.taskId === null ? -1 : tasks.indexOf(c.taskId);
    if (taskIndex < 0) taskIndex = Math.max(0, Math.min(c.taskIndex, tasks.length - 1));
    return { columnId, columnIndex, taskId: tasks[taskIndex] ?? null, taskIndex };
  });

  /**
   * Puts the cursor on a row of a column. Moving sideways keeps the wanted row even through
   * shorter columns (as Vim keeps the wanted column), so `l l h h` comes back to the same row.
   */
  function moveCursor(columnIndex: number, taskIndex: number, keepRow = false) {
    const s = store();
    if (!s) return;
    const columns = s.columnIds();
    const ci = Math.max(0, Math.min(columnIndex, columns.length - 1));
    const columnId = columns[ci] ?? null;
    const tasks = columnId === null ? [] : visibleTasks(columnId);
    const ti = Math.max(0, Math.min(taskIndex, tasks.length - 1));
    const taskId = tasks[ti] ?? null;
    setCursor({
      columnId,
      columnIndex: ci,
      taskId,
      taskIndex: keepRow ? Math.max(0, taskIndex) : ti,
    });
    // An open detail panel follows the cursor.
    if (detailTaskId() !== null && taskId !== null) setDetailTaskId(taskId);
  }

  /** The row sideways moves aim for: the focused one, or a deeper one remembered from before. */
  function wantedRow(): number {
    return Math.max(focus().taskIndex, cursor().taskIndex);
  }

  function focusTask(columnId: string, taskId: string) {
    const s = store();
    if (!s) return;
    setCursor({
      columnId,
      columnIndex: Math.max(0, s.columnIds().indexOf(columnId)),
      taskId,
      taskIndex: Math.max(0, visibleTasks(columnId).indexOf(taskId)),
    });
  }

  let toastTimer: ReturnType<typeof setTimeout> | undefined;
  function notify(text: string, undo = false) {
    setToast({ text, undo });
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => setToast(null), 5000);
  }

  async function refreshBoards() {
    const list = await ipc.listBoards();
    collab.learnBoards(list);
    setBoards(list);
  }

  const collab = createCollab({
    currentBoardId: () => store()?.id ?? null,
    refreshBoards,
    reopenBoard: async (boardId) => {
      setStore(undefined);
      await refreshBoards();
      await openBoard(boardId);
    },
    notify: (text) => notify(text),
  });

  /** Why the open board cannot be edited here, or null when it can. */
  const readOnlyReason = createMemo(() => collab.readOnlyReason(store()?.id ?? null));

  /** Who else has which card of the open board selected. */
  const selectedBy = createMemo(() => {
    const byTask = new Map<string, Person[]>();
    for (const person of collab.peopleOn(store()?.id ?? null)) {
      if (person.me || person.selectedTaskId === null) continue;
      byTask.set(person.selectedTaskId, [...(byTask.get(person.selectedTaskId) ?? []), person]);
    }
    return byTask;
  });

  /** Why a command is unavailable now (a viewer's editing commands), or null. */
  function disabledReason(id: CommandId): string | null {
    return editsBoard(id) ? readOnlyReason() : null;
  }

  // Becoming a viewer while typing a new task: the composer goes (it could not be saved).
  createEffect(
    on(readOnlyReason, (reason) => {
      if (reason !== null && draft() !== null) setDraft(null);
    }),
  );

  // Tell the others which card I have selected (debounced inside; never blocks a key).
  createEffect(
    on([() => store()?.id ?? null, () => focus().taskId], ([boardId, taskId]) => {
      if (started) collab.selectionChanged(boardId, taskId);
    }),
  );

  /** Runs an async action, showing its failure instead of dropping it. */
  function spawn(action: () => Promise<unknown>) {
    action().catch((error: unknown) => notify(ipc.errorMessage(error)));
  }

  /**
   * Ops sent and not yet answered. The toolbar says "Saving…" only when that lasts (250 ms),
   * so the usual few-millisecond save does not flicker.
   */
  let inFlight = 0;
  let slowTimer: ReturnType<typeof setTimeout> | undefined;
  const [saving, setSaving] = createSignal(false);

  async function applyOp(op: BoardOp): Promise<string | null> {
    const s = store();
    if (!s) return null;
    // Drag and drop and the detail panel end here too: refuse before asking the shell.
    const reason = readOnlyReason();
    if (reason !== null) throw new Error(reason);
    inFlight += 1;
    if (inFlight === 1) slowTimer = setTimeout(() => setSaving(true), 250);
    try {
      const result = await ipc.apply(s.id, op);
      return result.createdId;
    } catch (error) {
      if (ipc.errorKind(error) === "readOnly") {
        collab.refusedAsReadOnly(s.id, ipc.errorMessage(error));
      }
      throw error;
    } finally {
      inFlight -= 1;
      if (inFlight === 0) {
        clearTimeout(slowTimer);
        setSaving(false);
      }
    }
  }

  /** Reads what the open board keeps archived into `archive`. */
  async function loadArchive() {
    const s = store();
    if (!s) return;
    const items: ArchivedItems = await ipc.listArchived(s.id);
    if (store()?.id !== s.id) return;
    setArchive([
      ...items.columns.map((c): ArchiveEntry => ({ kind: "column", ...c })),
      ...items.tasks.map((t): ArchiveEntry => ({ kind: "task", ...t })),
    ]);
  }

  /** Brings an archived task or column back; the cursor waits on it for when the view closes. */
  async function restoreArchived(entry: ArchiveEntry) {
    if (!store()) return;
    if (entry.kind === "task") {
      await applyOp({ type: "setTaskArchived", taskId: entry.id, archived: false });
      focusTask(entry.columnId, entry.id);
      notify(`Restored “${entry.title}” to ${entry.columnTitle}`, true);
    } else {
      await applyOp({ type: "setColumnArchived", columnId: entry.id, archived: false });
      // As after "New column": `focus` finds the column by id once its patch has arrived.
      setCursor({ columnId: entry.id, columnIndex: 0, taskId: null, taskIndex: 0 });
      notify(`Restored column “${entry.title}”`, true);
    }
    await loadArchive();
  }

  /** Deletes an archived task or column (and its tasks) for good; undo still brings it back. */
  async function deleteArchived(entry: ArchiveEntry) {
    if (entry.kind === "task") {
      await applyOp({ type: "deleteTask", taskId: entry.id });
      notify(`Deleted “${entry.title}”`, true);
    } else {
      await applyOp({ type: "deleteColumn", columnId: entry.id });
      notify(`Deleted column “${entry.title}” and its tasks`, true);
    }
    await loadArchive();
  }

  let unlisten: (() => void) | undefined;
  async function start() {
    setReady(false);
    await ipc.connect();
    collab.stop();
    unlisten?.();
    started = true;
    unlisten = await ipc.onBoardPatch((event) => {
      // A mark per patch event, so a profile shows patch-to-paint time.
      performance.mark("tack:patch");
      const s = store();
      if (s && s.id === event.boardId) {
        s.apply(event.patches);
        const moved = announceTask;
        if (
          moved !== null &&
          event.patches.some((p) => p.type === "taskUpserted" && p.task.id === moved)
        ) {
          announceTask = null;
          announcePlace(s, moved);
        }
      }
      // The archive view follows undo and teammates' edits while it is open.
      if (s && s.id === event.boardId && overlay() === "archive") spawn(loadArchive);
      performance.measure("tack:apply", "tack:patch");
      afterPaint("tack:patch-painted");
      const meta = event.patches.find((p) => p.type === "boardMeta");
      if (meta?.type === "boardMeta") {
        setBoards((list) =>
          list.map((b) => (b.id === event.boardId ? { ...b, title: meta.title } : b)),
        );
      }
    });
    try {
      await collab.start();
      const list = await ipc.listBoards();
      collab.learnBoards(list);
      setBoards(list);
      const last = rememberedBoard();
      const first = list.find((b) => b.id === last) ?? list[0];
      if (first) await openBoard(first.id);
      else setStore(undefined);
    } finally {
      setReady(true);
    }
  }

  function stop() {
    unlisten?.();
    unlisten = undefined;
    collab.stop();
    started = false;
  }

  /** Opens a board shared with me, downloading it first if this computer has no copy. */
  async function openShared(boardId: string) {
    if (!boards().some((b) => b.id === boardId)) {
      notify("Downloading the board…");
      await ipc.openRemoteBoard(boardId);
      await Promise.all([refreshBoards(), collab.refreshRemote()]);
      setToast(null);
    }
    await openBoard(boardId);
  }

  /** The share dialog needs an account and a published board; say what is missing. */
  function needsAccount(): boolean {
    if (collab.account().user !== null) return false;
    notify("Sign in to share boards.");
    setOverlay("settings");
    return true;
  }

  /** Bumped by every `openBoard`: an open that was overtaken by a later one shows nothing. */
  let openTicket = 0;

  /**
   * Shows a board with the cursor on its first card. The board already shown keeps its cursor
   * and only takes focus back (from the sidebar, say): reloading it would throw away keys typed
   * while it loads.
   */
  async function openBoard(boardId: string) {
    const ticket = ++openTicket;
    if (store()?.id === boardId) {
      setFocusTick((n) => n + 1);
      return;
    }
    const view = await ipc.openBoard(boardId);
    if (ticket !== openTicket) return;
    rememberBoard(boardId);
    batch(() => {
      setStore(createBoardStore(view));
      setInvite(null);
      setCursor({ columnId: null, columnIndex: 0, taskId: null, taskIndex: 0 });
      setDetailTaskId(null);
      setDraft(null);
      setQuery("");
      setFilterOpen(false);
      setFocusTick((n) => n + 1);
    });
    afterPaint("tack:board-painted");
  }

  function switchBoard(delta: number) {
    const list = boards();
    const current = store()?.id;
    const at = list.findIndex((b) => b.id === current);
    const next = list[(at + delta + list.length) % Math.max(1, list.length)];
    if (next && next.id !== current) spawn(() => openBoard(next.id));
  }

  function ask(request: PromptRequest) {
    setPrompt(request);
    setOverlay("prompt");
  }

  function closeOverlay() {
    batch(() => {
      setOverlay("none");
      setPrompt(null);
      setFocusTick((n) => n + 1);
    });
  }

  /** The task whose new place is announced when its patch arrives (patches may trail `apply`). */
  let announceTask: string | null = null;

  function moveAndAnnounce(taskId: string, columnId: string, place: Place) {
    announceTask = taskId;
    return applyOp({ type: "moveTask", taskId, columnId, place });
  }

  function announcePlace(s: BoardStore, taskId: string) {
    const columnId = s.columnOf(taskId);
    if (columnId === undefined) return;
    const title = s.task(taskId)?.().title ?? "Task";
    const column = s.column(columnId)?.().title ?? "";
    const ids = s.taskIds(columnId)();
    setAnnouncement(`${title}: ${column}, ${ids.indexOf(taskId) + 1} of ${ids.length}`);
  }

  function moveTaskBy(columnDelta: number, taskDelta: number, count: number) {
    const s = store();
    const f = focus();
    if (!s || f.taskId === null || f.columnId === null) return;
    const taskId = f.taskId;
    if (columnDelta !== 0) {
      const columns = s.columnIds();
      const target = Math.max(0, Math.min(f.columnIndex + columnDelta * count, columns.length - 1));
      const columnId = columns[target];
      if (columnId === undefined || target === f.columnIndex) return;
      const others = s.taskIds(columnId)();
      const before = others[f.taskIndex];
      const place: Place =
        before === undefined ? { kind: "bottom" } : { kind: "before", id: before };
      setCursor({ columnId, columnIndex: target, taskId, taskIndex: f.taskIndex });
      spawn(() => moveAndAnnounce(taskId, columnId, place));
      return;
    }
    const ids = s.taskIds(f.columnId)();
    const at = ids.indexOf(taskId);
    const target = Math.max(0, Math.min(at + taskDelta * count, ids.length - 1));
    const anchor = ids[target];
    if (anchor === undefined || target === at) return;
    const place: Place =
      taskDelta > 0 ? { kind: "after", id: anchor } : { kind: "before", id: anchor };
    setCursor({ ...cursor(), taskId });
    const columnId = f.columnId;
    spawn(() => moveAndAnnounce(taskId, columnId, place));
  }

  function moveColumnBy(delta: number, count: number) {
    const s = store();
    const f = focus();
    if (!s || f.columnId === null) return;
    const columns = s.columnIds();
    const target = Math.max(0, Math.min(f.columnIndex + delta * count, columns.length - 1));
    const anchor = columns[target];
    if (anchor === undefined || target === f.columnIndex) return;
    const columnId = f.columnId;
    const place: Place = delta > 0 ? { kind: "after", id: anchor } : { kind: "before", id: anchor };
    spawn(() => applyOp({ type: "moveColumn", columnId, place }));
  }

  function openDraft(above: boolean) {
    const f = focus();
    if (f.columnId === null) {
      run("column.new");
      return;
    }
    const place: Place =
      f.taskId === null
        ? { kind: "bottom" }
        : above
          ? { kind: "before", id: f.taskId }
          : { kind: "after", id: f.taskId };
    setDraft({ columnId: f.columnId, place });
  }

  /** Opens the composer at the end of a column (the column's "+" button). */
  function openDraftAtEnd(columnId: string) {
    const s = store();
    if (!s) return;
    const ids = s.taskIds(columnId)();
    const last = ids[ids.length - 1];
    setCursor({
      columnId,
      columnIndex: Math.max(0, s.columnIds().indexOf(columnId)),
      taskId: last ?? null,
      taskIndex: Math.max(0, ids.length - 1),
    });
    setDraft({ columnId, place: { kind: "bottom" } });
  }

  /** Creates the drafted task; the composer stays open below it for the next one. */
  async function submitDraft(title: string) {
    const d = draft();
    if (!d || title.trim() === "") return;
    const id = await applyOp({
      type: "addTask",
      columnId: d.columnId,
      title: title.trim(),
      place: d.place,
      description: null,
    });
    if (id === null) return;
    // Esc may have closed the composer while the save was in flight (a slow or offline save
    // makes that window wide): then it stays closed, and the cursor lands on the new task.
    const now = draft();
    if (now !== d && now !== null) return;
    if (now === d) setDraft({ columnId: d.columnId, place: { kind: "after", id } });
    focusTask(d.columnId, id);
  }

  function cancelDraft() {
    setDraft(null);
    setFocusTick((n) => n + 1);
  }

  async function undoOrRedo(which: "undo" | "redo") {
    const s = store();
    if (!s) return;
    const done = which === "undo" ? await ipc.undo(s.id) : await ipc.redo(s.id);
    if (!done) notify(which === "undo" ? "Nothing to undo" : "Nothing to redo");
    // Undoing a delete of an archived item changes nothing on the board, so no patch says so.
    else if (overlay() === "archive") await loadArchive();
  }

  function back() {
    if (collab.closeRequest() !== null) {
      spawn(() => collab.answerClose(false));
      return;
    }
    if (overlay() !== "none") return closeOverlay();
    if (draft()) return cancelDraft();
    if (detailTaskId() !== null) {
      setDetailTaskId(null);
      setFocusTick((n) => n + 1);
      return;
    }
    if (filterOpen() || query() !== "") {
      setFilterOpen(false);
      setQuery("");
      setFocusTick((n) => n + 1);
      return;
    }
    setToast(null);
    collab.dismissNotice();
  }

  /** Back to the board with the filter kept; the cursor lands on a match if it is not on one. */
  function finishFilter() {
    const s = store();
    batch(() => {
      setFilterOpen(false);
      if (s && focus().taskId === null) {
        const columns = s.columnIds();
        const at = columns.findIndex((id) => visibleTasks(id).length > 0);
        if (at >= 0) moveCursor(at, 0);
      }
      setFocusTick((n) => n + 1);
    });
  }

  const handlers: Record<CommandId, (count: number) => void> = {
    "cursor.down": (n) => moveCursor(focus().columnIndex, focus().taskIndex + n),
    "cursor.up": (n) => moveCursor(focus().columnIndex, focus().taskIndex - n),
    "cursor.left": (n) => moveCursor(focus().columnIndex - n, wantedRow(), true),
    "cursor.right": (n) => moveCursor(focus().columnIndex + n, wantedRow(), true),
    "cursor.first": () => moveCursor(focus().columnIndex, 0),
    "cursor.last": () => moveCursor(focus().columnIndex, Number.MAX_SAFE_INTEGER),
    "board.next": (n) => switchBoard(n),
    "board.previous": (n) => switchBoard(-n),
    "board.new": () =>
      ask({
        title: "New board",
        label: "Board title",
        initial: "",
        submit: async (title) => {
          const board = await ipc.createBoard(title);
          setBoards(await ipc.listBoards());
          await openBoard(board.id);
        },
      }),
    "board.rename": () => {
      const s = store();
      if (!s) return;
      ask({
        title: "Rename board",
        label: "Board title",
        initial: s.title(),
        submit: async (title) => {
          await applyOp({ type: "renameBoard", title });
        },
      });
    },
    "board.delete": () => {
      const s = store();
      if (!s) return;
      const title = s.title();
      ask({
        title: `Delete board “${title}”? This cannot be undone.`,
        label: "Type the board title to confirm",
        initial: "",
        submit: async (typed) => {
          if (typed !== title) throw new Error("The title does not match; nothing was deleted.");
          await ipc.deleteBoard(s.id);
          const list = await ipc.listBoards();
          setBoards(list);
          const next = list[0];
          if (next) await openBoard(next.id);
          else setStore(undefined);
        },
      });
    },
    "board.generate_demo": () =>
      spawn(async () => {
        notify("Generating a demo board…");
        const board = await ipc.generateDemoBoard("Demo 20 × 500", 20, 10000);
        setBoards(await ipc.listBoards());
        await openBoard(board.id);
        setToast(null);
      }),
    "board.new_task": () => openDraft(false),
    "task.new_above": () => openDraft(true),
    "task.edit": () => {
      const id = focus().taskId;
      if (id !== null) setDetailTaskId(id);
    },
    "task.archive": (n) => {
      const s = store();
      const f = focus();
      if (!s || f.columnId === null || f.taskId === null) return;
      const ids = visibleTasks(f.columnId).slice(f.taskIndex, f.taskIndex + n);
      spawn(async () => {
        for (const taskId of ids)
          await applyOp({ type: "setTaskArchived", taskId, archived: true });
        notify(ids.length === 1 ? "Task archived" : `${ids.length} tasks archived`, true);
      });
    },
    "task.delete": () => {
      const taskId = focus().taskId;
      if (taskId === null) return;
      if (detailTaskId() === taskId) setDetailTaskId(null);
      spawn(async () => {
        await applyOp({ type: "deleteTask", taskId });
        notify("Task deleted", true);
      });
    },
    "task.move_left": (n) => moveTaskBy(-1, 0, n),
    "task.move_right": (n) => moveTaskBy(1, 0, n),
    "task.move_down": (n) => moveTaskBy(0, 1, n),
    "task.move_up": (n) => moveTaskBy(0, -1, n),
    "column.new": () => {
      const after = focus().columnId;
      ask({
        title: "New column",
        label: "Column title",
        initial: "",
        submit: async (title) => {
          const place: Place = after === null ? { kind: "bottom" } : { kind: "after", id: after };
          const id = await applyOp({ type: "addColumn", title, wip: null, place });
          if (id !== null) setCursor({ columnId: id, columnIndex: 0, taskId: null, taskIndex: 0 });
        },
      });
    },
    "column.rename": () => {
      const s = store();
      const columnId = focus().columnId;
      const column = columnId === null ? undefined : s?.column(columnId)?.();
      if (!column) return;
      ask({
        title: "Rename column",
        label: "Column title",
        initial: column.title,
        submit: async (title) => {
          await applyOp({ type: "renameColumn", columnId: column.id, title });
        },
      });
    },
    "column.set_wip": () => {
      const s = store();
      const columnId = focus().columnId;
      const column = columnId === null ? undefined : s?.column(columnId)?.();
      if (!column) return;
      ask({
        title: `WIP limit for ${column.title}`,
        label: "Most tasks in progress (empty for no limit)",
        initial: column.wip === null ? "" : String(column.wip),
        submit: async (value) => {
          const wip = value.trim() === "" ? null : Number(value);
          if (wip !== null && (!Number.isInteger(wip) || wip < 0)) {
            throw new Error("A WIP limit is a whole number.");
          }
          await applyOp({ type: "setWipLimit", columnId: column.id, wip });
        },
      });
    },
    "column.move_left": (n) => moveColumnBy(-1, n),
    "column.move_right": (n) => moveColumnBy(1, n),
    "column.delete": () => {
      const columnId = focus().columnId;
      if (columnId === null) return;
      spawn(async () => {
        await applyOp({ type: "deleteColumn", columnId });
        notify("Column and its tasks deleted", true);
      });
    },
    "column.archive": () => {
      const columnId = focus().columnId;
      if (columnId === null) return;
      spawn(async () => {
        await applyOp({ type: "setColumnArchived", columnId, archived: true });
        notify("Column archived", true);
      });
    },
    "edit.undo": () => spawn(() => undoOrRedo("undo")),
    "edit.redo": () => spawn(() => undoOrRedo("redo")),
    "view.filter": () => {
      setFilterOpen(true);
      setFocusTick((n) => n + 1);
    },
    "view.palette": () => setOverlay(overlay() === "palette" ? "none" : "palette"),
    "view.cheatsheet": () => setOverlay(overlay() === "cheatsheet" ? "none" : "cheatsheet"),
    "board.archived": () => {
      if (!store()) return;
      setArchive(null);
      setOverlay("archive");
      spawn(loadArchive);
    },
    "view.back": () => back(),
    "board.share": () => {
      if (!store() || needsAccount()) return;
      setOverlay("share");
    },
    "board.publish": () => {
      const s = store();
      if (!s || needsAccount()) return;
      spawn(async () => {
        await ipc.publishBoard(s.id);
        await refreshBoards();
        notify(`“${s.title()}” is on the server now; share it with S.`);
      });
    },
    "board.invite_link": () => {
      const s = store();
      if (!s || needsAccount()) return;
      spawn(async () => {
        setInvite(await ipc.createInvite(s.id, "editor"));
        setOverlay("share");
      });
    },
    "board.accept_invite": () => {
      if (needsAccount()) return;
      ask({
        title: "Join a board",
        label: "Invite link or code",
        initial: "",
        submit: async (value) => {
          const board = await ipc.acceptInvite(value);
          await collab.refreshRemote();
          await openShared(board.boardId);
        },
      });
    },
    "board.leave": () => {
      const s = store();
      if (!s || needsAccount()) return;
      const title = s.title();
      ask({
        title: `Leave “${title}”? Your copy stays on this computer, read-only.`,
        label: "Type the board title to confirm",
        initial: "",
        submit: async (typed) => {
          if (typed !== title) throw new Error("The title does not match; you are still a member.");
          await ipc.leaveBoard(s.id);
          await Promise.all([refreshBoards(), collab.refreshRemote()]);
        },
      });
    },
    "account.settings": () => setOverlay(overlay() === "settings" ? "none" : "settings"),
    "account.sign_out": () =>
      spawn(async () => {
        await collab.accountChanged(await ipc.signOut());
        notify("Signed out. Your boards stay on this computer.");
      }),
  };

  const registry = createRegistry(handlers);
  function run(id: CommandId, count = 1) {
    const reason = disabledReason(id);
    if (reason !== null) {
      // A quiet notice instead of acting: the key did something visible, nothing changed.
      notify(reason);
      return;
    }
    registry.run(id, count);
  }

  const keymap = createKeymap<CommandId>(bindingsOf(COMMANDS), {
    isMac,
    whileTyping: new Set<CommandId>(["view.back", "view.palette"]),
  });

  /** Commands still reachable while a modal dialog is open. */
  const modalCommands = new Set<CommandId>(["view.back", "view.palette", "view.cheatsheet"]);

  function onKeyDown(event: KeyInput & { preventDefault(): void; defaultPrevented: boolean }) {
    if (event.defaultPrevented) return;
    // The unsynced-changes question is modal: its own buttons answer it, Escape cancels.
    if (collab.closeRequest() !== null) {
      if (event.key === "Escape") {
        event.preventDefault();
        back();
      }
      return;
    }
    // Enter and Space belong to a focused button, link or checkbox (the detail panel's, say).
    if ((event.key === "Enter" || event.key === " ") && isControl(event.target)) return;
    const result = keymap.handle(event);
    setPendingKeys(keymap.pending());
    if (result.kind === "pending") {
      event.preventDefault();
      return;
    }
    if (result.kind !== "command") return;
    if (overlay() !== "none" && !modalCommands.has(result.command)) return;
    if (
      (overlay() === "prompt" || overlay() === "settings" || overlay() === "share") &&
      result.command !== "view.back"
    )
      return;
    event.preventDefault();
    performance.mark("tack:key", { detail: result.command });
    run(result.command, result.count);
  }

  return {
    boards,
    store,
    focus,
    cursor,
    setCursor,
    focusTask,
    visibleTasks,
    detailTaskId,
    setDetailTaskId,
    overlay,
    setOverlay,
    closeOverlay,
    prompt,
    draft,
    openDraftAtEnd,
    submitDraft,
    cancelDraft,
    filterOpen,
    setFilterOpen,
    finishFilter,
    query,
    setQuery,
    toast,
    notify,
    pendingKeys,
    saving,
    announcement,
    focusTick,
    refocus: () => setFocusTick((n) => n + 1),
    applyOp,
    spawn,
    run,
    onKeyDown,
    ready,
    openBoard,
    openShared,
    archive,
    restoreArchived,
    deleteArchived,
    refreshBoards,
    readOnlyReason,
    disabledReason,
    selectedBy: (taskId: string): readonly Person[] => selectedBy().get(taskId) ?? [],
    invite,
    setInvite,
    collab,
    start,
    stop,
  };
}

export type App = ReturnType<typeof createApp>;

export const app: App = createRoot(() => createApp());
