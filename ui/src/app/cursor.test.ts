// The cursor on its own: resolved against what is shown, moved by keys, following its task,
// narrowed by the filter, and the detail panel going with it.

import { createRoot, createSignal } from "solid-js";
import { describe, expect, it } from "vitest";
import type { BoardStore } from "../model/store";
import { boardOf } from "../test/board";
import { task } from "../test/fixtures";
import { createCursor, resolveCursor, startCursor } from "./cursor";
import type { SortKey } from "./view";

function cursorOn(board: BoardStore) {
  const [store, setStore] = createSignal<BoardStore | undefined>(board);
  const [matching, setMatching] = createSignal<ReadonlySet<string> | null>(null);
  const [sort, setSort] = createSignal<SortKey>("rank");
  const cursor = createRoot(() => createCursor({ store, matching, sortOf: () => sort() }));
  /** The filter matched these tasks (the shell's answer). */
  const setMatches = (ids: readonly string[]) => setMatching(new Set(ids));
  /** The focused task's id, or `-` with the column when none. */
  const at = () => cursor.focus().taskId ?? `- in ${cursor.focus().columnId ?? "no column"}`;
  return { ...cursor, setStore, setMatches, setSort, at };
}

const shown = (s: BoardStore) => (columnId: string) => s.taskIds(columnId)();

describe("resolveCursor", () => {
  const board = boardOf({ Todo: ["a", "b", "c"], Doing: ["d"], Done: [] });

  it("clamps a position past the end to the last column and row", () => {
    expect(
      resolveCursor(
        board,
        { columnId: null, columnIndex: 9, taskId: null, taskIndex: 0 },
        shown(board),
      ),
    ).toEqual({ columnId: "c-Done", columnIndex: 2, taskId: null, taskIndex: 0 });
    expect(
      resolveCursor(
        board,
        { columnId: "c-Todo", columnIndex: 0, taskId: null, taskIndex: 7 },
        shown(board),
      ),
    ).toEqual({ columnId: "c-Todo", columnIndex: 0, taskId: "c", taskIndex: 2 });
  });

  it("follows its task into another column, and keeps its row when the task is gone", () => {
    const s = boardOf({ Todo: ["a", "b", "c"], Doing: ["d"] });
    const onB = { columnId: "c-Todo", columnIndex: 0, taskId: "b", taskIndex: 1 };
    const b = s.task("b")?.();
    if (!b) throw new Error("no task b");
    s.apply([
      { type: "taskUpserted", columnId: "c-Doing", task: { ...b, column: "c-Doing", rank: "b0" } },
    ]);
    expect(resolveCursor(s, onB, shown(s))).toEqual({
      columnId: "c-Doing",
      columnIndex: 1,
      taskId: "b",
      taskIndex: 1,
    });
    s.apply([{ type: "taskRemoved", taskId: "b" }]);
    expect(resolveCursor(s, onB, shown(s))).toEqual({
      columnId: "c-Todo",
      columnIndex: 0,
      taskId: "c",
      taskIndex: 1,
    });
  });

  it("on a board without columns focuses nothing", () => {
    const empty = boardOf({});
    expect(resolveCursor(empty, startCursor(), shown(empty))).toEqual(startCursor());
  });
});

describe("cursor", () => {
  it("keeps the wanted row through a shorter column (l l h h comes back)", () => {
    const c = cursorOn(boardOf({ A: ["a1", "a2", "a3"], B: ["b1"], C: ["c1", "c2", "c3"] }));
    c.commands["cursor.last"]();
    expect(c.at()).toBe("a3");
    c.commands["cursor.right"](1);
    expect(c.at()).toBe("b1");
    c.commands["cursor.right"](1);
    expect(c.at()).toBe("c3");
    c.commands["cursor.left"](2);
    expect(c.at()).toBe("a3");
    c.commands["cursor.up"](5);
    expect(c.at()).toBe("a1");
  });

  it("G in a first screen's column waits for the rest, then lands on the column's last", () => {
    const board = boardOf({ A: ["a1", "a2"], B: ["b1"] }, "b1", { "c-A": 2 });
    const c = cursorOn(board);
    c.commands["cursor.first"]();
    c.commands["cursor.last"]();
    expect(c.at()).toBe("a1");
    board.apply([
      { type: "taskUpserted", columnId: "c-A", task: task("a3", "c-A", "a2") },
      { type: "taskUpserted", columnId: "c-A", task: task("a4", "c-A", "a3") },
    ]);
    expect(c.at()).toBe("a1");
    board.settle();
    expect(c.at()).toBe("a4");
    // A whole column: at once.
    c.commands["cursor.right"](1);
    c.commands["cursor.last"]();
    expect(c.at()).toBe("b1");
  });

  it("a count past a first screen's column waits for the rest; within it, moves at once", () => {
    const board = boardOf({ A: ["a1", "a2", "a3"] }, "b1", { "c-A": 3 });
    const c = cursorOn(board);
    c.commands["cursor.down"](1);
    expect(c.at()).toBe("a2");
    c.commands["cursor.down"](3);
    expect(c.at()).toBe("a2");
    board.apply([
      { type: "taskUpserted", columnId: "c-A", task: task("a4", "c-A", "a3") },
      { type: "taskUpserted", columnId: "c-A", task: task("a5", "c-A", "a4") },
      { type: "taskUpserted", columnId: "c-A", task: task("a6", "c-A", "a5") },
    ]);
    board.settle();
    expect(c.at()).toBe("a5");
  });

  it("walks only the cards the filter shows, and lands on one when the filter hid the cursor", () => {
    const c = cursorOn(boardOf({ A: ["apple", "pear", "apricot"], B: ["banana", "grape"] }));
    c.setMatches(["apple", "apricot"]);
    expect(c.visibleTasks("c-A")).toEqual(["apple", "apricot"]);
    c.commands["cursor.down"](1);
    expect(c.at()).toBe("apricot");
    c.setMatches(["grape"]);
    expect(c.at()).toBe("- in c-A");
    c.landOnVisible();
    expect(c.at()).toBe("grape");
  });

  it("keeps a column's list when a new filter answer shows it the same cards", () => {
    const c = cursorOn(boardOf({ A: ["apple", "pear", "apricot"], B: ["banana"] }));
    c.setMatches(["apple", "apricot", "banana"]);
    const a = c.visibleTasks("c-A");
    const b = c.visibleTasks("c-B");
    // Typing on (`ap` → `apr`, say) answers anew; column A's cards are the same: nothing to redo.
    c.setMatches(["apple", "apricot"]);
    expect(c.visibleTasks("c-A")).toBe(a);
    expect(c.visibleTasks("c-B")).not.toBe(b);
    expect(c.visibleTasks("c-B")).toEqual([]);
  });

  it("shows a sorted column in its sort, filtered too, and the cursor walks that order", () => {
    const s = boardOf({ A: ["pear", "apple", "fig"] });
    const c = cursorOn(s);
    c.setSort("title");
    expect(c.visibleTasks("c-A")).toEqual(["apple", "fig", "pear"]);
    c.commands["cursor.down"](1);
    expect(c.at()).toBe("fig");
    c.setMatches(["pear", "fig"]);
    expect(c.visibleTasks("c-A")).toEqual(["fig", "pear"]);
    // A retitled task moves to its new place at once, the cursor staying on it.
    const fig = s.task("fig")?.();
    if (!fig) throw new Error("no fig");
    s.apply([{ type: "taskUpserted", columnId: "c-A", task: { ...fig, title: "zucchini" } }]);
    expect(c.visibleTasks("c-A")).toEqual(["pear", "fig"]);
    expect(c.at()).toBe("fig");
    c.setSort("rank");
    c.setMatches([]);
    expect(c.visibleTasks("c-A")).toEqual([]);
  });

  it("an open detail panel follows the cursor; a new board closes it and starts over", () => {
    const c = cursorOn(boardOf({ A: ["a1", "a2"] }));
    c.commands["task.edit"]();
    expect(c.detailTaskId()).toBe("a1");
    c.commands["cursor.down"](1);
    expect(c.detailTaskId()).toBe("a2");
    c.setStore(boardOf({ X: ["x1", "x2"] }, "b2"));
    c.reset();
    expect(c.detailTaskId()).toBeNull();
    expect(c.at()).toBe("x1");
  });

  it("focuses a task or a column by id, the column found once it exists", () => {
    const s = boardOf({ A: ["a1"], B: ["b1", "b2"] });
    const c = cursorOn(s);
    c.focusTask("c-B", "b2");
    expect(c.focus()).toEqual({ columnId: "c-B", columnIndex: 1, taskId: "b2", taskIndex: 1 });
    c.focusColumn("c-New");
    expect(c.focus().columnId).toBe("c-A");
    s.apply([
      {
        type: "columnUpserted",
        column: { id: "c-New", title: "New", rank: "a9", wip: null, archived: false, tasks: [] },
      },
    ]);
    expect(c.focus()).toEqual({ columnId: "c-New", columnIndex: 2, taskId: null, taskIndex: 0 });
  });
});
