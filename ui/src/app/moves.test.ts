// Keyboard moves on their own: the op each sends, the cursor going along, and the new place
// said to screen readers only once the patch for it has arrived.

import { createRoot, createSignal } from "solid-js";
import { describe, expect, it } from "vitest";
import type { BoardOp } from "../ipc";
import { boardOf } from "../test/board";
import { startCursor, type Cursor } from "./cursor";
import type { Grouping, Lane } from "./lanes";
import { createMoves, placeText } from "./moves";
import type { SortKey } from "./view";

function moves(
  focus: Cursor,
  sort: SortKey = "rank",
  grouping: Grouping = "none",
  lanes: readonly Lane[] = [],
) {
  const store = boardOf({ Todo: ["a", "b", "c"], Doing: ["d", "e"] });
  const [cursor, setCursor] = createSignal<Cursor>(focus);
  const sent: BoardOp[] = [];
  const notices: string[] = [];
  const made = createRoot(() =>
    createMoves({
      store: () => store,
      focus: cursor,
      cursor,
      setCursor,
      applyOp: (op) => {
        sent.push(op);
        return Promise.resolve(null);
      },
      spawn: (action) => void action(),
      sortedBy: () => sort,
      grouping: () => grouping,
      lanes: () => lanes,
      notify: (text) => notices.push(text),
    }),
  );
  return { ...made, store, cursor, sent, notices };
}

const onB: Cursor = { columnId: "c-Todo", columnIndex: 0, taskId: "b", taskIndex: 1 };

describe("moves", () => {
  it("Alt+Shift+j/k move a task to the next or previous lane: one op changing that field", () => {
    const people: Lane[] = [
      { value: "u-ada", title: "Ada" },
      { value: "u-bo", title: "Bo" },
      { value: null, title: "Unassigned" },
    ];
    const m = moves({ ...onB, lane: 0 }, "rank", "assignee", people);
    m.commands["task.lane_down"](1);
    expect(m.cursor().lane).toBe(1);
    m.commands["task.lane_down"](1);
    m.commands["task.lane_up"](2);
    m.commands["task.lane_up"](1);
    expect(m.sent).toEqual([
      { type: "replaceTaskAssignee", taskId: "b", from: "u-ada", to: "u-bo" },
      { type: "setTaskAssignee", taskId: "b", userId: "u-bo", present: false },
      { type: "setTaskAssignee", taskId: "b", userId: "u-ada", present: true },
    ]);
    expect(m.cursor()).toMatchObject({ taskId: "b", lane: 0 });

    const labels: Lane[] = [
      { value: "l-bug", title: "bug" },
      { value: null, title: "No label" },
    ];
    const l = moves({ ...onB, lane: 1 }, "rank", "label", labels);
    l.commands["task.lane_up"](1);
    l.commands["task.lane_down"](1);
    expect(l.sent).toEqual([
      { type: "replaceTaskLabel", taskId: "b", from: null, to: "l-bug" },
      { type: "replaceTaskLabel", taskId: "b", from: "l-bug", to: null },
    ]);
    // Without lanes the keys do nothing.
    const none = moves(onB);
    none.commands["task.lane_down"](1);
    expect(none.sent).toEqual([]);
  });

  it("moves a task sideways to the same row, the cursor with it, and announces it on its patch", () => {
    const m = moves(onB);
    m.commands["task.move_right"](1);
    expect(m.sent).toEqual([
      { type: "moveTask", taskId: "b", columnId: "c-Doing", place: { kind: "before", id: "e" } },
    ]);
    expect(m.cursor()).toEqual({ columnId: "c-Doing", columnIndex: 1, taskId: "b", taskIndex: 1 });
    expect(m.announcement()).toBe("");
    // Another task's patch says nothing; the moved task's does.
    const s = m.store;
    const task = (id: string) => {
      const t = s.task(id)?.();
      if (!t) throw new Error(`no task ${id}`);
      return t;
    };
    const other = [{ type: "taskUpserted" as const, columnId: "c-Doing", task: task("d") }];
    m.patchesApplied(s, other);
    expect(m.announcement()).toBe("");
    const moved = { ...task("b"), column: "c-Doing", rank: "a0V" };
    const patch = [{ type: "taskUpserted" as const, columnId: "c-Doing", task: moved }];
    s.apply(patch);
    m.patchesApplied(s, patch);
    expect(m.announcement()).toBe("b: Doing, 2 of 3");
    // Later changes to it (a teammate's, say) are not announced as the move.
    const later = [
      { type: "taskUpserted" as const, columnId: "c-Todo", task: { ...moved, column: "c-Todo" } },
    ];
    s.apply(later);
    m.patchesApplied(s, later);
    expect(m.announcement()).toBe("b: Doing, 2 of 3");
  });

  it("moves within a column by the count, stopping at the ends", () => {
    const m = moves(onB);
    m.commands["task.move_down"](9);
    m.commands["task.move_up"](1);
    expect(m.sent.map((op) => (op.type === "moveTask" ? op.place : op.type))).toEqual([
      { kind: "after", id: "c" },
      { kind: "before", id: "a" },
    ]);
  });

  it("refuses J and K in a sorted column (the shared order is rank), and says why", () => {
    const m = moves(onB, "due");
    m.commands["task.move_down"](1);
    m.commands["task.move_up"](1);
    expect(m.sent).toEqual([]);
    expect(m.notices).toEqual([
      "Sorted by due date: J and K reorder the board's own order (z s switches to it)",
      "Sorted by due date: J and K reorder the board's own order (z s switches to it)",
    ]);
    // Across columns is still a move (to the same row of the other column's own order).
    m.commands["task.move_right"](1);
    expect(m.sent).toHaveLength(1);
  });

  it("moves a column, and does nothing where there is nowhere to go", () => {
    const m = moves(onB);
    m.commands["column.move_left"](1);
    m.commands["task.move_left"](1);
    expect(m.sent).toEqual([]);
    m.commands["column.move_right"](3);
    expect(m.sent).toEqual([
      { type: "moveColumn", columnId: "c-Todo", place: { kind: "after", id: "c-Doing" } },
    ]);
    const none = moves(startCursor());
    none.commands["task.move_down"](1);
    expect(none.sent).toEqual([]);
  });

  it("says where a task is, and nothing for one that is gone", () => {
    const { store } = moves(onB);
    expect(placeText(store, "e")).toBe("e: Doing, 2 of 2");
    expect(placeText(store, "zzz")).toBeNull();
  });
});
