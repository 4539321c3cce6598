// Where the keyboard is on the open board: the cursor (a column and a card in it), the cards
// each column shows through the filter and sort, moving between them, and the card open in the detail
// panel (which follows the cursor).

import { createMemo, createRoot, createSignal, type Accessor } from "solid-js";
import type { CommandHandler, CommandId } from "../commands/registry";
import type { BoardStore } from "../model/store";
import { sortTasks, type SortKey } from "./view";

export interface Cursor {
  columnId: string | null;
  columnIndex: number;
  taskId: string | null;
  taskIndex: number;
}

/** The cursor before anything is focused: the first column's first card, whatever they are. */
export function startCursor(): Cursor {
  return { columnId: null, columnIndex: 0, taskId: null, taskIndex: 0 };
}

/**
 * The cursor resolved against what is on screen: the column it names (or the one its task has
 * moved to, after undo or a teammate's edit), else the same position clamped; then the task it
 * names if that is shown, else the same row clamped.
 */
export function resolveCursor(
  s: BoardStore,
  c: Cursor,
  visibleTasks: (columnId: string) => readonly string[],
): Cursor {
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
}

export interface CursorDeps {
  store: Accessor<BoardStore | undefined>;
  /** The tasks the filter matches; null while it does not narrow the board. */
  matching: Accessor<ReadonlySet<string> | null>;
  /** How a board's columns are sorted here (rank: the board's own order). */
  sortOf: (boardId: string) => SortKey;
}

export function createCursor(deps: CursorDeps) {
  const { store, matching } = deps;
  const [cursor, setCursor] = createSignal<Cursor>(startCursor());
  const [detailTaskId, setDetailTaskId] = createSignal<string | null>(null);
  /** `c` asked for the comment box of the task in the detail panel. */
  const [commentRequested, setCommentRequested] = createSignal(false);

  /** Visible task ids of a column: the store's order narrowed by the filter, then sorted. */
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
          const shown = matching();
          const matched = shown === null ? ids : ids.filter((id) => shown.has(id));
          return sortTasks(matched, (id) => s.task(id)?.(), deps.sortOf(s.id));
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
    if (!s) return startCursor();
    return resolveCursor(s, c, (columnId) => visibleTasks(columnId));
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

  /** Puts the cursor in a column found by id (`focus` finds it once its patch has arrived). */
  function focusColumn(columnId: string) {
    setCursor({ columnId, columnIndex: 0, taskId: null, taskIndex: 0 });
  }

  /** With nothing focused (the filter hid it), the first card the filter shows. */
  function landOnVisible() {
    const s = store();
    if (!s || focus().taskId !== null) return;
    const at = s.columnIds().findIndex((id) => visibleTasks(id).length > 0);
    if (at >= 0) moveCursor(at, 0);
  }

  /** A newly shown board: the cursor at its start, the detail panel closed. */
  function reset() {
    setCursor(startCursor());
    setDetailTaskId(null);
  }

  const commands = {
    "cursor.down": (n) => moveCursor(focus().columnIndex, focus().taskIndex + n),
    "cursor.up": (n) => moveCursor(focus().columnIndex, focus().taskIndex - n),
    "cursor.left": (n) => moveCursor(focus().columnIndex - n, wantedRow(), true),
    "cursor.right": (n) => moveCursor(focus().columnIndex + n, wantedRow(), true),
    "cursor.first": () => moveCursor(focus().columnIndex, 0),
    "cursor.last": () => moveCursor(focus().columnIndex, Number.MAX_SAFE_INTEGER),
    "task.edit": () => {
      const id = focus().taskId;
      if (id !== null) setDetailTaskId(id);
    },
    "task.comment": () => {
      const id = detailTaskId() ?? focus().taskId;
      if (id === null) return;
      setDetailTaskId(id);
      setCommentRequested(true);
    },
  } satisfies Partial<Record<CommandId, CommandHandler>>;

  return {
    cursor,
    setCursor,
    focus,
    visibleTasks,
    focusTask,
    focusColumn,
    landOnVisible,
    reset,
    detailTaskId,
    setDetailTaskId,
    commentRequested,
    setCommentRequested,
    commands,
  };
}
