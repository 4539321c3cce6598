import { createEffect, createRoot } from "solid-js";
import { describe, expect, it } from "vitest";
import type { BoardView } from "../ipc/types";
import { task } from "../test/fixtures";
import { createBoardStore, type BoardStore } from "./store";

function board(): BoardView {
  return {
    id: "b1",
    title: "Launch",
    createdAt: 0,
    labels: [],
    columns: [
      {
        id: "c-todo",
        title: "Todo",
        rank: "a0",
        wip: null,
        archived: false,
        tasks: [task("t1", "c-todo", "a0"), task("t2", "c-todo", "a1"), task("t3", "c-todo", "a2")],
      },
      {
        id: "c-done",
        title: "Done",
        rank: "a1",
        wip: 2,
        archived: false,
        tasks: [task("t4", "c-done", "a0")],
      },
    ],
  };
}

/** The board as text: one line per column, its tasks' titles in display order. */
function render(store: BoardStore): string[] {
  return store.columnIds().map((id) => {
    const titles = store
      .taskIds(id)()
      .map((t) => store.task(t)?.().title ?? "?");
    return `${store.column(id)?.().title ?? "?"}: ${titles.join(", ")}`;
  });
}

/** Counts how often each task's signal and each column's list notify their readers. */
function watch(store: BoardStore, taskIds: string[], columnIds: string[]) {
  const runs = new Map<string, number>();
  const dispose = createRoot((dispose) => {
    for (const id of taskIds) {
      createEffect(() => {
        store.task(id)?.();
        runs.set(id, (runs.get(id) ?? 0) + 1);
      });
    }
    for (const id of columnIds) {
      createEffect(() => {
        store.taskIds(id)();
        runs.set(id, (runs.get(id) ?? 0) + 1);
      });
    }
    return dispose;
  });
  const changed = () => [...runs].filter(([, n]) => n > 1).map(([id]) => id);
  return { changed, dispose };
}

describe("patch application", () => {
  it("builds the board from a snapshot in rank order", () => {
    expect(render(createBoardStore(board()))).toEqual(["Todo: t1, t2, t3", "Done: t4"]);
  });

  it("counts a first screen's held-back tasks until the rest arrives and it settles", () => {
    const store = createBoardStore(board(), [], { "c-todo": 2 });
    expect(store.withheld("c-todo")).toBe(2);
    expect(store.withheld("c-done")).toBe(0);
    const watcher = watch(store, ["t1", "t2", "t3", "t4"], ["c-todo", "c-done"]);
    store.apply([
      { type: "taskUpserted", columnId: "c-todo", task: task("t8", "c-todo", "a4") },
      { type: "taskUpserted", columnId: "c-todo", task: task("t7", "c-todo", "a3") },
    ]);
    store.settle();
    expect(store.withheld("c-todo")).toBe(0);
    expect(render(store)).toEqual(["Todo: t1, t2, t3, t7, t8", "Done: t4"]);
    // The shown cards are not touched: only the list the rest went into.
    expect(watcher.changed()).toEqual(["c-todo"]);
    watcher.dispose();
  });

  it("renames one task and notifies only that task", () => {
    const store = createBoardStore(board());
    const watcher = watch(store, ["t1", "t2", "t3", "t4"], ["c-todo", "c-done"]);
    store.apply([
      {
        type: "taskUpserted",
        columnId: "c-todo",
        task: task("t2", "c-todo", "a1", "Write the launch post"),
      },
    ]);
    expect(render(store)).toEqual(["Todo: t1, Write the launch post, t3", "Done: t4"]);
    expect(watcher.changed()).toEqual(["t2"]);
    watcher.dispose();
  });

  it("moves a task between columns, touching that task and the two lists only", () => {
    const store = createBoardStore(board());
    const watcher = watch(store, ["t1", "t2", "t3", "t4"], ["c-todo", "c-done"]);
    store.apply([{ type: "taskUpserted", columnId: "c-done", task: task("t1", "c-done", "Zz") }]);
    expect(render(store)).toEqual(["Todo: t2, t3", "Done: t1, t4"]);
    expect(watcher.changed().sort()).toEqual(["c-done", "c-todo", "t1"]);
    watcher.dispose();
  });

  it("reorders within a column when the rank changes", () => {
    const store = createBoardStore(board());
    store.apply([{ type: "taskUpserted", columnId: "c-todo", task: task("t3", "c-todo", "a0V") }]);
    expect(render(store)).toEqual(["Todo: t1, t3, t2", "Done: t4"]);
  });

  it("adds new tasks in rank order and removes deleted ones", () => {
    const store = createBoardStore(board());
    const watcher = watch(store, ["t1", "t2", "t3", "t4"], ["c-todo", "c-done"]);
    store.apply([
      { type: "taskUpserted", columnId: "c-done", task: task("t5", "c-done", "Z5") },
      { type: "taskRemoved", taskId: "t2" },
    ]);
    expect(render(store)).toEqual(["Todo: t1, t3", "Done: t5, t4"]);
    expect(store.task("t2")).toBeUndefined();
    expect(watcher.changed().sort()).toEqual(["c-done", "c-todo"]);
    watcher.dispose();
  });

  it("places new tasks joined together in rank order, and later patches in the same batch", () => {
    const store = createBoardStore(board());
    store.apply([
      { type: "taskUpserted", columnId: "c-todo", task: task("t9", "c-todo", "a1V") },
      { type: "taskUpserted", columnId: "c-todo", task: task("t8", "c-todo", "Z0") },
      { type: "taskUpserted", columnId: "c-done", task: task("t7", "c-done", "a1") },
      // Then moved, and one removed, in the same patches.
      { type: "taskUpserted", columnId: "c-done", task: task("t8", "c-done", "Z0") },
      { type: "taskRemoved", taskId: "t7" },
    ]);
    expect(render(store)).toEqual(["Todo: t1, t2, t9, t3", "Done: t8, t4"]);
    expect(store.columnOf("t8")).toBe("c-done");
    expect(store.task("t7")).toBeUndefined();
  });

  it("removes an archived task from view and shows it again when unarchived", () => {
    const store = createBoardStore(board());
    store.apply([{ type: "taskRemoved", taskId: "t1" }]);
    expect(render(store)).toEqual(["Todo: t2, t3", "Done: t4"]);
    store.apply([{ type: "taskUpserted", columnId: "c-todo", task: task("t1", "c-todo", "a0") }]);
    expect(render(store)).toEqual(["Todo: t1, t2, t3", "Done: t4"]);
  });

  it("shows a task in the column the shell names, even when its own column is gone", () => {
    const store = createBoardStore(board());
    store.apply([{ type: "taskUpserted", columnId: "c-todo", task: task("t9", "c-gone", "a3") }]);
    expect(render(store)).toEqual(["Todo: t1, t2, t3, t9", "Done: t4"]);
    expect(store.columnOf("t9")).toBe("c-todo");
  });

  it("adds, reorders and removes columns", () => {
    const store = createBoardStore(board());
    const watcher = watch(store, ["t1", "t2", "t3", "t4"], []);
    const meta = { title: "Doing", wip: 3, archived: false };
    store.apply([
      { type: "columnUpserted", column: { id: "c-doing", rank: "a0V", tasks: [], ...meta } },
    ]);
    store.apply([{ type: "taskUpserted", columnId: "c-doing", task: task("t6", "c-doing", "a0") }]);
    expect(render(store)).toEqual(["Todo: t1, t2, t3", "Doing: t6", "Done: t4"]);
    store.apply([
      { type: "columnUpserted", column: { id: "c-doing", rank: "Z0", tasks: [], ...meta } },
    ]);
    expect(render(store)).toEqual(["Doing: t6", "Todo: t1, t2, t3", "Done: t4"]);
    store.apply([
      { type: "columnRemoved", columnId: "c-todo" },
      { type: "columnRemoved", columnId: "c-doing" },
    ]);
    expect(render(store)).toEqual(["Done: t4"]);
    expect(watcher.changed()).toEqual([]);
    watcher.dispose();
  });

  it("applies board title and label patches", () => {
    const store = createBoardStore(board());
    store.apply([
      { type: "boardMeta", title: "Launch v2" },
      { type: "labelsReplaced", labels: [{ id: "l1", name: "bug", color: "#ff0000" }] },
    ]);
    expect(store.title()).toBe("Launch v2");
    expect(store.labels().get("l1")?.name).toBe("bug");
    store.apply([{ type: "labelsReplaced", labels: [] }]);
    expect(store.labels().size).toBe(0);
  });
});
