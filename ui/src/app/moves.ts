// Moving the focused task (H J K L), to another swimlane (Alt+Shift+j/k: that lane's assignee or
// label, one undo step) and column (< >) by keys, the cursor going with the task, and the
// task's new place said to screen readers once its patch has arrived. A card dropped by the
// mouse ends here too, so a drop across lanes changes the field as the keys do.

import { createSignal, type Accessor } from "solid-js";
import type { BoardOp, Patch, Place } from "../ipc";
import type { CommandHandler, CommandId } from "../commands/registry";
import type { BoardStore } from "../model/store";
import type { Cursor } from "./cursor";
import { inLane, type Grouping, type Lane } from "./lanes";
import { SORT_TITLES, type SortKey } from "./view";

/** Where a task is now, as a screen reader says it: "Title: Column, 2 of 4". */
export function placeText(s: BoardStore, taskId: string): string | null {
  const columnId = s.columnOf(taskId);
  if (columnId === undefined) return null;
  const title = s.task(taskId)?.().title ?? "Task";
  const column = s.column(columnId)?.().title ?? "";
  const ids = s.taskIds(columnId)();
  return `${title}: ${column}, ${ids.indexOf(taskId) + 1} of ${ids.length}`;
}

export interface MovesDeps {
  store: Accessor<BoardStore | undefined>;
  focus: Accessor<Cursor>;
  cursor: Accessor<Cursor>;
  setCursor: (cursor: Cursor) => void;
  applyOp: (op: BoardOp | BoardOp[]) => Promise<string | null>;
  spawn: (action: () => Promise<unknown>) => void;
  /** How the open board's columns are shown: J and K reorder only in rank order. */
  sortedBy: Accessor<SortKey>;
  /** The open board's swimlanes. */
  grouping: Accessor<Grouping>;
  lanes: Accessor<readonly Lane[]>;
  notify: (text: string) => void;
}

export function createMoves(deps: MovesDeps) {
  const { store, focus, setCursor, spawn } = deps;
  /** Text for screen readers after a keyboard move (an aria-live region shows it). */
  const [announcement, setAnnouncement] = createSignal("");
  /** The task whose new place is announced when its patch arrives (patches may trail `apply`). */
  let announceTask: string | null = null;

  function moveAndAnnounce(taskId: string, columnId: string, place: Place) {
    announceTask = taskId;
    return deps.applyOp({ type: "moveTask", taskId, columnId, place });
  }

  /** Called with each patch applied to the open board: announces a moved task's place. */
  function patchesApplied(s: BoardStore, patches: readonly Patch[]) {
    const moved = announceTask;
    if (moved !== null && patches.some((p) => p.type === "taskUpserted" && p.task.id === moved)) {
      announceTask = null;
      const text = placeText(s, moved);
      if (text !== null) setAnnouncement(text);
    }
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
      const last = others[others.length - 1];
      // Past the end of a first screen's column (its rest not here yet): below its last shown.
      const place: Place =
        before !== undefined
          ? { kind: "before", id: before }
          : s.withheld(columnId) > 0 && last !== undefined
            ? { kind: "after", id: last }
            : { kind: "bottom" };
      setCursor({ columnId, columnIndex: target, taskId, taskIndex: f.taskIndex });
      spawn(() => moveAndAnnounce(taskId, columnId, place));
      return;
    }
    const sort = deps.sortedBy();
    if (sort !== "rank") {
      // The shared order is rank: a card moved up among cards shown by due date would land
      // somewhere nobody chose.
      deps.notify(
        `Sorted by ${SORT_TITLES[sort]}: J and K reorder the board's own order (z s switches to it)`,
      );
      return;
    }
    const ids = s.taskIds(f.columnId)();
    const at = ids.indexOf(taskId);
    const target = Math.max(0, Math.min(at + taskDelta * count, ids.length - 1));
    const anchor = ids[target];
    if (anchor === undefined || target === at) return;
    const place: Place =
      taskDelta > 0 ? { kind: "after", id: anchor } : { kind: "before", id: anchor };
    setCursor({ ...deps.cursor(), taskId });
    const columnId = f.columnId;
    spawn(() => moveAndAnnounce(taskId, columnId, place));
  }

  /** Moves a task to the bottom of another column (the palette's "Move to ‹column›"), the
   * cursor going with it. */
  function moveTaskTo(taskId: string, columnId: string) {
    const s = store();
    if (!s) return Promise.resolve(null);
    const columnIndex = Math.max(0, s.columnIds().indexOf(columnId));
    const taskIndex = s.taskIds(columnId)().length;
    setCursor({ columnId, columnIndex, taskId, taskIndex });
    return moveAndAnnounce(taskId, columnId, { kind: "bottom" });
  }

  /**
   * The op putting a task of lane `from` into lane `to` (lane indexes): `to`'s assignee or
   * label replaces `from`'s ("Unassigned", "No label": `from`'s alone removed). Null without
   * such lanes.
   */
  function laneOp(taskId: string, from: number, to: number): BoardOp | null {
    const grouping = deps.grouping();
    const a = deps.lanes()[from];
    const b = deps.lanes()[to];
    if (grouping === "none" || !a || !b) return null;
    return grouping === "label"
      ? { type: "replaceTaskLabel", taskId, from: a.value, to: b.value }
      : a.value === null || b.value === null
        ? {
            type: "setTaskAssignee",
            taskId,
            userId: b.value ?? a.value ?? "",
            present: b.value !== null,
          }
        : { type: "replaceTaskAssignee", taskId, from: a.value, to: b.value };
  }

  /** Moves the focused task to the lane `delta` away (Alt+Shift+j/k). */
  function moveToLane(delta: number) {
    const f = focus();
    const lane = f.lane ?? 0;
    const op = f.taskId === null ? null : laneOp(f.taskId, lane, lane + delta);
    if (op === null) return;
    setCursor({ ...deps.cursor(), taskId: f.taskId, lane: lane + delta });
    spawn(() => deps.applyOp(op));
  }

  /**
   * A card dropped by the mouse (drag.ts) in `columnId` of lane `to`, dragged from lane
   * `from` (both left out without lanes): the lane's field changes as Alt+Shift+j/k change it,
   * and the card moves to `place` (null: it keeps its place), both in one undo step.
   */
  function dropTask(taskId: string, columnId: string, place: Place | null, from = 0, to = from) {
    const s = store();
    if (!s) return;
    const task = s.task(taskId)?.();
    const lane = deps.lanes()[from];
    // A teammate may have changed the field while the card was in the air.
    if (from !== to && task && lane && !inLane(s, deps.grouping(), lane, task)) {
      deps.notify(`“${task.title}” is no longer in the ${lane.title} lane`);
      return;
    }
    const op = from === to ? null : laneOp(taskId, from, to);
    const ops: BoardOp[] = op ? [op] : [];
    if (place !== null) ops.push({ type: "moveTask", taskId, columnId, place });
    const columnIndex = Math.max(0, s.columnIds().indexOf(columnId));
    setCursor({
      columnId,
      columnIndex,
      taskId,
      taskIndex: 0,
      lane: deps.grouping() === "none" ? undefined : to,
    });
    // Nothing to change (the lanes went while it was dragged): nothing is sent. Else together,
    // one undo step: a refused field change leaves the card where it was.
    if (ops.length > 0) spawn(() => deps.applyOp(ops.length === 1 && ops[0] ? ops[0] : ops));
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
    spawn(() => deps.applyOp({ type: "moveColumn", columnId, place }));
  }

  const commands = {
    "task.move_left": (n) => moveTaskBy(-1, 0, n),
    "task.move_right": (n) => moveTaskBy(1, 0, n),
    "task.move_down": (n) => moveTaskBy(0, 1, n),
    "task.move_up": (n) => moveTaskBy(0, -1, n),
    "task.lane_down": (n) => moveToLane(n),
    "task.lane_up": (n) => moveToLane(-n),
    "column.move_left": (n) => moveColumnBy(-1, n),
    "column.move_right": (n) => moveColumnBy(1, n),
  } satisfies Partial<Record<CommandId, CommandHandler>>;

  return { announcement, patchesApplied, moveTaskTo, dropTask, commands };
}
