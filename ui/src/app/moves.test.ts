// Keyboard moves on their own: the op each sends, the cursor going along, and the new place
// said to screen readers only once the patch for it has arrived.

import { createRoot, createSignal } from "solid-js";
import { describe, expect, it } from "vitest";
import { errorMessage, type BoardOp } from "../ipc";
import { boardOf } from "../test/board";
import { settle, task } from "../test/fixtures";
import { startCursor, type Cursor } from "./cursor";
import type { Grouping, Lane } from "./lanes";
import { createMoves, placeText } from "./moves";
import type { SortKey } from "./view";

function moves(
  focus: Cursor,
  sort: SortKey = "rank",
  grouping: Grouping = "none",
  lanes: readonly Lane[] = [],
  /** Why the board is read-only (ops then refused as ops.ts refuses them), or null. */
  readOnly: string | null = null,
  /** Tasks each column held back (a first screen). */
  withheld: Record<string, number> = {},
) {
  const store = boardOf({ Todo: ["a", "b", "c"], Doing: ["d", "e"] }, "b1", withheld);
  const [cursor, setCursor] = createSignal<Cursor>(focus);
  const sent: (BoardOp | BoardOp[])[] = [];
  const notices: string[] = [];
  const made = createRoot(() =>
    createMoves({
      store: () => store,
      focus: cursor,
      cursor,
      setCursor,
      applyOp: (op) => {
        if (readOnly !== null) return Promise.reject(new Error(readOnly));
        sent.push(op);
        return Promise.resolve(null);
      },
      // As the app's spawn: a refused op is said in the toast.
      spawn: (action) => void action().catch((error: unknown) => notices.push(errorMessage(error))),
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

  it("a card dropped in another lane changes that lane's field, then moves if its column changed", async () => {
    const people: Lane[] = [
      { value: "u-ada", title: "Ada" },
      { value: "u-bo", title: "Bo" },
      { value: null, title: "Unassigned" },
    ];
    const m = moves(onB, "rank", "assignee", people);
    const b = { ...task("b", "c-Todo", "a1"), assignees: ["u-ada", "u-cy"] };
    m.store.apply([{ type: "taskUpserted", columnId: "c-Todo", task: b }]);
    // From Ada's lane in Todo to Bo's in Doing, before d: Bo replaces Ada, then the move.
    m.dropTask("b", "c-Doing", { kind: "before", id: "d" }, 0, 1);
    await settle();
    // Both ops in one call: one undo step.
    expect(m.sent).toEqual([
      [
        { type: "replaceTaskAssignee", taskId: "b", from: "u-ada", to: "u-bo" },
        { type: "moveTask", taskId: "b", columnId: "c-Doing", place: { kind: "before", id: "d" } },
      ],
    ]);
    expect(m.cursor()).toMatchObject({ columnId: "c-Doing", taskId: "b", lane: 1 });
    // To "Unassigned" in its own column: Ada alone removed, the card keeps its place.
    m.sent.length = 0;
    m.dropTask("b", "c-Todo", null, 0, 2);
    // In its own lane: no field changes, only the move.
    m.dropTask("b", "c-Todo", { kind: "after", id: "c" }, 0, 0);
    await settle();
    expect(m.sent).toEqual([
      { type: "setTaskAssignee", taskId: "b", userId: "u-ada", present: false },
      { type: "moveTask", taskId: "b", columnId: "c-Todo", place: { kind: "after", id: "c" } },
    ]);
    // No longer in Bo's lane (a teammate's edit while it was dragged): nothing sent, and why.
    m.sent.length = 0;
    m.dropTask("b", "c-Doing", { kind: "bottom" }, 1, 2);
    await settle();
    expect(m.sent).toEqual([]);
    expect(m.notices).toEqual(["“b” is no longer in the Bo lane"]);

    // Labels: from "No label" to bug adds bug.
    const labels: Lane[] = [
      { value: "l-bug", title: "bug" },
      { value: null, title: "No label" },
    ];
    const l = moves(onB, "rank", "label", labels);
    l.dropTask("a", "c-Doing", { kind: "bottom" }, 1, 0);
    await settle();
    expect(l.sent).toEqual([
      [
        { type: "replaceTaskLabel", taskId: "a", from: null, to: "l-bug" },
        { type: "moveTask", taskId: "a", columnId: "c-Doing", place: { kind: "bottom" } },
      ],
    ]);
  });

  it("sends nothing for a drop that changes nothing (the lanes went while it was dragged)", async () => {
    const m = moves(onB);
    m.dropTask("b", "c-Todo", null, 0, 1);
    await settle();
    expect(m.sent).toEqual([]);
    expect(m.notices).toEqual([]);
  });

  it("refuses a drop across lanes on a read-only board, saying why, once", async () => {
    const lanes: Lane[] = [
      { value: "l-bug", title: "bug" },
      { value: null, title: "No label" },
    ];
    const m = moves(onB, "rank", "label", lanes, "You can view this board but not edit it.");
    m.dropTask("a", "c-Doing", { kind: "bottom" }, 1, 0);
    await settle();
    expect(m.sent).toEqual([]);
    expect(m.notices).toEqual(["You can view this board but not edit it."]);
  });

  it("moves a task sideways past the end of a first screen's column: below its last shown", () => {
    const onC: Cursor = { columnId: "c-Todo", columnIndex: 0, taskId: "c", taskIndex: 2 };
    const m = moves(onC, "rank", "none", [], null, { "c-Doing": 40 });
    m.commands["task.move_right"](1);
    expect(m.sent).toEqual([
      { type: "moveTask", taskId: "c", columnId: "c-Doing", place: { kind: "after", id: "e" } },
    ]);
    // A whole column: its bottom.
    const whole = moves(onC);
    whole.commands["task.move_right"](1);
    expect(whole.sent).toEqual([
      { type: "moveTask", taskId: "c", columnId: "c-Doing", place: { kind: "bottom" } },
    ]);
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
    expect(m.sent.flat().map((op) => (op.type === "moveTask" ? op.place : op.type))).toEqual([
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
