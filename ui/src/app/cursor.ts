// Where the keyboard is on the open board: the cursor (a column and a card in it, and its
// swimlane when the board is cut into lanes), the cards each column shows through the filter
// and sort, moving between them, and the card open in the detail panel (which follows the
// cursor). With lanes, j and k run on from a lane's column into the next lane's same column.

import { createMemo, createRoot, createSignal, type Accessor } from "solid-js";
import type { CommandHandler, CommandId } from "../commands/registry";
import type { BoardStore } from "../model/store";
import type { TaskMatch } from "./filter";
import { lanesOf, splitIntoLanes, type Grouping, type Lane } from "./lanes";
import { sortTasks, type SortKey } from "./view";

export interface Cursor {
  columnId: string | null;
  columnIndex: number;
  taskId: string | null;
  taskIndex: number;
  /** The lane's index while the board shows lanes; left out, the first lane showing the task. */
  lane?: number | undefined;
}

/** A column's tasks by lane value (null: the lane of tasks with none). */
type LaneCells = ReadonlyMap<string | null, readonly string[]>;
const NO_TASKS: readonly string[] = [];

/** The same ids in the same order. */
function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
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
  visibleTasks: (columnId: string, lane: number) => readonly string[],
  laneCount = 0,
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
  let lane = c.lane ?? -1;
  if (lane < 0 && columnId !== null && c.taskId !== null) {
    for (let l = 0; l < laneCount && lane < 0; l++) {
      if (visibleTasks(columnId, l).includes(c.taskId)) lane = l;
    }
  }
  lane = Math.max(0, Math.min(lane, laneCount - 1));
  const inLanes = laneCount > 0 ? { lane } : {};
  if (columnId === null)
    return { columnId, columnIndex: 0, taskId: null, taskIndex: 0, ...inLanes };
  const tasks = visibleTasks(columnId, lane);
  let taskIndex = c.taskId === null ? -1 : tasks.indexOf(c.taskId);
  if (taskIndex < 0) taskIndex = Math.max(0, Math.min(c.taskIndex, tasks.length - 1));
  return { columnId, columnIndex, taskId: tasks[taskIndex] ?? null, taskIndex, ...inLanes };
}

export interface CursorDeps {
  store: Accessor<BoardStore | undefined>;
  /** The tasks the filter matches; null while it does not narrow the board. */
  matching: Accessor<TaskMatch | null>;
  /** How a board's columns are sorted here (rank: the board's own order). */
  sortOf: (boardId: string) => SortKey;
  /** How a board is cut into lanes here (none when left out). */
  groupingOf?: (boardId: string) => Grouping;
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
        createMemo(
          () => {
            const ids = s.taskIds(columnId)();
            const shown = matching();
            const matched = shown === null ? ids : ids.filter((id) => shown.has(id));
            return sortTasks(matched, (id) => s.task(id)?.(), deps.sortOf(s.id));
          },
          NO_TASKS,
          { equals: sameIds },
        ),
      );
      perColumn.set(columnId, memo);
    }
    return memo();
  }

  /** How the open board is cut into lanes, and its lanes (one, the whole board, without). */
  const grouping = createMemo((): Grouping => {
    const s = store();
    return s && deps.groupingOf ? deps.groupingOf(s.id) : "none";
  });
  const lanes = createMemo((): readonly Lane[] => {
    const s = store();
    return s ? lanesOf(s, grouping()) : [];
  });
  /** Lanes shown, 0 without grouping (the cursor then has no lane). */
  const laneCount = () => (grouping() === "none" ? 0 : lanes().length);

  /** Each column's visible tasks cut into the grouping's lanes, in one pass per column. */
  const splitCache = new WeakMap<BoardStore, Map<string, Accessor<LaneCells>>>();
  function split(g: Grouping, columnId: string, s: BoardStore): LaneCells {
    let splits = splitCache.get(s);
    if (!splits) {
      splits = new Map();
      splitCache.set(s, splits);
    }
    const key = `${g}\u0000${columnId}`;
    let memo = splits.get(key);
    if (!memo) {
      memo = createRoot(() => createMemo(() => splitIntoLanes(s, g, visibleTasks(columnId, s))));
      splits.set(key, memo);
    }
    return memo();
  }

  /** The tasks a lane shows in a column (the column's visible tasks without lanes). */
  const cellCache = new WeakMap<BoardStore, Map<string, Accessor<readonly string[]>>>();
  function cellTasks(lane: number, columnId: string, s: BoardStore | undefined = store()) {
    const g = grouping();
    const which = lanes()[lane];
    if (!s || g === "none" || which === undefined) return visibleTasks(columnId, s);
    let cells = cellCache.get(s);
    if (!cells) {
      cells = new Map();
      cellCache.set(s, cells);
    }
    const key = `${g}\u0000${which.value ?? ""}\u0000${columnId}`;
    let memo = cells.get(key);
    if (!memo) {
      // Unchanged cells stay the same list: a card edited in one lane re-renders only that one.
      memo = createRoot(() =>
        createMemo(() => split(g, columnId, s).get(which.value) ?? NO_TASKS, NO_TASKS, {
          equals: sameIds,
        }),
      );
      cells.set(key, memo);
    }
    return memo();
  }

  /** The cursor resolved against what is on screen now. */
  const focus = createMemo((): Cursor => {
    const s = store();
    const c = cursor();
    if (!s) return startCursor();
    return resolveCursor(s, c, (columnId, lane) => cellTasks(lane, columnId, s), laneCount());
  });

  /**
   * Puts the cursor on a row of a column. Moving sideways keeps the wanted row even through
   * shorter columns (as Vim keeps the wanted column), so `l l h h` comes back to the same row.
   */
  function moveCursor(
    columnIndex: number,
    taskIndex: number,
    keepRow = false,
    lane = focus().lane,
  ) {
    const s = store();
    if (!s) return;
    const columns = s.columnIds();
    const ci = Math.max(0, Math.min(columnIndex, columns.length - 1));
    const columnId = columns[ci] ?? null;
    const tasks = columnId === null ? [] : cellTasks(lane ?? 0, columnId);
    const ti = Math.max(0, Math.min(taskIndex, tasks.length - 1));
    const taskId = tasks[ti] ?? null;
    setCursor({
      columnId,
      columnIndex: ci,
      taskId,
      taskIndex: keepRow ? Math.max(0, taskIndex) : ti,
      ...(laneCount() > 0 ? { lane: lane ?? 0 } : {}),
    });
    // An open detail panel follows the cursor.
    if (detailTaskId() !== null && taskId !== null) setDetailTaskId(taskId);
  }

  /**
   * Moves `delta` cards down (up when negative) the focused column; with lanes, past the
   * lane's last card into the next lane's same column (empty cells skipped), stopping at the
   * board's first or last card.
   */
  function moveVertically(delta: number) {
    const f = focus();
    const lane = f.lane ?? 0;
    const columnId = f.columnId;
    if (laneCount() === 0 || columnId === null) {
      const row = f.taskIndex + delta;
      const past = columnId !== null && delta > 0 && row >= visibleTasks(columnId).length;
      moveOnceThere(columnId, past, () => moveCursor(f.columnIndex, row));
      return;
    }
    // Every card of the column, lane after lane.
    const stops = lanes().flatMap((_, l) => cellTasks(l, columnId).map((_, row) => ({ l, row })));
    const at = stops.findIndex((p) => p.l === lane && p.row === f.taskIndex);
    let after = stops.findIndex((p) => p.l > lane);
    if (after < 0) after = stops.length;
    // From an empty cell: between the lanes before and after it.
    const start = at >= 0 ? at : delta > 0 ? after - 1 : after;
    const to = stops[Math.max(0, Math.min(start + delta, stops.length - 1))];
    if (to && (at >= 0 || (delta > 0 ? to.l > lane : to.l < lane))) {
      moveCursor(f.columnIndex, to.row, false, to.l);
    }
  }

  /**
   * Moves now or, when the move goes `past` what a first screen's column holds (its top only),
   * once the rest of the board is in (on the board still shown).
   */
  function moveOnceThere(columnId: string | null, past: boolean, move: () => void) {
    const s = store();
    if (s && columnId !== null && past && s.withheld(columnId) > 0) {
      s.whenWhole(() => {
        if (store() === s) move();
      });
    } else move();
  }

  /** The row sideways moves aim for: the focused one, or a deeper one remembered from before. */
  function wantedRow(): number {
    return Math.max(focus().taskIndex, cursor().taskIndex);
  }

  /** Puts the cursor on a task (in `lane`, or the first lane showing it). */
  function focusTask(columnId: string, taskId: string, lane?: number) {
    const s = store();
    if (!s) return;
    setCursor({
      columnId,
      columnIndex: Math.max(0, s.columnIds().indexOf(columnId)),
      taskId,
      taskIndex: Math.max(0, cellTasks(lane ?? 0, columnId).indexOf(taskId)),
      lane,
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
    const columnId = s.columnIds().find((id) => visibleTasks(id).length > 0);
    const taskId = columnId === undefined ? undefined : visibleTasks(columnId)[0];
    if (columnId !== undefined && taskId !== undefined) focusTask(columnId, taskId);
  }

  /** A newly shown board: the cursor at its start, the detail panel closed. */
  function reset() {
    setCursor(startCursor());
    setDetailTaskId(null);
  }

  const commands = {
    "cursor.down": (n) => moveVertically(n),
    "cursor.up": (n) => moveVertically(-n),
    "cursor.left": (n) => moveCursor(focus().columnIndex - n, wantedRow(), true),
    "cursor.right": (n) => moveCursor(focus().columnIndex + n, wantedRow(), true),
    "cursor.first": () => moveCursor(focus().columnIndex, 0),
    "cursor.last": () =>
      moveOnceThere(focus().columnId, true, () =>
        moveCursor(focus().columnIndex, Number.MAX_SAFE_INTEGER),
      ),
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
    grouping,
    lanes,
    cellTasks,
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
